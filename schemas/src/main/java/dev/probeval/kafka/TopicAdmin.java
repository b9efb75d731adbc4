package dev.probeval.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics explicitly (probeval never relies on broker auto-creation) and idempotently: topics that exist are
 * left as they are and reported, including a partition count that differs from the one asked for, since co-partitioned
 * topics with different counts would silently break the aggregator's join.
 */
public final class TopicAdmin {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What {@link #ensureTopics} did. */
    public record Result(List<String> created, List<String> existing, Map<String, Integer> partitionMismatches) {}

    private TopicAdmin() {}

    /** Creates every probeval topic ({@link Topics#ALL}) that is missing. */
    public static Result ensureTopics(Admin admin, int partitions, short replicationFactor) {
        return ensureTopics(admin, Topics.ALL, partitions, replicationFactor);
    }

    /** Creates the given registry topics that are missing, with their configs. */
    public static Result ensureTopics(
            Admin admin, Collection<? extends Topic<?, ?>> topics, int partitions, short replicationFactor) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be >= 1, got " + replicationFactor);
        }
        List<NewTopic> newTopics = new ArrayList<>();
        for (Topic<?, ?> t : topics) {
            newTopics.add(t.newTopic(Optional.of(partitions), Optional.of(replicationFactor)));
        }
        return ensure(admin, newTopics);
    }

    /** Creates any topics in {@code newTopics} that do not exist yet; existing ones are left unchanged. */
    public static Result ensure(Admin admin, Collection<NewTopic> newTopics) {
        List<String> created = new ArrayList<>();
        List<String> existing = new ArrayList<>();
        CreateTopicsResult result = admin.createTopics(newTopics);
        for (Map.Entry<String, KafkaFuture<Void>> e : result.values().entrySet()) {
            try {
                e.getValue().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                created.add(e.getKey());
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof TopicExistsException) {
                    existing.add(e.getKey());
                } else {
                    throw new IllegalStateException(
                            "Cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating topic " + e.getKey(), ex);
            } catch (TimeoutException ex) {
                throw new IllegalStateException("Timed out after " + TIMEOUT + " creating topic " + e.getKey(), ex);
            }
        }
        Map<String, Integer> mismatches = new LinkedHashMap<>();
        if (!existing.isEmpty()) {
            try {
                Map<String, TopicDescription> described =
                        admin.describeTopics(existing).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                for (NewTopic nt : newTopics) {
                    TopicDescription d = described.get(nt.name());
                    if (d != null && nt.numPartitions() > 0 && d.partitions().size() != nt.numPartitions()) {
                        mismatches.put(nt.name(), d.partitions().size());
                    }
                }
            } catch (ExecutionException | TimeoutException ex) {
                throw new IllegalStateException("Cannot describe existing topics " + existing + ": " + ex, ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while describing topics", ex);
            }
        }
        return new Result(List.copyOf(created), List.copyOf(existing), Map.copyOf(mismatches));
    }

    /** Opens an admin client on {@code bootstrapServers} (caller closes it). */
    public static Admin admin(String bootstrapServers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(p);
    }
}
