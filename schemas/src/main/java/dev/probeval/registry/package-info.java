/**
 * Schema registry, Confluent-API compatible: the REST client the serde uses ({@link
 * dev.probeval.registry.RestSchemaRegistryClient}), the registry rules shared by the embedded server and the tests'
 * in-memory {@code mock://} registry ({@link dev.probeval.registry.SchemaRegistryState}), the provider interface
 * through which such non-HTTP registries plug in ({@link dev.probeval.registry.SchemaRegistryClientProvider}), and
 * the error type carrying Confluent's error codes.
 */
package dev.probeval.registry;
