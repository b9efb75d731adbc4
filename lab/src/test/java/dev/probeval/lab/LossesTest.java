package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.gpt.GptTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LossesTest {
    // One layer of width 16 and a context just above the longest toy pair (44 bytes + BOS/EOS): the signs and
    // formulas under test do not depend on size, and the class stays at a few seconds of CPU.
    static final GptConfig TINY = GptConfig.byteLevel(48, 16, 1, 2);
    static final List<QaPair> FORGET = List.of(
            new QaPair("forget", 0, "Who is A?", "A is a poet."),
            new QaPair("forget", 1, "Where was A born?", "In Oslo."));
    static final List<QaPair> RETAIN = List.of(
            new QaPair("retain", 0, "Who is B?", "B is a chef."),
            new QaPair("retain", 1, "Where was B born?", "In Rome."));
    static final LabConfig.Unlearn U = LabConfig.defaults().unlearn();

    static TokenBatch batch(GptModel m, List<QaPair> pairs) {
        return TokenBatch.of(m.tokenizer(), pairs, m.maxContext());
    }

    static float value(GptModel m, Function<NDManager, NDArray> f) {
        try (NDManager s = m.manager().newSubManager()) {
            return f.apply(s).getFloat();
        }
    }

    /** Gradient of a scalar objective w.r.t. every parameter, flattened in parameter order. */
    static float[] gradient(GptModel m, GptTrainer.Objective objective) {
        Map<String, NDArray> params = m.namedArrays();
        params.values().forEach(a -> a.setRequiresGradient(true));
        List<Float> all = new ArrayList<>();
        try (NDManager s = m.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(objective.loss(s));
            }
            for (NDArray a : params.values()) {
                NDArray g = a.getGradient();
                for (float x : g.toFloatArray()) {
                    all.add(x);
                }
                g.muli(0);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @Test
    void theAnswerMaskShouldCoverExactlyTheAnswerBytesAndEos() {
        try (GptModel m = GptModel.create(TINY, 1, Device.cpu())) {
            TokenBatch b = batch(m, FORGET);
            assertEquals("A is a poet.".length() + 1, b.answerTokens(0));
            assertEquals("In Oslo.".length() + 1, b.answerTokens(1));
        }
    }

    @Test
    void gradientAscentShouldBeTheNegatedNllGradientAndRaiseTheForgetNll() {
        try (GptModel m = GptModel.create(TINY, 3, Device.cpu())) {
            TokenBatch f = batch(m, FORGET);
            float[] gNll = gradient(m, s -> new Losses.Forward(m, s, f).meanNll());
            float[] gGa = gradient(m, s -> Losses.gradientAscent(new Losses.Forward(m, s, f)));
            for (int i = 0; i < gNll.length; i++) {
                assertEquals(-gNll[i], gGa[i], 1e-6f);
            }
            float before = value(m, s -> new Losses.Forward(m, s, f).meanNll());
            GptTrainer t = new GptTrainer(m, GptTrainer.Config.of(1e-3f, 0, 5));
            for (int i = 0; i < 3; i++) {
                t.step(s -> Losses.gradientAscent(new Losses.Forward(m, s, f)));
            }
            float after = value(m, s -> new Losses.Forward(m, s, f).meanNll());
            assertTrue(after > before + 0.01, "forget NLL " + before + " -> " + after);
        }
    }

    @Test
    void gradientDifferenceShouldLowerRetainNllWhileRaisingForgetNll() {
        try (GptModel m = GptModel.create(TINY, 4, Device.cpu())) {
            TokenBatch f = batch(m, FORGET);
            TokenBatch r = batch(m, RETAIN);
            float gd = value(
                    m, s -> Losses.gradientDifference(new Losses.Forward(m, s, f), new Losses.Forward(m, s, r), 2.0));
            float nf = value(m, s -> new Losses.Forward(m, s, f).meanNll());
            float nr = value(m, s -> new Losses.Forward(m, s, r).meanNll());
            assertEquals(2 * nr - nf, gd, 1e-5);
            float rBefore = nr;
            GptTrainer t = new GptTrainer(m, GptTrainer.Config.of(1e-3f, 0, 5));
            for (int i = 0; i < 3; i++) {
                t.step(s -> Losses.gradientDifference(new Losses.Forward(m, s, f), new Losses.Forward(m, s, r), 1.0));
            }
            assertTrue(value(m, s -> new Losses.Forward(m, s, r).meanNll()) < rBefore);
            assertTrue(value(m, s -> new Losses.Forward(m, s, f).meanNll()) > nf);
        }
    }

    @Test
    void summedNllShouldEqualTheHandSummedTokenLogProbabilities() {
        try (GptModel m = GptModel.create(TINY, 5, Device.cpu());
                NDManager s = m.manager().newSubManager()) {
            TokenBatch b = batch(m, FORGET);
            Losses.Forward fw = new Losses.Forward(m, s, b);
            float[] summed = fw.summedNll().toFloatArray();
            float[] logp = fw.logp.toFloatArray();
            int v = TINY.vocabSize();
            for (int r = 0; r < b.rows; r++) {
                double hand = 0;
                for (int i = 0; i < b.length; i++) {
                    int at = r * b.length + i;
                    if (b.answerMask[at] == 1f) {
                        hand -= logp[at * v + (int) b.targets[at]];
                    }
                }
                assertEquals(hand, summed[r], 1e-3);
            }
            double meanHand = (summed[0] + summed[1]) / (b.answerTokens(0) + b.answerTokens(1));
            assertEquals(meanHand, fw.meanNll().getFloat(), 1e-5);
        }
    }

    @Test
    void npoShouldMatchItsFormulaOnHandComputedLogProbabilities() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] nll = {12.5f, 30.0f, 4.25f};
            float[] ref = {10.0f, 31.0f, 4.25f};
            double beta = 0.05;
            double hand = 0;
            for (int i = 0; i < 3; i++) {
                double z = beta * (nll[i] - ref[i]);
                hand += Math.log(1 / (1 + Math.exp(-z)));
            }
            hand = -(2 / beta) * hand / 3;
            float got = Losses.npoTerm(m.create(nll), m.create(ref), beta).getFloat();
            assertEquals(hand, got, 1e-4);
            // At θ = ref the term is (2/β)·ln 2, and it falls as the model's forget NLL rises.
            assertEquals(
                    2 / beta * Math.log(2),
                    Losses.npoTerm(m.create(ref), m.create(ref), beta).getFloat(),
                    1e-4);
            float higher = Losses.npoTerm(m.create(new float[] {20f, 40f, 9f}), m.create(ref), beta)
                    .getFloat();
            assertTrue(higher < got);
            // Stable for large margins: log σ(z) → 0 from below, no NaN.
            float far = Losses.npoTerm(m.create(new float[] {1e5f}), m.create(new float[] {0f}), beta)
                    .getFloat();
            assertEquals(0, far, 1e-3);
        }
    }

    @Test
    void npoGradientShouldPushForgetNllUpFromTheReference() {
        try (GptModel m = GptModel.create(TINY, 6, Device.cpu())) {
            float[] ref = UnlearningLoss.summedNll(m, FORGET);
            TokenBatch f = batch(m, FORGET);
            float before = value(m, s -> new Losses.Forward(m, s, f).meanNll());
            GptTrainer t = new GptTrainer(m, GptTrainer.Config.of(1e-3f, 0, 5));
            for (int i = 0; i < 3; i++) {
                t.step(s -> Losses.npoTerm(new Losses.Forward(m, s, f).summedNll(), s.create(ref), 0.05));
            }
            assertTrue(value(m, s -> new Losses.Forward(m, s, f).meanNll()) > before);
        }
    }

    @Test
    void entropyShouldMatchTheDefinitionOverRealPositions() {
        try (GptModel m = GptModel.create(TINY, 7, Device.cpu());
                NDManager s = m.manager().newSubManager()) {
            TokenBatch b = batch(m, FORGET);
            Losses.Forward fw = new Losses.Forward(m, s, b);
            float[] logp = fw.logp.toFloatArray();
            int v = TINY.vocabSize();
            double sum = 0;
            int count = 0;
            for (int at = 0; at < b.rows * b.length; at++) {
                if (b.positionMask[at] == 1f) {
                    double h = 0;
                    for (int j = 0; j < v; j++) {
                        double lp = logp[at * v + j];
                        h -= Math.exp(lp) * lp;
                    }
                    sum += h;
                    count++;
                }
            }
            assertEquals(sum / count, fw.meanEntropy().getFloat(), 1e-4);
            // A random init is near uniform: entropy close to ln 258.
            assertEquals(Math.log(258), sum / count, 0.1);
        }
    }

    @Test
    void theEntropyOptionsShouldChooseThePositionsAndTheDivisor() throws java.io.IOException {
        try (GptModel m = GptModel.create(TINY, 7, Device.cpu());
                NDManager s = m.manager().newSubManager()) {
            TokenBatch b = batch(m, FORGET);
            Losses.Forward fw = new Losses.Forward(m, s, b);
            float[] logp = fw.logp.toFloatArray();
            int v = TINY.vocabSize();
            double all = 0;
            double answer = 0;
            int nAll = 0;
            int nAnswer = 0;
            for (int at = 0; at < b.rows * b.length; at++) {
                double h = 0;
                for (int j = 0; j < v; j++) {
                    double lp = logp[at * v + j];
                    h -= Math.exp(lp) * lp;
                }
                all += b.positionMask[at] * h;
                nAll += (int) b.positionMask[at];
                answer += b.answerMask[at] * h;
                nAnswer += (int) b.answerMask[at];
            }
            assertTrue(nAnswer > 0 && nAnswer < nAll);
            assertEquals(all / nAll, fw.entropy(false, 0).getFloat(), 1e-4);
            assertEquals(answer / nAnswer, fw.entropy(true, 0).getFloat(), 1e-4);
            assertEquals(all / (2 * 256), fw.entropy(false, 256).getFloat(), 1e-4);
            assertEquals(answer / (2 * 100), fw.entropy(true, 100).getFloat(), 1e-4);
            // The defaults are the reference's: every real position, divided by rows × 256.
            assertEquals(LabConfig.Unlearn.REFERENCE, U.entropyNormalisation());
            assertEquals(LabConfig.Unlearn.ALL, U.entropyPositions());
            assertEquals(256, U.entropyPaddedLength());
            float[] ref = UnlearningLoss.summedNll(m, FORGET);
            UnlearningLoss byDefault = new UnlearningLoss(m, Method.GA, true, U, b, batch(m, RETAIN), ref);
            byDefault.loss(s);
            assertEquals(all / (2 * 256), byDefault.lastForgetEntropy, 1e-4);
            java.nio.file.Path c = java.nio.file.Files.createTempFile("lab-entropy", ".json");
            java.nio.file.Files.writeString(
                    c, "{\"unlearn\":{\"entropyNormalisation\":\"real-positions\",\"entropyPositions\":\"answer\"}}");
            LabConfig.Unlearn u = LabConfig.load(c).unlearn();
            UnlearningLoss answerMean = new UnlearningLoss(m, Method.GA, true, u, b, batch(m, RETAIN), ref);
            answerMean.loss(s);
            assertEquals(answer / nAnswer, answerMean.lastForgetEntropy, 1e-4);
        }
    }

    @Test
    void perTermGradientNormsShouldBeTheNormsOfEachTermsOwnGradient() {
        try (GptModel m = GptModel.create(TINY, 11, Device.cpu())) {
            TokenBatch f = batch(m, FORGET);
            TokenBatch r = batch(m, RETAIN);
            float[] ref = UnlearningLoss.summedNll(m, FORGET);
            UnlearningLoss loss = new UnlearningLoss(m, Method.GD, true, U, f, r, ref);
            double[] expected = new double[3];
            for (int k = 0; k < 3; k++) {
                int term = k;
                expected[k] = norm(gradient(m, s -> loss.terms(s)[term]));
            }
            double whole = norm(gradient(m, loss));
            GptTrainer t = new GptTrainer(m, GptTrainer.Config.of(1e-3f, 0, 5));
            float[] got = t.termGradNorms(loss::terms);
            assertEquals(3, got.length);
            for (int k = 0; k < 3; k++) {
                assertTrue(expected[k] > 0, "term " + k);
                assertEquals(expected[k], got[k], 1e-4 * expected[k] + 1e-6, "term " + k);
            }
            // Measuring leaves no gradient behind: the step that follows sees the whole loss's gradient alone.
            t.step(loss);
            assertEquals(whole, t.lastGradNorm(), 1e-4 * whole);
        }
    }

    static double norm(float[] g) {
        double s = 0;
        for (float x : g) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void theEntropyTermShouldLowerForgetEntropyAndRaiseRetainEntropy() {
        try (GptModel m = GptModel.create(TINY, 8, Device.cpu())) {
            TokenBatch f = batch(m, FORGET);
            TokenBatch r = batch(m, RETAIN);
            // Train a little first so retain entropy is below its maximum and can move up.
            GptTrainer warm = new GptTrainer(m, GptTrainer.Config.of(1e-2f, 0, 10));
            for (int i = 0; i < 10; i++) {
                warm.step(s -> new Losses.Forward(m, s, r).meanNll().add(new Losses.Forward(m, s, f).meanNll()));
            }
            float hf = value(m, s -> new Losses.Forward(m, s, f).meanEntropy());
            float hr = value(m, s -> new Losses.Forward(m, s, r).meanEntropy());
            float term = value(
                    m,
                    s -> Losses.entropyTerm(
                            new Losses.Forward(m, s, f).meanEntropy(),
                            new Losses.Forward(m, s, r).meanEntropy(),
                            U.lambdaForget(),
                            U.lambdaRetain()));
            assertEquals(1.0 * hf - 0.25 * hr, term, 1e-4);
            // The forget part alone lowers forget entropy ...
            try (GptModel a = copy(m)) {
                GptTrainer t = new GptTrainer(a, GptTrainer.Config.of(1e-3f, 0, 5));
                for (int i = 0; i < 3; i++) {
                    t.step(s -> Losses.entropyTerm(
                            new Losses.Forward(a, s, f).meanEntropy(),
                            s.zeros(new ai.djl.ndarray.types.Shape()),
                            U.lambdaForget(),
                            U.lambdaRetain()));
                }
                assertTrue(value(a, s -> new Losses.Forward(a, s, f).meanEntropy()) < hf);
            }
            // ... and the retain part alone (−λ_r·H̄) pushes retain entropy up.
            try (GptModel a = copy(m)) {
                GptTrainer t = new GptTrainer(a, GptTrainer.Config.of(1e-3f, 0, 5));
                for (int i = 0; i < 3; i++) {
                    t.step(s -> Losses.entropyTerm(
                            s.zeros(new ai.djl.ndarray.types.Shape()),
                            new Losses.Forward(a, s, r).meanEntropy(),
                            U.lambdaForget(),
                            U.lambdaRetain()));
                }
                assertTrue(value(a, s -> new Losses.Forward(a, s, r).meanEntropy()) > hr);
            }
        }
    }

    @Test
    void defaultConfigShouldCarryTheSpecsHyperParameters() {
        assertEquals(0.05, U.npoBeta());
        assertEquals(1.0, U.lambdaForget());
        assertEquals(0.25, U.lambdaRetain());
        assertEquals(List.of("ga", "gd", "npo"), U.methods());
    }

    static GptModel copy(GptModel m) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("lab-copy");
            m.save(dir);
            GptModel c = GptModel.load(dir, Device.cpu());
            return c;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void unlearningLossShouldSumTheBaselineAndTheEntropyTerm() {
        try (GptModel m = GptModel.create(TINY, 9, Device.cpu());
                NDManager s = m.manager().newSubManager()) {
            TokenBatch f = batch(m, FORGET);
            TokenBatch r = batch(m, RETAIN);
            float[] ref = UnlearningLoss.summedNll(m, FORGET);
            for (Method method : Method.values()) {
                UnlearningLoss plain = new UnlearningLoss(m, method, false, U, f, r, ref);
                UnlearningLoss ent = new UnlearningLoss(m, method, true, U, f, r, ref);
                float p = plain.loss(s).getFloat();
                float e = ent.loss(s).getFloat();
                assertEquals(p, ent.lastBase, 1e-4, method.name());
                assertEquals(p + ent.lastForgetEntropy - 0.25 * ent.lastRetainEntropy, e, 1e-4, method.name());
            }
            float npoAtRef = new UnlearningLoss(m, Method.NPO, false, U, f, r, ref)
                    .loss(s)
                    .getFloat();
            float retainNll = new Losses.Forward(m, s, r).meanNll().getFloat();
            assertEquals(2 / 0.05 * Math.log(2) + retainNll, npoAtRef, 1e-3);
        }
    }
}
