#!/usr/bin/env python3
"""Summarise a JFR recording of benchmarks/aggregator-bench.sh for one thread-name substring (JDK 17 has no
`jfr view hot-methods`): top frames (self), inclusive share of chosen frame prefixes, and where the thread waits
(park, monitor, socket read events, summed duration).

usage: benchmarks/jfr-top.py RECORDING.jfr [THREAD_SUBSTRING=bench-aggregator] [TOP=25]
"""
import json, subprocess, sys, collections

rec = sys.argv[1]
thread = sys.argv[2] if len(sys.argv) > 2 else "bench-aggregator"
top = int(sys.argv[3]) if len(sys.argv) > 3 else 25

def events(kinds):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", kinds, rec],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]

def frames(e):
    st = e["values"].get("stackTrace") or {}
    return [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in st.get("frames", [])]

def tname(e):
    t = e["values"].get("eventThread") or e["values"].get("sampledThread") or {}
    return t.get("javaName") or t.get("osName") or ""

samples = [e for e in events("jdk.ExecutionSample") if thread in tname(e) and "StreamThread" in tname(e)]
n = len(samples)
print(f"{n} execution samples on stream threads matching '{thread}'")
selfc = collections.Counter(frames(e)[0] for e in samples if frames(e))
print(f"\ntop {top} frames (self):")
for m, c in selfc.most_common(top):
    print(f"  {100.0 * c / n:5.1f}%  {m}")
groups = collections.OrderedDict([
    ("RequestState/ScoreAccumulator codec", ("RequestState.toBytes", "RequestState.fromBytes",
        "ScoreAccumulator.toBytes", "ScoreAccumulator.fromBytes")),
    ("Avro decode (SpecificAvroDeserializer)", ("SpecificAvroDeserializer.deserialize",)),
    ("requests-store get (EvalRequest decode)", ("SamplesProcessor.lambda", "MeteredKeyValueStore.get")),
    ("SHA-1 sample id (SampleIds.sampleId)", ("SampleIds.sampleId",)),
    ("bounds (PromptBoundsFactory.build)", ("PromptBoundsFactory.build",)),
    ("roll-up (RollupProcessor)", ("RollupProcessor.",)),
    ("producer send (RecordCollectorImpl.send)", ("RecordCollectorImpl.send",)),
    ("consumer poll", ("KafkaConsumer.poll", "ClassicKafkaConsumer.poll", "AsyncKafkaConsumer.poll")),
    ("commit (TaskExecutor.commit / commitOffsetsOrTransaction)", ("TaskExecutor.commit", "commitOffsetsOrTransaction")),
    ("RocksDB", ("org.rocksdb.",)),
    ("metrics sensors", ("Sensor.record",)),
])
print("\ninclusive (any frame of the sample matches):")
for g, prefixes in groups.items():
    c = sum(1 for e in samples if any(any(p in f for p in prefixes) for f in frames(e)))
    print(f"  {100.0 * c / max(1, n):5.1f}%  {g}")

def dur(e):
    d = e["values"].get("duration", "PT0S")
    # ISO-8601 PTxS / PTxMxS
    d = d[2:]
    s = 0.0
    if "M" in d:
        mm, d = d.split("M", 1)
        s += 60 * float(mm)
    if d.endswith("S"):
        s += float(d[:-1])
    return s

print("\nwaiting on the stream thread (summed event durations, by top application frame):")
waits = collections.Counter()
for kind in ("jdk.ThreadPark", "jdk.JavaMonitorWait", "jdk.JavaMonitorEnter", "jdk.SocketRead", "jdk.ThreadSleep",
             "jdk.FileForce"):
    for e in events(kind):
        if thread in tname(e) and "StreamThread" in tname(e):
            fr = [f for f in frames(e) if "org.apache.kafka" in f or "dev.probeval" in f]
            waits[(kind, fr[0] if fr else "?")] += dur(e)
for (k, f), s in waits.most_common(15):
    print(f"  {s:8.2f} s  {k:22s} {f}")
