/**
 * probeval's schema registry server: Confluent's REST API subset on the JDK's HTTP server, its schemas kept in a
 * compacted Kafka topic so ids survive restarts.
 */
package dev.probeval.registry.server;
