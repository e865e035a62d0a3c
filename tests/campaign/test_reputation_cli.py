#!/usr/bin/python3
"""Receivers with memory, from the outside: `mailsim run FILE --report R
--trace T` on the campaign scenarios whose receivers keep a sender
reputation. Read with Python's json module, the trace must explain every
reputation action, and the report must agree with the trace:

- every rep.update carries key (ip:/domain:), an integer score 0..100,
  the level that score has under the scenario's thresholds, and a cause;
  report.receivers[host][key] is exactly that host's rep.update series;
- every reputation placement (policy.decision naming a reputation) ends as
  the queue.done result it names (junk, quarantined, dropped) and the
  sender's score just before was under the threshold;
- every 421 4.7.0 throttle follows a "throttled" defer decision with the
  IP's score under throttle_below, and the sending queue deferred it;
- every 550 5.7.1 follows a reject decision with a score under
  reject_below, and the campaign counts it blocked, never suppressed;
- every rep.complaint is about a copy stored in INBOX or Promotions;
- together the scenarios show all five placements: inbox, promotions,
  junk, quarantine, dropped; and a second run writes the same report.

usage: test_reputation_cli.py MAILSIM SOURCE_DIR WORK_DIR"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (puts back the trace's implied fields)

MAILSIM, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
DEFAULTS = {"initial": 50, "junk_below": 45, "throttle_below": 40, "quarantine_below": 35,
            "drop_below": 25, "reject_below": 15}
CAUSES = {"unknown_rcpt", "spam_trap", "complaint", "volume", "auth", "decay"}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(name, tag=""):
    scn = os.path.join(SRC, "scenarios", name + ".json")
    d = os.path.join(WORK, name + tag)
    os.makedirs(d, exist_ok=True)
    rep, tr = os.path.join(d, "report.json"), os.path.join(d, "trace.jsonl")
    subprocess.run([MAILSIM, "run", scn, "--report", rep, "--trace", tr, "--quiet"], check=True)
    with open(rep, "rb") as f:
        raw = f.read()
    events = trace_expand.load(tr)
    with open(scn) as f:
        spec = json.load(f)
    return spec, json.loads(raw), raw, events


def level(cfg, score):
    if score >= 70:
        return "good"
    if score >= cfg["junk_below"]:
        return "neutral"
    return "poor" if score >= cfg["drop_below"] else "bad"


class Scores:
    """The latest rounded score per (host, key), replayed from rep.update."""

    def __init__(self):
        self.now = {}

    def get(self, host, key, cfg):
        return self.now.get((host, key), cfg["initial"])


def analyse(name, spec, report, events, seen):
    cfgs = {}
    for h in spec["hosts"]:
        if "sender_reputation" in h:
            c = dict(DEFAULTS)
            c.update({k: v for k, v in h["sender_reputation"].items() if k in DEFAULTS})
            cfgs[h["name"]] = c
    check(cfgs, f"{name}: no host keeps a reputation")
    ips = {h["name"]: h["ip"] for h in spec["hosts"]}
    by_ip = {v: k for k, v in ips.items()}
    recv = report.get("receivers", {})
    check(set(recv) == set(cfgs) or set(recv) <= set(cfgs), f"{name}: receivers {set(recv)}")
    series = {}
    scores = Scores()
    done = {}                      # (msg, rcpt) -> queue.done at the receiver
    for e in events:
        if e["kind"] == "queue.done" and e["node"] in cfgs:
            done[(e["msg"], e["rcpt"])] = e
    stored = {(e["msg"], e["rcpt"]): e for e in events if e["kind"] == "mailbox.store"}
    pending_place = []             # reputation placements: checked against queue.done
    throttles = rejects = 0
    last_decision = {}
    for i, e in enumerate(events):
        k, node = e["kind"], e.get("node")
        if k == "rep.update":
            cfg = cfgs.get(node)
            check(cfg is not None, f"{name}: rep.update at {node}, which keeps no reputation")
            if cfg is None:
                continue
            check(re.fullmatch(r"(ip|domain):[a-z0-9.:-]+", e["key"]) is not None, f"{name}: key {e['key']}")
            check(isinstance(e["score"], int) and 0 <= e["score"] <= 100, f"{name}: score {e['score']}")
            check(e["cause"] in CAUSES, f"{name}: cause {e['cause']}")
            # The level is the rounded score's, give or take the rounding at a line.
            lv = {level(cfg, e["score"] - 0.5), level(cfg, e["score"] + 0.49)}
            check(e["level"] in lv, f"{name}: level {e['level']} for score {e['score']}")
            before = scores.get(node, e["key"], cfg)
            if e["cause"] in ("unknown_rcpt", "spam_trap", "complaint", "volume"):
                check(e["score"] <= before, f"{name}: {e['cause']} raised {e['key']} {before} -> {e['score']}")
            if e["cause"] == "decay":
                check(abs(e["score"] - cfg["initial"]) <= abs(before - cfg["initial"]),
                      f"{name}: decay moved {e['key']} away from neutral")
            scores.now[(node, e["key"])] = e["score"]
            series.setdefault((node, e["key"]), []).append(e)
            seen["causes"].add(e["cause"])
        elif k == "policy.decision" and node in cfgs:
            last_decision[node] = e
            r = e["reason"]
            m = re.match(r"reputation of ((?:ip|domain):\S+) is \w+ \(score (\d+)/100, under ([\d.]+)\): (\w+)", r)
            if m:
                key, sc, below, what = m.group(1), int(m.group(2)), float(m.group(3)), m.group(4)
                check(sc <= below, f"{name}: placed by a score {sc} not under {below}")
                want = {"Junk": (cfg_th := "junk_below"), "Quarantine": "quarantine_below",
                        "dropped": "drop_below"}[what]
                check(below == cfgs[node][want], f"{name}: {what} threshold {below} != {cfgs[node][want]}")
                check(abs(scores.get(node, key, cfgs[node]) - sc) <= 1,
                      f"{name}: decision names score {sc}, the trace says {scores.get(node, key, cfgs[node])}")
                pending_place.append((e["msg"], what, e["t"]))
                check(e["decision"] == {"Junk": "deliver", "Quarantine": "quarantine", "dropped": "discard"}[what],
                      f"{name}: {what} by decision {e['decision']}")
        elif k == "smtp.send" and node in cfgs and e["dir"] == "s2c":
            d = last_decision.get(node)
            ip_key = "ip:" + ips.get(e["peer"], "?")
            if e["line"].startswith("421 4.7.0") and "reputation" in e["line"]:
                throttles += 1
                check(d and d["decision"] == "defer" and "throttled" in d["reason"] and d["t"] == e["t"],
                      f"{name}: 421 at {e['t']} without its throttling decision")
                check(scores.get(node, ip_key, cfgs[node]) < cfgs[node]["throttle_below"] + 0.5,
                      f"{name}: {ip_key} throttled at score {scores.get(node, ip_key, cfgs[node])}")
                seen["421"] += 1
            if e["line"].startswith("550 5.7.1") and "reputation" in e["line"]:
                rejects += 1
                check(d and d["decision"] == "reject" and d["t"] == e["t"], f"{name}: 550 5.7.1 without its decision")
                m = re.search(r"\(score (\d+)/100", e["line"])
                check(m and int(m.group(1)) < cfgs[node]["reject_below"] + 0.5, f"{name}: refused at {e['line']}")
                seen["550"] += 1
        elif k == "rep.complaint":
            s = stored.get((e["msg"], e["rcpt"]))
            check(s is not None and s["t"] <= e["t"] and s["folder"] in ("INBOX", "Promotions"),
                  f"{name}: complaint about {e['msg']} not shown in Inbox/Promotions")
            nxt = [x for x in events[i + 1:i + 4] if x["kind"] == "rep.update" and x["cause"] == "complaint"]
            check(nxt and nxt[0]["t"] == e["t"], f"{name}: complaint without its rep.update")
            seen["complaints"] += 1
    # The placements reputation decided, as the queue ended them.
    result = {"Junk": "junk", "Quarantine": "quarantined", "dropped": "dropped"}
    for msg, what, t in pending_place:
        ends = [d for (m, _), d in done.items() if m == msg]
        check(ends and all(d["result"] == result[what] for d in ends),
              f"{name}: {msg} placed {what} but ended {[d['result'] for d in ends]}")
        if what == "dropped":
            check(all("silently dropped" in d["reason"] for d in ends), f"{name}: {msg} dropped without saying so")
            check(not any(s[0] == msg for s in stored), f"{name}: {msg} dropped but stored")
    # The sending side: one deferral per 421, one block per 550 5.7.1.
    defers = [e for e in events if e["kind"] == "queue.defer" and "rate limited for its reputation" in e["reason"]]
    check(len(defers) == throttles, f"{name}: {len(defers)} deferrals for {throttles} throttles")
    check(all(e["status"] == "4.7.0" and e["class"] == "soft" for e in defers), f"{name}: throttle deferral status")
    blocks = [e for e in events if e["kind"] == "queue.bounce" and e["status"] == "5.7.1"
              and "reputation" in e["reason"]]
    check(len(blocks) == rejects, f"{name}: {len(blocks)} blocks for {rejects} refusals")
    sup = {e["rcpt"] for e in events if e["kind"] == "campaign.suppress"}
    check(not ({e["rcpt"] for e in blocks} & sup), f"{name}: a reputation block was suppressed")
    check(sum(c["blocked"] for c in report["campaigns"]) == len(blocks),
          f"{name}: report blocked != {len(blocks)} 5.7.1 bounces")
    # The report's receivers: the trace's series, point for point.
    for (node, key), evs in series.items():
        got = recv.get(node, {}).get(key)
        want = [{"t": x["t"], "score": x["score"], "level": x["level"], "cause": x["cause"]} for x in evs]
        check(got == want, f"{name}: receivers[{node}][{key}] differs from the trace ({len(got or [])} vs {len(want)})")
    for node, keys in recv.items():
        for key in keys:
            check((node, key) in series or not keys[key], f"{name}: report key {key} with no rep.update")
    for c in report["campaigns"]:
        for p, n in c["placement"].items():
            seen["placements"][p] += n
    return scores, cfgs, by_ip


seen = {"placements": {"inbox": 0, "promotions": 0, "junk": 0, "quarantine": 0, "dropped": 0},
        "421": 0, "550": 0, "complaints": 0, "causes": set()}
def volume_rule(spec, events):
    """The volume check recomputed from the receiver's side: per sending
    key, messages counted in fixed windows from the first one; a window is
    a spike when its count passes volume_min and volume_factor x the
    average of the windows before (idle windows before any history are
    skipped). Returns the messages that should carry a volume update."""
    rcv = [h for h in spec["hosts"] if "sender_reputation" in h][0]
    cfg = rcv["sender_reputation"]
    win = {"10m": 600}[cfg["volume_window"]]
    factor, vmin = cfg["volume_factor"], cfg["volume_min"]
    # each message the receiver queued counts for its sender's IP and
    # (authentication passes here) its From domain
    ip = {h["name"]: h["ip"] for h in spec["hosts"]}
    keys = {c["name"]: ("ip:" + ip[c["host"]], "domain:" + c["from"].split("@")[1]) for c in spec["campaigns"]}
    per_key = {}
    for e in events:
        if e["kind"] == "queue.enter" and e["node"] == rcv["name"]:
            for k in keys[e["msg"].rsplit(".", 1)[0]]:
                per_key.setdefault(k, []).append((e["t"], e["msg"]))
    want = set()
    for key, msgs in per_key.items():
        start, counts, count, flagged = msgs[0][0], [], 0, False
        for t, msg in msgs:
            while t - start >= win:
                counts.append(count)
                count, flagged, start = 0, False, start + win
            count += 1
            avg = sum(counts) / len(counts) if counts else 0
            if not flagged and count > vmin and count > factor * avg:
                flagged = True
                want.add((key, msg))
    return want


for name in ("campaign-dirty-list", "campaign-reputation", "campaign-complaints", "campaign-warmup"):
    spec, report, raw, events = run(name)
    scores, cfgs, by_ip = analyse(name, spec, report, events, seen)
    _, _, raw2, _ = run(name, ".again")
    check(raw == raw2, f"{name}: the second run wrote another report")
    by = {c["name"]: c for c in report["campaigns"]}
    kinds = [e["kind"] for e in events]
    if name == "campaign-dirty-list":
        t421 = [e["t"] for e in events if e["kind"] == "smtp.send" and e["line"].startswith("421 4.7.0")]
        pause = [e["t"] for e in events if e["kind"] == "campaign.pause"]
        check(t421 and pause and t421[0] <= pause[0], "dirty list: no throttling before the pause")
        check(by["spring"]["deferred"] > 0, "dirty list: nothing deferred")
        check("unknown_rcpt" in {e["cause"] for e in events if e["kind"] == "rep.update"},
              "dirty list: unknown recipients did not count")
    if name == "campaign-reputation":
        keys = {k for (_, k) in scores.now}
        check("domain:example.org" in keys, "reputation: no domain key for the authenticated sender")
        check(not any(k.startswith("domain:deals") for k in keys),
              "reputation: unauthenticated mail counted for a domain")
        check(scores.now[("mx.bigmail.example", "domain:example.org")] > 50, "reputation: example.org did not rise")
        check(scores.now[("mx.bigmail.example", "ip:192.0.2.26")] < 40, "reputation: deals.example's IP did not sink")
    if name == "campaign-warmup":
        got = {(e["key"], e["msg"]) for e in events if e["kind"] == "rep.update" and e["cause"] == "volume"}
        check(got == volume_rule(spec, events), f"warmup: volume updates {sorted(got)}, "
              f"the rule recomputed says {sorted(volume_rule(spec, events))}")
        check(got == {("ip:192.0.2.31", "blast.11"), ("domain:example.net", "blast.11")},
              f"warmup: the blast's spike is not its 11th message in ten minutes: {sorted(got)}")
        # Junk only after the spike, and only for the blast.
        spike = min(e["t"] for e in events if e["kind"] == "rep.update" and e["cause"] == "volume")
        junk = [e for e in events if e["kind"] == "mailbox.store" and e["folder"] == "Junk"]
        check(junk and all(e["msg"].startswith("blast.") and e["t"] > spike for e in junk),
              "warmup: Junk before the spike, or for the warmed-up sender")
    if name == "campaign-complaints":
        p = by["newsletter"]["placement"]
        check(all(p[x] > 0 for x in ("inbox", "junk", "quarantine", "dropped")), f"complaints: placement {p}")
        check(by["newsletter"]["blocked"] > 0, "complaints: nothing refused with 550 5.7.1")
        check("rep.complaint" in kinds, "complaints: no complaint")
        # The ladder's order in time: Inbox, then Junk, Quarantine, dropped, refused.
        first = {}
        for e in events:
            if e["kind"] == "mailbox.store" and e["msg"].startswith("newsletter."):
                first.setdefault(e["folder"], e["t"])
            if e["kind"] == "policy.decision" and e["decision"] == "discard":
                first.setdefault("dropped", e["t"])
            if e["kind"] == "policy.decision" and "very low reputation" in e["reason"]:
                first.setdefault("refused", e["t"])
        order = [first.get(x) for x in ("INBOX", "Junk", "Quarantine", "dropped", "refused")]
        check(None not in order and order == sorted(order), f"complaints: ladder out of order {order}")

for p, n in seen["placements"].items():
    check(n > 0, f"no scenario shows placement {p}")
check(seen["421"] > 0 and seen["550"] > 0 and seen["complaints"] > 0, f"actions seen: {seen}")
check({"unknown_rcpt", "spam_trap", "complaint", "volume", "auth", "decay"} <= seen["causes"],
      f"causes seen: {seen['causes']}")
print("seen:", seen["placements"], "421:", seen["421"], "550:", seen["550"], "complaints:", seen["complaints"], sorted(seen["causes"]))
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
