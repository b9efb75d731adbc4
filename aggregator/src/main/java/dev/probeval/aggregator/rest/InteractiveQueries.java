package dev.probeval.aggregator.rest;

import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/**
 * What the aggregator's HTTP API needs from its Kafka Streams instance: this instance's own state (the "local"
 * reads) and where the other instances are. The production implementation is
 * {@link dev.probeval.aggregator.BoundsQueries} over {@code KafkaStreams}; route tests use a fake, so every route is
 * reachable without a broker. Reads may throw Streams' {@code InvalidStateStoreException} while the group rebalances;
 * the server answers 503 then.
 */
public interface InteractiveQueries {

    /** Every model roll-up held by this instance. */
    List<ModelVersionBounds> localModelBounds();

    /** The roll-ups of one model version held by this instance (one per suite and split). */
    List<ModelVersionBounds> localModelBounds(String modelVersion);

    /** The latest emitted bounds of every request for (model version, prompt id) held by this instance. */
    List<PromptBounds> localPromptBounds(String modelVersion, String promptId);

    /**
     * The latest emitted bounds of every request of one model version held by this instance (all its prompts, every
     * suite and split): what the dashboard's prompt table shows.
     */
    List<PromptBounds> localVersionPrompts(String modelVersion);

    /** Live bounds of one request held by this instance, as of {@code nowMs}; empty if it holds no such request. */
    Optional<PromptBounds> localRequestBounds(String requestId, long nowMs);

    /**
     * The REJECTED mark of a request held by this instance (a worker refused it): its reason code and message; empty
     * when it is not rejected.
     */
    default Optional<RequestRejection> localRequestRejection(String requestId) {
        return Optional.empty();
    }

    /** Why a request ended REJECTED: a {@code dev.probeval.contract.DeadLetterReason} code and one line. */
    record RequestRejection(String reasonCode, String message) {}

    /** The instance (its {@code application.server}) that owns {@code requestId}, empty while rebalancing. */
    Optional<HostInfo> ownerOfRequest(String requestId);

    /** Every instance of the application, this one included. */
    List<HostInfo> allInstances();
}
