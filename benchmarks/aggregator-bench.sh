#!/usr/bin/env bash
# Aggregator vs. a bare groupByKey().count() topology on the same input, exactly-once, embedded broker and registry
# (dev.probeval.benchmarks.aggregator.AggregatorBenchmark). Defaults: 1,000 prompts x 1,000 samples.
# Smaller run: benchmarks/aggregator-bench.sh --samples 100000
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Dstyle.color=never -DskipTests -pl benchmarks -am package
java -Xmx3g -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.probeval -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "benchmarks/target/probeval-benchmarks-0.1.0-SNAPSHOT.jar:$(cat benchmarks/target/classpath.txt)" \
  dev.probeval.benchmarks.aggregator.AggregatorBenchmark "$@"
