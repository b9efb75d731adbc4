package dev.probeval.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The {@code model.params} file (format 1): magic {@code "PVGP"}, the parameter count, then per parameter its
 * name ({@link DataOutputStream#writeUTF}), a byte length and DJL's {@link NDArray#encode()} bytes.
 *
 * <p>Why not {@code Block.saveParameters}: that encoding is positional (block versions, then each block's
 * parameters in tree order), so a reordered or renamed block silently shifts weights, and it would orphan every
 * checkpoint already written. This file names each parameter, so a load checks names and shapes one by one and
 * says which one is wrong.
 */
final class GptParameterCodec {
    private static final int MAGIC = 0x50564750; // "PVGP"

    private GptParameterCodec() {}

    static void write(Path file, Map<String, NDArray> named) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(MAGIC);
            out.writeInt(named.size());
            for (Map.Entry<String, NDArray> e : named.entrySet()) {
                out.writeUTF(e.getKey());
                byte[] bytes = e.getValue().encode();
                out.writeInt(bytes.length);
                out.write(bytes);
            }
        }
    }

    /**
     * Reads {@code file} into the given arrays, in place: every name must appear exactly once with the target's
     * shape and float32 values. Errors name the file and the parameter.
     */
    static void read(Path file, Map<String, NDArray> targets, NDManager scratchParent) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)));
                NDManager scratch = scratchParent.newSubManager()) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + ": not a probeval GPT parameter file");
            }
            int count = in.readInt();
            if (count != targets.size()) {
                throw new IOException(
                        file + ": holds " + count + " parameters, the architecture has " + targets.size());
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                NDArray target = targets.get(name);
                if (target == null) {
                    throw new IOException(file + ": unexpected parameter " + name + " (the architecture names "
                            + targets.keySet() + ")");
                }
                if (!seen.add(name)) {
                    throw new IOException(file + ": parameter " + name + " appears twice");
                }
                int length = in.readInt();
                if (length < 0) {
                    throw new IOException(file + ": parameter " + name + " has a negative length");
                }
                byte[] bytes = new byte[length];
                in.readFully(bytes);
                NDArray a;
                try {
                    a = NDArray.decode(scratch, bytes);
                } catch (RuntimeException e) {
                    throw new IOException(file + ": parameter " + name + " cannot be decoded: " + e.getMessage(), e);
                }
                if (!a.getShape().equals(target.getShape()) || a.getDataType() != DataType.FLOAT32) {
                    throw new IOException(file + ": parameter " + name + " is " + a.getDataType() + " " + a.getShape()
                            + ", expected float32 " + target.getShape());
                }
                // Copy through a Java array: NDArray.copyTo would hand the target a buffer that views the scratch
                // array's memory, which is freed when the scratch manager closes.
                target.set(a.toFloatArray());
            }
        } catch (EOFException e) {
            throw new IOException(file + ": truncated parameter file", e);
        }
    }
}
