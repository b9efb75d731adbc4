package dev.probeval.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.text.TofuPrompts;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads TOFU question/answer pairs from either of its two public forms, told apart by the first non-blank line:
 *
 * <ul>
 *   <li>an evaluation log from the authors' repository ({@code ../shared/data/tofu/*.jsonl}: one JSON object per line
 *       with {@code split}, {@code idx}, {@code question}, {@code reference}); only {@code forget} and {@code retain}
 *       lines are kept, with their own {@code idx};
 *   <li>a Hugging Face {@code locuslab/TOFU} file such as {@code full.json} (one {@code {"question","answer"}} object
 *       per line, 20 consecutive questions per fictitious author); TOFU's {@code forgetNN} split is its last NN % of
 *       authors and {@code retain(100-NN)} the rest, so the pairs get the split and index they have in those files
 *       (and in the evaluation logs, which list the same questions in the same order).
 * </ul>
 *
 * Every problem (bad JSON, an over-long line, a missing or empty field) fails with the file and the line.
 */
final class TofuData {
    /** The longest line read, in characters; real lines are under 2,000, and every input is untrusted. */
    static final int MAX_LINE_CHARS = 1 << 16;
    /** TOFU's forget share when a file name does not say: forget10, the split of TOFU's reference configs. */
    static final int DEFAULT_FORGET_PERCENT = 10;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RETAIN = Pattern.compile("retain(90|95|99)");

    private TofuData() {}

    /**
     * TOFU's forget share (1, 5 or 10 %) that goes with a data file name: an evaluation log of the model fine-tuned on
     * {@code retainNN} was evaluated on {@code forget(100-NN)}; any other name gets {@link #DEFAULT_FORGET_PERCENT}.
     */
    static int forgetPercent(String fileName) {
        Matcher m = RETAIN.matcher(fileName);
        return m.find() ? 100 - Integer.parseInt(m.group(1)) : DEFAULT_FORGET_PERCENT;
    }

    /** The forget and retain pairs of {@code file}, a full set being cut as TOFU's forget01 / retain99. */
    static List<QaPair> load(Path file) throws IOException {
        return load(file, 1);
    }

    /**
     * The forget and retain pairs of {@code file}, in file order; a Hugging Face full set is cut into TOFU's
     * {@code forgetPercent} % forget split and the rest.
     */
    static List<QaPair> load(Path file, int forgetPercent) throws IOException {
        if (forgetPercent < 1 || forgetPercent > 99) {
            throw new IllegalArgumentException("forget share must be 1..99 %, got " + forgetPercent);
        }
        List<QaPair> log = new ArrayList<>();
        List<String[]> full = new ArrayList<>();
        Boolean isLog = null;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            StringBuilder buf = new StringBuilder();
            int no = 0;
            while (readLine(r, buf, file, no + 1)) {
                no++;
                String line = buf.toString();
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw bad(file, no, "not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (node == null || !node.isObject()) {
                    throw bad(file, no, "expected a JSON object");
                }
                if (isLog == null) {
                    isLog = node.has("split");
                }
                if (isLog) {
                    QaPair p = logLine(file, no, node);
                    if (p != null) {
                        log.add(p);
                    }
                } else {
                    full.add(new String[] {question(file, no, node), answer(file, no, node, "answer")});
                }
            }
        }
        if (isLog == null || isLog) {
            return log;
        }
        return cut(file, full, forgetPercent);
    }

    private static QaPair logLine(Path file, int no, JsonNode node) throws IOException {
        String split = text(file, no, node, "split");
        if (!split.equals("forget") && !split.equals("retain")) {
            return null;
        }
        JsonNode idx = node.get("idx");
        if (idx == null || !idx.canConvertToInt() || !idx.isIntegralNumber() || idx.intValue() < 0) {
            throw bad(file, no, "field 'idx' must be a non-negative integer");
        }
        return new QaPair(split, idx.intValue(), question(file, no, node), answer(file, no, node, "reference"));
    }

    /** TOFU's forgetNN / retain(100-NN) of a full set: the last NN % of its authors are the forget split. */
    private static List<QaPair> cut(Path file, List<String[]> rows, int forgetPercent) throws IOException {
        int per = QaPair.QUESTIONS_PER_AUTHOR;
        if (rows.size() % per != 0 || rows.size() < 2 * per) {
            throw new IOException(file + ": " + rows.size() + " question/answer lines are not a whole number (at least"
                    + " 2) of authors of " + per + " questions each: truncated, or not a TOFU full set?");
        }
        int authors = rows.size() / per;
        int forget = Math.min(authors - 1, Math.max(1, authors * forgetPercent / 100));
        int start = (authors - forget) * per;
        List<QaPair> out = new ArrayList<>(rows.size());
        for (int i = start; i < rows.size(); i++) {
            out.add(new QaPair("forget", i - start, rows.get(i)[0], rows.get(i)[1]));
        }
        for (int i = 0; i < start; i++) {
            out.add(new QaPair("retain", i, rows.get(i)[0], rows.get(i)[1]));
        }
        return out;
    }

    /**
     * Reads one line (without its terminator) into {@code buf}; false at end of input. Unlike
     * {@link BufferedReader#readLine()} it refuses a line longer than {@link #MAX_LINE_CHARS}.
     */
    private static boolean readLine(BufferedReader r, StringBuilder buf, Path file, int no) throws IOException {
        buf.setLength(0);
        int c = r.read();
        if (c < 0) {
            return false;
        }
        while (c >= 0 && c != '\n') {
            if (buf.length() == MAX_LINE_CHARS) {
                throw bad(file, no, "line longer than " + MAX_LINE_CHARS + " characters");
            }
            buf.append((char) c);
            c = r.read();
        }
        if (buf.length() > 0 && buf.charAt(buf.length() - 1) == '\r') {
            buf.setLength(buf.length() - 1);
        }
        return true;
    }

    private static String question(Path file, int no, JsonNode node) throws IOException {
        String question = TofuPrompts.stripChatMarkup(text(file, no, node, "question"));
        if (question.isEmpty()) {
            throw bad(file, no, "field 'question' is empty after removing the chat markup");
        }
        return question;
    }

    private static String answer(Path file, int no, JsonNode node, String field) throws IOException {
        String answer = text(file, no, node, field).strip();
        if (answer.isEmpty()) {
            throw bad(file, no, "field '" + field + "' (the answer) is empty");
        }
        return answer;
    }

    private static String text(Path file, int line, JsonNode node, String field) throws IOException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw bad(file, line, "missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw bad(file, line, "field '" + field + "' must be a string");
        }
        if (v.asText().isBlank()) {
            throw bad(file, line, "field '" + field + "' is empty");
        }
        return v.asText();
    }

    private static IOException bad(Path file, int line, String what) {
        return new IOException(file + ":" + line + ": " + what);
    }
}
