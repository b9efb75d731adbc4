package dev.probeval.app;

import picocli.CommandLine.Option;

/** The schema registry a command's Avro serdes talk to; declared once for every command that has serdes. */
final class SchemaRegistryOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:8081";

  @Option(names = "--schema-registry-url", paramLabel = "URL", defaultValue = DEFAULT_URL,
      description = "Confluent-compatible schema registry (default: ${DEFAULT-VALUE}, the `probeval registry` "
          + "default).")
  String url;

  /**
   * The URL, which must be http(s): the serdes also accept {@code mock://} scopes, but those live in one JVM and
   * would make a separately started command silently see other schemas.
   */
  String url() {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new UsageException("--schema-registry-url must be an http(s) URL, got " + url);
    }
    return url;
  }
}
