#!/usr/bin/python3
"""bench_campaign.py — `mailsim run scenarios/large/campaign-100k.json --report` (a
campaign to 100,000 generated recipients) under /usr/bin/time -v: prints
the wall time, the peak RSS and the campaign's report figures. Optionally
a different list size (the scenario is copied with "generate": N). A
benchmark, not a test.

usage: bench_campaign.py MAILSIM [N]"""
import json
import os
import re
import subprocess
import sys
import tempfile

mailsim = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "scenarios", "large", "campaign-100k.json")) as f:
    scn = json.load(f)
if len(sys.argv) > 2:
    scn["campaigns"][0]["list"]["generate"] = int(sys.argv[2])
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "campaign.json")
    with open(path, "w") as f:
        json.dump(scn, f)
    rep = os.path.join(tmp, "report.json")
    r = subprocess.run(["/usr/bin/time", "-v", mailsim, "run", path, "--report", rep, "--quiet"],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("mailsim failed: " + r.stderr[-2000:])
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", r.stderr).group(1)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    with open(rep) as f:
        c = json.load(f)["campaigns"][0]
print(f"recipients {c['recipients']}: wall {wall}, peak RSS {rss / 1024:.0f} MiB")
print("  " + ", ".join(f"{k} {c[k]}" for k in ("sent", "accepted", "hard_bounced", "soft_bounced",
                                                "suppressed", "unsent", "paused")))
print("  placement " + ", ".join(f"{k} {v}" for k, v in c["placement"].items()))
