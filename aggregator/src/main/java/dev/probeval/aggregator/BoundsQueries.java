package dev.probeval.aggregator;

import dev.probeval.aggregator.rest.InteractiveQueries;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries against this instance's local state stores (what the REST API serves, merging the answers of
 * all instances), plus the key-to-owner lookup used to forward single-key queries.
 */
final class BoundsQueries implements InteractiveQueries {
    private final KafkaStreams streams;
    private final double edLambda;

    BoundsQueries(KafkaStreams streams, double edLambda) {
        this.streams = streams;
        this.edLambda = edLambda;
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(
                StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    /** Every model roll-up held by this instance. */
    @Override
    public List<ModelVersionBounds> localModelBounds() {
        List<ModelVersionBounds> out = new ArrayList<>();
        try (KeyValueIterator<String, ModelVersionBounds> it = this.<ModelVersionBounds>store(
                        AggregatorTopology.MODEL_BOUNDS_STORE)
                .all()) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    /** The roll-ups of one model version held by this instance (one per suite and split). */
    @Override
    public List<ModelVersionBounds> localModelBounds(String modelVersion) {
        List<ModelVersionBounds> out = new ArrayList<>();
        try (KeyValueIterator<String, ModelVersionBounds> it = this.<ModelVersionBounds>store(
                        AggregatorTopology.MODEL_BOUNDS_STORE)
                .prefixScan(modelVersion + "|", new StringSerializer())) {
            while (it.hasNext()) {
                ModelVersionBounds b = it.next().value;
                if (b.getModelVersion().equals(modelVersion)) {
                    out.add(b);
                }
            }
        }
        return out;
    }

    /** The latest emitted bounds of every request for (model version, prompt id) held by this instance. */
    @Override
    public List<PromptBounds> localPromptBounds(String modelVersion, String promptId) {
        List<PromptBounds> out = new ArrayList<>();
        try (KeyValueIterator<String, RollupEntry> it = this.<RollupEntry>store(AggregatorTopology.MODEL_REQUESTS_STORE)
                .prefixScan(modelVersion + "|", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, RollupEntry> kv = it.next();
                PromptBounds pb = kv.value.bounds();
                if (pb.getModelVersion().equals(modelVersion)
                        && pb.getPromptId().equals(promptId)) {
                    out.add(pb);
                }
            }
        }
        return out;
    }

    /** The latest emitted bounds of every request of one model version held by this instance. */
    @Override
    public List<PromptBounds> localVersionPrompts(String modelVersion) {
        List<PromptBounds> out = new ArrayList<>();
        try (KeyValueIterator<String, RollupEntry> it = this.<RollupEntry>store(AggregatorTopology.MODEL_REQUESTS_STORE)
                .prefixScan(modelVersion + "|", new StringSerializer())) {
            while (it.hasNext()) {
                PromptBounds pb = it.next().value.bounds();
                if (pb.getModelVersion().equals(modelVersion)) {
                    out.add(pb);
                }
            }
        }
        return out;
    }

    /** Live bounds of one request from this instance's request state (including updates not emitted yet). */
    @Override
    public Optional<PromptBounds> localRequestBounds(String requestId, long nowMs) {
        EvalRequest request =
                this.<EvalRequest>store(AggregatorTopology.REQUESTS_STORE).get(requestId);
        if (request == null) {
            return Optional.empty();
        }
        RequestState state =
                this.<RequestState>store(AggregatorTopology.REQUEST_STATE_STORE).get(requestId);
        if (state == null) {
            state = RequestState.create(request.getNumSamples());
        }
        return Optional.of(PromptBoundsFactory.build(request, state, edLambda, nowMs));
    }

    @Override
    public Optional<RequestRejection> localRequestRejection(String requestId) {
        String v =
                this.<String>store(AggregatorTopology.REQUEST_REJECTIONS_STORE).get(requestId);
        if (v == null) {
            return Optional.empty();
        }
        int tab = v.indexOf('\t');
        return Optional.of(
                tab < 0
                        ? new RequestRejection(v, "")
                        : new RequestRejection(v.substring(0, tab), v.substring(tab + 1)));
    }

    /** The instance whose active task holds {@code requestId}, or empty while the group rebalances. */
    @Override
    public Optional<HostInfo> ownerOfRequest(String requestId) {
        KeyQueryMetadata m =
                streams.queryMetadataForKey(AggregatorTopology.REQUEST_STATE_STORE, requestId, new StringSerializer());
        if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Optional.empty();
        }
        return Optional.of(m.activeHost());
    }

    /** Every instance of this application (from the group's metadata), this one included. */
    @Override
    public List<HostInfo> allInstances() {
        List<HostInfo> out = new ArrayList<>();
        streams.metadataForAllStreamsClients().forEach(m -> out.add(m.hostInfo()));
        return out;
    }
}
