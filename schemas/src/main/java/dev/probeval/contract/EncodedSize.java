package dev.probeval.contract;

import dev.probeval.avro.EvalRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/** The Avro binary size of a request, counted without keeping the bytes. */
final class EncodedSize {
    private static final SpecificDatumWriter<EvalRequest> WRITER = new SpecificDatumWriter<>(EvalRequest.class);

    private EncodedSize() {}

    /** Bytes of {@code r} as Avro binary (the record value without the wire-format header). */
    static long of(EvalRequest r) {
        Counter counter = new Counter();
        try {
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(counter, null);
            WRITER.write(r, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counter.count;
    }

    private static final class Counter extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
