#!/usr/bin/python3
"""test_large.py — the golden test of a large scenario (scenarios/large/).

A large scenario's trace runs to millions of lines, too big to keep in the
repository, so its golden is a fingerprint: the trace's SHA-256, its line
and byte counts (tests/golden/large/NAME.trace), and the campaign report
byte for byte (tests/golden/large/NAME.report.json). The trace is streamed
through a pipe and never written to disk.

Beyond the fingerprint, the report is checked against the trace it came
from, counted here independently of the simulator's own bookkeeping:
  sent         = msg.compose events of the campaign's messages
  accepted     = queue.done `relayed` at the sending MTA (the MX said 250)
  bounced      = queue.bounce of campaign messages at the sending MTA
                 (hard_bounced + soft_bounced)
  placement    = mailbox.store of campaign messages at the receivers, by
                 folder (INBOX -> inbox ...)
  campaign.end = the report's sent, suppressed and unsent
and every line must look like a trace event ({"t":..,"kind":..}).

usage: test_large.py MAILSIM SCENARIO GOLDEN_DIR [--update]"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

FOLDER_TO_PLACEMENT = {"INBOX": "inbox", "Promotions": "promotions", "Junk": "junk",
                       "Quarantine": "quarantine"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(mailsim, scenario, report):
    proc = subprocess.Popen([mailsim, "run", scenario, "--trace", "-", "--quiet",
                             "--report", report], stdout=subprocess.PIPE)
    h = hashlib.sha256()
    lines = nbytes = 0
    counts = {"sent": 0, "accepted": 0, "bounced": 0, "placement": {}, "end": None}
    campaigns = set()
    sender_mta = None
    interesting = (b'"kind":"msg.compose"', b'"kind":"queue.done"', b'"kind":"queue.bounce"',
                   b'"kind":"mailbox.store"', b'"kind":"campaign.')
    for raw in proc.stdout:
        h.update(raw)
        lines += 1
        nbytes += len(raw)
        # Every line starts {"t":...,"kind": or {"kind": (at the t of the
        # line before; seq is the line number, not written: ARCHITECTURE.md,
        # "Implied fields") — checked cheaply on all lines, and fully
        # (json.loads) on the lines the counts need.
        if not ((raw.startswith(b'{"t":') and b',"kind":"' in raw[:40]) or raw.startswith(b'{"kind":"')) \
                or not raw.endswith(b"}\n"):
            fail(f"line {lines}: not a trace line: {raw[:120]!r}")
        if not any(k in raw for k in interesting):
            continue
        ev = json.loads(raw)
        kind = ev["kind"]
        msg = ev.get("msg", "")
        ours = msg.split(".")[0] in campaigns and not msg.endswith(".dsn")
        if kind == "campaign.start":
            campaigns.add(ev["campaign"])
        elif kind == "campaign.end":
            counts["end"] = ev
        elif kind == "msg.compose" and ours:
            counts["sent"] += 1
        elif kind == "queue.done" and ours and ev["result"] == "relayed":
            if sender_mta is None:
                sender_mta = ev["node"]
            if ev["node"] == sender_mta:
                counts["accepted"] += 1
        elif kind == "queue.bounce" and ours:
            counts["bounced"] += 1
        elif kind == "mailbox.store" and ours and ev["node"] != sender_mta:
            p = FOLDER_TO_PLACEMENT.get(ev["folder"], ev["folder"])
            counts["placement"][p] = counts["placement"].get(p, 0) + 1
    if proc.wait() != 0:
        fail(f"mailsim run exited {proc.returncode}")
    fp = f"sha256 {h.hexdigest()}\nlines {lines}\nbytes {nbytes}\n"
    return fp, counts


def main():
    mailsim, scenario, golden_dir = sys.argv[1:4]
    update = "--update" in sys.argv[4:]
    name = os.path.splitext(os.path.basename(scenario))[0]
    with tempfile.TemporaryDirectory() as tmp:
        rep_path = os.path.join(tmp, "report.json")
        fp, counts = run(mailsim, scenario, rep_path)
        with open(rep_path, "rb") as f:
            report_bytes = f.read()
    report = json.loads(report_bytes)
    c = report["campaigns"][0]

    # The report against the trace.
    if counts["sent"] != c["sent"]:
        fail(f"report sent {c['sent']}, trace composed {counts['sent']}")
    if counts["accepted"] != c["accepted"]:
        fail(f"report accepted {c['accepted']}, trace relayed {counts['accepted']}")
    if counts["bounced"] != c["hard_bounced"] + c["soft_bounced"]:
        fail(f"report bounced {c['hard_bounced']}+{c['soft_bounced']}, trace {counts['bounced']}")
    for k, v in c["placement"].items():
        if counts["placement"].get(k, 0) != v:
            fail(f"report placement {k} {v}, trace {counts['placement'].get(k, 0)}")
    end = counts["end"]
    if end is None:
        fail("no campaign.end in the trace")
    # campaign.end is written when the last message is handed over: what was
    # sent is final then; acceptances and bounces may still be on the way.
    for k in ("sent", "suppressed", "unsent"):
        if end[k] != c[k]:
            fail(f"campaign.end {k} {end[k]}, report {c[k]}")

    trace_golden = os.path.join(golden_dir, name + ".trace")
    report_golden = os.path.join(golden_dir, name + ".report.json")
    if update:
        os.makedirs(golden_dir, exist_ok=True)
        with open(trace_golden, "w") as f:
            f.write(fp)
        with open(report_golden, "wb") as f:
            f.write(report_bytes)
        print(f"updated {trace_golden} and {report_golden}")
        return
    with open(trace_golden) as f:
        want = f.read()
    if fp != want:
        fail(f"trace fingerprint differs from {trace_golden}:\n got:\n{fp} want:\n{want}")
    with open(report_golden, "rb") as f:
        if f.read() != report_bytes:
            fail(f"report differs from {report_golden}")
    print(f"ok: {name}: {fp.split()[3]} lines, sent {c['sent']}, accepted {c['accepted']}, "
          f"bounced {c['hard_bounced']}+{c['soft_bounced']}, placement {c['placement']}")


if __name__ == "__main__":
    main()
