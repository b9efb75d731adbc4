#!/usr/bin/python3
"""Reference-method timing for the ROUGE-L benchmark (run by benchmarks/scoring-bench.sh beside the JMH run).

Times ROUGE-L recall on the same pairs as RougeBenchmark (TOFU log pairs whose generated and reference answers both
have 20-40 ROUGE tokens, in file-name then line order), computed the way rouge_score 0.1.2 computes it with
use_stemmer=True: lowercase, [^a-z0-9]+ -> space, split, NLTK PorterStemmer() on tokens longer than 3 characters,
full LCS table in Python lists. Two variants:
  * library  : a fresh stemmer call per token, as rouge_score does (it keeps no stem cache);
  * memoised : the same with a warm dict of stems, the setting of the Java benchmark.
Needs Debian's python3-nltk: run with /usr/bin/python3.
"""
import glob
import json
import os
import re
import statistics
import sys
import time

import nltk
from nltk.stem.porter import PorterStemmer

NON_ALNUM = re.compile(r"[^a-z0-9]+")
SPACES = re.compile(r"\s+")
VALID = re.compile(r"^[a-z0-9]+$")
STEMMER = PorterStemmer()
MEMO = {}


def tokenize(text, stem):
    tokens = SPACES.split(NON_ALNUM.sub(" ", text.lower()))
    tokens = [stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if VALID.match(t)]


def memo_stem(word):
    s = MEMO.get(word)
    if s is None:
        s = MEMO[word] = STEMMER.stem(word)
    return s


def lcs_length(ref, pred):
    rows, cols = len(ref), len(pred)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            if ref[i - 1] == pred[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def rouge_l_recall(pred, ref, stem):
    r, p = tokenize(ref, stem), tokenize(pred, stem)
    if not r or not p:
        return 0.0
    return lcs_length(r, p) / len(r)


def load_pairs(directory):
    pairs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                g, r = rec["generated"], rec["reference"]
                if 20 <= len(tokenize(g, memo_stem)) <= 40 and 20 <= len(tokenize(r, memo_stem)) <= 40:
                    pairs.append((g, r))
    return pairs


def per_pair_us(pairs, stem, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for g, r in pairs:
            rouge_l_recall(g, r, stem)
        times.append((time.perf_counter() - t0) / len(pairs) * 1e6)
    return statistics.median(times), min(times)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/tofu"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    pairs = load_pairs(directory)
    total = sum(rouge_l_recall(g, r, memo_stem) for g, r in pairs)
    print(f"[python reference] {sys.version.split()[0]}, NLTK {nltk.__version__}; pairs={len(pairs)} "
          f"sum(rougeL_recall)={total:.12f}")
    for name, stem in (("library (no stem cache)", STEMMER.stem), ("memoised stems (warm)", memo_stem)):
        median, best = per_pair_us(pairs, stem, repeats)
        print(f"[python reference] rougeL_recall {name}: median {median:.2f} us/pair, best {best:.2f} us/pair "
              f"over {repeats} passes")


if __name__ == "__main__":
    main()
