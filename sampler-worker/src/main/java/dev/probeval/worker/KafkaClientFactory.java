package dev.probeval.worker;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Creates the worker's Kafka clients from the properties {@link WorkerClients} computes. The seam where unit tests put
 * Kafka's {@code MockConsumer} / {@code MockProducer} in place of a broker.
 */
interface KafkaClientFactory {
    /** Real clients. */
    KafkaClientFactory KAFKA = new KafkaClientFactory() {
        @Override
        public Consumer<byte[], byte[]> consumer(Map<String, Object> props) {
            return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Producer<String, byte[]> producer(Map<String, Object> props) {
            return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public Admin admin(Map<String, Object> props) {
            return Admin.create(props);
        }
    };

    /** The request consumer: raw bytes, so the worker decides what an undeserializable record becomes. */
    Consumer<byte[], byte[]> consumer(Map<String, Object> props);

    /** The transactional producer of samples and dead letters (values already serialized). */
    Producer<String, byte[]> producer(Map<String, Object> props);

    /** The admin client that creates missing topics at start. */
    Admin admin(Map<String, Object> props);
}
