#!/usr/bin/python3
"""The campaign panel's model against an independent count.

For each golden campaign trace (tests/golden/campaign-*.jsonl) and the
hand-written reputation fixture (tests/campaign/rep-fixture.jsonl), this
script reads the JSONL with Python's json module, counts at several times
what a reader of the trace knows (sent, accepted, hard / soft bounces,
blocks, suppressed, placement, the bounce-rate curve, the pause, each
receiver's reputation per key), and compares with what
campaign_view_tool prints from render/view/campaign_view.c at the same
times. The rules here are written from the trace vocabulary
(sim/trace_kinds.h) and email-facts §11.2, not from the C code:

- a campaign message is NAME.N (NAME from campaign.start); NAME.N.dsn is not;
- sent: its msg.compose;
- the first queue.bounce of a message: class "suppressed" is an address
  skipped for the suppression list; otherwise 4.x.x is soft, 5.2.2 / 5.2.3
  / 5.3.4 soft (quota, size), 5.5.x / 5.6.x / 5.7.x a block (the sender's
  fault: not counted as a bounce of the address), any other 5.x.x hard;
- placement: queue.done delivered/filed/junk/quarantined/dropped,
  mailbox.store INBOX/Promotions/Junk/Quarantine (another folder: filed,
  counted with Promotions), policy.decision discard (dropped) and
  quarantine; the first one makes the message accepted, a later different
  one moves it;
- rep.update: the latest score and level per (node, key).

It also holds the count against the simulator's own campaign.end figures
(at that event), which the simulator computes its own way.

usage: campaign_view_check.py TOOL SOURCE_DIR"""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (puts back the trace's implied fields)

TOOL, SRC = sys.argv[1], sys.argv[2]
failures = []
PLACES = ["Inbox", "Promotions", "Junk", "Quarantine", "dropped"]
RESULTS = {"delivered": "Inbox", "filed": "Promotions", "junk": "Junk",
           "quarantined": "Quarantine", "dropped": "dropped"}
FOLDERS = {"inbox": "Inbox", "promotions": "Promotions", "junk": "Junk", "spam": "Junk",
           "quarantine": "Quarantine"}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def us(t):
    """Seconds as the trace prints them, to integer microseconds."""
    whole, _, frac = f"{t:.6f}".partition(".")
    return int(whole) * 1000000 + int(frac)


def bounce_class(e):
    if e.get("class") == "suppressed":
        return "suppressed"
    st = e.get("status", "")
    if st.startswith("4."):
        return "soft"
    if st in ("5.2.2", "5.2.3", "5.3.4"):
        return "soft"
    if st.startswith(("5.5.", "5.6.", "5.7.")):
        return "blocked"
    return "hard"


def placement(e):
    k = e["kind"]
    if k == "queue.done":
        return RESULTS.get(e.get("result"))
    if k == "mailbox.store":
        return FOLDERS.get(e.get("folder", "").lower(), "Promotions")
    if k == "policy.decision":
        return {"discard": "dropped", "quarantine": "Quarantine"}.get(e.get("decision"))
    return None


def count(events, upto):
    """The state after events[0..upto] (upto -1: nothing yet)."""
    names = [e["campaign"] for e in events if e["kind"] == "campaign.start"]
    camps = {n: {"name": n, "phase": "waiting", "sent": 0, "accepted": 0, "hard_bounced": 0,
                 "soft_bounced": 0, "blocked": 0, "suppressed": 0, "listed": 0,
                 "placement": {p: 0 for p in PLACES}, "curve_points": 0, "curve_last": [],
                 "threshold_bp": -1, "paused": False, "pause_sent": -1,
                 "pause_rate_bp": -1} for n in names}
    pats = [(n, re.compile(re.escape(n) + r"\.\d+")) for n in names]
    placed, bounced, gauges = {}, set(), {}
    sent_total = {n: 0 for n in names}

    def camp_of(msg):
        for n, p in pats:
            if p.fullmatch(str(msg)):
                return n
        return None

    def bp(s):
        return round(float(s.rstrip("%")) * 100)

    for i, e in enumerate(events):
        k = e["kind"]
        # figures known from the whole trace: threshold and pause point
        # (the threshold is on campaign.start, and on the pause)
        if k == "campaign.start" and "threshold" in e:
            camps[e["campaign"]]["threshold_bp"] = bp(e["threshold"])
        if k == "campaign.pause" and camps[e["campaign"]]["pause_sent"] < 0:
            c = camps[e["campaign"]]
            c["threshold_bp"], c["pause_rate_bp"] = bp(e["threshold"]), bp(e["bounce_rate"])
            c["pause_sent"] = e["sent"]  # the first pause: counted from the start
        n = camp_of(e["msg"]) if "msg" in e else None
        if n and k == "msg.compose":
            sent_total[n] += 1
        if i > upto:
            continue
        if k == "rep.update":
            gauges[(e["node"], e["key"])] = {"host": e["node"], "key": e["key"], "score": e["score"],
                                              "level": e["level"],
                                              "updates": gauges.get((e["node"], e["key"]), {}).get("updates", 0) + 1}
        elif k.startswith("campaign.") and e.get("campaign") in camps:
            c = camps[e["campaign"]]
            c["phase"] = {"campaign.start": "sending", "campaign.pause": "paused",
                          "campaign.resume": "sending", "campaign.end": "done"}.get(k, c["phase"])
            c["paused"] |= k == "campaign.pause"
            c["listed"] += k == "campaign.suppress"
        if not n:
            continue
        c = camps[n]
        if k == "msg.compose":
            c["sent"] += 1
            c["curve_points"] += 1
            c["curve_last"] = [c["sent"], c["hard_bounced"]]
        elif k == "queue.bounce":
            if e["msg"] in bounced:
                continue
            bounced.add(e["msg"])
            cls = bounce_class(e)
            c[{"hard": "hard_bounced", "soft": "soft_bounced"}.get(cls, cls)] += 1
            if cls == "hard":
                c["curve_points"] += 1
                c["curve_last"] = [c["sent"], c["hard_bounced"]]
        else:
            p = placement(e)
            if not p or placed.get(e["msg"]) == p:
                continue
            if e["msg"] in placed:
                c["placement"][placed[e["msg"]]] -= 1
            else:
                c["accepted"] += 1
            c["placement"][p] += 1
            placed[e["msg"]] = p
    return camps, gauges


def run_tool(path, times):
    out = subprocess.run([TOOL, path] + times, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def compare(name, label, got, camps, gauges):
    gc = {c["name"]: c for c in got["campaigns"]}
    check(sorted(gc) == sorted(camps), f"{name} {label}: campaigns {sorted(gc)}, want {sorted(camps)}")
    for n, want in camps.items():
        for key, w in want.items():
            g = gc.get(n, {}).get(key)
            check(g == w, f"{name} {label} {n}.{key}: got {g}, want {w}")
    gg = {(g["host"], g["key"]): g for g in got["reputation"]}
    for key, w in gauges.items():
        check(gg.get(key) == w, f"{name} {label} gauge {key}: got {gg.get(key)}, want {w}")
    for key, g in gg.items():
        if key not in gauges:
            check(g["score"] == -1 and g["updates"] == 0,
                  f"{name} {label} gauge {key}: {g} before its first update")


def times_of(events):
    """Before anything, the campaigns' events and just before each, a
    third and two thirds of the way, after the pause, the end."""
    ts = {events[0]["t"], events[-1]["t"], (events[0]["t"] + events[-1]["t"]) / 3,
          2 * (events[0]["t"] + events[-1]["t"]) / 3}
    for e in events:
        if e["kind"].startswith("campaign.") or e["kind"] == "rep.update":
            ts |= {e["t"], max(0.0, e["t"] - 0.000001), e["t"] + 1.5}
    return sorted(ts)


def fmt(t):
    return f"{t:.6f}"


def check_trace(path):
    name = os.path.basename(path)
    events = trace_expand.load(path, unfold_lines=False)  # index = event number
    times = times_of(events)
    got = run_tool(path, ["-"] + [fmt(t) for t in times])
    camps, gauges = count(events, -1)
    compare(name, "before the first event", got[0], camps, gauges)
    for t, g in zip(times, got[1:]):
        upto = max((i for i, e in enumerate(events) if us(e["t"]) <= us(t)), default=-1)
        check(g["cursor"] == upto, f"{name} t={fmt(t)}: cursor {g['cursor']}, want {upto}")
        camps, gauges = count(events, upto)
        compare(name, f"t={fmt(t)}", g, camps, gauges)
    # the simulator's own figures at its campaign.end, counted over the
    # lines before it: the end is written after the last message's
    # msg.compose, so every message it counts as sent is already there
    for i, e in enumerate(events):
        if e["kind"] == "campaign.end":
            c = count(events, i)[0][e["campaign"]]
            for ours, theirs in (("sent", "sent"), ("accepted", "accepted"),
                                 ("hard_bounced", "hard_bounced"), ("soft_bounced", "soft_bounced"),
                                 ("suppressed", "suppressed")):
                check(c[ours] == e[theirs],
                      f"{name} campaign.end {e['campaign']}: {ours} counted {c[ours]}, the simulator says {e[theirs]}")
    return len(times) + 1, events


def main():
    paths = sorted(glob.glob(os.path.join(SRC, "tests", "golden", "campaign-*.jsonl")))
    fixture = os.path.join(SRC, "tests", "campaign", "rep-fixture.jsonl")
    check(len(paths) >= 4, f"only {len(paths)} campaign goldens")
    frames = 0
    for p in paths + [fixture]:
        n, _ = check_trace(p)
        frames += n
    # the fixture's gauges must move: a receiver's view, key by key
    events = trace_expand.load(fixture, unfold_lines=False)
    g = run_tool(fixture, ["2.000000", "8.150000", "400001.000000"])
    ip = lambda s: {x["key"]: x for x in s["reputation"] if x["host"] == "mx.bigmail.example"}["ip:192.0.2.10"]
    check([ip(s)["score"] for s in g] == [50, 12, 25], f"the IP gauge moves 50, 12, 25: {[ip(s)['score'] for s in g]}")
    check(len(g[2]["reputation"]) == 3, f"three gauges (two keys at bigmail, one at other): {len(g[2]['reputation'])}")
    pl = g[2]["campaigns"][0]["placement"]
    check(all(pl[p] == 1 for p in PLACES), f"one message in each placement: {pl}")
    print(f"{len(paths) + 1} traces, {frames} moments compared, {len(failures)} failures")
    sys.exit(1 if failures else 0)


main()
