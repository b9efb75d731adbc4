/** A single-node KRaft Kafka broker run in-process from the Maven classpath: the project's default cluster. */
package dev.probeval.broker;
