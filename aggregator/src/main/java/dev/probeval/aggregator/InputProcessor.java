package dev.probeval.aggregator;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.contract.EvalRequestValidator;
import dev.probeval.kafka.Topics;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The one processor node behind both input topics (node {@code inputs-process}): routes each raw record by its source
 * topic to {@link RequestsProcessor} or {@link SamplesProcessor}. Why one node rather than one per topic: the two
 * share per-task object caches of the requests and request states ({@link CachedStore}), which must have a single
 * owner to stay coherent (a request tombstone or a conflicting re-send deletes a state the sample side has cached),
 * and a stored request must release its buffered early samples in the same record's processing. Both topics are
 * co-partitioned, so partition p of both still lands in one task, and Streams still picks the next record across
 * them by timestamp.
 */
final class InputProcessor implements Processor<byte[], byte[], String, Object> {
    private final AggregatorConfig config;
    private final AggregatorMetrics metrics;
    private final Deserializer<EvalRequest> requestDeserializer;
    private final Deserializer<ScoredSample> sampleDeserializer;
    private ProcessorContext<String, Object> context;
    private RequestsProcessor requests;
    private SamplesProcessor samples;
    private CachedStore<EvalRequest> requestCache;
    private CachedStore<RequestState> stateCache;
    private CommitHook commitHook;

    InputProcessor(
            AggregatorConfig config,
            AggregatorMetrics metrics,
            Deserializer<EvalRequest> requestDeserializer,
            Deserializer<ScoredSample> sampleDeserializer) {
        this.config = config;
        this.metrics = metrics;
        this.requestDeserializer = requestDeserializer;
        this.sampleDeserializer = sampleDeserializer;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        requestCache = CachedStore.writeThrough(
                context.getStateStore(AggregatorTopology.REQUESTS_STORE), config.objectCacheEntries());
        // Updated on every sample: written back once per commit, from the commit hook (CommitHook, CachedStore).
        stateCache = CachedStore.writeBack(
                context.getStateStore(AggregatorTopology.REQUEST_STATE_STORE), config.objectCacheEntries());
        commitHook = context.getStateStore(AggregatorTopology.COMMIT_HOOK_STORE);
        commitHook.clearActions();
        commitHook.onFlush(stateCache::flush);
        samples = new SamplesProcessor(sampleDeserializer, config, metrics, requestCache, stateCache);
        requests = new RequestsProcessor(
                requestDeserializer,
                metrics,
                requestCache,
                stateCache,
                samples::releaseEarly,
                new EvalRequestValidator(config.kafka().requestLimits()),
                context.getStateStore(AggregatorTopology.REQUEST_REJECTIONS_STORE));
        samples.init(context);
        requests.init(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        if (topic.equals(Topics.EVAL_REQUESTS.name())) {
            requests.process(record);
        } else {
            samples.process(record);
        }
    }

    @Override
    public void close() {
        if (samples != null) {
            samples.close();
            requests.close();
            // Every commit (also the last one of a clean close or a revocation) flushed the states before this runs.
            commitHook.clearActions();
            requestCache.clear();
            stateCache.clear();
        }
    }
}
