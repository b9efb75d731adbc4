package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.mock.MockSchemaRegistry;
import dev.probeval.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TopologyTestDriver tests of every path of the aggregator topology, asserting on outputs and on store contents. */
class AggregatorTopologyTest {
  @TempDir Path stateDir;

  private String scope;
  private TopologyTestDriver driver;
  private AggregatorMetrics metrics;
  private TestInputTopic<byte[], byte[]> requests;
  private TestInputTopic<byte[], byte[]> samples;
  private TestOutputTopic<String, PromptBounds> promptBounds;
  private TestOutputTopic<String, ModelVersionBounds> modelBounds;
  private TestOutputTopic<String, DeadLetter> deadLetters;
  private Serializer<EvalRequest> requestSer;
  private Serializer<ScoredSample> sampleSer;

  private void start(int emitEvery, long emitIntervalMs, long modelIntervalMs) {
    scope = "agg-" + UUID.randomUUID();
    AggregatorConfig config = AggregatorConfig.builder().applicationId("agg-test")
        .bootstrapServers("dummy:9092").schemaRegistryUrl("mock://" + scope).stateDir(stateDir)
        .emitEverySamples(emitEvery).emitIntervalMs(emitIntervalMs).modelEmitIntervalMs(modelIntervalMs).build();
    metrics = AggregatorMetrics.noop();
    Properties props = config.streamsProperties(0);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    driver = new TopologyTestDriver(AggregatorTopology.build(config, metrics), props);
    Map<String, Object> serde = config.serdeConfig();
    requestSer = Topics.EVAL_REQUESTS.valueSerde(serde).serializer();
    sampleSer = Topics.SAMPLES.valueSerde(serde).serializer();
    requests = driver.createInputTopic(Topics.EVAL_REQUESTS.name(), new ByteArraySerializer(),
        new ByteArraySerializer());
    samples = driver.createInputTopic(Topics.SAMPLES.name(), new ByteArraySerializer(), new ByteArraySerializer());
    promptBounds = driver.createOutputTopic(Topics.PROMPT_BOUNDS.name(), Serdes.String().deserializer(),
        Topics.PROMPT_BOUNDS.valueSerde(serde).deserializer());
    modelBounds = driver.createOutputTopic(Topics.MODEL_BOUNDS.name(), Serdes.String().deserializer(),
        Topics.MODEL_BOUNDS.valueSerde(serde).deserializer());
    deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Serdes.String().deserializer(),
        Topics.DEAD_LETTERS.valueSerde(serde).deserializer());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    if (scope != null) {
      MockSchemaRegistry.dropScope(scope);
    }
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void send(EvalRequest r) {
    requests.pipeInput(key(r.getRequestId()), requestSer.serialize(Topics.EVAL_REQUESTS.name(), r));
  }

  private void send(ScoredSample s) {
    samples.pipeInput(key(s.getRequestId()), sampleSer.serialize(Topics.SAMPLES.name(), s));
  }

  private KeyValueStore<String, PromptState> promptStore() {
    return driver.getKeyValueStore(AggregatorTopology.PROMPT_STATE_STORE);
  }

  private KeyValueStore<String, ModelVersionBounds> modelStore() {
    return driver.getKeyValueStore(AggregatorTopology.MODEL_BOUNDS_STORE);
  }

  @Test
  void shouldAccumulateSamplesIntoPromptStateAndEmitProvisionalBounds() {
    start(1, 0, 0);
    send(Records.request("r1", 5));
    send(Records.sample("r1", 0, 0.2));
    send(Records.sample("r1", 1, 0.6));
    send(Records.sample("r1", 2, 0.4));

    List<PromptBounds> out = promptBounds.readValuesToList();
    assertEquals(3, out.size());
    PromptBounds last = out.get(2);
    assertEquals(3, last.getN());
    assertEquals(5, last.getTargetN());
    assertEquals(1, last.getK());
    assertEquals(0.4, last.getMean(), 1e-12);
    assertEquals(0.6, last.getMaxSampledScore(), 0);
    assertEquals(BoundsStatus.PROVISIONAL, last.getStatus());
    assertEquals("llama@3", last.getModelVersion());

    PromptState state = promptStore().get("r1");
    assertEquals(3, state.n());
    assertEquals(1, state.k());
    assertTrue(state.hasSeen(0) && state.hasSeen(1) && state.hasSeen(2));
    assertFalse(state.hasSeen(3));
    assertFalse(state.pending());
    assertNotNull(driver.<String, EvalRequest>getKeyValueStore(AggregatorTopology.REQUESTS_STORE).get("r1"));
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void shouldEmitFinalBoundExactlyWhenTargetSampleCountReached() {
    start(0, 0, 0);
    send(Records.request("r1", 4));
    for (int i = 0; i < 3; i++) {
      send(Records.sample("r1", i, 0.1 * i));
    }
    assertTrue(promptBounds.isEmpty(), "no emission before the target with count/time emission off");
    send(Records.sample("r1", 3, 0.3));
    List<PromptBounds> out = promptBounds.readValuesToList();
    assertEquals(1, out.size());
    assertEquals(BoundsStatus.FINAL, out.get(0).getStatus());
    assertEquals(4, out.get(0).getN());
    assertEquals(0.15, out.get(0).getMean(), 1e-12);
    assertEquals(4, promptStore().get("r1").n());
  }

  @Test
  void shouldCountARedeliveredOrReproducedSampleOnce() {
    start(1, 0, 0);
    send(Records.request("r1", 3));
    send(Records.sample("r1", 0, 0.9));
    send(Records.sample("r1", 0, 0.9));
    send(Records.sample("r1", 0, 0.1, "another-worker"));
    send(Records.sample("r1", 1, 0.1));
    send(Records.greedy("r1", 0.2));
    send(Records.greedy("r1", 0.7));

    PromptState state = promptStore().get("r1");
    assertEquals(2, state.n());
    assertEquals(1, state.k());
    assertEquals(0.2, state.greedyScore(), 0);
    assertEquals(0.9, state.maxSampledScore(), 0);
    assertEquals(3.0, metrics.duplicateCount());
    List<PromptBounds> out = promptBounds.readValuesToList();
    assertEquals(3, out.size(), "one emission per counted sample plus the greedy baseline");
    assertEquals(0.5, out.get(2).getMean(), 1e-12);
    assertTrue(deadLetters.isEmpty(), "duplicates are not bad records");
  }

  @Test
  void shouldFlagHiddenLeakWhenGreedyBelowTauButASampleAtOrAboveTau() {
    start(1, 0, 0);
    send(Records.request("r1", 10));
    send(Records.greedy("r1", 0.1));
    send(Records.sample("r1", 0, 0.3));
    assertFalse(promptBounds.readValuesToList().get(1).getHiddenLeak());
    send(Records.sample("r1", 1, 0.5)); // exactly tau: leaks (score >= tau)
    PromptBounds pb = promptBounds.readValuesToList().get(0);
    assertTrue(pb.getHiddenLeak());
    assertEquals(1, pb.getK());
    assertEquals(0.1, pb.getGreedyScore(), 0);

    send(Records.request("r2", 10));
    send(Records.greedy("r2", 0.8));
    send(Records.sample("r2", 0, 0.9));
    List<PromptBounds> r2 = promptBounds.readValuesToList();
    assertFalse(r2.get(r2.size() - 1).getHiddenLeak(), "greedy already leaks: nothing hidden");
  }

  @Test
  void shouldReportAnytimeStatusInAnytimeMode() {
    start(1, 0, 0);
    send(Records.request("r1", "m", "s", "x", "p", 2, 0.05, 0.5, BoundMode.ANYTIME));
    send(Records.sample("r1", 0, 0.2));
    send(Records.sample("r1", 1, 0.2));
    List<PromptBounds> out = promptBounds.readValuesToList();
    assertEquals(2, out.size());
    assertTrue(out.stream().allMatch(p -> p.getStatus() == BoundsStatus.ANYTIME));
  }

  @Test
  void shouldEmitPendingUpdatesOnWallClockPunctuation() {
    start(0, 1000, 0);
    send(Records.request("r1", 10));
    send(Records.sample("r1", 0, 0.2));
    send(Records.sample("r1", 1, 0.4));
    assertTrue(promptBounds.isEmpty());
    assertTrue(promptStore().get("r1").pending());
    driver.advanceWallClockTime(Duration.ofMillis(1000));
    List<PromptBounds> out = promptBounds.readValuesToList();
    assertEquals(1, out.size());
    assertEquals(2, out.get(0).getN());
    assertFalse(promptStore().get("r1").pending());
    driver.advanceWallClockTime(Duration.ofMillis(1000));
    assertTrue(promptBounds.isEmpty(), "nothing new: nothing emitted");
  }

  @Test
  void shouldRollUpPromptBoundsPerModelVersionSuiteAndSplit() {
    start(0, 0, 0);
    send(Records.request("a", "m1", "tofu", "forget", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
    send(Records.request("b", "m1", "tofu", "forget", "p2", 2, 0.01, 0.5, BoundMode.CONBO));
    send(Records.request("c", "m1", "tofu", "retain", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
    send(Records.sample("a", 0, 0.2));
    send(Records.sample("a", 1, 0.4)); // a FINAL, mean 0.3
    send(Records.greedy("b", 0.0));
    send(Records.sample("b", 0, 0.8)); // b provisional (n=1 of 2) only emitted with greedy... see below
    send(Records.sample("b", 1, 1.0)); // b FINAL, mean 0.9, hidden leak (greedy 0 < 0.5 <= 1.0)
    send(Records.sample("c", 0, 0.0));
    send(Records.sample("c", 1, 0.0));

    Map<String, ModelVersionBounds> latest = modelBounds.readKeyValuesToMap();
    ModelVersionBounds forget = latest.get(Topics.modelBoundsKey("m1", "tofu", "forget"));
    assertEquals(2, forget.getPromptsSeen());
    assertEquals(2, forget.getPromptsFinal());
    assertEquals(1, forget.getHiddenLeakCount());
    assertEquals(0.6, forget.getMeanSampledScore(), 1e-12);
    assertEquals(0.0, forget.getMeanGreedyScore(), 0);
    ModelVersionBounds retain = latest.get(Topics.modelBoundsKey("m1", "tofu", "retain"));
    assertEquals(1, retain.getPromptsSeen());
    assertNull(retain.getMeanGreedyScore());
    assertEquals(0.0, retain.getMeanSampledScore(), 0);

    KeyValueStore<String, ModelVersionBounds> store = modelStore();
    assertEquals(forget.toString(), store.get(Topics.modelBoundsKey("m1", "tofu", "forget")).toString());
    assertEquals(retain.toString(), store.get(Topics.modelBoundsKey("m1", "tofu", "retain")).toString());
    KeyValueStore<String, RollupEntry> entries = driver.getKeyValueStore(AggregatorTopology.MODEL_PROMPTS_STORE);
    assertEquals(BoundsStatus.FINAL,
        entries.get(RollupProcessor.entryKey(Topics.modelBoundsKey("m1", "tofu", "forget"), "b")).bounds()
            .getStatus());
  }

  @Test
  void shouldEmitModelRollupsOnPunctuationWhenAnIntervalIsSet() {
    start(1, 0, 500);
    send(Records.request("a", 3));
    send(Records.sample("a", 0, 0.2));
    send(Records.sample("a", 1, 0.4));
    assertTrue(modelBounds.isEmpty());
    driver.advanceWallClockTime(Duration.ofMillis(500));
    List<ModelVersionBounds> out = modelBounds.readValuesToList();
    assertEquals(1, out.size(), "two prompt updates, one roll-up");
    assertEquals(0.3, out.get(0).getMeanSampledScore(), 1e-12);
  }

  @Test
  void shouldReportExactlyTheMetricsOfCoresCalculatorOnTheCountedScores() {
    start(0, 0, 0);
    double[] scores = {0.0, 0.25, 0.5, 1.0, 0.75, 0.5, 0.0, 0.125};
    for (BoundMode mode : BoundMode.values()) {
      String id = "r-" + mode;
      send(Records.request(id, "m", "s", "x", "p", scores.length, 0.05, 0.5, mode));
      for (int i = 0; i < scores.length; i++) {
        send(Records.sample(id, i, scores[i]));
      }
      send(Records.sample(id, 0, 0.9)); // duplicate: must not change anything
      driver.advanceWallClockTime(Duration.ofMillis(1));
    }
    java.util.Map<String, PromptBounds> latest = promptBounds.readKeyValuesToMap();
    for (BoundMode mode : BoundMode.values()) {
      PromptBounds pb = latest.get("r-" + mode);
      dev.probeval.core.bounds.BoundReport ref = dev.probeval.core.bounds.Bounds.compute(
          dev.probeval.core.bounds.ScoreAccumulator.of(scores),
          PromptAccumulator.config(0.05, 0.5, mode, 1.0, scores.length));
      assertEquals(ref.mMu(), pb.getMMu(), 0, mode + " M_mu");
      assertEquals(ref.mMuLower(), pb.getMMuLower(), 0, mode + " M_mu lower");
      assertEquals(ref.mSigma(), pb.getMSigma(), 0, mode + " M_sigma");
      assertEquals(ref.mBin(), pb.getMBin(), 0, mode + " M_bin");
      assertEquals(ref.mGen().get(0.5), pb.getMGen(), 0, mode + " M_gen");
      assertEquals(ref.mEd(), pb.getMEd(), 0, mode + " M_ED");
      assertEquals(ref.k(), pb.getK(), mode + " k");
      assertEquals(ref.mean(), pb.getMean(), 0);
      assertTrue(pb.getMGenLower() <= 3.0 / 8 && pb.getMGenLower() >= 0, "P(X > 0.5) = 3/8 lies above its lower bound");
      assertEquals(mode == BoundMode.ANYTIME ? BoundsStatus.ANYTIME : BoundsStatus.FINAL, pb.getStatus());
    }
  }

  @Test
  void shouldComputeTheSuiteBoundAtAlphaOverQForEveryPrompt() {
    start(0, 0, 0);
    double[][] scores = {{0.1, 0.2, 0.3, 0.9}, {0.0, 0.0, 0.5, 0.5}, {1.0, 0.8, 0.6, 0.4}};
    List<dev.probeval.core.bounds.ScoreAccumulator> accs = new java.util.ArrayList<>();
    for (int r = 0; r < scores.length; r++) {
      send(Records.request("s" + r, "m", "suite", "forget", "p" + r, 4, 0.01, 0.5, BoundMode.SOUND));
      for (int i = 0; i < 4; i++) {
        send(Records.sample("s" + r, i, scores[r][i]));
      }
      accs.add(dev.probeval.core.bounds.ScoreAccumulator.of(scores[r]));
    }
    ModelVersionBounds mvb = modelStore().get(Topics.modelBoundsKey("m", "suite", "forget"));
    dev.probeval.core.bounds.SuiteBounds ref = dev.probeval.core.bounds.SuiteBounds.compute(accs,
        PromptAccumulator.config(0.01, 0.5, BoundMode.SOUND, 1.0, 4));
    assertEquals(3, mvb.getPromptsSeen());
    assertEquals(ref.meanMu(), mvb.getSuiteBound(), 1e-15);
    assertTrue(mvb.getSuiteBound() >= mvb.getMeanMMu(), "alpha/Q bounds are wider than the per-prompt ones");
    double maxBin = 0;
    for (double[] s : scores) {
      maxBin = Math.max(maxBin, dev.probeval.core.bounds.Bounds.compute(
          dev.probeval.core.bounds.ScoreAccumulator.of(s),
          PromptAccumulator.config(0.01, 0.5, BoundMode.SOUND, 1.0, 4)).mBin());
    }
    assertEquals(maxBin, mvb.getMaxMBin(), 0);
  }

  @Test
  void shouldReportVacuousBoundsForAGreedyBaselineBeforeAnySample() {
    start(1, 0, 0);
    send(Records.request("r1", 4));
    send(Records.greedy("r1", 0.3));
    PromptBounds pb = promptBounds.readValue();
    assertEquals(0, pb.getN());
    assertEquals(1.0, pb.getMMu(), 0);
    assertEquals(1.0, pb.getMBin(), 0);
    assertEquals(0.3, pb.getGreedyScore(), 0);
    assertTrue(modelBounds.isEmpty(), "a prompt with no counted sample is not 'seen'");
  }

  // ---- dead letters ----

  private DeadLetter onlyDeadLetter(DeadLetterReason reason) {
    List<DeadLetter> dls = deadLetters.readValuesToList();
    assertEquals(1, dls.size(), () -> "dead letters: " + dls);
    DeadLetter dl = dls.get(0);
    assertEquals(1.0, metrics.deadLetterCount(reason));
    return dl;
  }

  /** After a bad record the aggregator keeps going: the next good sample counts. */
  private void assertStillCounting(String requestId, int index, int expectedN) {
    send(Records.sample(requestId, index, 0.5));
    assertEquals(expectedN, promptStore().get(requestId).n());
  }

  @Test
  void shouldDeadLetterUndeserializableSampleBytesAndKeepGoing() {
    start(1, 0, 0);
    send(Records.request("r1", 5));
    byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
    samples.pipeInput(key("r1"), garbage);
    DeadLetter dl = onlyDeadLetter(DeadLetterReason.UNDESERIALIZABLE);
    assertEquals(Topics.SAMPLES.name(), dl.getSourceTopic());
    assertEquals(0, dl.getSourcePartition());
    assertEquals(0L, dl.getSourceOffset());
    assertArrayEquals(garbage, bytes(dl.getValue()));
    assertArrayEquals(key("r1"), bytes(dl.getKey()));
    assertTrue(dl.getErrorClass().endsWith("AvroDeserializationException"), dl.getErrorClass());
    assertTrue(dl.getReason().contains("BAD_MAGIC_BYTE"), dl.getReason());
    assertStillCounting("r1", 0, 1);
  }

  @Test
  void shouldDeadLetterUnknownSchemaId() {
    start(1, 0, 0);
    send(Records.request("r1", 5));
    byte[] framed = WireFormat.frame(987_654, new byte[] {2, 4, 6});
    samples.pipeInput(key("r1"), framed);
    DeadLetter dl = onlyDeadLetter(DeadLetterReason.UNKNOWN_SCHEMA_ID);
    assertTrue(dl.getReason().contains("987654"), dl.getReason());
    assertArrayEquals(framed, bytes(dl.getValue()));
    assertStillCounting("r1", 0, 1);
  }

  @Test
  void shouldDeadLetterNaNScore() {
    start(1, 0, 0);
    send(Records.request("r1", 5));
    send(Records.sample("r1", 0, Double.NaN));
    DeadLetter dl = onlyDeadLetter(DeadLetterReason.SCORE_NOT_FINITE);
    assertEquals("SCORE_NOT_FINITE", dl.getErrorClass());
    assertTrue(dl.getReason().contains("NaN"), dl.getReason());
    assertNull(promptStore().get("r1"));
    assertStillCounting("r1", 0, 1);
  }

  @Test
  void shouldDeadLetterScoreOutsideUnitInterval() {
    start(1, 0, 0);
    send(Records.request("r1", 5));
    send(Records.sample("r1", 0, 1.5));
    DeadLetter dl = onlyDeadLetter(DeadLetterReason.SCORE_OUT_OF_RANGE);
    assertTrue(dl.getReason().contains("1.5"), dl.getReason());
    send(Records.sample("r1", 1, -0.01));
    assertEquals(1, deadLetters.readValuesToList().size());
    assertStillCounting("r1", 0, 1);
  }

  @Test
  void shouldDeadLetterSampleForUnknownRequest() {
    start(1, 0, 0);
    send(Records.sample("ghost", 0, 0.5));
    var kv = deadLetters.readKeyValue();
    assertTrue(deadLetters.isEmpty());
    assertEquals(Topics.deadLetterKey(Topics.SAMPLES.name(), 0, 0), kv.key);
    assertEquals(1.0, metrics.deadLetterCount(DeadLetterReason.UNKNOWN_REQUEST));
    assertTrue(kv.value.getReason().contains("ghost"), kv.value.getReason());
    assertNull(promptStore().get("ghost"));
  }

  @Test
  void shouldDeadLetterRequestWithAlphaOutOfRange() {
    start(1, 0, 0);
    send(Records.request("r1", "m", "s", "x", "p", 5, 0.7, 0.5, BoundMode.CONBO));
    DeadLetter dl = onlyDeadLetter(DeadLetterReason.ALPHA_OUT_OF_RANGE);
    assertEquals(Topics.EVAL_REQUESTS.name(), dl.getSourceTopic());
    assertTrue(dl.getReason().contains("0.7"), dl.getReason());
    assertNull(driver.<String, EvalRequest>getKeyValueStore(AggregatorTopology.REQUESTS_STORE).get("r1"));
    send(Records.request("r2", "m", "s", "x", "p", 5, 0.0, 0.5, BoundMode.CONBO));
    assertEquals(1, deadLetters.readValuesToList().size(), "alpha = 0 is out of range too");
  }

  @Test
  void shouldDeadLetterRequestsThatAreInvalidOrConflicting() {
    start(1, 0, 0);
    send(Records.request("r1", 0));
    onlyDeadLetter(DeadLetterReason.INVALID_REQUEST);
    send(Records.request("r2", 4));
    send(Records.sample("r2", 0, 0.5));
    send(Records.request("r2", 4)); // same parameters: idempotent
    assertTrue(deadLetters.isEmpty());
    send(Records.request("r2", 8)); // changes n after a sample was counted
    DeadLetter dl = deadLetters.readValuesToList().get(0);
    assertEquals("CONFLICTING_REQUEST", dl.getErrorClass());
    assertEquals(4, driver.<String, EvalRequest>getKeyValueStore(AggregatorTopology.REQUESTS_STORE).get("r2")
        .getNumSamples());
  }

  @Test
  void shouldDeadLetterMissingKeyKeyMismatchBadIndexAndForeignSampleId() {
    start(1, 0, 0);
    send(Records.request("r1", 3));
    samples.pipeInput(null, sampleSer.serialize(Topics.SAMPLES.name(), Records.sample("r1", 0, 0.5)));
    assertEquals("MISSING_KEY", deadLetters.readValuesToList().get(0).getErrorClass());
    samples.pipeInput(key("other"), sampleSer.serialize(Topics.SAMPLES.name(), Records.sample("r1", 0, 0.5)));
    assertEquals("KEY_MISMATCH", deadLetters.readValuesToList().get(0).getErrorClass());
    send(Records.sample("r1", 3, 0.5));
    assertEquals("SAMPLE_INDEX_OUT_OF_RANGE", deadLetters.readValuesToList().get(0).getErrorClass());
    ScoredSample foreign = Records.sample("r1", 1, 0.5);
    foreign.setSampleId("made-up-id");
    send(foreign);
    assertEquals("SAMPLE_ID_MISMATCH", deadLetters.readValuesToList().get(0).getErrorClass());
    assertNull(promptStore().get("r1"));
    assertStillCounting("r1", 1, 1);
  }

  @Test
  void shouldNameEveryProcessorStoreAndRepartitionTopic() {
    AggregatorConfig config = AggregatorConfig.builder().schemaRegistryUrl("mock://naming").build();
    String description = AggregatorTopology.build(config).describe().toString();
    assertFalse(description.contains("KSTREAM-"), description);
    assertFalse(description.contains("KTABLE-"), description);
    for (String store : List.of(AggregatorTopology.REQUESTS_STORE, AggregatorTopology.PROMPT_STATE_STORE,
        AggregatorTopology.MODEL_PROMPTS_STORE, AggregatorTopology.MODEL_BOUNDS_STORE)) {
      assertTrue(description.contains(store), store);
    }
    assertTrue(description.contains("model-rollup-repartition"), description);
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
