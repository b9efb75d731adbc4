# Sourced (not run) by run-serve.sh and run-http-worker.sh: builds the benchmarks module, then
# run_stories_bench MAIN-CLASS ARGS... runs that benchmark on the stories260K checkpoint and tokenizer (given as its
# first two arguments, ARGS after them) between two uptime lines. THREADS sets the PyTorch intra-op threads (default:
# probeval's, one per core but one; the benchmark prints the count). BENCH_JAVA_OPTS adds JVM options (e.g. a GC log).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${PROBEVAL_SHARED:-$root/../shared}"

run_stories_bench() {
  local main="$1"
  shift
  (cd "$root" && mvn -B -q -DskipTests -pl benchmarks -am package)
  export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
  export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
  echo "uptime before: $(uptime)"
  java -Xmx2g ${BENCH_JAVA_OPTS:-} -Dai.djl.offline=true ${THREADS:+-Dai.djl.pytorch.num_threads=$THREADS} \
    -Dai.djl.pytorch.num_interop_threads=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$root/benchmarks/target/classes:$(cat "$root/benchmarks/target/classpath.txt")" \
    "$main" \
    "$shared/models/stories260K/stories260K.bin" "$shared/models/stories260K/tok512.bin" \
    "$@"
  echo "uptime after: $(uptime)"
}
