/**
 * Building, validating and publishing {@link dev.probeval.avro.EvalRequest}s: the library behind
 * {@code probeval produce} and {@code probeval demo}. Inputs are parsed by {@link dev.probeval.producer.InputParser}
 * (JSON lines or TOFU-style question/answer lines), turned into requests by
 * {@link dev.probeval.producer.RequestTemplate}, checked line by line by a {@link dev.probeval.producer.RequestCheck} (the shared contract: {@link dev.probeval.producer.ContractRequestCheck})
 * and sent by {@link dev.probeval.producer.EvalRequestPublisher} (idempotent producer, key = request id).
 */
package dev.probeval.producer;
