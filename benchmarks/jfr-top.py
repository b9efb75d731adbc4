#!/usr/bin/env python3
"""Summarises a JFR recording: CPU samples by top frame (self time) and allocation samples by allocating frame."""
import collections, json, subprocess, sys

def events(jfr, name):
    out = subprocess.run(["jfr", "print", "--json", "--events", name, jfr], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["recording"]["events"]

def frame(f):
    m = f["method"]
    return m["type"]["name"].split(".")[-1] + "." + m["name"]

def top(counter, total, unit, k=12):
    for name, v in counter.most_common(k):
        print(f"  {100.0 * v / total:5.1f} %  {name}" + (f"  ({v / 1e6:.0f} MB)" if unit == "bytes" else ""))

jfr = sys.argv[1]
cpu = collections.Counter()
for e in events(jfr, "jdk.ExecutionSample"):
    frames = e["values"]["stackTrace"]["frames"] if e["values"].get("stackTrace") else []
    if frames:
        cpu[frame(frames[0])] += 1
native = collections.Counter()
for e in events(jfr, "jdk.NativeMethodSample"):
    frames = e["values"]["stackTrace"]["frames"] if e["values"].get("stackTrace") else []
    if frames and "pytorch" in json.dumps(frames[:1]).lower():
        native[frame(frames[0])] += 1
total = sum(cpu.values())
print(f"CPU samples in Java code: {total}; samples of threads inside native PyTorch calls: {sum(native.values())}")
top(cpu, max(total, 1), "samples")
if native:
    print("native PyTorch calls (top frame):")
    top(native, sum(native.values()), "samples", 6)
alloc = collections.Counter()
for e in events(jfr, "jdk.ObjectAllocationSample"):
    frames = e["values"]["stackTrace"]["frames"] if e["values"].get("stackTrace") else []
    if frames:
        alloc[frame(frames[0])] += e["values"]["weight"]
ta = sum(alloc.values())
print(f"allocation samples: {ta / 1e6:.0f} MB (weighted) by allocating method:")
top(alloc, max(ta, 1), "bytes", 8)
