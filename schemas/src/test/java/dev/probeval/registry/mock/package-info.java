/**
 * The tests' in-memory schema registry ({@code mock://<scope>} URLs): test code of {@code probeval-schemas}, shared
 * with other modules' tests through its test jar ({@code <type>test-jar</type>}, test scope), never in a main jar.
 */
package dev.probeval.registry.mock;
