#!/usr/bin/python3
"""trace_same_check.py -- scripts/trace_same.py can say "same" and can fail.

    trace_same_check.py SOURCE_DIR

For each tests/golden/*.jsonl: the trace with every implied field spelled
out and every folded line and header on its own line (trace_expand.py's
output, itself a trace) tells the same story as the golden; the same with
one line of a folded event changed, or one event dropped, does not.
"""
import contextlib
import glob
import io
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402
import trace_same  # noqa: E402


def write(path, events):
    with open(path, "w", encoding="utf-8") as f:
        for ev in events:
            f.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")


def quiet_compare(a, b):
    with contextlib.redirect_stdout(io.StringIO()):
        return trace_same.compare(a, b)


def main(argv):
    if len(argv) != 2:
        print("usage: trace_same_check.py SOURCE_DIR", file=sys.stderr)
        return 2
    paths = sorted(glob.glob(os.path.join(argv[1], "tests", "golden", "*.jsonl")))
    fails, folded = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for p in paths:
            name = os.path.basename(p)
            exp = list(trace_expand.load(p))
            out = os.path.join(tmp, name)
            write(out, exp)
            if not quiet_compare(p, out):
                fails.append(f"{name}: its expansion does not tell the same story")
            with open(p, encoding="utf-8") as f:
                raw = [json.loads(line) for line in f if line.strip()]
            i = next((k for k, ev in enumerate(raw) if "\n" in str(ev.get("line", ""))), None)
            if i is not None:
                folded += 1
                bad = [dict(ev) for ev in raw]
                bad[i]["line"] = bad[i]["line"].replace("\n", "\nX", 1)
                write(out, bad)
                if quiet_compare(p, out):
                    fails.append(f"{name}: a changed folded line went unnoticed")
            write(out, raw[:-2] + raw[-1:])
            if quiet_compare(p, out):
                fails.append(f"{name}: a dropped event went unnoticed")
    if not paths:
        fails.append("no golden traces found")
    if folded == 0:
        fails.append("no golden trace has a folded line")
    print(f"{len(paths)} golden traces compared with their expansion; {folded} with folded lines mutated")
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
