package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import org.apache.kafka.common.TopicPartition;

/**
 * Requests whose samples are all committed, so a re-sent copy (same id, same evaluation) is not drawn again.
 *
 * <p>A request is named by its fingerprint: 72 bits of SHA-256 over its Avro encoding with {@code createdAt} and
 * {@code attributes} blanked (a re-submission stamps a new time; neither field reaches a sample), so a copy that
 * differs in anything a sample depends on is drawn as a new request. A fingerprint is only ever added after the
 * transaction that committed the request's last chunk, and that very transaction's offset metadata carries it (a first
 * line {@code probeval-worker/done <fp>,<fp>,...} before the {@link Progress}), so "complete" is as durable as the
 * samples themselves. Each partition's metadata keeps its most recent {@value #PER_PARTITION} completions; the worker
 * also remembers the last {@value #REMEMBERED} it saw in memory, from its own commits and from the metadata of every
 * partition it was assigned. Older completions are forgotten, and a copy of one is drawn again, which is only wasteful:
 * the samples are identical and the aggregator counts each sample id once. Worker thread only.
 */
final class CompletedRequests {
    /** Completions carried in each partition's offset metadata. */
    static final int PER_PARTITION = 150;
    /** Completions remembered in memory. */
    static final int REMEMBERED = 100_000;

    static final String PREFIX = "probeval-worker/done ";
    /**
     * Longest metadata committed: the broker's default {@code offset.metadata.max.bytes} is 4096; oldest completions are
     * dropped from the line to stay under this.
     */
    static final int MAX_METADATA = 4000;

    private final Map<TopicPartition, Deque<String>> recent = new HashMap<>();
    private final LinkedHashMap<String, Boolean> known = new LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** The fingerprint of a request: 12 base64url chars. */
    static String fingerprint(EvalRequest r) {
        EvalRequest copy = EvalRequest.newBuilder(r)
                .setCreatedAt(Instant.EPOCH)
                .setAttributes(Map.of())
                .build();
        try {
            ByteBuffer bytes = copy.toByteBuffer();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes);
            byte[] d = sha.digest();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(d, 9));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** Whether the request with this fingerprint is known to be complete. */
    boolean contains(String fingerprint) {
        return known.containsKey(fingerprint);
    }

    /** The request {@code fingerprint} on {@code tp} committed its last chunk (with {@link #metadata} naming it). */
    void completed(TopicPartition tp, String fingerprint) {
        Deque<String> d = recent.computeIfAbsent(tp, k -> new ArrayDeque<>());
        d.remove(fingerprint);
        d.addLast(fingerprint);
        while (d.size() > PER_PARTITION) {
            d.removeFirst();
        }
        known.put(fingerprint, Boolean.TRUE);
    }

    /** Reads the completions of {@code tp}'s committed metadata (replacing what was known of that partition). */
    void load(TopicPartition tp, String metadata) {
        List<String> fps = parse(metadata);
        Deque<String> d = new ArrayDeque<>(fps);
        recent.put(tp, d);
        fps.forEach(fp -> known.put(fp, Boolean.TRUE));
    }

    /** The partitions are no longer ours (what was learnt of them stays known: completion is a fact, not ownership). */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(recent::remove);
    }

    /**
     * The metadata to commit on {@code tp}: the completions line (with {@code plus}, the request this transaction
     * completes, when not null) then {@code progress} (may be empty), oldest completions dropped to fit
     * {@value #MAX_METADATA} chars. Without completions, {@code progress} alone, as workers before this line wrote it.
     */
    String metadata(TopicPartition tp, String progress, String plus) {
        List<String> fps = new ArrayList<>(recent.getOrDefault(tp, new ArrayDeque<>()));
        if (plus != null) {
            fps.remove(plus);
            fps.add(plus);
        }
        int room = MAX_METADATA - progress.length() - PREFIX.length() - 1;
        int keep = Math.max(0, Math.min(fps.size(), (room + 1) / 13)); // 12 chars and a comma each
        if (keep == 0) {
            return progress;
        }
        return PREFIX + String.join(",", fps.subList(fps.size() - keep, fps.size())) + "\n" + progress;
    }

    /** The fingerprints of a completions line at the start of {@code metadata}; empty without one. */
    static List<String> parse(String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return List.of();
        }
        int nl = metadata.indexOf('\n');
        String line = metadata.substring(PREFIX.length(), nl < 0 ? metadata.length() : nl);
        List<String> out = new ArrayList<>();
        for (String fp : line.split(",")) {
            if (fp.length() == 12) {
                out.add(fp);
            }
        }
        return out;
    }

    /** {@code metadata} without its completions line (the {@link Progress} part, possibly empty). */
    static String withoutLine(String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return metadata;
        }
        int nl = metadata.indexOf('\n');
        return nl < 0 ? "" : metadata.substring(nl + 1);
    }
}
