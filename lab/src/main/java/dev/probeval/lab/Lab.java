package dev.probeval.lab;

import ai.djl.Device;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.gpt.GptTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the lab's model versions into a {@link ModelStore}: {@code base} (forget ∪ retain), {@code retain-only}
 * (retain), and for each configured method with and without the entropy term a checkpoint every k unlearning steps
 * ({@code ga-s5}, {@code ga+ent-s5}, …). Each version's manifest provenance holds the lab manifest: method,
 * entropy, hyper-parameters, seed, parent, step, data-split hash, loss curve, wall time, greedy ROUGE-L recall.
 */
public final class Lab {
    /** The version trained on forget ∪ retain. */
    public static final String BASE = "base";
    /** The version trained on retain only: the gold standard that never saw the forget set. */
    public static final String RETAIN_ONLY = "retain-only";
    /** Greedy answers in training logs and manifests are cut at this many bytes. */
    static final int GREEDY_MAX_NEW_TOKENS = 256;

    private final LabConfig cfg;
    private final DataSplit split;
    private final ModelStore store;
    private final PrintWriter log;
    private final Device device;

    public Lab(LabConfig cfg, DataSplit split, ModelStore store, PrintWriter log) {
        this.cfg = cfg;
        this.split = split;
        this.store = store;
        this.log = log;
        this.device = Device.cpu();
    }

    public DataSplit split() {
        return split;
    }

    /** Trains base and retain-only unless present (or {@code force}); returns the versions trained now. */
    public List<String> trainBaseModels(boolean force) throws IOException {
        int threads = fixThreads();
        try {
            return trainBaseModelsFixed(force);
        } finally {
            PyTorchThreads.setIntraOp(threads);
        }
    }

    /**
     * Fixes PyTorch's intra-op threads at the config's {@code threads} for the duration of a training call and returns
     * the count to restore: CPU reductions round differently with a different thread count, so a count that followed
     * the machine or the user's {@code ai.djl.pytorch.num_threads} would make the same config and seed train
     * different weights.
     */
    private int fixThreads() {
        int before = PyTorchThreads.setIntraOp(cfg.threads());
        if (before != cfg.threads()) {
            log.println("lab: PyTorch intra-op threads " + cfg.threads() + " while training (was " + before + ")");
            log.flush();
        }
        return before;
    }

    private List<String> trainBaseModelsFixed(boolean force) throws IOException {
        List<String> done = new ArrayList<>();
        if (force || !store.exists(BASE)) {
            train(BASE, split.all());
            done.add(BASE);
        } else {
            log.println("lab: " + BASE + " exists in " + store.root() + " (use --force to retrain)");
        }
        if (force || !store.exists(RETAIN_ONLY)) {
            train(RETAIN_ONLY, split.retain());
            done.add(RETAIN_ONLY);
        } else {
            log.println("lab: " + RETAIN_ONLY + " exists in " + store.root() + " (use --force to retrain)");
        }
        log.flush();
        return done;
    }

    private void train(String version, List<QaPair> data) throws IOException {
        LabConfig.Train t = cfg.train();
        long start = System.nanoTime();
        List<Double> curve = new ArrayList<>();
        try (GptModel model = GptModel.create(cfg.model().gpt(), cfg.seed(), device)) {
            GptTrainer trainer = new GptTrainer(
                    model,
                    new GptTrainer.Config(
                            (float) t.learningRate(),
                            (float) t.learningRate() / 10,
                            t.warmupSteps(),
                            t.steps(),
                            0.01f,
                            0.9f,
                            0.95f,
                            1e-8f,
                            LabConfig.schedule(t.schedule())));
            trainer.setMaxGradNorm((float) t.maxGradNorm());
            Batcher batcher = new Batcher(data, Math.min(t.batchSize(), data.size()), cfg.seed());
            boolean onRetainOnly = data == split.retain();
            List<Map<String, Object>> checks = new ArrayList<>();
            boolean reached = false;
            int done = 0;
            for (int s = 1; s <= t.steps() && !reached; s++) {
                TokenBatch b = TokenBatch.of(model.tokenizer(), batcher.next(), model.maxContext());
                float loss = trainer.step(m -> new Losses.Forward(model, m, b).meanNll());
                curve.add((double) loss);
                done = s;
                if (s % Math.max(1, t.steps() / 20) == 0 || s == t.steps()) {
                    log.printf(
                            "lab: %s step %d/%d loss %.4f (%.0f s)%n",
                            version, s, t.steps(), loss, (System.nanoTime() - start) / 1e9);
                    log.flush();
                }
                if (t.targetGreedyRecall() > 0 && s % t.checkEvery() == 0 && s < t.steps()) {
                    Map<String, Object> check = new LinkedHashMap<>();
                    check.put("step", s);
                    reached = true;
                    for (String name : onRetainOnly ? List.of("retain") : List.of("forget", "retain")) {
                        List<QaPair> pairs = name.equals("forget") ? split.forget() : split.retain();
                        double g = Greedy.mean(Greedy.scores(model, pairs, GREEDY_MAX_NEW_TOKENS));
                        check.put(name, g);
                        reached &= g >= t.targetGreedyRecall();
                    }
                    checks.add(check);
                    log.printf(
                            "lab: %s step %d greedy ROUGE-L recall %s (target %.2f%s)%n",
                            version, s, check, t.targetGreedyRecall(), reached ? ", reached: stop" : "");
                    log.flush();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> lab = manifest(version, "finetune", false, null, done, curve, seconds);
            lab.put("trainedOn", onRetainOnly ? "retain" : "forget+retain");
            if (t.targetGreedyRecall() > 0) {
                lab.put("targetGreedyRecall", t.targetGreedyRecall());
                lab.put("targetReached", reached);
                lab.put("greedyChecks", checks);
            }
            lab.put("hyperParameters", ordered("train", cfg.train(), "model", cfg.model(), "threads", cfg.threads()));
            addGreedy(model, lab);
            model.provenance().put("lab", lab);
            model.save(store.dir(version));
            log.printf(
                    "lab: saved %s (%.1f s training) greedy ROUGE-L recall forget %.3f retain %.3f%n",
                    version, seconds, (double) lab.get("greedyForget"), (double) lab.get("greedyRetain"));
            log.flush();
        }
    }

    /**
     * Runs every configured method, without and with the entropy term, from base; skips a run whose last
     * checkpoint exists unless {@code force}. Returns the versions written.
     */
    public List<String> unlearnAll(boolean force) throws IOException {
        List<String> out = new ArrayList<>();
        for (String name : cfg.unlearn().methods()) {
            Method method = Method.parse(name);
            for (boolean entropy : new boolean[] {false, true}) {
                out.addAll(unlearn(method, entropy, force));
            }
        }
        return out;
    }

    /** One unlearning run from base, saving a version every {@code checkpointEvery} steps (and at the last step). */
    public List<String> unlearn(Method method, boolean entropy, boolean force) throws IOException {
        int threads = fixThreads();
        try {
            return unlearnFixed(method, entropy, force);
        } finally {
            PyTorchThreads.setIntraOp(threads);
        }
    }

    private List<String> unlearnFixed(Method method, boolean entropy, boolean force) throws IOException {
        LabConfig.Unlearn u = cfg.unlearn();
        String last = method.version(entropy, u.steps());
        if (!force && store.exists(last)) {
            log.println("lab: " + method.version(entropy, 0).replace("-s0", "") + " exists (use --force to rerun)");
            log.flush();
            return List.of();
        }
        if (!store.exists(BASE)) {
            throw new IllegalStateException("no " + BASE + " model in " + store.root() + ": train it first");
        }
        List<String> written = new ArrayList<>();
        long start = System.nanoTime();
        List<Double> curve = new ArrayList<>();
        List<Map<String, Object>> components = new ArrayList<>();
        try (GptModel model = GptModel.load(store.dir(BASE), device)) {
            float[] refNll = UnlearningLoss.summedNll(model, split.forget());
            GptTrainer trainer = new GptTrainer(
                    model,
                    new GptTrainer.Config(
                            (float) u.learningRate(),
                            (float) u.learningRate() / 10,
                            u.warmupSteps(),
                            u.steps(),
                            0.01f,
                            0.9f,
                            0.95f,
                            1e-8f,
                            LabConfig.schedule(u.schedule())));
            trainer.setMaxGradNorm((float) u.maxGradNorm());
            int bs = Math.min(u.batchSize(), split.forget().size());
            Batcher forget = new Batcher(split.forget(), bs, cfg.seed() + 1);
            SplittableRandom pairing = new SplittableRandom(cfg.seed() + 2);
            for (int s = 1; s <= u.steps(); s++) {
                List<Integer> fi = forget.nextIndices();
                List<QaPair> fb = new ArrayList<>();
                List<QaPair> rb = new ArrayList<>();
                float[] ref = new float[fi.size()];
                for (int j = 0; j < fi.size(); j++) {
                    fb.add(split.forget().get(fi.get(j)));
                    ref[j] = refNll[fi.get(j)];
                    // The reference pairs each forget item with a uniformly random retain item (paper-spec §4.2).
                    rb.add(split.retain().get(pairing.nextInt(split.retain().size())));
                }
                UnlearningLoss loss = new UnlearningLoss(
                        model,
                        method,
                        entropy,
                        u,
                        TokenBatch.of(model.tokenizer(), fb, model.maxContext()),
                        TokenBatch.of(model.tokenizer(), rb, model.maxContext()),
                        ref);
                boolean perTerm = entropy && u.termGradNorms();
                float[] n = perTerm ? trainer.termGradNorms(loss::terms) : null;
                float value = trainer.step(loss);
                curve.add((double) value);
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("step", s);
                c.put("loss", value);
                c.put("baseline", loss.lastBase);
                if (entropy) {
                    c.put("forgetEntropy", loss.lastForgetEntropy);
                    c.put("retainEntropy", loss.lastRetainEntropy);
                }
                c.put("gradNorm", trainer.lastGradNorm());
                if (perTerm) {
                    // ‖∇ baseline‖, ‖∇ λ_f·H̄(forget)‖, ‖∇ λ_r·H̄(retain)‖, before clipping (a forward and a
                    // backward per term, before the step).
                    c.put("gradNormBase", n[0]);
                    c.put("gradNormForgetEntropy", n[1]);
                    c.put("gradNormRetainEntropy", n[2]);
                } else if (!entropy) {
                    c.put("gradNormBase", trainer.lastGradNorm());
                }
                components.add(c);
                if (s % u.checkpointEvery() == 0 || s == u.steps()) {
                    String version = method.version(entropy, s);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    Map<String, Object> lab = manifest(version, method.id(), entropy, BASE, s, curve, seconds);
                    lab.put("hyperParameters", ordered("unlearn", u, "threads", cfg.threads()));
                    lab.put("components", new ArrayList<>(components));
                    // Greedy scores per checkpoint: what "greedy says forgotten" means for choosing checkpoints (the
                    // demo evaluates each run at the first checkpoint below τ). Computed before the next step.
                    addGreedy(model, lab);
                    model.provenance().clear();
                    model.provenance().put("lab", lab);
                    model.save(store.dir(version));
                    written.add(version);
                    log.printf(
                            "lab: saved %s loss %.4f (%.1f s) greedy ROUGE-L recall forget %.3f retain %.3f%n",
                            version, value, seconds, (double) lab.get("greedyForget"), (double)
                                    lab.get("greedyRetain"));
                    log.flush();
                }
            }
        }
        return written;
    }

    private Map<String, Object> manifest(
            String version,
            String method,
            boolean entropy,
            String parent,
            int step,
            List<Double> curve,
            double seconds) {
        Map<String, Object> lab = new LinkedHashMap<>();
        lab.put("version", version);
        lab.put("method", method);
        lab.put("entropy", entropy);
        lab.put("seed", cfg.seed());
        lab.put("parent", parent);
        lab.put("step", step);
        lab.put("splitHash", split.hash());
        lab.put("data", cfg.data());
        lab.put("forgetQuestions", split.forget().size());
        lab.put("retainQuestions", split.retain().size());
        lab.put("lossCurve", new ArrayList<>(curve));
        lab.put("trainingSeconds", seconds);
        return lab;
    }

    /** A map in the order given (Map.of's iteration order changes from one JVM to the next, and so would the JSON). */
    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private void addGreedy(GptModel model, Map<String, Object> lab) {
        lab.put("greedyForget", Greedy.mean(Greedy.scores(model, split.forget(), GREEDY_MAX_NEW_TOKENS)));
        lab.put("greedyRetain", Greedy.mean(Greedy.scores(model, split.retain(), GREEDY_MAX_NEW_TOKENS)));
    }

    /** Epoch-wise shuffled minibatches (a fresh permutation each epoch), deterministic from the seed. */
    static final class Batcher {
        private final List<QaPair> data;
        private final int size;
        private final SplittableRandom rng;
        private int[] order;
        private int pos;

        Batcher(List<QaPair> data, int size, long seed) {
            this.data = data;
            this.size = size;
            this.rng = new SplittableRandom(seed);
            reshuffle();
        }

        private void reshuffle() {
            order = new int[data.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            pos = 0;
        }

        List<Integer> nextIndices() {
            List<Integer> out = new ArrayList<>(size);
            while (out.size() < size) {
                if (pos == order.length) {
                    reshuffle();
                }
                out.add(order[pos++]);
            }
            return out;
        }

        List<QaPair> next() {
            List<QaPair> out = new ArrayList<>(size);
            for (int i : nextIndices()) {
                out.add(data.get(i));
            }
            return out;
        }
    }
}
