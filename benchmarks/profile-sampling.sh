#!/usr/bin/env bash
# JFR profile of one sampling engine: benchmarks/profile-sampling.sh (djl|java) (stories|gpt) [n] [seconds]
# Prints the engine's tokens/s, the hottest methods by CPU samples (self time, top frame) and where the decoding
# thread allocates; the recording stays in benchmarks/target/sampling-<engine>-<model>.jfr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${PROBEVAL_SHARED:-$root/../shared}"
engine="${1:?djl or java}"; model="${2:?stories or gpt}"; n="${3:-64}"; seconds="${4:-20}"
(cd "$root" && mvn -B -q -DskipTests -pl benchmarks -am package)
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
jfr="$root/benchmarks/target/sampling-$engine-$model.jfr"
java --add-modules=jdk.incubator.vector -Xmx3g -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dprobeval.jvm.threads="${THREADS:-2}" \
  -XX:StartFlightRecording=filename="$jfr",settings=profile \
  -cp "$root/benchmarks/target/classes:$(cat "$root/benchmarks/target/classpath.txt")" \
  dev.probeval.benchmarks.sampling.SamplingProfile \
  "$shared/models/stories260K/stories260K.bin" "$shared/models/stories260K/tok512.bin" "$engine" "$model" "$n" "$seconds" \
  2> >(grep -v -x 'WARNING: Using incubator modules: jdk.incubator.vector' | grep -v '^\[' >&2)
python3 "$root/benchmarks/jfr-top.py" "$jfr"
