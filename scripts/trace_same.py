#!/usr/bin/python3
"""trace_same.py -- do two mailsim traces tell the same story?

Expands both with trace_expand.py (every implied field spelled out, folded
lines and headers given back as their own events) and compares them event
by event, leaving out seq (a line number, which changes when events are
folded). Prints the figures; exits 1 at the first difference.

    scripts/trace_same.py OLD.jsonl NEW.jsonl [MORE_OLD MORE_NEW ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace_expand  # noqa: E402


def events(path):
    with open(path, encoding="utf-8") as f:
        raw = [json.loads(line) for line in f if line.strip()]
    out = []
    for ev in trace_expand.expand(raw):
        ev.pop("seq", None)
        out.append(ev)
    return len(raw), out


def compare(old, new):
    n_old, a = events(old)
    n_new, b = events(new)
    size_old, size_new = os.path.getsize(old), os.path.getsize(new)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print(f"{new}: expanded event {i} differs\n  old: {json.dumps(x)}\n  new: {json.dumps(y)}")
            return False
    if len(a) != len(b):
        print(f"{new}: {len(b)} expanded events, {old} has {len(a)}")
        return False
    print(f"{os.path.basename(new)}: same {len(a)} events; lines {n_old} -> {n_new}, "
          f"bytes {size_old} -> {size_new} ({100.0 * (size_new - size_old) / max(size_old, 1):+.1f} %)")
    return True


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    ok = all([compare(argv[i], argv[i + 1]) for i in range(1, len(argv), 2)])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
