#!/usr/bin/python3
"""Cross-check mailsim's SPF evaluator (sim/proto/spf.c) against Debian's pyspf.

Usage: spf_pyspf_check.py SPF_EVAL [CASES.json]

SPF_EVAL is the tests/spf_eval program: it runs our evaluator over every
case in CASES.json (default: spf_cases.json beside this script) and prints
one tab-separated line per case: name, result, mechanism, lookups, exp,
explanation. This script runs pyspf's spf.query(...).check() on the same
cases with its DNS replaced by the case's records and compares the results.

A case agrees when both give the same result (and, if the case has "exp",
both give that explanation text). "expect" in a case is the result we
expect from our evaluator; "pyspf_expect" marks a documented, deliberate
divergence: pyspf must then give that result and ours "expect".
Exit status: 0 all agree, 1 any disagreement, 77 pyspf is not installed.
"""
import json
import os
import subprocess
import sys

try:
    import spf  # Debian: python3-spf (pyspf)
except ImportError:
    print("pyspf (python3-spf) is not installed: skipped")
    sys.exit(77)


def canon(name):
    return name.lower().rstrip(".")


class FakeDNS:
    """The case's records in one root zone, in the shape pyspf's
    DNSLookup returns: a list of ((name, type), value) pairs, where TXT
    values are lists of bytes strings, A/AAAA address strings, MX
    (preference, exchange) and PTR/CNAME target names. A name listed in
    "timeout" ("name" for every type, "name TYPE" for one), or at or under
    a "servfail" zone, raises spf.TempError as pyspf's dnspython driver
    does for timeouts and SERVFAIL."""

    def __init__(self, case):
        self.records = {}
        for owner, rtype, rdata in case.get("records", []):
            self.records.setdefault((canon(owner), rtype.upper()), []).append(rdata)
        # "name" times out for every type, "name TYPE" for that type only
        self.timeouts = {(canon(t.split()[0]), t.split()[1].upper() if len(t.split()) > 1 else None)
                         for t in case.get("timeout", [])}
        self.servfail = [canon(z) for z in case.get("servfail", [])]

    def failing(self, name, qtype):
        if (name, None) in self.timeouts or (name, qtype) in self.timeouts:
            return True
        return any(name == z or name.endswith("." + z) for z in self.servfail)

    @staticmethod
    def value(rtype, rdata):
        if rtype == "TXT":
            parts = rdata if isinstance(rdata, list) else [rdata]
            return [p.encode("ascii") for p in parts]
        if rtype == "MX":
            pref, exchange = rdata.split()
            return (int(pref), canon(exchange) or ".")
        if rtype in ("PTR", "CNAME"):
            return canon(rdata)
        return rdata

    def lookup(self, name, qtype, strict=True, timeout=None):
        name = canon(name)
        qtype = qtype.upper()
        if self.failing(name, qtype):
            raise spf.TempError("DNS timeout or SERVFAIL for %s %s" % (name, qtype))
        cname = self.records.get((name, "CNAME"))
        if cname and qtype != "CNAME":
            target = canon(cname[0])
            return [((name, "CNAME"), target)] + self.lookup(target, qtype)
        return [((name, qtype), self.value(qtype, r))
                for r in self.records.get((name, qtype), [])]


def run_pyspf(case):
    spf.DNSLookup = FakeDNS(case).lookup
    sender = "" if case.get("mode") == "helo" else case.get("sender", "")
    q = spf.query(i=case["ip"], s=sender, h=case.get("helo", ""), querytime=0)
    result, _code, explanation = q.check()
    return result, explanation


def run_ours(spf_eval, cases_path):
    out = subprocess.run([spf_eval, cases_path], check=True, capture_output=True, text=True).stdout
    ours = {}
    for line in out.splitlines():
        name, result, mech, lookups, exp, why = (line.split("\t") + [""] * 6)[:6]
        ours[name] = {"result": result, "mech": mech, "lookups": lookups, "exp": exp, "why": why}
    return ours


def check_case(case, mine):
    """Returns (status, message): status 'agree', 'known' or 'DISAGREE'."""
    name = case["name"]
    if mine is None:
        return "DISAGREE", "%s: no output from spf_eval" % name
    py_result, py_exp = run_pyspf(case)
    detail = "ours %s [%s] (%s); pyspf %s" % (mine["result"], mine["mech"], mine["why"], py_result)
    problems = []
    expect = case.get("expect")
    if expect and mine["result"] != expect:
        problems.append("ours %s, case expects %s" % (mine["result"], expect))
    if "pyspf_expect" in case:
        if py_result != case["pyspf_expect"]:
            problems.append("pyspf %s, case says pyspf gives %s" % (py_result, case["pyspf_expect"]))
        if problems:
            return "DISAGREE", "%s: %s; %s" % (name, "; ".join(problems), detail)
        return "known", "%s: %s — %s" % (name, detail, case.get("note", ""))
    if mine["result"] != py_result:
        problems.append("results differ")
    if "exp" in case and (mine["exp"] != case["exp"] or py_exp != case["exp"]):
        problems.append("exp: ours %r, pyspf %r, want %r" % (mine["exp"], py_exp, case["exp"]))
    if problems:
        return "DISAGREE", "%s: %s; %s" % (name, "; ".join(problems), detail)
    return "agree", "%s: %s" % (name, detail)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cases_path = argv[2] if len(argv) == 3 else os.path.join(os.path.dirname(__file__), "spf_cases.json")
    with open(cases_path) as f:
        cases = json.load(f)["cases"]
    ours = run_ours(argv[1], cases_path)
    counts = {"agree": 0, "known": 0, "DISAGREE": 0}
    results = set()
    for case in cases:
        status, msg = check_case(case, ours.get(case["name"]))
        counts[status] += 1
        results.add(ours.get(case["name"], {}).get("result"))
        print("%-8s %s" % (status, msg))
    missing = {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"} - results
    print("%d cases: %d agree with pyspf %s, %d known divergences, %d disagreements"
          % (len(cases), counts["agree"], getattr(spf, "__version__", "?"), counts["known"],
             counts["DISAGREE"]))
    if missing:
        print("results never produced by the cases: %s" % ", ".join(sorted(missing)))
    return 1 if counts["DISAGREE"] or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
