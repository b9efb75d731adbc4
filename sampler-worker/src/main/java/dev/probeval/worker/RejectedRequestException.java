package dev.probeval.worker;

/** A request the worker cannot process, with the reason that goes into its dead letter. */
public final class RejectedRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final RejectReason reason;

  public RejectedRequestException(RejectReason reason, String message) {
    this(reason, message, null);
  }

  public RejectedRequestException(RejectReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }
}
