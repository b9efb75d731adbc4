package dev.probeval.app;

/**
 * Bad input detected by a command after option parsing (a malformed score, an out-of-range α). The CLI turns it
 * into exit code 2 and a single line on stderr, so scripts can tell bad input from a crash.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
