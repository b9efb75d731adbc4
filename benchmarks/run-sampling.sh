#!/usr/bin/env bash
# Sampling benchmark: batched engine vs one-sample-at-a-time loop. Usage: benchmarks/run-sampling.sh [n] [new-tokens] [reps]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${PROBEVAL_SHARED:-$root/../shared}"
(cd "$root" && mvn -B -q -DskipTests -pl benchmarks -am package)
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
exec java -Xmx2g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "$root/benchmarks/target/classes:$(cat "$root/benchmarks/target/classpath.txt")" \
  dev.probeval.benchmarks.sampling.SamplingBenchmark \
  "$shared/models/stories260K/stories260K.bin" "$shared/models/stories260K/tok512.bin" "${1:-128}" "${2:-64}" "${3:-2}"
