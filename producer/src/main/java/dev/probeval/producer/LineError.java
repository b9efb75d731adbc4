package dev.probeval.producer;

/**
 * Why one input line cannot become a request.
 *
 * @param source the file name ({@code -} for standard input)
 * @param line 1-based line number
 * @param message what is wrong, naming the field
 */
public record LineError(String source, int line, String message) {
    @Override
    public String toString() {
        return source + ":" + line + ": " + message;
    }
}
