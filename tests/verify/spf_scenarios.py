#!/usr/bin/python3
"""Every SPF result the simulator reaches in a shipped scenario, checked
against pyspf (python3-spf) with the same DNS records (the scenario's
zones, served through pyspf's DNSLookup hook as tests/spf_pyspf_check.py
does).

usage: spf_scenarios.py MAILSIM SOURCE_DIR        exit 77 without pyspf
"""
import importlib.util
import json
import os
import re
import subprocess
import sys

try:
    import spf
except ImportError:
    print("SKIPPED: python3-spf (pyspf) is not installed")
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
loader = importlib.util.spec_from_file_location("spfcheck", os.path.join(here, "..", "spf_pyspf_check.py"))
spfcheck = importlib.util.module_from_spec(loader)
loader.loader.exec_module(spfcheck)


def records(scenario):
    out = []
    for h in scenario["hosts"]:
        for z in h.get("zones", []):
            for r in z["records"]:
                n = r["name"]
                name = z["origin"] if n == "@" else n[:-1] if n.endswith(".") else n + "." + z["origin"]
                data = r["data"]
                if r["type"] == "TXT":
                    data = data.strip('"')
                out.append([name, r["type"], data])
    return out


def main():
    mailsim, src = sys.argv[1:3]
    failures = checked = 0
    for fn in sorted(os.listdir(os.path.join(src, "scenarios"))):
        if not fn.endswith(".json"):
            continue
        path = os.path.join(src, "scenarios", fn)
        scenario = json.load(open(path))
        trace = subprocess.run([mailsim, "run", path, "--trace", "-", "--quiet"], check=True,
                               capture_output=True, text=True).stdout
        case = {"records": records(scenario)}
        for line in trace.splitlines():
            ev = json.loads(line)
            if ev["kind"] != "filter.check" or ev.get("filter") != "spf":
                continue
            m = re.match(r"(\S+) for (\S+?):", ev.get("detail", ""))
            if not m:
                continue
            ip, domain = m.groups()
            spf.DNSLookup = spfcheck.FakeDNS(case).lookup
            q = spf.query(i=ip, s="postmaster@" + domain, h=domain, querytime=0)
            theirs = q.check()[0]
            ok = theirs == ev["result"]
            checked += 1
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {fn}: {ip} for {domain}: mailsim {ev['result']}, pyspf {theirs}")
    if checked == 0:
        print("FAIL: no SPF results found in any scenario")
        sys.exit(1)
    print(f"{checked - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
