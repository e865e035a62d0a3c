#!/usr/bin/python3
"""bench_verify.py — `mailsim verify` on a long list: writes N addresses
(default 100,000; a fixed mix over the domains of scenarios/verify-list.json:
real users, unknown local parts, bad syntax, catch-all, greylisting, null MX,
NXDOMAIN) and runs the verifier under /usr/bin/time -v, printing the wall
time, the peak RSS and the verdict counts. A benchmark, not a test.

usage: bench_verify.py MAILSIM [N]"""
import collections
import json
import os
import random
import subprocess
import sys
import tempfile

mailsim = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "verify-list.json")
domains = ["example.net", "catchall.example", "greylist.example", "tempbox.example", "bigmail.example",
           "nullmx.example", "no-such-domain.example"]
users = ["alice", "carol", "dave", "sales", "x7k2", "erin", "frank"]
rng = random.Random(1)
with tempfile.TemporaryDirectory() as tmp:
    lst = os.path.join(tmp, "list.txt")
    with open(lst, "w") as f:
        for i in range(n):
            if rng.random() < 0.02:
                f.write(f"bad..addr{i}@example.net\n")
                continue
            user = rng.choice(users) if rng.random() < 0.3 else f"user{i}"
            f.write(f"{user}@{rng.choice(domains)}\n")
    out = os.path.join(tmp, "out.jsonl")
    with open(out, "w") as o:
        r = subprocess.run(["/usr/bin/time", "-v", mailsim, "verify", scenario, "--list", lst, "--json"],
                           stdout=o, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"mailsim verify failed ({r.returncode}): {r.stderr[-2000:]}")
    stats = dict(l.strip().split(": ", 1) for l in r.stderr.splitlines() if ": " in l)
    verdicts = collections.Counter(json.loads(l)["is_reachable"] for l in open(out))
print(f"{n} addresses: wall {stats['Elapsed (wall clock) time (h:mm:ss or m:ss)']}, "
      f"peak RSS {int(stats['Maximum resident set size (kbytes)']) / 1024:.1f} MiB")
print("verdicts: " + ", ".join(f"{verdicts[v]} {v}" for v in ("safe", "risky", "invalid", "unknown")))
