package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.serde.SpecificAvroSerde;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * How the worker reads requests and writes samples (it writes no dead letters: the aggregator owns them):
 * Confluent-wire-format Avro through the configured registry, or (in unit tests) any serdes without a registry.
 *
 * @param requests deserializer of the requests topic's values
 * @param samples serializer of scored samples
 * @param resources closed with the worker (the registry client)
 */
record WorkerSerdes(Deserializer<EvalRequest> requests, Serializer<ScoredSample> samples, AutoCloseable resources) {

    /** The serdes of {@link WorkerConfig#serdeConfig()}, sharing one registry client. */
    static WorkerSerdes fromConfig(WorkerConfig config) {
        SchemaRegistryClient client =
                AvroSerdeConfig.from(config.kafka().serdeConfig()).createClient();
        return new WorkerSerdes(
                SpecificAvroSerde.configured(
                                EvalRequest.class, client, config.kafka().serdeConfig())
                        .deserializer(),
                Topics.SAMPLES.valueSerde(client, config.kafka().serdeConfig()).serializer(),
                client::close);
    }
}
