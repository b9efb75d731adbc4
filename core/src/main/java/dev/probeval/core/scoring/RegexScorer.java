package dev.probeval.core.scoring;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * 1 if the reference, read as an RE2 regular expression, is found anywhere in the prediction ({@code find}, not a
 * full match), else 0. Use inline flags for options, e.g. {@code (?i)prix\s+goncourt}. Compiled patterns are kept in
 * a bounded cache.
 *
 * <p>Matching is RE2/J's: time linear in the prediction's length for any pattern, so a request's pattern cannot make
 * a worker backtrack for minutes ({@code (?:.{0,20}){1,20}\x00} took java.util.regex seconds at 26 chars and grew
 * exponentially; RE2/J scores it against 10,000 chars in milliseconds). The price is RE2's syntax, a subset of
 * java.util.regex's: no backreferences ({@code \1}), no lookahead or lookbehind ({@code (?=…)}, {@code (?!…)},
 * {@code (?<=…)}, {@code (?<!…)}), no possessive quantifiers or atomic groups, no {@code \Z} or {@code \G}; such a
 * pattern is invalid. Where both accept a pattern, two differences remain: {@code (?i)} folds case by Unicode (Java folds
 * ASCII unless {@code (?u)}), and {@code \s} is {@code [\t\n\f\r ]} (Java's also has {@code \x0B}).
 *
 * <p>A pattern longer than {@value #MAX_PATTERN_CHARS} chars, or whose counted repetitions expand it beyond
 * {@value #MAX_EXPANDED_SIZE} atoms (RE2 compiles {@code x{n}} into n copies of x, so nested counts multiply), is
 * refused like an invalid one. Matching costs about 20-30 ns per (atom × prediction char) on one core (a 400-atom
 * pattern against 10,000 chars: 65 ms; 1,000 atoms against 20,000 chars: about 0.4 s), so the expansion limit is what
 * bounds the time one reference can take.
 */
final class RegexScorer implements Scorer {

    /** Longest accepted pattern, in chars. */
    static final int MAX_PATTERN_CHARS = 1000;
    /** Largest accepted expansion of a pattern's counted repetitions, in atoms (see {@link #expandedSize}). */
    static final int MAX_EXPANDED_SIZE = 1000;

    private static final int MAX_CACHED_PATTERNS = 4096;

    private final ConcurrentHashMap<String, Pattern> patterns = new ConcurrentHashMap<>();

    @Override
    public double score(String prediction, String reference) {
        return pattern(reference).matcher(prediction).find() ? 1.0 : 0.0;
    }

    private Pattern pattern(String regex) {
        Pattern p = patterns.get(regex);
        if (p == null) {
            p = compile(regex);
            if (patterns.size() >= MAX_CACHED_PATTERNS) {
                patterns.clear();
            }
            patterns.put(regex, p);
        }
        return p;
    }

    /**
     * What is wrong with {@code regex} as a reference, in one line, or empty if it compiles within the limits.
     * The message quotes at most the pattern's first 100 chars.
     */
    static Optional<String> problem(String regex) {
        try {
            compile(regex);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static Pattern compile(String regex) {
        if (regex.length() > MAX_PATTERN_CHARS) {
            throw new IllegalArgumentException("regular expression is " + regex.length() + " chars long; the limit is "
                    + MAX_PATTERN_CHARS + ": " + quote(regex));
        }
        long size = expandedSize(regex);
        if (size > MAX_EXPANDED_SIZE) {
            throw new IllegalArgumentException("regular expression expands to about " + size + " atoms through its "
                    + "counted repetitions; the limit is " + MAX_EXPANDED_SIZE + ": " + quote(regex));
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "reference is not a valid regular expression (RE2 syntax: no " + "backreferences or lookaround): "
                            + e.getDescription() + " in " + quote(regex),
                    e);
        }
    }

    private static String quote(String regex) {
        String oneLine = regex.replaceAll("\\R", " ");
        return oneLine.length() <= 100 ? oneLine : oneLine.substring(0, 100) + "… (" + regex.length() + " chars)";
    }

    /**
     * An upper estimate of the number of atoms RE2 compiles {@code regex} into: each literal, class, escape or
     * {@code .} is 1, a group is the sum of its contents, and a counted repetition {@code {n}}, {@code {n,}} or
     * {@code {n,m}} multiplies the atom before it by its largest count (n + 1 for {@code {n,}}). Capped a little above
     * {@link #MAX_EXPANDED_SIZE}, so nesting cannot overflow. Syntax errors are left to the compiler.
     */
    static long expandedSize(String regex) {
        long cap = MAX_EXPANDED_SIZE + 1L;
        java.util.ArrayDeque<long[]> stack = new java.util.ArrayDeque<>(); // per open group: {total, last atom}
        long total = 0;
        long last = 0;
        int i = 0;
        int n = regex.length();
        while (i < n) {
            char c = regex.charAt(i);
            if (c == '\\') {
                total = Math.min(cap, total + last);
                last = 1;
                i += 2;
            } else if (c == '[') {
                total = Math.min(cap, total + last);
                last = 1;
                i = endOfClass(regex, i);
            } else if (c == '(') {
                stack.push(new long[] {Math.min(cap, total + last), 0});
                total = 0;
                last = 0;
                i++;
            } else if (c == ')') {
                long group = Math.min(cap, total + last);
                if (stack.isEmpty()) {
                    total = group;
                    last = 0;
                } else {
                    long[] outer = stack.pop();
                    total = outer[0];
                    last = Math.max(1, group);
                }
                i++;
            } else if (c == '|') {
                total = Math.min(cap, total + last);
                last = 0;
                i++;
            } else if (c == '{') {
                int close = regex.indexOf('}', i);
                long count = close < 0 ? -1 : maxCount(regex.substring(i + 1, close));
                if (count < 0) {
                    // not a counted repetition: RE2 reads a lone brace as a literal
                    total = Math.min(cap, total + last);
                    last = 1;
                    i++;
                } else {
                    last = Math.min(cap, Math.max(1, last) * Math.max(1, count));
                    i = close + 1;
                }
            } else if (c == '*' || c == '+' || c == '?') {
                i++;
            } else {
                total = Math.min(cap, total + last);
                last = 1;
                i++;
            }
        }
        long size = Math.min(cap, total + last);
        while (!stack.isEmpty()) {
            size = Math.min(cap, stack.pop()[0] + size);
        }
        return size;
    }

    /** Index after the class opening at {@code start} ({@code []a]} and escapes included). */
    private static int endOfClass(String regex, int start) {
        int i = start + 1;
        if (i < regex.length() && regex.charAt(i) == '^') {
            i++;
        }
        if (i < regex.length() && regex.charAt(i) == ']') {
            i++;
        }
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == ']') {
                return i + 1;
            } else {
                i++;
            }
        }
        return i;
    }

    /** The largest count of {@code n}, {@code n,} or {@code n,m} (the text between braces); -1 if it is none. */
    private static long maxCount(String body) {
        if (!body.matches("\\d{1,9}(,\\d{0,9})?")) {
            return -1;
        }
        int comma = body.indexOf(',');
        if (comma < 0) {
            return Long.parseLong(body);
        }
        long min = Long.parseLong(body.substring(0, comma));
        return comma == body.length() - 1 ? min + 1 : Math.max(min, Long.parseLong(body.substring(comma + 1)));
    }

    @Override
    public String toString() {
        return "regex";
    }
}
