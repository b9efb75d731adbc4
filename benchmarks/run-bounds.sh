#!/usr/bin/env bash
# Bounds benchmark (issue 3): update-plus-recompute per sample in CONBO, SOUND and ANYTIME modes (JMH,
# dev.probeval.benchmarks.bounds.BoundsUpdateBenchmark) and the reference way, numpy recompute from the whole array
# after every sample (benchmarks/src/main/python/bounds_reference.py), in one run on one machine, with ratios.
# Extra arguments go to JMH, e.g. benchmarks/run-bounds.sh -wi 2 -i 3
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Dstyle.color=never -DskipTests -pl benchmarks -am package
java -version 2>&1 | head -1
nproc; uptime
result=benchmarks/target/bounds-jmh.json
java -cp "benchmarks/target/probeval-benchmarks-0.1.0-SNAPSHOT.jar:$(cat benchmarks/target/classpath.txt)" \
  org.openjdk.jmh.Main 'dev.probeval.benchmarks.bounds.BoundsUpdateBenchmark' -t 1 -rf json -rff "$result" "$@"
python3 benchmarks/src/main/python/bounds_reference.py 3 "$result"
uptime
