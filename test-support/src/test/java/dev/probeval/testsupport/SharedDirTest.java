package dev.probeval.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class SharedDirTest {
    @TempDir
    Path tmp;

    private String savedProperty;

    @BeforeEach
    void saveProperty() {
        savedProperty = System.getProperty(SharedDir.PROPERTY);
    }

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(SharedDir.PROPERTY);
        } else {
            System.setProperty(SharedDir.PROPERTY, savedProperty);
        }
    }

    private Path fakeShared() throws IOException {
        Path spec = tmp.resolve("shared/spec/paper-spec.md");
        Files.createDirectories(spec.getParent());
        Files.writeString(spec, "# spec");
        return tmp.resolve("shared");
    }

    @Test
    void shouldResolveThePropertyWhenItHoldsTheSpecification() throws IOException {
        Path shared = fakeShared();
        System.setProperty(SharedDir.PROPERTY, shared.toString());
        assertEquals(Optional.of(shared.toAbsolutePath().normalize()), SharedDir.find());
        assertEquals(
                shared.resolve("spec/paper-spec.md").toAbsolutePath().normalize(),
                SharedDir.require("spec/paper-spec.md"));
        assertTrue(SharedDir.file("models/none.bin").isEmpty(), "an absent entry is empty, not a path");
    }

    @Test
    void shouldIgnoreAPropertyThatDoesNotHoldTheSpecification() throws IOException {
        Path notShared = Files.createDirectories(tmp.resolve("empty"));
        System.setProperty(SharedDir.PROPERTY, notShared.toString());
        assertNotEquals(Optional.of(notShared.toAbsolutePath().normalize()), SharedDir.find());
    }

    @Test
    void shouldSkipTheCallingTestNamingTheMissingEntry() throws IOException {
        System.setProperty(SharedDir.PROPERTY, fakeShared().toString());
        TestAbortedException e =
                assertThrows(TestAbortedException.class, () -> SharedDir.require("data/missing.jsonl"));
        assertTrue(e.getMessage().contains(SharedDir.MISSING_MESSAGE), e.getMessage());
        assertTrue(e.getMessage().contains("data/missing.jsonl"), e.getMessage());
    }
}
