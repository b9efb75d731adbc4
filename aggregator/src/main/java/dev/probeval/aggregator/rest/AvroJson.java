package dev.probeval.aggregator.rest;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** Converts generated Avro records to plain maps for Jackson: field names as in the schema, times as epoch ms. */
final class AvroJson {
    private AvroJson() {}

    static Map<String, Object> toMap(SpecificRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Schema.Field f : r.getSchema().getFields()) {
            m.put(f.name(), plain(r.get(f.pos())));
        }
        return m;
    }

    private static Object plain(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Instant i) {
            return i.toEpochMilli();
        }
        if (v instanceof SpecificRecord r) {
            return toMap(r);
        }
        if (v instanceof ByteBuffer) {
            return null;
        }
        return v.toString();
    }
}
