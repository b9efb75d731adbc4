package dev.probeval.worker;

import dev.probeval.core.text.Texts;

/**
 * How request-derived values appear in the worker's log lines: clipped to a prefix that says the full length, on one
 * line, so one oversized field cannot flood the log however often its request is retried.
 */
final class LogText {
    /** Longest identifier (request id, model version) in a log line. */
    static final int ID_CHARS = 200;
    /** Longest message (a rejection's, an exception's) in a log line. */
    static final int MESSAGE_CHARS = 1000;

    private LogText() {}

    static String id(String s) {
        return Texts.clip(s, ID_CHARS);
    }

    static String message(String s) {
        return Texts.clip(s, MESSAGE_CHARS);
    }
}
