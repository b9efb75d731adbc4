package dev.probeval.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** GETs of the services' REST APIs for the end-to-end tests. */
final class RestJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RestJson() {}

    /** The body of a 200 answer to a GET of {@code url}, or null for any other status or no answer (not up yet). */
    static JsonNode getJson(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }
}
