package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import dev.probeval.worker.http.HttpEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code probeval worker}: the sampler worker, run until interrupted. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = {
            "Run a sampler worker until interrupted: consume evaluation requests in a consumer group, draw",
            "the greedy baseline and n samples per request in chunks with a configured model, score them and produce",
            "scored samples, one Kafka transaction per chunk (samples + offset + resume progress).",
            "Start more workers with the same --group-id to scale; give each a stable --worker-id.",
            "--kafka-config reaches the consumer, the producer and the admin client; the settings exactly-once needs",
            "cannot be overridden. Exits 1 with one line if the worker stops on an error."
        })
final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    SchemaRegistryOptions registry;

    @Mixin
    TopicOptions topics;

    @Mixin
    ReplicationOptions replication;

    @Mixin
    RequestLimitsOptions limits;

    @Mixin
    MembershipOptions membership;

    @Option(
            names = "--model",
            paramLabel = "VERSION=PATH[,tokenizer=PATH]",
            description =
                    "A model version this worker serves and where its files are, as for sample --model: a llama2.c "
                            + "checkpoint (.bin; its vocabulary is tokenizer.bin beside it unless ,tokenizer=PATH names it), a "
                            + "directory holding one, or a small-GPT directory; repeatable. Requests "
                            + "for other versions end REJECTED (told to the aggregator through the samples topic).")
    List<String> models = new ArrayList<>();

    @Option(
            names = "--models-file",
            paramLabel = "FILE",
            description =
                    "File with one VERSION=PATH[,tokenizer=PATH] per line (# comments; paths relative to the file), "
                            + "or VERSION=URL[,model=NAME][,apiKeyEnv=VAR][,chat=true][,maxConcurrency=N][,timeout=D]... for a model "
                            + "behind an OpenAI-compatible server (vLLM, probeval serve); see README.")
    Path modelsFile;

    @Option(
            names = "--chunk-size",
            defaultValue = "" + WorkerConfig.DEFAULT_CHUNK_SIZE,
            paramLabel = "N",
            description = "Samples drawn per chunk and per transaction (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(
            names = "--worker-id",
            paramLabel = "ID",
            description =
                    "Stable id of this worker slot (transactional id probeval-worker-ID, and group.instance.id for "
                            + "static membership); a restart with the same id fences its predecessor and rejoins the group at once "
                            + "(default: <host>-<pid>, dynamic membership).")
    String workerId;

    @Option(
            names = "--group-id",
            defaultValue = WorkerConfig.DEFAULT_GROUP_ID,
            paramLabel = "GROUP",
            description =
                    "Consumer group; workers sharing it split the request partitions (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Serve Prometheus metrics on http://<metrics-host>:PORT/metrics; 0 picks a free port "
                    + "(default: off).")
    Integer metricsPort;

    @Option(
            names = "--metrics-host",
            defaultValue = WorkerConfig.DEFAULT_METRICS_HOST,
            description = "Interface of the metrics endpoint (default: ${DEFAULT-VALUE}).")
    String metricsHost;

    @Option(
            names = "--max-new-tokens-limit",
            defaultValue = "" + WorkerConfig.DEFAULT_MAX_NEW_TOKENS_LIMIT,
            paramLabel = "M",
            description =
                    "Largest decoding.maxNewTokens this worker draws, below the contract's --max-request-new-tokens "
                            + "(which applies first: a request above it is a dead letter); a request above this one ends REJECTED "
                            + "(default: ${DEFAULT-VALUE}).")
    int maxNewTokensLimit;

    @Option(
            names = "--max-samples-limit",
            paramLabel = "N",
            description = "Largest numSamples this worker draws, below the contract's --max-num-samples (which applies "
                    + "first: a request above it is a dead letter); a request above this one ends REJECTED (default: the "
                    + "contract's --max-num-samples; a larger value has no effect).")
    Integer maxSamplesLimit;

    @Option(
            names = "--transaction-timeout-ms",
            defaultValue = "" + WorkerConfig.DEFAULT_TRANSACTION_TIMEOUT_MS,
            paramLabel = "MS",
            description =
                    "transaction.timeout.ms of the producer: a chunk must finish within it (default: ${DEFAULT-VALUE}).")
    int transactionTimeoutMs;

    @Option(names = "--preload", description = "Open every configured model at start instead of on first use.")
    boolean preload;

    @Option(
            names = "--shutdown-timeout",
            defaultValue = WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT_TEXT,
            paramLabel = "DURATION",
            description =
                    "Longest a stop (Ctrl-C, SIGTERM) takes: the chunk being drawn gets half of it to finish and "
                            + "commit, then it is abandoned and resumes wherever its partition goes (default: ${DEFAULT-VALUE}).")
    String shutdownTimeout;

    @Option(
            names = "--allow-insecure-api-key",
            description =
                    "Allow a model's API key (apiKeyEnv) to be sent over plain http to a host that is not loopback; "
                            + "refused by default, since anyone on the path can read it.")
    boolean allowInsecureApiKey;

    /** Starts the service; tests replace it with a fake. */
    Function<WorkerConfig, RunningService> starter = WorkerCommand::start;

    @Override
    public Integer call() {
        // Before the model loads (DJL reads the thread count once): this service shares its process with Kafka clients
        // and HTTP threads, so PyTorch keeps off one core (PyTorchThreads).
        PyTorchThreads.applyDefault();
        WorkerConfig config = config();
        return new ServiceLifecycle(ServiceLifecycle.RUNTIME)
                .run(spec, kafka.startContext(), () -> starter.apply(config));
    }

    private static RunningService start(WorkerConfig config) {
        SamplerWorker worker = SamplerWorker.start(config);
        return new RunningService(
                "probeval worker: " + config.workerId() + " in group " + config.groupId() + " on "
                        + config.kafka().bootstrapServers() + ", models "
                        + config.catalog().versions()
                        + (worker.metricsPort() >= 0
                                ? ", metrics at http://" + config.metricsHost() + ":" + worker.metricsPort()
                                        + "/metrics"
                                : "")
                        + "; Ctrl-C to stop",
                worker::close,
                worker.terminated());
    }

    /** The worker's config from the options; the builder's range checks are the only ones. */
    WorkerConfig config() {
        ModelCatalog catalog = catalog();
        KafkaServiceConfig.Builder k = kafka.builder(WorkerConfig.RESERVED_KAFKA_KEYS);
        registry.applyTo(k);
        topics.applyTo(k);
        replication.applyTo(k);
        membership.applyTo(k);
        limits.applyTo(k);
        WorkerConfig.Builder b = WorkerConfig.builder()
                .setModels(catalog)
                .optPreloadModels(preload)
                .optBackendFactory(dev.probeval.worker.BackendFactory.standard(engine.engine()));
        b.setKafka(Cli.build(k::build));
        Cli.option("--chunk-size", () -> b.optChunkSize(chunkSize));
        Cli.option("--max-new-tokens-limit", () -> b.optMaxNewTokensLimit(maxNewTokensLimit));
        if (maxSamplesLimit != null) {
            Cli.option("--max-samples-limit", () -> b.optMaxSamplesLimit(maxSamplesLimit));
        }
        Cli.option("--transaction-timeout-ms", () -> b.optTransactionTimeoutMs(transactionTimeoutMs));
        Cli.option("--group-id", () -> b.optGroupId(groupId));
        if (workerId != null) {
            Cli.option("--worker-id", () -> b.optWorkerId(workerId));
        }
        if (metricsPort != null) {
            Cli.option("--metrics-port", () -> b.optMetricsEndpoint(metricsHost, metricsPort));
            Cli.requireFreePort(metricsHost, metricsPort, "--metrics-port");
        }
        Cli.option("--shutdown-timeout", () -> b.optShutdownTimeout(HttpEndpoint.parseDuration(shutdownTimeout)));
        b.optAllowInsecureApiKey(allowInsecureApiKey);
        return Cli.build(b::build);
    }

    /** The models of --models-file and --model; errors name the option and its VERSION=PATH[,tokenizer=PATH] syntax. */
    private ModelCatalog catalog() {
        List<ModelSpec> specs = new ArrayList<>();
        if (modelsFile != null) {
            if (!Files.isRegularFile(modelsFile)) {
                throw new UsageException("--models-file not found: " + modelsFile);
            }
            try {
                specs.addAll(ModelCatalog.readFile(modelsFile));
            } catch (IOException e) {
                throw new UsageException("cannot read --models-file " + modelsFile + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--models-file: " + e.getMessage());
            }
        }
        for (String m : models) {
            Cli.option("--model", () -> specs.add(ModelCatalog.parseEntry(m, null)));
        }
        if (specs.isEmpty()) {
            throw new UsageException(
                    "no model configured: pass --model VERSION=PATH[,tokenizer=PATH] or --models-file");
        }
        ModelCatalog catalog = Cli.build(() -> ModelCatalog.of(specs));
        for (ModelSpec s : catalog.specs()) {
            checkFiles(s);
        }
        return catalog;
    }

    /**
     * The files of one model exist and fit together by {@link dev.probeval.model.backend.ModelLocation}'s rules, the
     * ones the worker opens it by; an endpoint's API key variable is set.
     */
    private static void checkFiles(ModelSpec s) {
        String model = "model " + s.version() + ": ";
        String at = "model " + s.version();
        if (s.isHttp()) {
            String var = s.endpoint().apiKeyEnv();
            if (var != null && (System.getenv(var) == null || System.getenv(var).isBlank())) {
                throw new UsageException(model + "environment variable " + var + " (apiKeyEnv) is not set");
            }
            return;
        }
        ModelOptions.resolve(s.path(), s.tokenizer(), at + " at", at + " tokenizer");
    }
}
