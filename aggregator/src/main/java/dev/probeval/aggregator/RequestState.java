package dev.probeval.aggregator;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The aggregator's state for one request (one prompt × model version × decoding configuration), kept in the
 * {@value AggregatorTopology#REQUEST_STATE_STORE} store under the request id: core's score accumulator plus k, the
 * greedy score, the largest sampled score and the set of sample indexes already counted.
 *
 * <p>The seen-set is how samples are de-duplicated by sample id: the aggregator only accepts a sample whose id equals
 * {@code SampleIds.sampleId(requestId, sampleIndex)} with the index in [0, targetN), so ids and indexes are in
 * one-to-one correspondence and a bit per index is an exact set of the ids seen. The set is a sparse bitset
 * ({@link SeenIndexes}): it grows with the indexes actually counted (at most targetN / 64 words of 12 bytes), so a
 * request with a huge numSamples allocates nothing before its samples arrive; it lives exactly as long as the
 * request's state.
 *
 * <p>Binary form 2: format byte, targetN, n, k, max, greedy, pending, lastProducedAt, the sparse seen-set, the
 * accumulator, then — only for a stream ended by its stopping rule — the stream length and the outcome (an int and a
 * byte; a state without them reads as undecided). Form 1 (a dense bitset of targetN bits) is still read, so a state
 * written before the change restores.
 *
 * <p>Early stopping: once the worker's last sample says the stream ends at n = {@link #streamLength()}, the request is
 * complete at that n ({@link #completeAt()}), and no sample with an index ≥ it is ever counted.
 */
final class RequestState {
    private static final byte FORMAT = 2;
    private static final byte FORMAT_DENSE = 1;

    private final int targetN;
    private final SeenIndexes seen;
    private final RequestAccumulator acc;
    private int n;
    private int k;
    private double maxSampled = Double.NaN;
    private double greedy = Double.NaN;
    private boolean pending;
    private long lastProducedAt = -1;
    /** Final stream length set by a stopping rule's outcome; 0 while the stream runs to its target n. */
    private int streamLength;
    /** Ordinal of the {@link dev.probeval.avro.StoppingStatus} outcome, -1 while undecided. */
    private byte stoppingStatus = -1;

    private RequestState(int targetN, SeenIndexes seen, RequestAccumulator acc) {
        this.targetN = targetN;
        this.seen = seen;
        this.acc = acc;
    }

    /** A fresh state for a request with {@code targetN} samples. */
    static RequestState create(int targetN) {
        if (targetN < 1) {
            throw new IllegalArgumentException("targetN must be >= 1, got " + targetN);
        }
        return new RequestState(targetN, new SeenIndexes(), RequestAccumulator.empty());
    }

    /** True when sample {@code index} was counted already. */
    boolean hasSeen(int index) {
        return index >= 0 && seen.contains(index);
    }

    /** Counts sampled output {@code index} with {@code score}; the caller checked it is new and in range. */
    void addSample(int index, double score, boolean leaked, long producedAt) {
        if (index < 0 || index >= targetN) {
            throw new IllegalArgumentException("sample index " + index + " outside [0, " + targetN + ")");
        }
        seen.add(index);
        acc.add(score);
        n++;
        if (leaked) {
            k++;
        }
        if (Double.isNaN(maxSampled) || score > maxSampled) {
            maxSampled = score;
        }
        lastProducedAt = producedAt;
        pending = true;
    }

    /**
     * Records that the worker ended the stream at {@code length} samples with {@code status}; a later or repeated
     * outcome is ignored (the first one is final).
     *
     * @return true when this call recorded it
     */
    boolean endStream(int length, dev.probeval.avro.StoppingStatus status) {
        if (streamLength > 0 || length < 1 || length > targetN || length < n) {
            return false;
        }
        streamLength = length;
        stoppingStatus = (byte) status.ordinal();
        pending = true;
        return true;
    }

    /** The stream length a stopping rule's outcome fixed, 0 when none did. */
    int streamLength() {
        return streamLength;
    }

    /** The outcome of the stopping rule, null while none arrived. */
    dev.probeval.avro.StoppingStatus stoppingStatus() {
        return stoppingStatus < 0 ? null : dev.probeval.avro.StoppingStatus.values()[stoppingStatus];
    }

    /** The n at which the request is complete: the stopped stream's length, else the target n. */
    int completeAt() {
        return streamLength > 0 ? streamLength : targetN;
    }

    /** True for a sampled index the stream will never count: at or past a stopped stream's length. */
    boolean pastStreamEnd(int index) {
        return streamLength > 0 && index >= streamLength;
    }

    boolean hasGreedy() {
        return !Double.isNaN(greedy);
    }

    void setGreedy(double score, long producedAt) {
        greedy = score;
        lastProducedAt = producedAt;
        pending = true;
    }

    int targetN() {
        return targetN;
    }

    int n() {
        return n;
    }

    int k() {
        return k;
    }

    /** Greedy score, or null before the greedy baseline arrived. */
    Double greedyScore() {
        return Double.isNaN(greedy) ? null : greedy;
    }

    /** Highest counted sample score, or null when n = 0. */
    Double maxSampledScore() {
        return Double.isNaN(maxSampled) ? null : maxSampled;
    }

    RequestAccumulator accumulator() {
        return acc;
    }

    /** True when an update has not been emitted yet. */
    boolean pending() {
        return pending;
    }

    void markEmitted() {
        pending = false;
    }

    /** producedAt of the sample that last changed this state (-1: none), for the emit-latency metric. */
    long lastProducedAt() {
        return lastProducedAt;
    }

    byte[] toBytes() {
        byte[] a = acc.toBytes();
        int tail = streamLength > 0 ? 5 : 0;
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 4 + 8 + 8 + 1 + 8 + seen.serializedSize() + 4 + a.length + tail);
        b.put(FORMAT)
                .putInt(targetN)
                .putInt(n)
                .putInt(k)
                .putDouble(maxSampled)
                .putDouble(greedy)
                .put((byte) (pending ? 1 : 0))
                .putLong(lastProducedAt);
        seen.writeTo(b);
        b.putInt(a.length).put(a);
        if (tail > 0) {
            b.putInt(streamLength).put(stoppingStatus);
        }
        return b.array();
    }

    static RequestState fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT && format != FORMAT_DENSE) {
            throw new SerializationException("unknown RequestState format " + format);
        }
        int targetN = b.getInt();
        int n = b.getInt();
        int k = b.getInt();
        double max = b.getDouble();
        double greedy = b.getDouble();
        boolean pending = b.get() != 0;
        long lastProducedAt = b.getLong();
        SeenIndexes seen;
        if (format == FORMAT_DENSE) {
            int words = b.getInt();
            if (words < 0 || words > b.remaining() / 8) {
                throw new SerializationException("corrupt RequestState: " + words + " bitset words");
            }
            long[] dense = new long[words];
            for (int i = 0; i < words; i++) {
                dense[i] = b.getLong();
            }
            seen = SeenIndexes.fromDense(dense);
        } else {
            try {
                seen = SeenIndexes.readFrom(b);
            } catch (IllegalArgumentException e) {
                throw new SerializationException("corrupt RequestState: " + e.getMessage(), e);
            }
        }
        byte[] a = new byte[b.getInt()];
        b.get(a);
        RequestState s = new RequestState(targetN, seen, RequestAccumulator.fromBytes(a));
        s.n = n;
        s.k = k;
        s.maxSampled = max;
        s.greedy = greedy;
        s.pending = pending;
        s.lastProducedAt = lastProducedAt;
        if (b.remaining() >= 5) {
            s.streamLength = b.getInt();
            s.stoppingStatus = b.get();
            if (s.streamLength < 1
                    || s.streamLength > targetN
                    || s.stoppingStatus < 0
                    || s.stoppingStatus >= dev.probeval.avro.StoppingStatus.values().length) {
                throw new SerializationException(
                        "corrupt RequestState: stream end " + s.streamLength + "/" + s.stoppingStatus);
            }
        }
        return s;
    }

    /** Serde for the state store and its changelog. */
    static Serde<RequestState> serde() {
        Serializer<RequestState> ser = (topic, s) -> s == null ? null : s.toBytes();
        Deserializer<RequestState> de = (topic, b) -> b == null ? null : fromBytes(b);
        return Serdes.serdeFrom(ser, de);
    }

    @Override
    public String toString() {
        return "RequestState{n=" + n + "/" + targetN + ", k=" + k + ", greedy=" + greedyScore() + ", max="
                + maxSampledScore() + ", pending=" + pending + ", seenWords=" + seen.words()
                + (streamLength > 0 ? ", stopped=" + stoppingStatus() + "@" + streamLength : "")
                + "}";
    }
}
