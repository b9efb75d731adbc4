#!/usr/bin/env bash
# Bounds benchmark: per-sample update + recompute in each mode (JMH) against the reference method (numpy
# recompute from the whole array, benchmarks/python/bounds_reference.py) on the same scores, in one run.
# Usage: benchmarks/run-bounds.sh [extra JMH arguments]   (default settings: -f 1 -wi 3 -w 1s -i 5 -r 1s)
# Needs python3 with numpy and scipy. Prints the JMH output, the reference timings and a side-by-side table.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Dstyle.color=never -DskipTests -pl benchmarks -am package
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
java -version 2>&1 | head -1
java -cp "benchmarks/target/probeval-benchmarks-0.1.0-SNAPSHOT.jar:$(cat benchmarks/target/classpath.txt)" \
  org.openjdk.jmh.Main 'dev\.probeval\.benchmarks\.bounds\..*' -f 1 -wi 3 -w 1s -i 5 -r 1s -t 1 \
  -rf json -rff "$out/jmh.json" "$@"
python3 benchmarks/python/bounds_reference.py 128 1024 | tee "$out/ref.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/jmh.json" "$out/ref.txt" <<'PY'
import json, re, sys
jmh = json.load(open(sys.argv[1]))
ref = {}
for line in open(sys.argv[2]):
    m = re.match(r"REF (\w+) n0=(\d+) us_per_update=([\d.]+)", line)
    if m:
        ref[(m.group(1), int(m.group(2)))] = float(m.group(3))
res = {}
for r in jmh:
    name = r["benchmark"].rsplit(".", 2)
    key = (name[-2], name[-1], r["params"].get("mode", ""), int(r["params"]["n0"]))
    res[key] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])
def fmt(v):
    return f"{v[0]:.2f} ± {v[1]:.2f}" if v[1] == v[1] else f"{v[0]:.2f}"
print()
print("| mode | n0 | ours: add + compute (µs/update) | ours: compute only (µs) | numpy, conbo's algorithm (µs/update) "
      "| numpy, vectorised (µs/update) | ratio conbo-numpy / ours | ratio vectorised-numpy / ours |")
print("|---|---|---|---|---|---|---|---|")
for mode in ("CONBO", "SOUND", "ANYTIME"):
    for n0 in (128, 1024):
        ours = res.get(("BoundsUpdateBenchmark", "addAndCompute", mode, n0))
        comp = res.get(("BoundsUpdateBenchmark", "computeOnly", mode, n0))
        rc, rv = ref.get(("conbo", n0)), ref.get(("vectorised", n0))
        if ours is None:
            continue
        print(f"| {mode} | {n0} | {fmt(ours)} | {fmt(comp) if comp else '-'} | {rc:.1f} | {rv:.1f} "
              f"| {rc / ours[0]:.1f}× | {rv / ours[0]:.2f}× |")
print()
print("| context (µs/op) | n0 = 128 | n0 = 1024 |")
print("|---|---|---|")
for cls, bench in (("AccumulatorBenchmark", "addOnly"), ("AccumulatorBenchmark", "roundTrip"),
                   ("BoundsPartsBenchmark", "conboBinomial"), ("BoundsPartsBenchmark", "soundClopperPearson"),
                   ("BoundsPartsBenchmark", "conboMuSigma"), ("BoundsPartsBenchmark", "anytimeBinomial")):
    cells = [fmt(res[(cls, bench, "", n0)]) if (cls, bench, "", n0) in res else "-" for n0 in (128, 1024)]
    print(f"| {cls}.{bench} | {cells[0]} | {cells[1]} |")
PY
