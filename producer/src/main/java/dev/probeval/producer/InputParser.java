package dev.probeval.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.probeval.core.text.TofuPrompts;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads prompts from JSON lines or TOFU-style lines ({@link InputFormat}). Blank lines and lines starting with
 * {@code #} are skipped; every other line either becomes a {@link PromptLine} or a {@link LineError} that names the
 * line and the field, so a caller can report every bad line before sending anything.
 */
public final class InputParser {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Set<String> JSONL_FIELDS = Set.of(
            "requestId",
            "modelVersion",
            "promptId",
            "suite",
            "split",
            "prompt",
            "references",
            "reference",
            "numSamples",
            "alpha",
            "attributes");
    private static final Set<String> TOFU_FIELDS = Set.of("question", "answer", "reference", "idx", "split");

    /** The lines that parsed and the errors of those that did not, in input order. */
    public record Result(List<PromptLine> lines, List<LineError> errors) {
        public Result {
            lines = List.copyOf(lines);
            errors = List.copyOf(errors);
        }
    }

    private InputParser() {}

    /**
     * Longest input line read, in characters: eight times the contract's default request size, room for JSON escapes.
     * A longer line is skipped without being held in memory, and reported.
     */
    public static final int MAX_LINE_CHARS = 8 * dev.probeval.contract.RequestLimits.DEFAULT_MAX_REQUEST_BYTES;

    /** Parses every line of {@code in}; {@code source} names it in errors. */
    public static Result parse(BufferedReader in, String source, InputFormat format) throws IOException {
        List<PromptLine> lines = new ArrayList<>();
        List<LineError> errors = new ArrayList<>();
        String text;
        int no = 0;
        StringBuilder buf = new StringBuilder();
        while ((text = readLine(in, buf)) != null) {
            no++;
            if (text == TOO_LONG) {
                errors.add(new LineError(source, no, "line is longer than " + MAX_LINE_CHARS + " characters"));
                continue;
            }
            String t = text.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            try {
                lines.add(parseLine(t, no, format));
            } catch (BadLine e) {
                errors.add(new LineError(source, no, e.getMessage()));
            }
        }
        return new Result(lines, errors);
    }

    /** Marks a line that was longer than {@link #MAX_LINE_CHARS} (compared by identity). */
    private static final String TOO_LONG = new String("line too long");

    /**
     * The next line without its terminator ({@code \n}, {@code \r\n} or {@code \r}), {@link #TOO_LONG} for a line
     * beyond {@link #MAX_LINE_CHARS} (read to its end and dropped), null at the end of the input.
     */
    private static String readLine(BufferedReader in, StringBuilder buf) throws IOException {
        buf.setLength(0);
        boolean tooLong = false;
        int c;
        boolean any = false;
        while ((c = in.read()) != -1) {
            any = true;
            if (c == '\n') {
                break;
            }
            if (c == '\r') {
                in.mark(1);
                if (in.read() != '\n') {
                    in.reset();
                }
                break;
            }
            if (buf.length() >= MAX_LINE_CHARS) {
                tooLong = true;
            } else {
                buf.append((char) c);
            }
        }
        if (!any) {
            return null;
        }
        return tooLong ? TOO_LONG : buf.toString();
    }

    /** Parses one non-blank line. */
    static PromptLine parseLine(String text, int no, InputFormat format) throws BadLine {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadLine(
                    "not valid JSON (" + dev.probeval.core.text.Texts.clip(e.getOriginalMessage(), 200) + ")");
        }
        if (node == null || !node.isObject()) {
            throw new BadLine("expected a JSON object");
        }
        InputFormat f =
                format == InputFormat.AUTO ? (node.has("question") ? InputFormat.TOFU : InputFormat.JSONL) : format;
        return f == InputFormat.TOFU ? tofu(node, no) : jsonl(node, no);
    }

    private static PromptLine tofu(JsonNode node, int no) throws BadLine {
        unknown(node, TOFU_FIELDS, "TOFU");
        String question = TofuPrompts.stripChatMarkup(text(node, "question", true));
        if (question.isEmpty()) {
            throw new BadLine("field 'question' is empty");
        }
        if (node.has("answer") && node.has("reference")) {
            throw new BadLine("give either 'answer' or 'reference', not both");
        }
        String answer = node.has("answer") ? text(node, "answer", true) : text(node, "reference", false);
        if (answer == null || answer.isBlank()) {
            throw new BadLine("field 'answer' (or 'reference') is missing or empty");
        }
        String id;
        JsonNode idx = node.get("idx");
        if (idx == null) {
            id = Integer.toString(no);
        } else if (idx.isIntegralNumber() && idx.canConvertToInt() && idx.intValue() >= 0) {
            id = Integer.toString(idx.intValue());
        } else {
            throw new BadLine("field 'idx' must be a non-negative integer");
        }
        return new PromptLine(
                no,
                null,
                null,
                id,
                null,
                text(node, "split", false),
                TofuPrompts.format(question),
                List.of(TofuPrompts.stripChatMarkup(answer)),
                null,
                null,
                Map.of());
    }

    private static PromptLine jsonl(JsonNode node, int no) throws BadLine {
        unknown(node, JSONL_FIELDS, "JSON-lines");
        String prompt = text(node, "prompt", true);
        if (prompt.isEmpty()) {
            throw new BadLine("field 'prompt' is empty");
        }
        List<String> refs = new ArrayList<>();
        if (node.has("references") && node.has("reference")) {
            throw new BadLine("give either 'references' or 'reference', not both");
        }
        if (node.has("references")) {
            JsonNode r = node.get("references");
            if (!r.isArray()) {
                throw new BadLine("field 'references' must be an array of strings");
            }
            for (JsonNode e : r) {
                if (!e.isTextual()) {
                    throw new BadLine("field 'references' must be an array of strings");
                }
                refs.add(e.asText());
            }
        } else if (node.has("reference")) {
            refs.add(text(node, "reference", true));
        }
        String promptId = text(node, "promptId", false);
        if (promptId != null && promptId.isEmpty()) {
            throw new BadLine("field 'promptId' is empty");
        }
        Integer n = null;
        if (node.has("numSamples")) {
            JsonNode v = node.get("numSamples");
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new BadLine("field 'numSamples' must be an integer");
            }
            n = v.intValue();
        }
        Double alpha = null;
        if (node.has("alpha")) {
            JsonNode v = node.get("alpha");
            if (!v.isNumber()) {
                throw new BadLine("field 'alpha' must be a number");
            }
            alpha = v.doubleValue();
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        if (node.has("attributes")) {
            JsonNode a = node.get("attributes");
            if (!a.isObject()) {
                throw new BadLine("field 'attributes' must be an object of strings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new BadLine("attribute '" + e.getKey() + "' must be a string");
                }
                attrs.put(e.getKey(), e.getValue().asText());
            }
        }
        return new PromptLine(
                no,
                text(node, "requestId", false),
                text(node, "modelVersion", false),
                promptId != null ? promptId : Integer.toString(no),
                text(node, "suite", false),
                text(node, "split", false),
                prompt,
                refs,
                n,
                alpha,
                attrs);
    }

    private static void unknown(JsonNode node, Set<String> known, String what) throws BadLine {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new BadLine("unknown field '" + f + "' for the " + what + " format (known: "
                        + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }

    private static String text(JsonNode node, String field, boolean required) throws BadLine {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadLine("field '" + field + "' is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new BadLine("field '" + field + "' must be a string");
        }
        return v.asText();
    }

    /** A line that cannot be parsed; the message names the field. */
    static final class BadLine extends Exception {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message);
        }
    }
}
