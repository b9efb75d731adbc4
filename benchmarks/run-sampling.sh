#!/usr/bin/env bash
# Sampling benchmark: DJL engine vs plain-Java engine, batched, plus the one-at-a-time loop.
# Usage: benchmarks/run-sampling.sh [n,n,...] [new-tokens] [reps] [loop-rows]   (extra JVM flags: JAVA_OPTS)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${PROBEVAL_SHARED:-$root/../shared}"
(cd "$root" && mvn -B -q -DskipTests -pl benchmarks -am package)
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
exec java --add-modules=jdk.incubator.vector -Xmx3g ${JAVA_OPTS:-} -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dprobeval.jvm.threads="${THREADS:-2}" \
  -cp "$root/benchmarks/target/classes:$(cat "$root/benchmarks/target/classpath.txt")" \
  dev.probeval.benchmarks.sampling.SamplingBenchmark \
  "$shared/models/stories260K/stories260K.bin" "$shared/models/stories260K/tok512.bin" \
  "${1:-16,64,128,256}" "${2:-64}" "${3:-2}" "${4:-16}"
