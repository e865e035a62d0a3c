#!/usr/bin/env python3
"""traffic_check.py — the aggregated network view's counts against the trace.

For a scenario with many messages (more than the viewer's threshold, so it
draws counts instead of envelopes) this runs `mailsim run --trace`, reads
the JSON Lines itself and works out, for a few cursor events N, what the
trace says:

  * queued at each host: distinct messages with a queue entry
    (queue.enter, keyed by host and queue id) that still has a recipient
    waiting (not done or bounced) after event N;
  * in mailboxes / fetched / to send: mailbox.store at a host, a body
    fetched over IMAP or POP3 (at the reader), composed and not yet sent;
  * in flight on each link and direction: message bodies (smtp.data,
    imap.data, pop3.data) sent at or before N whose connection has had no
    later event up to N (no reply yet), not counting the cursor event's own
    item (drawn travelling), which also has not arrived at its peer;
  * carried on each link and direction: every such body sent at or before
    N, answered or not (again without the cursor event's own).

Then it asks `mailsim render --event N --scene` for the view model of that
frame and compares its "queues" and "in_flight" with those numbers.

    traffic_check.py MAILSIM SOURCE_DIR WORK_DIR
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402

SCENARIOS = ["campaign-verified", "campaign-dirty-list"]
BODY = {"smtp.data", "imap.data", "pop3.data"}
WAITING = {"queued", "deferred"}


def load(path):
    """The trace with its implied fields put back (node/peer of a conn's
    lines: ARCHITECTURE.md, "Implied fields"), one event per line of the
    file, so that an index is the event number render --event takes."""
    return trace_expand.load(path, unfold_lines=False)


def expected(events, n):
    """Counts after events[0..n] as the trace tells them."""
    entries = {}        # (host, queue id) -> {"msg": id, "rcpts": {addr: state}}
    newest = {}         # (host, msg) -> (host, queue id) of the newest entry
    outbox = {}         # (host, msg) -> still to send
    stored, fetched = [], []
    for e in events[: n + 1]:
        k, host = e["kind"], e.get("node")
        if k == "msg.compose":
            outbox[(host, e.get("msg"))] = True
        elif k == "queue.enter":
            key = (host, e.get("queue_id", "?"))
            entries[key] = {"msg": e.get("msg"),
                            "rcpts": {r: "queued" for r in e.get("rcpts", [])}}
            if e.get("msg") is not None:
                newest[(host, e["msg"])] = key
        elif k in ("queue.attempt", "queue.defer", "queue.done", "queue.bounce"):
            key = (host, e["queue_id"]) if "queue_id" in e else newest.get((host, e.get("msg")))
            ent = entries.get(key)
            if not ent:
                continue
            for addr, st in ent["rcpts"].items():
                named = "rcpt" in e and addr.lower() == e["rcpt"].lower()
                if k == "queue.attempt":
                    dom = e.get("domain")
                    if st == "deferred" and (not dom or addr.rsplit("@", 1)[-1].lower() == dom.lower()):
                        ent["rcpts"][addr] = "queued"
                elif named or ("rcpt" not in e and st in WAITING):
                    ent["rcpts"][addr] = {"queue.defer": "deferred", "queue.done": "done",
                                          "queue.bounce": "bounced"}[k]
        elif k == "mailbox.store" and e.get("msg") is not None:
            stored.append((host, e["msg"]))
        elif k in ("imap.data", "pop3.data") and e.get("msg") and e.get("peer"):
            fetched.append((e["peer"], e["msg"]))
        if k == "smtp.data" and e.get("msg") is not None:
            outbox[(host, e["msg"])] = False
    cur = events[n]
    skip = (cur.get("peer"), cur.get("msg")) if cur["kind"] in BODY else None
    placed, counts = set(), {}

    def place(host, msg, what):
        if msg is None or host is None or (host, msg) in placed:
            return
        placed.add((host, msg))
        if (host, msg) != skip:
            counts[(host, what)] = counts.get((host, what), 0) + 1
    for (host, msg), unsent in outbox.items():
        if unsent:
            place(host, msg, "outbox")
    for (host, _), ent in entries.items():
        if any(st in WAITING for st in ent["rcpts"].values()):
            place(host, ent["msg"], "queue")
    for host, msg in stored:
        place(host, msg, "mailbox")
    for host, msg in fetched:
        place(host, msg, "fetched")
    # in flight: a body whose connection has not spoken again by event n
    flight, open_body, carried = {}, {}, {}
    for i, e in enumerate(events[: n + 1]):
        c = e.get("conn")
        if c is not None and c in open_body:
            del open_body[c]
        if e["kind"] in BODY and e.get("msg") and e.get("node") and e.get("peer"):
            open_body[c if c is not None else ("noconn", i)] = (i, e["node"], e["peer"])
            if i != n:
                key = (e["node"], e["peer"])
                carried[key] = carried.get(key, 0) + 1
    for i, a, b in open_body.values():
        if i != n:
            flight[(a, b)] = flight.get((a, b), 0) + 1
    return counts, flight, carried


def scene(mailsim, scn, n, out):
    subprocess.run([mailsim, "render", scn, "--event", str(n), "--scene", out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def check(mailsim, src, work, name):
    scn = os.path.join(src, "scenarios", name + ".json")
    trace = os.path.join(work, name + ".jsonl")
    subprocess.run([mailsim, "run", scn, "--trace", trace], check=True,
                   stdout=subprocess.DEVNULL)
    events = load(trace)
    # a spread of cursors, and the first few where something is in flight
    picks = [len(events) * k // 7 for k in range(1, 7)]
    busy = []
    for n in range(0, len(events), max(1, len(events) // 400)):
        if len(busy) < 3 and events[n]["kind"] not in BODY and expected(events, n)[1]:
            busy.append(n)
    if not busy:
        print(f"{name}: no event with a message in flight found to check")
        return False
    ok = True
    for n in sorted(set(picks + busy)):
        want_q, want_f, want_c = expected(events, n)
        got = scene(mailsim, scn, n, os.path.join(work, f"{name}-{n}.json"))
        if not got.get("aggregate"):
            print(f"{name} event {n}: the view is not aggregated")
            return False
        got_q = {(x["host"], x["place"]): x["count"] for x in got["queues"]}
        got_f = {(x["from"], x["to"]): x["count"] for x in got["in_flight"]}
        got_c = {(x["from"], x["to"]): x["count"] for x in got["carried"]}
        if got_q != want_q or got_f != want_f or got_c != want_c:
            print(f"{name} event {n}: view {got_q} {got_f} {got_c}\n"
                  f"  trace {want_q} {want_f} {want_c}")
            ok = False
        else:
            print(f"{name} event {n}: {sum(want_q.values())} resting in {len(want_q)} places, "
                  f"{sum(want_f.values())} in flight, {sum(want_c.values())} carried "
                  f"over {len(want_c)} link directions — same in the view")
    return ok


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    mailsim, src, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    ok = all([check(mailsim, src, work, s) for s in SCENARIOS])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
