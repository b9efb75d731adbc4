package dev.probeval.model.serve;

import dev.probeval.http.ErrorShape;
import dev.probeval.http.HttpError;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error in OpenAI's shape, {@code {"error":{"message":..,"type":..,"param":..,"code":..}}}: a 400 for a bad
 * request names the offending parameter in {@code param}.
 */
public final class OpenAiError extends HttpError {
  private static final long serialVersionUID = 1L;

  private final String type;
  private final String param;
  private final String errorCode;

  public OpenAiError(int status, String type, String param, String errorCode, String message) {
    super(status, message);
    this.type = type;
    this.param = param;
    this.errorCode = errorCode;
  }

  /** A 400 {@code invalid_request_error} about {@code param}. */
  public static OpenAiError invalid(String param, String message) {
    return new OpenAiError(400, "invalid_request_error", param, null, message);
  }

  /** The server's one error shape: OpenAI's, for its own errors and the framework's (404, 405, 500). */
  public static final ErrorShape SHAPE = new ErrorShape() {
    @Override
    public String contentType() {
      return "application/json";
    }

    @Override
    public Object body(HttpError e) {
      Map<String, Object> inner = new LinkedHashMap<>();
      inner.put("message", String.valueOf(e.getMessage()));
      if (e instanceof OpenAiError o) {
        inner.put("type", o.type);
        inner.put("param", o.param);
        inner.put("code", o.errorCode);
      } else {
        inner.put("type", e.status() >= 500 ? "server_error" : "invalid_request_error");
        inner.put("param", null);
        inner.put("code", null);
      }
      return Map.of("error", inner);
    }
  };
}
