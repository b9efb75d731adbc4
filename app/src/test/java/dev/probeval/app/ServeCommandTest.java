package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.testsupport.SharedDir;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code probeval serve}: usage errors exit 2 with one line; a served model answers over HTTP and stops cleanly. */
class ServeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void badOptionsShouldExitTwoWithOneLine() throws Exception {
        Path dir = SharedDir.require("models/stories260K");
        CliResult missing =
                CliResult.run("serve", "--model", tmp.resolve("nope.bin").toString());
        assertEquals(2, missing.code());
        assertEquals("probeval serve: --model " + tmp.resolve("nope.bin") + ": not found", missing.errLine());

        CliResult noVocab =
                CliResult.run("serve", "--model", dir.resolve("stories260K.bin").toString());
        assertEquals(2, noVocab.code());
        assertTrue(noVocab.errLine().contains("missing the llama2.c checkpoint's vocabulary"), noVocab.err());

        CliResult n = CliResult.run("serve", "--model", dir.toString(), "--max-n", "0");
        assertEquals(2, n.code());
        assertEquals("probeval serve: --max-n must be >= 1, got 0", n.errLine());
        CliResult t = CliResult.run("serve", "--model", dir.toString(), "--max-tokens", "-3");
        assertEquals(2, t.code());
        assertEquals("probeval serve: --max-tokens must be >= 1, got -3", t.errLine());
        CliResult queued = CliResult.run("serve", "--model", dir.toString(), "--max-queued-calls", "0");
        assertEquals(2, queued.code());
        assertEquals("probeval serve: --max-queued-calls must be >= 1, got 0", queued.errLine());
        CliResult chars = CliResult.run("serve", "--model", dir.toString(), "--max-prompt-chars", "0");
        assertEquals(2, chars.code());
        assertEquals("probeval serve: --max-prompt-chars must be >= 1, got 0", chars.errLine());
        CliResult values = CliResult.run("serve", "--model", dir.toString(), "--max-logprob-values", "0");
        assertEquals(2, values.code());
        assertEquals("probeval serve: --max-logprob-values must be >= 1, got 0", values.errLine());
        CliResult threads = CliResult.run("serve", "--model", dir.toString(), "--completion-threads", "0");
        assertEquals(2, threads.code());
        assertEquals("probeval serve: --completion-threads must be >= 1, got 0", threads.errLine());
        CliResult key =
                CliResult.run("serve", "--model", dir.toString(), "--api-key-env", "PROBEVAL_TEST_UNSET_KEY_VAR");
        assertEquals(2, key.code());
        assertEquals(
                "probeval serve: --api-key-env PROBEVAL_TEST_UNSET_KEY_VAR: that environment variable is not set or "
                        + "empty",
                key.errLine());
        CliResult port = CliResult.run("serve", "--model", dir.toString(), "--port", "70000");
        assertEquals(2, port.code());
        assertEquals("probeval serve: --port: port must be in 0..65535, got 70000", port.errLine());
        CliResult notInt = CliResult.run("serve", "--model", dir.toString(), "--max-n", "many");
        assertEquals(2, notInt.code());
        assertTrue(notInt.errLine().contains("--max-n"), notInt.err());

        Path junk = Files.writeString(tmp.resolve("junk.bin"), "not a checkpoint");
        Files.writeString(tmp.resolve("tokenizer.bin"), "not a vocabulary");
        CliResult bad = CliResult.run("serve", "--model", junk.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.errLine().startsWith("probeval serve: cannot open model " + junk), bad.err());

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        CliResult none = CliResult.run("serve", "--model", empty.toString());
        assertEquals(2, none.code());
        assertTrue(none.errLine().contains("0 llama2.c checkpoints"), none.err());

        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            CliResult r = CliResult.run("serve", "--model", dir.toString(), "--port", "" + taken.getLocalPort());
            assertEquals(2, r.code());
            assertTrue(r.errLine().contains("is not available"), r.err());
        }
    }

    /** A writer the test can read while the command is still writing. */
    private static final class SharedWriter extends StringWriter {
        @Override
        public synchronized void write(String str, int off, int len) {
            super.write(str, off, len);
        }

        @Override
        public synchronized String toString() {
            return super.toString();
        }
    }

    @Test
    void aServedDirectoryShouldAnswerUnderItsNameAndStopOnInterrupt() throws Exception {
        serveAndAsk(SharedDir.require("models/stories260K"), "stories260K", Map.of(), null);
    }

    @Test
    void theKeyInTheVariableNamedByApiKeyEnvShouldGuardV1() throws Exception {
        serveAndAsk(
                SharedDir.require("models/stories260K"), "stories260K", Map.of("SERVE_TEST_KEY", "k-8f2c"), "k-8f2c");
    }

    @Test
    void aSmallGptDirectoryAsTheLabWritesItShouldBeServedToo() throws Exception {
        Path version = tmp.resolve("ga-s5");
        try (GptModel gpt = GptModel.create(GptConfig.byteLevel(64, 32, 1, 2), 3)) {
            gpt.save(version);
        }
        serveAndAsk(version, "ga-s5", Map.of(), null);
    }

    /** Serves {@code dir} (with {@code env} as the environment; {@code --api-key-env} when a key is given) and asks it. */
    private void serveAndAsk(Path dir, String name, Map<String, String> env, String key) throws Exception {
        CommandLine cl = ProbevalCli.commandLine(CommandLine.defaultFactory(), env);
        SharedWriter out = new SharedWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of("serve", "--model", dir.toString(), "--port", "0"));
        if (key != null) {
            args.addAll(List.of("--api-key-env", env.keySet().iterator().next()));
        }
        CompletableFuture<Integer> code = new CompletableFuture<>();
        Thread main = new Thread(() -> code.complete(cl.execute(args.toArray(String[]::new))));
        main.start();
        Pattern ready = Pattern.compile("probeval serve: " + Pattern.quote(name)
                + " \\(.*\\) on (http://127\\.0\\.0\\.1:\\d+)/v1; Ctrl-C to stop");
        Matcher m = ready.matcher("");
        for (int i = 0; i < 600 && !m.find(); i++) {
            assertTrue(main.isAlive(), "serve exited early: " + err);
            Thread.sleep(50);
            m = ready.matcher(out.toString());
        }
        assertTrue(m.find(0), "ready line: " + out + err);
        String url = m.group(1);
        HttpClient http = HttpClient.newHttpClient();
        UnaryOperator<HttpRequest.Builder> auth = b -> key == null ? b : b.header("Authorization", "Bearer " + key);
        HttpResponse<String> models = http.send(
                auth.apply(HttpRequest.newBuilder(URI.create(url + "/v1/models")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode(), models.body());
        JsonNode j = new ObjectMapper().readTree(models.body());
        assertEquals(name, j.get("data").get(0).get("id").asText());
        HttpResponse<String> c = http.send(
                auth.apply(HttpRequest.newBuilder(URI.create(url + "/v1/completions")))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + name
                                + "\",\"prompt\":\"Mom said\",\"seed\":1," + "\"max_tokens\":8}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, c.statusCode(), c.body());
        if (key != null) {
            HttpResponse<String> without = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, without.statusCode(), without.body());
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
        }
        main.interrupt();
        assertEquals(0, code.get(30, TimeUnit.SECONDS), err.toString());
    }
}
