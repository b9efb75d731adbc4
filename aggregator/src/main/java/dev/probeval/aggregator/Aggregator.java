package dev.probeval.aggregator;

import dev.probeval.aggregator.rest.AggregatorHttpServer;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running aggregator instance: creates the probeval topics when missing, starts the REST API (so its port is known
 * for {@code application.server}), then Kafka Streams on {@link AggregatorTopology}, with Micrometer meters (its own
 * and Kafka Streams' through {@link KafkaStreamsMetrics}) served on {@code /metrics}.
 */
public final class Aggregator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Aggregator.class);

  private final AggregatorConfig config;
  private final PrometheusMeterRegistry registry;
  private final AggregatorHttpServer http;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final AggregatorMetrics metrics;

  private Aggregator(AggregatorConfig config) {
    this.config = config;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.metrics = new AggregatorMetrics(registry);
    try (Admin admin = TopicAdmin.admin(config.bootstrapServers())) {
      TopicAdmin.Result r = TopicAdmin.ensureTopics(admin, Topics.ALL, config.partitions(),
          config.replicationFactor());
      if (!r.partitionMismatches().isEmpty()) {
        LOG.warn("Existing topics with another partition count than {}: {}; requests and samples must have the same "
            + "count (co-partitioned)", config.partitions(), r.partitionMismatches());
      }
    }
    this.http = new AggregatorHttpServer(config.httpHost(), config.httpPort(), registry);
    Properties props = config.streamsProperties(http.port());
    KafkaStreams ks;
    try {
      ks = new KafkaStreams(AggregatorTopology.build(config, metrics), props);
    } catch (RuntimeException e) {
      http.close();
      throw e;
    }
    this.streams = ks;
    // Poison records are dead-lettered inside the topology; what still throws (registry down, broker trouble) is
    // transient: replace the thread, the aborted transaction's records are processed again.
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("Stream thread failed; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener((now, before) -> http.state(now.name()));
    this.streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    http.attach(new BoundsQueries(streams, config.edLambda()), new HostInfo(config.advertisedHost(), http.port()));
  }

  /** Starts an instance; returns once Streams is started (not necessarily RUNNING yet, see {@link #awaitRunning}). */
  public static Aggregator start(AggregatorConfig config) {
    Aggregator a = new Aggregator(config);
    a.streams.start();
    LOG.info("Aggregator {} started: REST on http://{}:{}, exactly-once, application.server={}",
        config.applicationId(), config.httpHost(), a.http.port(),
        config.streamsProperties(a.http.port()).get(StreamsConfig.APPLICATION_SERVER_CONFIG));
    return a;
  }

  /** Waits until Streams is RUNNING; throws if it is not within {@code timeout}. */
  public void awaitRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("aggregator not RUNNING after " + timeout + " (state " + streams.state()
            + ")");
      }
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("aggregator stopped: " + streams.state());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  public int httpPort() {
    return http.port();
  }

  public String httpUrl() {
    return "http://" + config.advertisedHost() + ":" + http.port();
  }

  public KafkaStreams streams() {
    return streams;
  }

  public AggregatorMetrics metrics() {
    return metrics;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public AggregatorConfig config() {
    return config;
  }

  /** Stops Streams (committing its last transaction) and the HTTP server. */
  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    streamsMetrics.close();
    http.close();
    registry.close();
  }
}
