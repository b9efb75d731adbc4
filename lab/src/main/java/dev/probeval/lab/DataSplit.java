package dev.probeval.lab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * TOFU-mini: the first {@code forgetAuthors} authors of a file's forget split and the first {@code retainAuthors}
 * of its retain split (20 questions each, by ascending idx), dropping pairs whose prompt + answer would not fit
 * {@code maxChars} bytes. The selection depends only on the file's content and the three numbers, and its SHA-256
 * over the selected pairs goes into every manifest so a model can be matched to the data it saw.
 *
 * @param forget the questions to unlearn
 * @param retain the questions to keep
 * @param hash hex SHA-256 of the selection (split, idx, question, answer of every pair, in order)
 */
public record DataSplit(List<QaPair> forget, List<QaPair> retain, String hash) {
    public DataSplit {
        forget = List.copyOf(forget);
        retain = List.copyOf(retain);
    }

    /** Selects TOFU-mini from loaded pairs; fails when a requested split ends up empty. */
    public static DataSplit select(List<QaPair> all, int forgetAuthors, int retainAuthors, int maxChars) {
        if (forgetAuthors < 1 || retainAuthors < 1) {
            throw new IllegalArgumentException(
                    "need at least one forget and one retain author, got " + forgetAuthors + " and " + retainAuthors);
        }
        List<QaPair> f = pick(all, "forget", forgetAuthors, maxChars);
        List<QaPair> r = pick(all, "retain", retainAuthors, maxChars);
        if (f.isEmpty() || r.isEmpty()) {
            throw new IllegalArgumentException("TOFU-mini selection is empty (forget " + f.size() + ", retain "
                    + r.size() + "): does the file have forget and retain lines shorter than " + maxChars + " bytes?");
        }
        return new DataSplit(f, r, hash(f, r));
    }

    private static List<QaPair> pick(List<QaPair> all, String split, int authors, int maxChars) {
        List<QaPair> out = new ArrayList<>();
        for (QaPair p : all) {
            if (p.split().equals(split) && p.author() < authors && length(p) <= maxChars) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparingInt(QaPair::idx));
        return out;
    }

    /** Bytes of the training text (prompt + answer, UTF-8), which with BOS and EOS is the model's sequence. */
    public static int length(QaPair p) {
        return (p.prompt() + p.answer()).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Forget then retain. */
    public List<QaPair> all() {
        List<QaPair> out = new ArrayList<>(forget);
        out.addAll(retain);
        return out;
    }

    static String hash(List<QaPair> forget, List<QaPair> retain) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (List<QaPair> part : List.of(forget, retain)) {
                for (QaPair p : part) {
                    // Unit separators keep field boundaries unambiguous.
                    md.update((p.split() + "\u001f" + p.idx() + "\u001f" + p.question() + "\u001f" + p.answer()
                                    + "\u001e")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
