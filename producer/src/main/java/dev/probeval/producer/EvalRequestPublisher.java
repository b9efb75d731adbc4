package dev.probeval.producer;

import dev.probeval.avro.EvalRequest;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes {@link EvalRequest}s to {@code probeval.eval-requests.v1}, keyed by request id, through an idempotent
 * producer ({@code enable.idempotence=true}, {@code acks=all}): a retried send never duplicates a record, and a
 * re-submitted request has the same key, which the aggregator de-duplicates by sample id.
 */
public final class EvalRequestPublisher implements AutoCloseable {
    private final Producer<String, EvalRequest> producer;
    private final String topic;

    /** Wraps an existing producer (tests pass a {@code MockProducer}). */
    public EvalRequestPublisher(Producer<String, EvalRequest> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /**
     * Pass-through keys the producer refuses (beside {@link KafkaServiceConfig#RESERVED_KEYS}): a request is sent at
     * most once per key only through an idempotent producer that waits for every replica.
     */
    public static final Map<String, String> RESERVED_KAFKA_KEYS = Map.of(
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "the producer is always idempotent",
            ProducerConfig.ACKS_CONFIG, "the producer always waits for acks=all");

    /** A {@link KafkaServiceConfig} builder that refuses the producer's reserved keys as they are given. */
    public static KafkaServiceConfig.Builder kafkaBuilder() {
        return KafkaServiceConfig.builder(RESERVED_KAFKA_KEYS);
    }

    /**
     * An idempotent Kafka producer on the cluster and client properties of {@code config} whose values are serialised
     * with its registry.
     *
     * @throws IllegalArgumentException without a registry URL, or with a pass-through key the producer reserves
     */
    public static EvalRequestPublisher connect(KafkaServiceConfig config) {
        config.refuseReservedKeys(RESERVED_KAFKA_KEYS).requireSchemaRegistryUrl();
        return connect(config.clientProperties(), config.serdeConfig());
    }

    /**
     * An idempotent Kafka producer on {@code kafkaConfig} (bootstrap servers and client settings) whose values are
     * serialised with the registry in {@code serdeConfig}.
     */
    public static EvalRequestPublisher connect(Map<String, Object> kafkaConfig, Map<String, ?> serdeConfig) {
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "probeval-producer");
        c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new EvalRequestPublisher(
                new KafkaProducer<>(
                        c,
                        new StringSerializer(),
                        Topics.EVAL_REQUESTS.valueSerde(serdeConfig).serializer()),
                Topics.EVAL_REQUESTS.name());
    }

    /**
     * Sends every request and waits until the broker acknowledged all of them; returns their ids in order.
     *
     * @throws PublishException naming the first request that failed
     */
    public List<String> publish(List<EvalRequest> requests) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (EvalRequest r : requests) {
            acks.add(producer.send(new ProducerRecord<>(topic, r.getRequestId(), r)));
        }
        producer.flush();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
            } catch (ExecutionException e) {
                throw new PublishException(
                        "request " + requests.get(i).getRequestId() + " was not acknowledged: "
                                + e.getCause().getMessage(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PublishException("interrupted while sending", e);
            }
            ids.add(requests.get(i).getRequestId());
        }
        return ids;
    }

    @Override
    public void close() {
        producer.close();
    }

    /** A send the broker did not acknowledge. */
    public static final class PublishException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
