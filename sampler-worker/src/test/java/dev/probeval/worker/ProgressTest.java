package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void shouldRoundTripThroughCommitMetadataIncludingSpacesInTheRequestId() {
        Progress p = new Progress(41, 64, "req with spaces/and:colons");
        assertEquals(Optional.of(p), Progress.decode(p.encode()));
    }

    @Test
    void shouldRoundTripAStoppingTallyInTheV2Form() {
        Progress p = new Progress(41, 64, "req with spaces", "64,0,0,0");
        assertTrue(p.encode().startsWith("probeval-worker/v2 41 64 64,0,0,0 "), p.encode());
        assertEquals(Optional.of(p), Progress.decode(p.encode()));
        assertTrue(Progress.decode("probeval-worker/v2 41 64 req").isEmpty(), "a v2 without its tally");
    }

    @Test
    void shouldIgnoreForeignEmptyOrMalformedMetadata() {
        assertTrue(Progress.decode(null).isEmpty());
        assertTrue(Progress.decode("").isEmpty());
        assertTrue(Progress.decode("someone else's metadata").isEmpty());
        assertTrue(Progress.decode("probeval-worker/v1 x 3 r").isEmpty());
        assertTrue(Progress.decode("probeval-worker/v1 5 0 r").isEmpty());
        assertTrue(Progress.decode("probeval-worker/v1 5 3 ").isEmpty());
        assertTrue(Progress.decode("probeval-worker/v1 5 3").isEmpty());
    }

    @Test
    void shouldResumeOnlyTheSameRecordAndRequest() {
        Progress p = new Progress(10, 32, "r1");
        assertEquals(32, p.resumeIndex(10, "r1", 100));
        assertEquals(0, p.resumeIndex(11, "r1", 100), "another record at another offset starts afresh");
        assertEquals(0, p.resumeIndex(10, "r2", 100), "another request (topic recreated) starts afresh");
        assertEquals(0, p.resumeIndex(10, "r1", 32), "progress beyond n is not trusted");
    }
}
