package dev.probeval.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.text.Texts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The readers behind {@code fromJson}: strict ones for requests (absent or null reads as null, any other type
 * mismatch is a {@link ProtocolException} naming the field), lenient ones for responses (a mismatch reads as null).
 */
final class Json {
    /** How much of a client's value an error quotes. */
    private static final int QUOTE_CHARS = 64;

    private Json() {}

    static ObjectNode requestObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ProtocolException(null, "the request body must be a JSON object");
        }
        return (ObjectNode) body;
    }

    private static JsonNode present(ObjectNode o, String f) {
        JsonNode v = o.get(f);
        return v == null || v.isNull() ? null : v;
    }

    static String quote(JsonNode v) {
        return Texts.clip(String.valueOf(v), QUOTE_CHARS);
    }

    static String string(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ProtocolException(f, f + " must be a string");
        }
        return v.asText();
    }

    static Boolean bool(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new ProtocolException(f, f + " must be true or false, got " + quote(v));
        }
        return v.asBoolean();
    }

    static Integer integer(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ProtocolException(f, f + " must be an integer, got " + quote(v));
        }
        return v.asInt();
    }

    static Long int64(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ProtocolException(f, f + " must be a 64-bit integer, got " + quote(v));
        }
        return v.asLong();
    }

    static Double number(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw new ProtocolException(f, f + " must be a number, got " + quote(v));
        }
        return v.asDouble();
    }

    /** A string or an array of strings, as a list; null when absent. */
    static List<String> strings(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(v.asText());
            return out;
        }
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw new ProtocolException(f, f + " must be a string or an array of strings");
                }
                out.add(e.asText());
            }
            return out;
        }
        throw new ProtocolException(f, f + " must be a string or an array of strings");
    }

    /** An object of numbers (logit_bias: token id to bias), in its order; null when absent. */
    static Map<String, Double> numbers(ObjectNode o, String f) {
        JsonNode v = present(o, f);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw new ProtocolException(f, f + " must be an object of numbers, got " + quote(v));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isNumber()) {
                throw new ProtocolException(f, f + " must be an object of numbers, got " + quote(v));
            }
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }

    static StreamOptions streamOptions(ObjectNode o) {
        JsonNode v = present(o, "stream_options");
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw new ProtocolException("stream_options", "stream_options must be an object");
        }
        return new StreamOptions(bool((ObjectNode) v, "include_usage"));
    }

    // Lenient readers: what a client takes from a response.

    static String textOrNull(JsonNode v) {
        return v != null && v.isTextual() ? v.asText() : null;
    }

    static Integer intOrNull(JsonNode v) {
        return v != null && v.isInt() ? v.asInt() : null;
    }

    /** A number, or NaN for anything else (a null log-probability among numbers poisons their sum, as it should). */
    static double numberOrNaN(JsonNode v) {
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }
}
