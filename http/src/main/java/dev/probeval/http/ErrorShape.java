package dev.probeval.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one server writes its errors: a content type and the JSON object for an {@link HttpError}. A server has one
 * shape for every error it answers, its own and the framework's (unknown path, wrong method, unexpected exception).
 */
public interface ErrorShape {

    /** The response's {@code Content-Type}. */
    String contentType();

    /** The value serialised as the response body (a map keeps the field order clients may compare bytes on). */
    Object body(HttpError error);

    /** {@code {"error":"message"}} as {@code application/json}: the aggregator's and the worker's shape. */
    ErrorShape MESSAGE = new ErrorShape() {
        @Override
        public String contentType() {
            return "application/json";
        }

        @Override
        public Object body(HttpError error) {
            return Map.of("error", String.valueOf(error.getMessage()));
        }
    };

    /**
     * Confluent Schema Registry's shape, {@code {"error_code":40401,"message":"..."}} in this field order, with the
     * given content type (the registry's {@code application/vnd.schemaregistry.v1+json}).
     */
    static ErrorShape confluent(String contentType) {
        return new ErrorShape() {
            @Override
            public String contentType() {
                return contentType;
            }

            @Override
            public Object body(HttpError error) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("error_code", error.code());
                m.put("message", String.valueOf(error.getMessage()));
                return m;
            }
        };
    }
}
