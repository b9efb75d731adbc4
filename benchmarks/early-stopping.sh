#!/usr/bin/env bash
# Early-stopping benchmark on the lab's cached model versions (docs/benchmarks.md, "Early stopping on the lab versions").
# Usage: benchmarks/early-stopping.sh [VERSIONS|all] [REAL_VERSIONS] [OUT.json]
#   VERSIONS       comma-separated lab versions (default: the subset recorded in docs/benchmarks.md), or all
#   REAL_VERSIONS  versions whose early-stopped stream is also drawn for real, chunk by chunk, and timed
# Extra settings through the environment: CAP (512), CHUNK (32), ALPHA (0.01), THRESHOLD (0.05), TAU (0.5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -B -q -o -DskipTests -pl benchmarks -am package)
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
versions="${1:-base,retain-only,ga-s5,ga-s30,npo-s5,npo-s30,gd-s5}"
real="${2:-base,npo-s30}"
out="${3:-$root/benchmarks/target/early-stopping.json}"
echo "| version | split | prompts | samples fixed n | samples early | fewer | decided | vs fixed-n decisions | full-stream time | real early-stopped run vs full |"
echo "|---|---|---|---|---|---|---|---|---|---|"
exec java -Xmx2g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${THREADS:-1}" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/benchmarks/target/classes:$(cat "$root/benchmarks/target/classpath.txt")" \
  dev.probeval.benchmarks.early.EarlyStoppingBenchmark --versions "$versions" --real "$real" \
  --cap "${CAP:-512}" --chunk "${CHUNK:-32}" --alpha "${ALPHA:-0.01}" --threshold "${THRESHOLD:-0.05}" \
  --tau "${TAU:-0.5}" --out "$out"
