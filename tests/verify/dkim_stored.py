#!/usr/bin/python3
"""Stored messages checked by a DKIM verifier nobody here wrote (dkimpy).

Runs scenarios with `mailsim run --maildir`, reads the delivered copies and
verifies their DKIM signatures with python3-dkim, answering its DNS queries
from the scenario's own zones. all-pass and forwarded-breaks-spf must
verify; tampered-in-transit (the list server changed the body) must not.

usage: dkim_stored.py MAILSIM SOURCE_DIR WORKDIR     exit 77 if dkimpy is missing
"""
import json
import os
import shutil
import subprocess
import sys

try:
    import dkim
except ImportError:
    print("SKIPPED: python3-dkim (dkimpy) is not installed")
    sys.exit(77)


def zone_txt(scenario):
    """name (with trailing dot) -> TXT strings joined, from every dns host."""
    out = {}
    for h in scenario["hosts"]:
        for z in h.get("zones", []):
            for r in z["records"]:
                if r["type"] != "TXT":
                    continue
                n = r["name"]
                name = z["origin"] if n == "@" else n[:-1] if n.endswith(".") else n + "." + z["origin"]
                out[name.lower() + "."] = r["data"].strip('"')
    return out


def stored(mailsim, src, work, name, mailbox):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    path = os.path.join(src, "scenarios", name + ".json")
    subprocess.run([mailsim, "run", path, "--maildir", d, "--quiet"], check=True)
    # Maildir++ folders (.Junk) are hidden directories: walk, don't glob.
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(d, mailbox))
                   for f in fs if os.path.basename(dp) in ("cur", "new"))
    msgs = [open(f, "rb").read() for f in files]
    return json.load(open(path)), msgs


def main():
    mailsim, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    cases = [("all-pass", "bob@example.net", True),
             ("forwarded-breaks-spf", "bob@example.net", True),
             ("filter-relay", "bob@example.com", True),
             ("tampered-in-transit", "bob@example.net", False)]
    failures = checked = 0
    for name, mailbox, want in cases:
        scenario, msgs = stored(mailsim, src, work, name, mailbox)
        txt = zone_txt(scenario)

        def dnsfunc(qname, timeout=5):
            q = qname.decode() if isinstance(qname, bytes) else qname
            v = txt.get(q.lower() if q.endswith(".") else q.lower() + ".")
            return v.encode() if v else None

        if not msgs:
            print(f"FAIL {name}: nothing stored in {mailbox}")
            failures += 1
            continue
        for i, m in enumerate(msgs):
            got = dkim.verify(m, dnsfunc=dnsfunc)
            ok = got == want
            print(f"{'ok  ' if ok else 'FAIL'} {name} message {i + 1}: dkimpy says "
                  f"{'pass' if got else 'fail'}, want {'pass' if want else 'fail'}")
            failures += not ok
            checked += 1
    print(f"{checked - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
