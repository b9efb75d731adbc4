package dev.probeval.app;

import dev.probeval.model.sampling.AdaptiveTemperature;
import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How samples are decoded, the same options in every command that samples ({@code sample}, {@code produce},
 * {@code evaluate-offline}): {@code --temperature}, {@code --top-p}, {@code --top-k}, {@code --max-new-tokens},
 * {@code --seed}, and adaptive temperature as the flag {@code --adaptive-temperature} with its threshold
 * {@code --adaptive-threshold C}. {@code --adaptive-temperature C} (a number right after the flag) still sets both.
 *
 * <p>The defaults are the constants below; a command whose defaults differ passes them to the constructor (its
 * {@code --help} shows its own).
 */
class DecodingOptions {
    /** Default sampling temperature. */
    static final double DEFAULT_TEMPERATURE = 1.0;
    /** Default nucleus mass (1 = off). */
    static final double DEFAULT_TOP_P = 1.0;
    /** Default top-k (0 = off). */
    static final int DEFAULT_TOP_K = 0;
    /** Default new-token budget per sample. */
    static final int DEFAULT_MAX_NEW_TOKENS = 128;
    /** Default base seed. */
    static final long DEFAULT_SEED = 0;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            description = "Sampling temperature, >= 0; 0 decodes greedily (default: ${DEFAULT-VALUE}).")
    double temperature = DEFAULT_TEMPERATURE;

    @Option(
            names = "--top-p",
            paramLabel = "P",
            description = "Nucleus mass in (0, 1], Hugging Face semantics; 1 = off (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            description = "Keep the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE}; Hugging Face's is 50).")
    int topK = DEFAULT_TOP_K;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "M",
            description = "New-token budget per sample, end token included (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description =
                    "Base seed; sample i of a request is seeded from (S, request id, i) (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULT_SEED;

    @Option(
            names = "--adaptive-temperature",
            preprocessor = ThresholdShorthand.class,
            description = "Decode with adaptive temperature (paper-spec 4.4): a step is greedy while the confidence "
                    + "statistic exceeds --adaptive-threshold (--adaptive-temperature C sets both).")
    boolean adaptive;

    @Option(
            names = "--adaptive-threshold",
            paramLabel = "C",
            description = "Confidence threshold c_T in [0, 1] of adaptive temperature (default: ${DEFAULT-VALUE}).")
    double adaptiveThreshold = AdaptiveTemperature.DEFAULT_THRESHOLD;

    /** The common defaults. */
    DecodingOptions() {
        this(DEFAULT_TOP_P, DEFAULT_MAX_NEW_TOKENS);
    }

    /** A command's own defaults of top-p and the token budget. */
    DecodingOptions(double topP, int maxNewTokens) {
        this.topP = topP;
        this.maxNewTokens = maxNewTokens;
    }

    /**
     * {@code --adaptive-temperature C}: a plain number right after the flag is the threshold, as
     * {@code --adaptive-threshold C}; anything else (another option, a file) is left alone.
     */
    static final class ThresholdShorthand implements IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec command, ArgSpec flag, Map<String, Object> info) {
            if (!args.isEmpty()
                    && BoundsOptions.Decimal.PATTERN.matcher(args.peek()).matches()) {
                command.findOption("--adaptive-threshold").setValue(Double.valueOf(args.pop()));
                Object separator = info.get("separator"); // "=" when attached, " " when the next argument
                if (separator != null && !separator.toString().isBlank()) {
                    args.push("true"); // --adaptive-temperature=C: picocli reads the attached value as the flag's
                }
            }
            return false;
        }
    }
}
