/**
 * Tests that start several services on one embedded broker and registry, for behaviour no single service owns: the
 * sampler worker's exactly-once output as the aggregator counts it. Services never depend on each other, so these
 * tests live in their own module.
 */
package dev.probeval.tests;
