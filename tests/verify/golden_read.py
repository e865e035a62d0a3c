#!/usr/bin/python3
"""golden_read.py -- every golden trace is read by jq, by the viewer's trace
model and by an independent Python reader, and they agree on the fields the
trace leaves out (ARCHITECTURE.md, "Implied fields").

    golden_read.py TRACE_MODEL_TOOL SOURCE_DIR

For each tests/golden/*.jsonl:
  * jq parses every line, each an object with a string kind and a numeric t
    (the first line) or none (at the t of the line before), and jq alone
    gives every line its t back (the recipe in ARCHITECTURE.md) as the
    Python reader does;
  * tests/trace_model_tool (the viewer's tm_open) loads it, and for every
    event its seq, kind, conn, node and peer equal what
    scripts/trace_expand.py resolves: the Python reader, written from the
    contract, not from the C code;
  * its t, for a DNS answer its rcode, answers and ttl (left out when
    NOERROR, or when a dns.cache repeats one: ARCHITECTURE.md), a net.*
    event's port, a tls.ok's version and a queue.done's status are what
    the Python reader resolves;
  * a line event's lines (several when folded, ARCHITECTURE.md "Folded
    lines") are, one by one, the lines the Python reader unfolds it into,
    and its dir is the one the Python reader resolves;
  * every event with a conn ends up with both node and peer, and across the
    goldens some of them really were left out (or the check proves nothing).
Exit 77 (skipped) when jq is missing.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402

JQ_EVERY_LINE = ('[inputs] | (.[0].t | type) == "number" and all(.[]; type == "object" and'
                 ' ((.t | type) == "number" or .t == null) and (.kind | type) == "string")')
# ARCHITECTURE.md's recipe: each line with the t it happens at.
JQ_TIMES = 'foreach inputs as $e (null; $e.t // .; .)'
# How often each rule of "Implied fields" was used, across the goldens.
left_out = {"t": 0, "msg.header node": 0, "rcode": 0, "dns.cache answer": 0, "port": 0,
            "version": 0, "status": 0}


def check_file(tool, path):
    fails = []
    name = os.path.basename(path)
    jq = subprocess.run(["jq", "-n", "-e", JQ_EVERY_LINE, path], capture_output=True, text=True)
    if jq.returncode != 0 or jq.stdout.strip() != "true":
        fails.append(f"{name}: jq: exit {jq.returncode} {jq.stdout.strip()} {jq.stderr.strip()[:200]}")
    with open(path, encoding="utf-8") as f:
        raw = [json.loads(line) for line in f if line.strip()]
    want = list(trace_expand.expand(raw, unfold_lines=False))
    jq_t = subprocess.run(["jq", "-n", "-c", JQ_TIMES, path], capture_output=True, text=True)
    if jq_t.returncode != 0 or [json.loads(x) for x in jq_t.stdout.split()] != [w["t"] for w in want]:
        fails.append(f"{name}: jq's times are not the Python reader's: {jq_t.stderr.strip()[:200]}")
    model = subprocess.run([tool, path], capture_output=True, text=True)
    if model.returncode != 0:
        return fails + [f"{name}: the trace model refused it: {model.stderr.strip()}"], 0, 0, 0
    got = [json.loads(line) for line in model.stdout.splitlines()]
    if len(got) != len(want):
        fails.append(f"{name}: the model has {len(got)} events, the file {len(want)}")
    implied = conn_events = folded = 0
    for i, (g, w) in enumerate(zip(got, want)):
        for key in ("seq", "kind", "conn", "node", "peer", "msg", "dir"):
            if g.get(key) != w.get(key):
                fails.append(f"{name} event {i} ({w['kind']}): {key} model {g.get(key)!r}, "
                             f"python {w.get(key)!r}")
        left_out["t"] += "t" not in raw[i]
        left_out["msg.header node"] += w["kind"] == "msg.header" and "node" not in raw[i]
        if g.get("t_us") != round(w["t"] * 1e6):
            fails.append(f"{name} event {i} ({w['kind']}): t model {g.get('t_us')} µs, python {w['t']}")
        if w["kind"] in trace_expand.DNS_KINDS:
            left_out["rcode"] += "rcode" not in raw[i]
            left_out["dns.cache answer"] += "answers" not in raw[i]
            for key in trace_expand.DNS_ANSWER:
                py = w.get(key)
                py = str(py) if isinstance(py, int) else py
                if g.get(key) != py:
                    fails.append(f"{name} event {i} ({w['kind']}): {key} model {g.get(key)!r}, python {py!r}")
        for kind, key in (("net.", "port"), ("tls.ok", "version"), ("queue.done", "status")):
            if w["kind"].startswith(kind) and g.get(key) != w.get(key):
                fails.append(f"{name} event {i} ({w['kind']}): {key} model {g.get(key)!r}, "
                             f"python {w.get(key)!r}")
            if w["kind"].startswith(kind) and key not in raw[i]:
                left_out[key] += 1
        if w["kind"] in trace_expand.LINE_KINDS:
            lines = [u["line"] for u in trace_expand.unfold(w)]
            folded += len(lines) > 1
            shown = ["".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in x) for x in lines]
            if g.get("lines") != shown:
                fails.append(f"{name} event {i} ({w['kind']}): lines model {g.get('lines')!r}, "
                             f"python {lines!r}")
        if "conn" in w:
            conn_events += 1
            implied += "node" not in raw[i] or "peer" not in raw[i]
            if g.get("node") is None or g.get("peer") is None:
                fails.append(f"{name} event {i} ({w['kind']}): conn {w['conn']} without both ends")
    return fails[:20], implied, conn_events, folded


def main(argv):
    if len(argv) != 3:
        print("usage: golden_read.py TRACE_MODEL_TOOL SOURCE_DIR", file=sys.stderr)
        return 2
    if not shutil.which("jq"):
        print("SKIPPED: jq not installed")
        return 77
    tool, src = argv[1], argv[2]
    paths = sorted(glob.glob(os.path.join(src, "tests", "golden", "*.jsonl")))
    fails, implied, conn_events, folded = [], 0, 0, 0
    for p in paths:
        f, i, c, n = check_file(tool, p)
        folded += n
        fails += f
        implied += i
        conn_events += c
    if not paths:
        fails.append("no golden traces found")
    if folded == 0:
        fails.append("no line event was folded: the lines check would prove little")
    if implied == 0:
        fails.append("no conn event left node or peer out: the check would prove nothing")
    for rule, n in left_out.items():
        if n == 0:
            fails.append(f"no event left out its {rule}: the check would prove nothing")
    print(f"{len(paths)} golden traces; {conn_events} conn events, {implied} with implied ends, "
          f"{folded} folded line events; left out: "
          + ", ".join(f"{rule} {n}" for rule, n in left_out.items()))
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
