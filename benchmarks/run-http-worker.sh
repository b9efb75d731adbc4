#!/usr/bin/env bash
# The worker end to end with the HTTP sampler backend against probeval serve vs the in-process backend.
# Usage: benchmarks/run-http-worker.sh [n] [new-tokens] [queue] [chunk] [max-concurrency] [single-request reps] [warm-up requests]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serve-bench-common.sh"
run_stories_bench dev.probeval.benchmarks.serve.HttpWorkerBenchmark \
  "${1:-128}" "${2:-64}" "${3:-20}" "${4:-128}" "${5:-128}" "${6:-5}" "${7:-10}"
