package dev.probeval.app;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.producer.ContractRequestCheck;
import dev.probeval.producer.EvalRequestPublisher;
import dev.probeval.producer.InputFormat;
import dev.probeval.producer.InputParser;
import dev.probeval.producer.LineError;
import dev.probeval.producer.RequestCheck;
import dev.probeval.producer.RequestTemplate;
import dev.probeval.producer.Submission;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code probeval produce}: reads prompts (JSON lines or TOFU-style lines, files or standard input), builds one
 * {@link EvalRequest} per prompt and model version, checks every one before sending anything, and publishes them
 * through an idempotent producer. Prints the request ids sent, one per line (or writes them to {@code --output}).
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Publish evaluation requests: one per input line and --model-version.",
            "Every line is checked first; an invalid line is reported as FILE:LINE: reason and nothing is sent",
            "(exit 2), unless --skip-invalid sends the valid ones and counts the rest.",
            "Request ids derive from (model version, suite, split, prompt id, decoding, n, alpha, mode) unless a line",
            "gives requestId, so re-submitting is harmless. Exit 0 sent, 1 the cluster or registry failed, 2 bad input."
        })
final class ProduceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    SchemaRegistryOptions registry;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Input files; '-' or none reads standard input.")
    List<String> files = new ArrayList<>();

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "AUTO",
            description =
                    "Input format: jsonl (contract fields prompt, references, promptId, ...), tofu (question, "
                            + "answer or reference, idx, split), auto = tofu when a line has 'question'; one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    InputFormat format;

    @Option(
            names = "--model-version",
            paramLabel = "VERSION",
            split = ",",
            description = "Model version(s) every line is evaluated on (repeatable or comma-separated); without it "
                    + "each line needs modelVersion.")
    List<String> modelVersions = new ArrayList<>();

    @Option(
            names = "--suite",
            defaultValue = "default",
            paramLabel = "NAME",
            description = "Suite of lines that do not name one (default: ${DEFAULT-VALUE}).")
    String suite;

    @Option(
            names = "--split",
            defaultValue = "all",
            paramLabel = "NAME",
            description = "Split of lines that do not name one, e.g. forget or retain (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(
            names = "--suite-size",
            paramLabel = "N",
            description = "Declared number of prompts per (version, suite, split); the roll-up reports completeness "
                    + "against it (default: not declared).")
    Integer suiteSize;

    @Option(
            names = {"-n", "--num-samples"},
            defaultValue = "128",
            paramLabel = "N",
            description = "Samples per request (default: ${DEFAULT-VALUE}).")
    int n;

    @Mixin
    BoundsOptions.Alpha alpha;

    @Mixin
    BoundsOptions.Mode mode;

    @Option(
            names = "--stop-metric",
            paramLabel = "METRIC",
            description = "Anytime-valid early stopping on this bound (needs --mode anytime; -n is then the cap): the "
                    + "worker stops once the bound decides --stop-threshold; ${COMPLETION-CANDIDATES} (default: no stopping "
                    + "rule).")
    StoppingMetric stopMetric;

    @Option(
            names = "--stop-threshold",
            paramLabel = "T",
            description = "Threshold in [0, 1] the stopping bound is compared with (required with --stop-metric).")
    Double stopThreshold;

    @Option(
            names = "--stop-decide",
            defaultValue = "EITHER",
            paramLabel = "SIDE",
            description = "BELOW: stop once the upper bound < T; ABOVE: once the lower bound > T; EITHER: whichever "
                    + "comes first; one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    StoppingDecide stopDecide;

    @Option(
            names = "--stop-at",
            paramLabel = "X",
            description = "tau of m_bin (default: --leak-threshold) or x of m_gen's P(X > x) (required for m_gen).")
    Double stopAt;

    @Option(
            names = "--stop-min-samples",
            paramLabel = "N",
            description = "Never stop before N samples (default: no minimum).")
    Integer stopMinSamples;

    @Mixin
    DecodingOptions decoding;

    @Option(
            names = "--metric",
            defaultValue = "rougeL_recall",
            paramLabel = "NAME",
            completionCandidates = MetricNames.class,
            description = "Scorer, one of: ${COMPLETION-CANDIDATES} (exact_match is exact; default: ${DEFAULT-VALUE}).")
    String metric;

    @Mixin
    BoundsOptions.LeakThreshold leakThreshold;

    @Option(
            names = "--strip-prefix",
            paramLabel = "TEXT",
            description = "Prefix removed from outputs before scoring, repeatable (first match only).")
    List<String> stripPrefixes = new ArrayList<>();

    @Option(names = "--no-greedy", description = "Do not draw the greedy baseline (no hidden-leak flag).")
    boolean noGreedy;

    @Option(names = "--log-sample-texts", description = "Scored samples carry their generated text.")
    boolean logSampleTexts;

    @Option(
            names = "--attribute",
            paramLabel = "KEY=VALUE",
            description = "Attribute added to every request (owner, ticket), repeatable.")
    Map<String, String> attributes = new LinkedHashMap<>();

    @Option(names = "--skip-invalid", description = "Send the valid lines; report and count the invalid ones.")
    boolean skipInvalid;

    @Option(names = "--dry-run", description = "Check and print the request ids without sending.")
    boolean dryRun;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the request ids sent to FILE, not stdout.")
    Path output;

    /** Creates the publisher; tests replace it with one on a MockProducer. */
    Supplier<EvalRequestPublisher> publisher = () -> EvalRequestPublisher.connect(kafkaConfig());

    /**
     * The producer's shared Kafka settings. It fails in seconds, not minutes, when the cluster is not there;
     * --kafka-config can raise the three timeouts.
     */
    KafkaServiceConfig kafkaConfig() {
        KafkaServiceConfig given = Cli.build(kafka.builder(EvalRequestPublisher.RESERVED_KAFKA_KEYS)::build);
        KafkaServiceConfig.Builder k = EvalRequestPublisher.kafkaBuilder()
                .setBootstrapServers(given.bootstrapServers())
                .optKafkaConfig("max.block.ms", 15_000)
                .optKafkaConfig("delivery.timeout.ms", 30_000)
                .optKafkaConfig("request.timeout.ms", 10_000);
        given.kafkaConfig().forEach(k::optKafkaConfig);
        registry.applyTo(k);
        return Cli.build(k::build);
    }

    @Override
    public Integer call() throws IOException {
        RequestTemplate template = template();
        RequestCheck check = new ContractRequestCheck();
        InputFormat f = format;
        if (files.isEmpty()) {
            files.add("-");
        }
        Instant now = Instant.now();
        List<EvalRequest> requests = new ArrayList<>();
        List<LineError> errors = new ArrayList<>();
        int dups = 0;
        for (String file : files) {
            InputParser.Result parsed;
            if (file.equals("-")) {
                parsed = InputParser.parse(
                        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), "-", f);
            } else {
                try (BufferedReader in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                    parsed = InputParser.parse(in, file, f);
                } catch (NoSuchFileException e) {
                    throw new UsageException("input file not found: " + file);
                }
            }
            Submission s = Submission.prepare(file, parsed, modelVersions, template, check, now);
            requests.addAll(s.requests());
            errors.addAll(s.errors());
            dups += s.duplicates();
        }
        PrintWriter err = spec.commandLine().getErr();
        String name = spec.qualifiedName();
        for (LineError e : errors) {
            err.println(name + ": " + e);
        }
        long badLines =
                errors.stream().map(e -> e.source() + ":" + e.line()).distinct().count();
        if (!errors.isEmpty() && !skipInvalid) {
            err.println(
                    name + ": " + badLines + " invalid line(s); nothing sent (--skip-invalid sends the valid ones)");
            err.flush();
            return 2;
        }
        if (requests.isEmpty()) {
            throw new UsageException("no requests to send"
                    + (badLines > 0
                            ? " (" + badLines + " invalid line(s) skipped)"
                            : " (the input has no prompt lines)"));
        }
        List<String> ids;
        if (dryRun) {
            ids = requests.stream().map(EvalRequest::getRequestId).toList();
        } else {
            try (EvalRequestPublisher p = publisher.get()) {
                ids = p.publish(requests);
            } catch (EvalRequestPublisher.PublishException e) {
                throw new CommandFailure(e.getMessage() + " " + kafka.startContext(), e);
            } catch (org.apache.kafka.common.KafkaException e) {
                throw new CommandFailure(
                        "cannot send " + kafka.startContext() + ": " + e.getMessage()
                                + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""),
                        e);
            }
        }
        if (output != null) {
            Files.write(output, ids, StandardCharsets.UTF_8);
        } else {
            PrintWriter out = spec.commandLine().getOut();
            ids.forEach(out::println);
            out.flush();
        }
        err.println(name + ": " + (dryRun ? "checked " : "sent ") + ids.size() + " request(s)"
                + (badLines > 0 ? ", skipped " + badLines + " invalid line(s)" : "")
                + (dups > 0 ? ", dropped " + dups + " duplicate(s)" : ""));
        err.flush();
        return 0;
    }

    private RequestTemplate template() {
        BoundMode m = BoundMode.valueOf(mode.value.name());
        return RequestTemplate.builder()
                .suite(suite)
                .split(split)
                .numSamples(n)
                .alpha(alpha.value)
                .boundMode(m)
                .temperature(decoding.temperature)
                .topP(decoding.topP)
                .topK(decoding.topK)
                .maxNewTokens(decoding.maxNewTokens)
                .seed(decoding.seed)
                .adaptiveTemperature(decoding.adaptive, decoding.adaptiveThreshold)
                .metric(metric)
                .leakThreshold(leakThreshold.value)
                .stripPrefixes(stripPrefixes)
                .drawGreedy(!noGreedy)
                .logSampleTexts(logSampleTexts)
                .attributes(attributes)
                .suiteSize(suiteSize)
                .stoppingRule(stoppingRule())
                .build();
    }

    /** The stopping rule from the --stop-* options; null without --stop-metric. */
    private StoppingRule stoppingRule() {
        if (stopMetric == null) {
            if (stopThreshold != null || stopAt != null || stopMinSamples != null) {
                throw new UsageException("--stop-threshold, --stop-at and --stop-min-samples need --stop-metric");
            }
            return null;
        }
        StoppingMetric metric = stopMetric;
        StoppingDecide decide = stopDecide;
        if (stopThreshold == null) {
            throw new UsageException("--stop-metric needs --stop-threshold");
        }
        if (mode.value != dev.probeval.core.bounds.BoundMode.ANYTIME) {
            throw new UsageException("--stop-metric needs --mode anytime, got --mode "
                    + mode.value.name().toLowerCase(Locale.ROOT)
                    + ": stopping when a fixed-n bound crosses a threshold voids its guarantee");
        }
        return StoppingRule.newBuilder()
                .setMetric(metric)
                .setThreshold(stopThreshold)
                .setDecide(decide)
                .setAt(stopAt)
                .setMinSamples(stopMinSamples)
                .build();
    }
}
