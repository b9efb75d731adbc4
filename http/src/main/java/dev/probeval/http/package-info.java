/**
 * What every probeval HTTP server shares, on Javalin 7 (Jetty 12): {@link dev.probeval.http.WebServer} binds
 * {@code host:port} (port 0 picks a free one; {@link dev.probeval.http.WebServer#port()} says which), serialises
 * JSON with the caller's Jackson {@code ObjectMapper}, runs handlers on a bounded thread pool, logs requests only when
 * asked to, and stops gracefully on {@code close()}. Each server has exactly one error shape
 * ({@link dev.probeval.http.ErrorShape}); handlers report errors by throwing {@link dev.probeval.http.HttpError},
 * and unmatched paths (404), wrong methods (405) and unexpected exceptions (500) are written in the same shape.
 *
 * <p>Servers declare their routes on Javalin's {@code RoutesConfig} (see
 * {@link dev.probeval.http.WebServer.Builder#routes}); static files and server-sent events are declared the same way
 * ({@code cfg.staticFiles}, {@code routes.sse}), through {@link dev.probeval.http.WebServer.Builder#configure}.
 */
package dev.probeval.http;
