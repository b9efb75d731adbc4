#!/usr/bin/env bash
# Side-by-side ROUGE-L timing: the JMH benchmark (dev.probeval.benchmarks.scoring.RougeBenchmark) and the reference
# method (rouge_score's algorithm on NLTK's stemmer, benchmarks/src/main/python/rouge_reference_bench.py) on the same
# pairs, in one run. Needs ../shared/data/tofu and Debian's python3-nltk (/usr/bin/python3).
# Extra arguments go to JMH, e.g. benchmarks/scoring-bench.sh -wi 2 -i 3
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Dstyle.color=never -DskipTests -pl benchmarks -am package
java -version 2>&1 | head -1
java -cp "benchmarks/target/probeval-benchmarks-0.1.0-SNAPSHOT.jar:$(cat benchmarks/target/classpath.txt)" \
  org.openjdk.jmh.Main 'dev.probeval.benchmarks.scoring.RougeBenchmark' -t 1 "$@"
/usr/bin/python3 benchmarks/src/main/python/rouge_reference_bench.py "${PROBEVAL_SHARED:-../shared}/data/tofu" 5
