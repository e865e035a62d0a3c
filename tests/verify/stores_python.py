#!/usr/bin/python3
"""The Maildir and mbox exports, read by Python's mailbox and email modules.

Runs scenarios with `mailsim run --maildir --mbox --trace` and checks every
delivery the trace reports (mailbox.store) against both exports:

  Maildir  one file per delivery, found by its name (Q<n> = the n-th store on
           that host, seconds.M<micro> = the simulated delivery date); in cur/
           with the flags the clients and rules gave it (S after an IMAP or
           POP3 fetch that came later, F from a rule's \\Flagged), else in new/
           with no info; LF line ends; headers parse.
  mbox     one file per folder, the messages in delivery order; the From_
           line names the envelope sender (MAILER-DAEMON for <>) and the UTC
           delivery date as time.asctime writes it; undoing the mboxrd
           quoting gives the Maildir copy byte for byte.

usage: stores_python.py MAILSIM SOURCE_DIR WORKDIR
"""
import calendar
import email
import email.policy
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (puts back the trace's implied fields)

NAME = re.compile(r"^(\d+)\.M(\d{6})P(\d+)Q(\d+)\.(.+)$")
RULE_FLAGS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R"}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(mailsim, scenario_path, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    trace = os.path.join(work, "trace.jsonl")
    subprocess.run([mailsim, "run", scenario_path, "--maildir", os.path.join(work, "md"),
                    "--mbox", os.path.join(work, "mb"), "--trace", trace, "--quiet"], check=True)
    with open(trace, encoding="utf-8") as f:
        return list(trace_expand.expand(json.loads(line) for line in f))


def rule_flags(scenario):
    """folder -> Maildir flag letters that the recipients' rules set."""
    out = {}
    for h in scenario["hosts"]:
        for r in h.get("filters", {}).get("policy", {}).get("rules", []):
            if r.get("folder"):
                out[r["folder"]] = "".join(sorted(RULE_FLAGS[f] for f in r.get("flags", [])))
    return out


def expected_place(store, events, flags_by_rule):
    """(subdir, flags) the trace and the rules call for."""
    flags = set(flags_by_rule.get(store["folder"], ""))
    read = store["folder"] == "INBOX" and any(
        e["kind"] == "mailbox.fetch" and e["user"] == store["user"] and e.get("count", 0) > 0
        and e["t"] > store["t"] for e in events)
    if read:
        flags.add("S")
    return ("cur" if flags or read else "new"), "".join(sorted(flags))


def maildir_of(md_root, user, folder):
    md = mailbox.Maildir(os.path.join(md_root, user), factory=None, create=False)
    return md if folder == "INBOX" else md.get_folder(folder)


def unquote_mboxrd(data):
    return re.sub(rb"(?m)^>(>*From )", rb"\1", data)


def check_scenario(mailsim, src, work, name, scenario_path):
    with open(scenario_path, encoding="utf-8") as f:
        scenario = json.load(f)
    events = run(mailsim, scenario_path, os.path.join(work, name))
    start = calendar.timegm(time.strptime(scenario.get("start", "2024-05-14T08:15:00Z"),
                                          "%Y-%m-%dT%H:%M:%SZ"))
    subjects = {m["id"]: m.get("subject", "") for m in scenario.get("messages", [])}
    flags_by_rule = rule_flags(scenario)
    stores = [e for e in events if e["kind"] == "mailbox.store"]
    check(stores, "%s: no deliveries to check" % name)
    md_root = os.path.join(work, name, "md")
    per_host, per_folder = {}, {}
    for st in stores:
        n = per_host[st["node"]] = per_host.get(st["node"], 0) + 1
        what = "%s: %s for %s in %s" % (name, st["msg"], st["user"], st["folder"])
        md = maildir_of(md_root, st["user"], st["folder"])
        keys = [k for k in md.keys() if NAME.match(k) and NAME.match(k).group(4) == str(n)
                and NAME.match(k).group(5) == st["node"]]
        check(len(keys) == 1, "%s: want one Maildir file Q%d.%s, got %s" % (what, n, st["node"], keys))
        if len(keys) != 1:
            continue
        key = keys[0]
        sec, micro = int(NAME.match(key).group(1)), int(NAME.match(key).group(2))
        want_us = start * 1000000 + round(st["t"] * 1e6)
        check(sec * 1000000 + micro == want_us, "%s: name date %d.%06d, delivered at %d us"
              % (what, sec, micro, want_us))
        msg = md.get_message(key)
        subdir, flags = expected_place(st, events, flags_by_rule)
        check((msg.get_subdir(), msg.get_flags()) == (subdir, flags),
              "%s: Maildir %s/ flags '%s', want %s/ flags '%s'"
              % (what, msg.get_subdir(), msg.get_flags(), subdir, flags))
        if subdir == "new":
            check(msg.get_info() == "", "%s: a new/ message has info '%s'" % (what, msg.get_info()))
        raw = md.get_bytes(key)
        check(b"\r" not in raw, "%s: CR in the Maildir file" % what)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        if st["msg"] in subjects:
            check(parsed["Subject"] == subjects[st["msg"]],
                  "%s: Subject %r" % (what, parsed["Subject"]))
        sender = re.match(r"<(.*)>", parsed["Return-Path"] or "")
        check(sender is not None, "%s: no Return-Path" % what)
        folder_key = (st["user"], st["folder"])
        per_folder.setdefault(folder_key, []).append((st, raw, sender.group(1) if sender else "",
                                                      want_us))
    for (user, folder), delivered in per_folder.items():
        check_mbox(name, os.path.join(work, name, "mb", user, folder), delivered)
    return stores


def check_mbox(name, path, delivered):
    box = mailbox.mbox(path, create=False)
    keys = box.keys()
    check(len(keys) == len(delivered), "%s: %s has %d messages, want %d"
          % (name, path, len(keys), len(delivered)))
    for key, (st, raw, sender, when_us) in zip(keys, delivered):
        what = "%s: mbox %s message %s" % (name, path, st["msg"])
        want_from = "%s %s" % (sender or "MAILER-DAEMON", time.asctime(time.gmtime(when_us // 1000000)))
        check(box.get_message(key).get_from() == want_from,
              "%s: From_ line %r, want %r" % (what, box.get_message(key).get_from(), want_from))
        body = box.get_bytes(key)
        check(unquote_mboxrd(body) == raw, "%s: differs from the Maildir copy once unquoted" % what)
    with open(path, "rb") as f:
        data = f.read()
    check(b"\r" not in data, "%s: CR in %s" % (name, path))
    check(data == b"" or data.endswith(b"\n\n"), "%s: %s does not end with a blank line" % (name, path))


def main():
    mailsim, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    # The task's first example: Bob's IMAP client fetched the message -> Seen.
    basic = check_scenario(mailsim, src, work, "basic-delivery",
                           os.path.join(src, "scenarios", "basic-delivery.json"))
    check([s["user"] for s in basic] == ["bob@example.net"], "basic-delivery: stores %s" % basic)
    stores = check_scenario(mailsim, src, work, "stores", os.path.join(here, "stores.json"))
    # Every kind of place occurs, so the checks above covered each of them.
    md = os.path.join(work, "stores", "md")
    seen = {(s["user"], s["folder"]) for s in stores}
    for want in [("bob@example.net", "Invoices"), ("bob@example.net", "Lists.news"),
                 ("carol@example.net", "INBOX"), ("dave@example.net", "INBOX"),
                 ("alice@example.org", "INBOX")]:
        check(want in seen, "stores: nothing delivered to %s/%s" % want)
    places = sorted(os.path.basename(os.path.dirname(os.path.join(dp, f)))
                    for dp, _, fs in os.walk(md) for f in fs)
    check(places.count("cur") >= 3 and places.count("new") >= 3, "stores: cur/new %s" % places)
    # The separator-like lines come back exactly as Alice wrote them.
    box = mailbox.mbox(os.path.join(work, "stores", "mb", "bob@example.net", "INBOX"))
    text = unquote_mboxrd(box.get_bytes(box.keys()[0]))
    for line in [b"From here the path goes uphill.", b">From a quoted reply", b">>From deeper still",
                 b"From", b"Fromage is cheese.", b" From with a space before"]:
        check(b"\n" + line + b"\n" in text, "stores: line %r lost" % line)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("ok: %d deliveries in basic-delivery and stores, Maildir and mbox" % (len(basic) + len(stores)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
