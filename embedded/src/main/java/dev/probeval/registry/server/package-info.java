/**
 * probeval's schema registry server: Confluent's REST API subset ({@code RegistryApi}'s routes on the shared
 * {@code dev.probeval.http.WebServer}, Javalin), its schemas kept in a compacted Kafka topic
 * ({@code KafkaSchemaStore}, behind the {@code SchemaStore} seam) so ids survive restarts.
 */
package dev.probeval.registry.server;
