package dev.probeval.serde;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate generated classes from packages it does not trust ("SecurityException:
 * Forbidden"). This adds {@code dev.probeval.} to the trusted set once per JVM, on top of whatever was trusted before,
 * so the serde works without {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}.
 */
public final class AvroClassSecurity {
    /** Package prefix of the generated contracts and everything else probeval deserializes. */
    public static final String TRUSTED_PREFIX = "dev.probeval.";

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private AvroClassSecurity() {}

    /** Trusts {@value #TRUSTED_PREFIX}; idempotent and cheap after the first call. */
    public static void trustProbevalClasses() {
        if (INSTALLED.compareAndSet(false, true)) {
            ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
            ClassSecurityValidator.setGlobal(
                    ClassSecurityValidator.composite(previous, c -> c.getName().startsWith(TRUSTED_PREFIX)));
        }
    }
}
