/**
 * Test support shared by every module's tests: {@link dev.probeval.testsupport.SharedDir} finds the {@code ../shared}
 * oracle data, {@link dev.probeval.testsupport.Await} polls a condition until it holds. This module is a test-scope dependency everywhere (the benchmarks harness, which is not a product jar,
 * uses it in compile scope), so nothing here reaches a product jar.
 */
package dev.probeval.testsupport;
