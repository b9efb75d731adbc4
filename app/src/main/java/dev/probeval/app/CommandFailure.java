package dev.probeval.app;

/**
 * A runtime failure a command explains itself (a service that cannot start or that died): exit code 1 and one line
 * on stderr with this message, without the exception's class name.
 */
final class CommandFailure extends RuntimeException {
    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
