#!/usr/bin/env bash
# probeval serve vs the sampling engine alone, same model, seeds and process.
# Usage: benchmarks/run-serve.sh [n] [new-tokens] [queue] [concurrency,...] [reps] [worker-chunk (0 = skip the worker)] [warm-up requests] [single-request rounds]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serve-bench-common.sh"
run_stories_bench dev.probeval.benchmarks.serve.ServeBenchmark \
  "${1:-128}" "${2:-64}" "${3:-20}" "${4:-16,128}" "${5:-1}" "${6:-128}" "${7:-10}" "${8:-5}"
