/**
 * Test fixtures over the in-process broker: {@link dev.probeval.broker.testing.KafkaTestCluster} starts an
 * {@link dev.probeval.broker.EmbeddedKafka}, the project's {@link dev.probeval.registry.server.SchemaRegistryServer}
 * and every probeval topic, and offers the produce and read-committed helpers that the integration and end-to-end
 * tests of the aggregator, sampler-worker and tests modules share. It ships in the {@code embedded} module's test jar
 * (as the schemas module's mock registry does), not in its main jar, and not in {@code test-support}, which is a test
 * dependency of {@code embedded} itself and so cannot depend on it.
 */
package dev.probeval.broker.testing;
