package dev.probeval.openai;

/**
 * A request that does not follow the protocol: a field of the wrong type, or a required one missing. The message is
 * written for the client (a value it quotes is cut short with {@code Texts.clip}); {@link #param()} names the field,
 * or is null when the body as a whole is wrong.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String param;

    public ProtocolException(String param, String message) {
        super(message);
        this.param = param;
    }

    /** The offending field as OpenAI's {@code param} names it ({@code messages[2]}), or null. */
    public String param() {
        return param;
    }
}
