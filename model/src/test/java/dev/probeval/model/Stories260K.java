package dev.probeval.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.testsupport.SharedDir;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helper: locates stories260K in ../shared and reads its C-reference greedy outputs; skips when absent. */
public final class Stories260K {
    /** One reference case: prompt, llama2.c steps, printed output (prompt + continuation + newline). */
    public record Case(String prompt, int steps, String output) {
        /** The continuation alone, as this project reports it (prompt excluded, run.c's final newline dropped). */
        public String continuation() {
            if (!output.startsWith(prompt) || !output.endsWith("\n")) {
                throw new IllegalStateException("unexpected reference output for " + prompt);
            }
            return output.substring(prompt.length(), output.length() - 1);
        }
    }

    private Stories260K() {}

    public static Path checkpoint() {
        return SharedDir.require("models/stories260K/stories260K.bin");
    }

    public static Path tokenizer() {
        return SharedDir.require("models/stories260K/tok512.bin");
    }

    public static List<Case> referenceCases() throws IOException {
        Path p = SharedDir.require("models/stories260K/reference-greedy.json");
        JsonNode root = new ObjectMapper().readTree(p.toFile());
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            cases.add(new Case(
                    c.get("prompt").asText(),
                    c.get("steps").asInt(),
                    c.get("output").asText()));
        }
        return cases;
    }
}
