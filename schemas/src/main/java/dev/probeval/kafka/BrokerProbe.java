package dev.probeval.kafka;

import java.util.Set;

/**
 * Asks the Kafka cluster whether it answers and which topics exist: the broker half of a service's readiness. The
 * seam where health tests put a fake in place of a broker; {@link AdminBrokerProbe} is the real one.
 */
public interface BrokerProbe extends AutoCloseable {
    /** The cluster's answer now (or a recent cached one); never throws. */
    Result probe();

    @Override
    default void close() {}

    /**
     * One probe: whether the cluster answered, the topic names it listed (empty when it did not answer), and the error
     * when it did not.
     */
    record Result(boolean reachable, Set<String> topics, String error) {
        public Result {
            topics = Set.copyOf(topics);
        }

        /** The cluster answered and lists {@code topics}. */
        public static Result reachable(Set<String> topics) {
            return new Result(true, topics, null);
        }

        /** The cluster did not answer; {@code error} says how. */
        public static Result unreachable(String error) {
            return new Result(false, Set.of(), error);
        }
    }
}
