#!/usr/bin/python3
"""mailsim verify from the outside: its --json output parsed with Python's
json module, each verdict of scenarios/verify-list.json checked, and each
decisive reply checked against the trace (the s2c line that answered the
verifier's RCPT TO for that address). Bad input: a missing scenario, a
bad list line, a missing list, no address, an unknown option, and the help.

usage: test_verify_cli.py MAILSIM SOURCE_DIR WORK_DIR"""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (puts back the trace's implied fields)

MAILSIM, SRC, WORK = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
SCN = os.path.join(SRC, "scenarios", "verify-list.json")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    return subprocess.run([MAILSIM, *args], capture_output=True, text=True, timeout=120)


# address -> (is_reachable, {flag path: value}, category)
EXPECT = {
    "alice@example.net": ("safe", {"smtp.is_deliverable": True, "smtp.is_catch_all": False}, "none"),
    "alice..smith@example.net": ("invalid", {"syntax.is_valid_syntax": False}, "bad-mailbox"),
    "bob@no-such-domain.example": ("invalid", {"mx.accepts_mail": False}, "bad-domain"),
    "anyone@nullmx.example": ("invalid", {"mx.accepts_mail": False}, "bad-mailbox"),
    "nobody@example.net": ("invalid", {"smtp.is_deliverable": False, "smtp.is_disabled": False}, "bad-mailbox"),
    "carol@example.net": ("invalid", {"smtp.is_disabled": True}, "disabled"),
    "dave@example.net": ("risky", {"smtp.has_full_inbox": True}, "mailbox-full"),
    "bob@catchall.example": ("risky", {"smtp.is_catch_all": True}, "none"),
    "sales@example.net": ("risky", {"misc.is_role_account": True, "smtp.is_deliverable": True}, "none"),
    "x7k2@tempbox.example": ("risky", {"misc.is_disposable": True}, "none"),
    "erin@greylist.example": ("unknown", {"smtp.can_connect_smtp": True}, "greylisted"),
    "frank@bigmail.example": ("unknown", {"smtp.can_connect_smtp": True}, "reputation"),
}
REPLY_PREFIX = {
    "nobody@example.net": "550 5.1.1",
    "carol@example.net": "550 5.2.1",
    "dave@example.net": "552 5.2.2",
    "erin@greylist.example": "451 4.7.1",
    "frank@bigmail.example": "554 5.7.1",
    "alice@example.net": "250",
}

trace_path = os.path.join(WORK, "verify-list.jsonl")
r = run("verify", SCN, "--json", "--trace", trace_path)
check(r.returncode == 0, f"verify exit {r.returncode}: {r.stderr}")
results = [json.loads(line) for line in r.stdout.splitlines()]
check([o["input"] for o in results] == list(EXPECT), "results in input order")
events = trace_expand.load(trace_path)

REACHER_KEYS = {"input", "is_reachable", "misc", "mx", "smtp", "syntax"}
for o in results:
    addr = o["input"]
    want, flags, category = EXPECT[addr]
    check(REACHER_KEYS <= set(o), f"{addr}: Reacher's keys present")
    check(set(o["smtp"]) == {"can_connect_smtp", "has_full_inbox", "is_catch_all", "is_deliverable",
                             "is_disabled"}, f"{addr}: smtp keys")
    check(o["is_reachable"] == want, f"{addr}: is_reachable {o['is_reachable']}, want {want}")
    for path, val in flags.items():
        sect, key = path.split(".")
        check(o[sect][key] == val, f"{addr}: {path} = {o[sect][key]}, want {val}")
    check(o["bounce"]["category"] == category, f"{addr}: category {o['bounce']['category']}, want {category}")
    check(isinstance(o["reason"], str) and o["reason"], f"{addr}: a reason")
    if addr in REPLY_PREFIX:
        check(o["reply"] and o["reply"].startswith(REPLY_PREFIX[addr]), f"{addr}: reply {o['reply']}")

    # The trace: the verify.result event says the same...
    ev = [e for e in events if e["kind"] == "verify.result" and e["address"] == addr]
    check(len(ev) == 1, f"{addr}: one verify.result")
    if ev:
        check(ev[0]["verdict"] == want and ev[0]["reason"] == o["reason"] and ev[0].get("reply") == o["reply"],
              f"{addr}: verify.result matches the JSON")
    # ...and the reply is the line the server sent to RCPT TO:<addr>.
    if o["reply"]:
        sent = [i for i, e in enumerate(events) if e["kind"] == "smtp.send" and e["dir"] == "c2s"
                and e["line"] == f"RCPT TO:<{addr}>" and e["node"] == "verifier.example"]
        check(len(sent) == 1, f"{addr}: one RCPT TO in the trace")
        if sent:
            c = events[sent[0]]["conn"]
            answer = next((e for e in events[sent[0] + 1:] if e["kind"] == "smtp.send" and e["dir"] == "s2c"
                           and e["conn"] == c), None)
            check(answer is not None and answer["line"] == o["reply"],
                  f"{addr}: the trace's reply {answer and answer['line']!r} equals {o['reply']!r}")

# Never DATA, always the random RCPT at the same domain, RSET and QUIT.
verifier_lines = [e["line"] for e in events if e["kind"] == "smtp.send" and e["dir"] == "c2s"
                  and e["node"] == "verifier.example"]
check("DATA" not in verifier_lines, "the verifier never sends DATA")
check(not any(e["kind"] == "smtp.data" and e["node"] == "verifier.example" for e in events), "no smtp.data")
rcpts = [l for l in verifier_lines if l.startswith("RCPT TO:")]
probed = [a for a in EXPECT if any(l == f"RCPT TO:<{a}>" for l in rcpts)]
check(len(rcpts) == 2 * len(probed), f"two RCPTs per probed address ({len(rcpts)} for {len(probed)})")
for a in probed:
    dom = a.split("@")[1]
    check(sum(1 for l in rcpts if l.endswith("@" + dom + ">") and l != f"RCPT TO:<{a}>") >= 1,
          f"{a}: a random RCPT at {dom}")
check(verifier_lines.count("RSET") == len(probed), "one RSET per probed address")
check(verifier_lines.count("QUIT") >= 1, "QUIT")
check(sum(1 for e in events if e["kind"] == "verify.start") == len(EXPECT), "one verify.start per address")

# mailsim run shows the same verdicts (the scenario's verify block).
r = run("run", SCN, "--trace", os.path.join(WORK, "run.jsonl"), "--quiet")
check(r.returncode == 0, "run exit 0")
run_verdicts = {e["address"]: e["verdict"] for e in map(json.loads, open(os.path.join(WORK, "run.jsonl")))
                if e["kind"] == "verify.result"}
check(run_verdicts == {a: v[0] for a, v in EXPECT.items()}, f"mailsim run's verdicts {run_verdicts}")

# A run stopped in the middle of the probes ends cleanly. (Sessions cut off
# by --until are not freed, the MTA's and clients' alike: no leak check.)
env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1")
for until in ("60.05", "60.2", "60.35"):
    r = subprocess.run([MAILSIM, "run", SCN, "--until", until, "--quiet"], capture_output=True, text=True,
                       timeout=120, env=env)
    check(r.returncode == 0, f"run --until {until}: exit {r.returncode} {r.stderr[-500:]}")

# The table.
r = run("verify", SCN)
check(r.returncode == 0 and r.stdout.startswith("VERDICT"), "table header")
check("12 addresses: 1 safe, 4 risky, 5 invalid, 2 unknown" in r.stdout, "table summary")
check(all(any(l.startswith(v) and a in l for l in r.stdout.splitlines()) for a, (v, _, _) in EXPECT.items()),
      "a table row per address with its verdict")

# A list file, comments and blank lines skipped, order kept.
lst = os.path.join(WORK, "list.txt")
with open(lst, "w") as f:
    f.write("# two addresses\n\nnobody@example.net\r\n  alice@example.net  \n")
r = run("verify", SCN, "--list", lst, "--json")
got = [json.loads(l)["input"] for l in r.stdout.splitlines()]
check(r.returncode == 0 and got == ["nobody@example.net", "alice@example.net"], f"list: {got}")

# Any shipped world: two addresses each, one JSON line per address.
for name in sorted(os.listdir(os.path.join(SRC, "scenarios"))):
    if not name.endswith(".json"):
        continue
    r = run("verify", os.path.join(SRC, "scenarios", name), "bob@example.net", "not-an-address", "--json")
    lines = r.stdout.splitlines()
    ok = r.returncode == 0 and len(lines) == 2 and json.loads(lines[1])["is_reachable"] == "invalid"
    check(ok, f"{name}: verify works ({r.returncode}, {r.stderr.strip()[:200]})")

# Bad input.
r = run("verify", os.path.join(WORK, "missing.json"), "a@example.net")
check(r.returncode == 4 and "missing.json" in r.stderr, f"missing scenario: {r.returncode} {r.stderr}")
bad = os.path.join(WORK, "bad.txt")
with open(bad, "w") as f:
    f.write("alice@example.net\nbob@example.net carol@example.net\nok@example.net\nx\x01y@example.net\n")
r = run("verify", SCN, "--list", bad)
check(r.returncode == 1, f"bad list exit {r.returncode}")
check(f"{bad}:2: more than one field" in r.stderr, f"bad list line 2 named: {r.stderr}")
check(f"{bad}:4: a control character" in r.stderr, f"bad list line 4 named: {r.stderr}")
check(r.stdout == "", "nothing verified from a bad list")
r = run("verify", SCN, "--list", os.path.join(WORK, "nolist.txt"))
check(r.returncode == 4 and "nolist.txt" in r.stderr, f"missing list: {r.returncode}")
r = run("verify", os.path.join(SRC, "scenarios", "catch-all.json"))
check(r.returncode == 2 and "no address to verify" in r.stderr, f"no address: {r.returncode} {r.stderr}")
r = run("verify", SCN, "--bogus")
check(r.returncode == 2 and "unknown option" in r.stderr, "unknown option")
r = run("verify")
check(r.returncode == 2 and "missing scenario FILE" in r.stderr, "no FILE")
r = run("help", "verify")
check(r.returncode == 0 and "mailsim verify FILE" in r.stdout and "--list FILE" in r.stdout, "help verify")
r = run("verify", "--help")
check(r.returncode == 0 and "mailsim verify FILE" in r.stdout, "verify --help")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
