#!/usr/bin/env bash
# probeval serve vs the sampling engine alone (issue 13), same model, seeds and process.
# Usage: benchmarks/run-serve.sh [n] [new-tokens] [queue] [concurrency,...] [reps] [worker-chunk (0 = skip the worker)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${PROBEVAL_SHARED:-$root/../shared}"
(cd "$root" && mvn -B -q -DskipTests -pl benchmarks -am package)
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
echo "uptime before: $(uptime)"
java -Xmx2g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/benchmarks/target/classes:$(cat "$root/benchmarks/target/classpath.txt")" \
  dev.probeval.benchmarks.serve.ServeBenchmark \
  "$shared/models/stories260K/stories260K.bin" "$shared/models/stories260K/tok512.bin" \
  "${1:-128}" "${2:-64}" "${3:-20}" "${4:-16,128}" "${5:-1}" "${6:-128}"
echo "uptime after: $(uptime)"
