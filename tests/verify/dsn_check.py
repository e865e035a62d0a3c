#!/usr/bin/python3
"""Every DSN of every shipped scenario, read with Python's `email` package
and checked against the trace (RFC 3464, RFC 6522, Postfix practice).

For each scenario: `mailsim run FILE --trace T --maildir DIR`, then

- every `dsn.create` whose recipient resolves to a mailbox of the world
  (users, aliases, catch-all, `forward`, SRS0/SRS1 reversed) must be
  stored: found through a `msg.header` Message-ID of the report, or its
  `mailbox.store` event (user, folder, time, size name the Maildir file);
  a report never stored is a "lost bounce" unless the trace explains it (a
  `policy.decision` discard/drop of it, or a `queue.bounce` of the report
  itself: a dropped double bounce, itself a failure when the report's
  recipient resolves to a mailbox and the drop was for an address error);
- each stored report: multipart/report; report-type=delivery-status with
  text/plain, message/delivery-status and optionally text/rfc822-headers
  or message/rfc822; Reporting-MTA = the node of the dsn.create,
  Arrival-Date parseable; per recipient Final-Recipient (the set = the
  dsn.create rcpts), Action = dsn.create action, Status x.y.z of class 5
  (failed; class 4 after queue expiry, as Postfix returns the last
  deferral) or 4 (delayed), Last-Attempt-Date, Will-Retry-Until exactly
  when delayed;
- the cause, decided from the trace alone: when the last failure of the
  recipient's last delivery attempt is an SMTP reply from a remote server
  (the reply to the greeting, EHLO, MAIL, the recipient's RCPT, or DATA /
  end of data once the recipient was accepted), the block must carry
  `Remote-MTA: dns; <that server>` and `Diagnostic-Code: smtp; <the whole
  reply>` (a multi-line reply: its lines joined with spaces, or the code,
  enhanced code and the lines' texts joined), nothing before the code, and
  Status = the reply's enhanced code. Otherwise (DNS, timeouts, refused
  connections, TLS, local delivery) `Diagnostic-Code: X-Postfix; <text>`
  and no Remote-MTA unless a connection to a host failed;
- the human-readable part quotes the Diagnostic-Code's text (whitespace
  runs compared as one space).

usage: dsn_check.py MAILSIM SOURCE_DIR WORKDIR      (MAILSIM may also come from $MAILSIM)
       dsn_check.py --selftest                      the checker against hand-built reports
exit 0 all pass, 1 failures (listed), 77 no usable `email` package.
"""
import datetime
import email
import email.policy
import email.utils
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict, deque
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (puts back the trace's implied fields)

try:
    import email.headerregistry  # noqa: F401  (policy.default needs it)
except ImportError:
    print("SKIPPED: Python's email package is incomplete")
    sys.exit(77)

ENH_RE = re.compile(r"^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?=\s|$)")
STATUS_RE = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
NONSMTP_KINDS = ("net.refused", "net.timeout", "tls.fail", "dns.timeout")


def lower(s):
    return (s or "").strip().lower()


def collapse(s):
    return re.sub(r"\s+", " ", s or "").strip()


def short(s, n=260):
    s = repr(s)
    return s if len(s) <= n else s[:n - 3] + "..."


# ---- the world's mailboxes ------------------------------------------------

def srs_reverse(addr):
    """SRS0=HHH=TT=domain=local@fwd -> local@domain; SRS1 via its SRS0 part."""
    local, _, _ = addr.rpartition("@")
    m = re.match(r"(?i)^SRS1[=+-][^=]*=[^=]*==(.*)$", local)
    if m:
        local = "SRS0=" + m.group(1)
    m = re.match(r"(?i)^SRS0[=+-][^=]*=[^=]*=([^=]+)=(.+)$", local)
    return f"{m.group(2)}@{m.group(1)}".lower() if m else None


def resolve_mailbox(scenario, addr, depth=0):
    """The mailbox address `addr` ends in, or None (unknown, disabled)."""
    addr = lower(addr)
    if depth > 8 or not addr:
        return None
    back = srs_reverse(addr)
    if back:
        return resolve_mailbox(scenario, back, depth + 1)
    users = scenario.get("users", [])
    hit = None
    for u in users:
        names = [lower(u.get("address"))] + [lower(a) for a in u.get("aliases", [])]
        if addr in names:
            hit = u
            break
    if hit is None:
        dom = addr.rpartition("@")[2]
        for u in users:
            if u.get("catch_all") and lower(u.get("address")).rpartition("@")[2] == dom:
                hit = u
                break
    if hit is None or hit.get("disabled"):
        return None
    if hit.get("forward"):
        return resolve_mailbox(scenario, hit["forward"], depth + 1)
    return lower(hit["address"])


# ---- SMTP dialogues from the trace ------------------------------------------

def dialogues(tr):
    """conn -> list of replies {idx, cmd, lines, server, client}; each
    complete reply answers the oldest unanswered client line (pipelining),
    the first one is the greeting, a message body is the command
    <DATA-END>."""
    state = {}
    out = defaultdict(list)
    for i, e in enumerate(tr):
        k = e.get("kind")
        if k not in ("smtp.send", "smtp.data"):
            continue
        c = e.get("conn")
        st = state.setdefault(c, {"pending": deque(), "greeted": False, "buf": []})
        if e.get("dir") == "c2s":
            st["pending"].append("<DATA-END>" if k == "smtp.data" else e.get("line", ""))
            continue
        if k != "smtp.send":
            continue
        line = e.get("line", "")
        st["buf"].append(line)
        if len(line) >= 4 and line[3] == "-":
            continue
        lines, st["buf"] = st["buf"], []
        if not st["greeted"]:
            cmd, st["greeted"] = "<GREETING>", True
        else:
            cmd = st["pending"].popleft() if st["pending"] else "<UNSOLICITED>"
        out[c].append({"idx": i, "cmd": cmd, "lines": lines,
                       "server": e.get("node"), "client": e.get("peer")})
    return out


def rcpt_of(cmd):
    m = re.match(r"(?i)^RCPT TO:\s*<([^>]*)>", cmd)
    return lower(m.group(1)) if m else None


def relevant_failures(replies, rcpt):
    """Failing replies (4xx/5xx) of one connection that concern rcpt. Once
    MAIL is refused, the pipelined RCPT and DATA replies of that
    transaction (503 need MAIL, 554 no valid recipients) are consequences,
    not causes."""
    ok = set()
    dead = False
    got = []
    for r in replies:
        code = r["lines"][-1][:3]
        cmd = r["cmd"]
        up = cmd.upper()
        fail = code[:1] in ("4", "5")
        if up.startswith("MAIL FROM"):
            ok, dead = set(), fail
            if fail:
                got.append(r)
            continue
        if up.startswith("RCPT TO"):
            if not fail:
                ok.add(rcpt_of(cmd))
            elif rcpt_of(cmd) == rcpt and not dead:
                got.append(r)
            continue
        if not fail:
            continue
        if cmd == "<GREETING>" or up.startswith(("EHLO", "HELO", "STARTTLS")):
            got.append(r)
        elif (up == "DATA" or cmd == "<DATA-END>" or up.startswith("BDAT")) and rcpt in ok and not dead:
            got.append(r)
    return got


def describe(cmd):
    if cmd == "<DATA-END>":
        return "the end of DATA"
    if cmd == "<GREETING>":
        return "the connection (greeting)"
    if cmd.upper().startswith(("RCPT", "MAIL")):
        return cmd.split(" SIZE=")[0]
    return cmd.split(" ")[0]


class Trace:
    def __init__(self, events):
        self.ev = events
        self.dlg = dialogues(events)
        self.start_us = None
        for e in events:
            if e.get("kind") == "sim.start" and e.get("start"):
                try:
                    d = email.utils.parsedate_to_datetime(e["start"])
                except (TypeError, ValueError):
                    d = datetime.datetime.fromisoformat(e["start"].replace("Z", "+00:00"))
                if d.tzinfo is None:
                    d = d.replace(tzinfo=datetime.timezone.utc)
                self.start_us = int(d.timestamp()) * 1000000
                break

    def cause(self, d_idx, node, msg, rcpt):
        """What made rcpt fail (or wait) before the dsn.create at d_idx:
        {'kind': 'smtp', 'reply': {...}} or {'kind': 'other', 'conn_fail':
        bool, 'what': text}, with 'expired' and the outcome's status."""
        ev = self.ev
        out_idx = None
        for i in range(d_idx, -1, -1):
            e = ev[i]
            if (e.get("kind") in ("queue.bounce", "queue.defer") and e.get("node") == node
                    and e.get("msg") == msg and lower(e.get("rcpt")) == rcpt):
                out_idx = i
                break
        end = out_idx if out_idx is not None else d_idx
        qid = ev[out_idx].get("queue_id") if out_idx is not None else None
        start = 0
        for i in range(end, -1, -1):
            e = ev[i]
            if e.get("node") != node or e.get("msg") != msg:
                continue
            if qid is not None and e.get("queue_id") not in (None, qid):
                continue
            if e.get("kind") == "queue.attempt":
                start = i
                break
            if e.get("kind") == "queue.enter" and start == 0:
                start = i
        expired = False
        if out_idx is not None and ev[out_idx].get("class") == "expired":
            expired = True
        for i in range(start, d_idx + 1):
            e = ev[i]
            if e.get("kind") == "queue.expire" and e.get("node") == node and e.get("msg") == msg:
                expired = True
        conns = set()
        for i in range(start, end + 1):
            e = ev[i]
            if e.get("node") == node and (e.get("kind") == "net.connect" or
                                          (e.get("kind") == "smtp.send" and e.get("dir") == "c2s")):
                conns.add(e.get("conn"))
        smtp = None
        for c in conns:
            for r in relevant_failures(self.dlg.get(c, []), rcpt):
                if start <= r["idx"] <= end and r["client"] == node and (smtp is None or r["idx"] > smtp["idx"]):
                    smtp = r
        other = dns = None
        for i in range(start, end + 1):
            e = ev[i]
            if e.get("kind") in NONSMTP_KINDS and (e.get("node") == node or e.get("conn") in conns):
                other = i
            if (e.get("kind") == "dns.answer" and e.get("peer") == node
                    and (e.get("rcode") != "NOERROR" or "0 ." in e.get("answers", []))):
                dns = f"DNS {e.get('qtype')} {e.get('qname')} answered {e.get('rcode')} {e.get('answers', [])}"
        res = {"expired": expired,
               "status": ev[out_idx].get("status") if out_idx is not None else None,
               "outcome": ev[out_idx].get("kind") if out_idx is not None else None}
        if smtp is not None and (other is None or smtp["idx"] > other):
            res.update(kind="smtp", reply=smtp)
        else:
            res.update(kind="other", conn_fail=other is not None and ev[other].get("kind") != "dns.timeout",
                       what=(f"{ev[other].get('kind')} at t={ev[other].get('t')}" if other is not None
                             else dns or "no SMTP reply failed this recipient"))
        return res


# ---- one stored report --------------------------------------------------------

def parse_field(v):
    """'type; value' -> (type lower-case, value) or (None, raw)."""
    if v is None:
        return None, None
    t, sep, rest = str(v).partition(";")
    if not sep:
        return None, str(v)
    return t.strip().lower(), rest.strip()


def date_ok(v):
    if v is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(str(v)) is not None
    except (TypeError, ValueError, IndexError):
        return False


def expected_diagnostics(lines):
    """The accepted texts after 'smtp;' for one reply."""
    if len(lines) == 1:
        return [lines[0]]
    whole = " ".join(lines)
    last = lines[-1]
    code = last[:3]
    m = ENH_RE.match(last)
    texts = []
    for ln in lines:
        t = ln[4:]
        if m and t.startswith(m.group(1) + " "):
            t = t[len(m.group(1)) + 1:]
        elif m and t == m.group(1):
            t = ""
        texts.append(t)
    joined = code + (" " + m.group(1) if m else "") + " " + " ".join(x for x in texts if x)
    return [whole, joined]


def check_report(trace, create, d_idx, raw, label):
    """Failures (list of str) and the number of fields checked for one
    stored report against its dsn.create."""
    fails = []
    n = [0]

    def want(ok, field, expected, got, who=""):
        n[0] += 1
        if not ok:
            fails.append(f"{label}{who}: {field}: expected {expected}, got {got}")

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    # RFC 5321 §4.4: the reporting MTA took the report into its own queue,
    # so its Received line is the oldest one (the bottom-most), "by NODE"
    # with no "from" clause (Postfix: "by HOST (Postfix) id QID; DATE").
    rcvd = [collapse(str(v)) for v in msg.get_all("Received") or []]
    own = rcvd[-1] if rcvd else ""
    by = re.match(r"^by (\S+) .*;\s*(.+)$", own)
    want(bool(by) and lower(by.group(1)) == lower(create["node"]) and date_ok(by.group(2)),
         "Received", f"'by {create['node']} ... id QID; <date>' as the oldest Received",
         short(own) if rcvd else "no Received field")
    want(msg.get_content_type() == "multipart/report", "Content-Type", "multipart/report",
         short(msg.get_content_type()))
    want(lower(msg.get_param("report-type")) == "delivery-status", "report-type",
         "delivery-status", short(msg.get_param("report-type")))
    if msg.get_content_type() != "multipart/report":
        return fails, n[0]
    parts = list(msg.iter_parts())
    types = [p.get_content_type() for p in parts]
    shape = (len(parts) in (2, 3) and types[0] == "text/plain" and types[1] == "message/delivery-status"
             and (len(parts) == 2 or types[2] in ("text/rfc822-headers", "message/rfc822")))
    want(shape, "MIME parts", "text/plain, message/delivery-status[, text/rfc822-headers|message/rfc822]",
         ", ".join(types))
    if len(parts) < 2 or types[1] != "message/delivery-status":
        return fails, n[0]
    human = parts[0].get_content() if types[0] == "text/plain" else ""
    blocks = parts[1].get_payload()
    if not isinstance(blocks, list) or not blocks:
        want(False, "message/delivery-status", "header blocks", short(blocks))
        return fails, n[0]
    per_msg, rcpt_blocks = blocks[0], blocks[1:]
    node = create.get("node")
    t, v = parse_field(per_msg.get("Reporting-MTA"))
    want(t == "dns" and lower(v) == lower(node), "Reporting-MTA", f"'dns; {node}'",
         short(per_msg.get("Reporting-MTA")))
    want(date_ok(per_msg.get("Arrival-Date")), "Arrival-Date", "an RFC 5322 date",
         short(per_msg.get("Arrival-Date")))

    by_rcpt = {}
    for b in rcpt_blocks:
        t, v = parse_field(b.get("Final-Recipient"))
        by_rcpt[lower(v) if t == "rfc822" else "?" + str(b.get("Final-Recipient"))] = b
    expected_rcpts = sorted(lower(r) for r in create.get("rcpts", []))
    want(sorted(by_rcpt) == expected_rcpts, "Final-Recipient",
         "rfc822; " + ", ".join(expected_rcpts), ", ".join(sorted(by_rcpt)) or "none")

    action = create.get("action")
    for r in expected_rcpts:
        b = by_rcpt.get(r)
        if b is None:
            continue
        who = f" rcpt {r}"
        c = trace.cause(d_idx, node, create.get("msg"), r)
        want(lower(b.get("Action")) == action, "Action", action, short(b.get("Action")), who)
        status = str(b.get("Status") or "").strip()
        cls = "4" if action == "delayed" or (action == "failed" and c["expired"]) else "5"
        why = "delayed" if action == "delayed" else "failed after queue expiry" if c["expired"] else "failed"
        want(STATUS_RE.match(status) and status[0] == cls, "Status",
             f"class {cls} x.y.z ({why})", short(status), who)
        if c["status"]:
            want(status == c["status"], "Status", f"{c['status']} (trace {c['outcome']})",
                 short(status), who)
        want(date_ok(b.get("Last-Attempt-Date")), "Last-Attempt-Date", "an RFC 5322 date",
             short(b.get("Last-Attempt-Date")), who)
        wru = b.get("Will-Retry-Until")
        if action == "delayed":
            want(date_ok(wru), "Will-Retry-Until", "an RFC 5322 date (Action: delayed)", short(wru), who)
        else:
            want(wru is None, "Will-Retry-Until", f"absent (Action: {action})", short(wru), who)

        dt, dv = parse_field(b.get("Diagnostic-Code"))
        rt, rv = parse_field(b.get("Remote-MTA"))
        if c["kind"] == "smtp":
            rep = c["reply"]
            server = rep["server"]
            exp = expected_diagnostics(rep["lines"])
            want(rt == "dns" and lower(rv) == lower(server), "Remote-MTA",
                 f"'dns; {server}' (the trace: {server} answered {describe(rep['cmd'])})",
                 short(b.get("Remote-MTA")) if b.get("Remote-MTA") is not None else "absent", who)
            want(dt == "smtp" and dv in exp, "Diagnostic-Code", short("smtp; " + exp[0]),
                 short(b.get("Diagnostic-Code")) if b.get("Diagnostic-Code") is not None else "absent",
                 who)
            m = ENH_RE.match(rep["lines"][-1])
            if m:
                want(status == m.group(1), "Status", f"{m.group(1)} (the reply's enhanced code)",
                     short(status), who)
        else:
            want(dt == "x-postfix" and bool(dv), "Diagnostic-Code",
                 f"'X-Postfix; <text>' (the trace: {c['what']}; the cause is not an SMTP reply)",
                 short(b.get("Diagnostic-Code")) if b.get("Diagnostic-Code") is not None else "absent",
                 who)
            if c["conn_fail"]:
                want(b.get("Remote-MTA") is None or (rt == "dns" and bool(rv)), "Remote-MTA",
                     "absent or 'dns; <host>'", short(b.get("Remote-MTA")), who)
            else:
                want(b.get("Remote-MTA") is None, "Remote-MTA",
                     f"absent (the trace: {c['what']}, no remote host)", short(b.get("Remote-MTA")), who)
        if dv:
            want(collapse(dv) in collapse(human), "human-readable part",
                 f"quotes {short(collapse(dv), 100)}", "not found in text/plain part", who)
    return fails, n[0]


# ---- one scenario -------------------------------------------------------------

def wire_len(raw):
    """Size on the wire (CRLF line ends) of a stored file, LF or CRLF."""
    return len(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def maildir_files(root):
    out = []
    for dp, _, fs in os.walk(root):
        if os.path.basename(dp) in ("cur", "new"):
            out.extend(os.path.join(dp, f) for f in sorted(fs))
    return sorted(out)


def is_dsn(raw):
    m = email.message_from_bytes(raw, policy=email.policy.default)
    return m.get_content_type() == "multipart/report" and lower(m.get_param("report-type")) == "delivery-status"


def check_world(name, scenario, events, maildir):
    """-> (row for the table, failures)."""
    trace = Trace(events)
    fails = []
    files = {f: open(f, "rb").read() for f in maildir_files(maildir)} if maildir else {}
    dsn_files = {f for f, raw in files.items() if is_dsn(raw)}
    used = set()
    by_mid = {}
    for f in dsn_files:
        m = email.message_from_bytes(files[f], policy=email.policy.default)
        if m.get("Message-ID"):
            by_mid.setdefault(str(m["Message-ID"]).strip(), []).append(f)
    created = stored = dropped = checked = 0
    for d_idx, e in enumerate(events):
        if e.get("kind") != "dsn.create":
            continue
        created += 1
        dm = e.get("dsn_msg")
        label = f"{name}: DSN {dm} (by {e.get('node')} at t={e.get('t')}, to {e.get('to')})"
        mailbox = resolve_mailbox(scenario, e.get("to"))
        # The report's stores and what became of it after d_idx.
        stores = [i for i in range(d_idx, len(events)) if events[i].get("kind") == "mailbox.store"
                  and events[i].get("msg") == dm]
        store = stores[0] if stores else None
        # a later dsn.create with the same id owns the stores after it
        for j in range(d_idx + 1, len(events)):
            if events[j].get("kind") == "dsn.create" and events[j].get("dsn_msg") == dm:
                if store is not None and store > j:
                    store = None
                break
        f = None
        mids = [events[i].get("value") for i in range(d_idx, len(events))
                if events[i].get("kind") == "msg.header" and events[i].get("msg") == dm
                and lower(events[i].get("name")) == "message-id"]
        if mids and by_mid.get(mids[0].strip()):
            f = next((x for x in by_mid[mids[0].strip()] if x not in used), None)
        if f is None and store is not None:
            s = events[store]
            if trace.start_us is not None:
                us = trace.start_us + round(float(s.get("t")) * 1e6)
                # Maildir names begin with the delivery time (sec.Mµs);
                # files use LF, the trace counts the CRLF wire size.
                prefix = f"{us // 1000000}.M{us % 1000000:06d}"
                folder = s.get("folder") or "INBOX"
                base = os.path.join(maildir, s.get("user", ""))
                if folder != "INBOX":
                    base = os.path.join(base, "." + folder)
                for cand in sorted(dsn_files - used):
                    if (os.path.dirname(os.path.dirname(cand)) == base
                            and os.path.basename(cand).startswith(prefix)
                            and wire_len(files[cand]) == s.get("bytes")):
                        f = cand
                        break
            if f is None:
                fails.append(f"{label}: Maildir: mailbox.store (user {s.get('user')}, folder "
                             f"{s.get('folder')}, {s.get('bytes')} bytes at t={s.get('t')}) "
                             f"has no DSN file in the Maildir export")
        if store is not None and mailbox and lower(events[store].get("user")) != mailbox:
            fails.append(f"{label}: stored in {events[store].get('user')}, expected the mailbox "
                         f"{mailbox} that {e.get('to')} resolves to")
        if f is None and store is None:
            drops = [events[i] for i in range(d_idx, len(events))
                     if events[i].get("msg") == dm and (
                         (events[i].get("kind") == "policy.decision"
                          and lower(events[i].get("decision")) in ("discard", "drop"))
                         or events[i].get("kind") == "queue.bounce")]
            if not mailbox:
                dropped += 1
                continue
            if not drops:
                fails.append(f"{label}: lost bounce: {e.get('to')} resolves to the mailbox {mailbox} "
                             f"but the report is never stored and nothing in the trace drops it")
                continue
            dropped += 1
            bad = [d for d in drops if d.get("kind") == "queue.bounce"
                   and re.match(r"^5\.1\.", str(d.get("status", "")))]
            if bad:
                fails.append(f"{label}: lost bounce: dropped as a double bounce at {bad[0].get('node')} "
                             f"({bad[0].get('status')} {short(bad[0].get('reason'), 100)}) although "
                             f"{e.get('to')} resolves to the mailbox {mailbox}")
            continue
        if f is None:
            continue
        used.add(f)
        stored += 1
        rel = os.path.relpath(f, maildir)
        fl, k = check_report(trace, e, d_idx, files[f], f"{label} [{rel}]")
        fails.extend(fl)
        checked += k
    for f in sorted(dsn_files - used):
        fails.append(f"{name}: stored DSN {os.path.relpath(f, maildir)} matches no dsn.create of the trace")
    return (name, created, stored, dropped, checked, len(fails)), fails


def run_scenarios(mailsim, src, work):
    os.makedirs(work, exist_ok=True)
    rows, allfails = [], []
    for fn in sorted(os.listdir(os.path.join(src, "scenarios"))):
        if not fn.endswith(".json"):
            continue
        name = fn[:-5]
        path = os.path.join(src, "scenarios", fn)
        md = os.path.join(work, name + ".maildir")
        tp = os.path.join(work, name + ".jsonl")
        shutil.rmtree(md, ignore_errors=True)
        p = subprocess.run([mailsim, "run", path, "--trace", tp, "--maildir", md, "--quiet"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            allfails.append(f"{name}: mailsim run exited {p.returncode}: {p.stderr.strip()[:200]}")
            rows.append((name, 0, 0, 0, 0, 1))
            continue
        events = trace_expand.load(tp)
        row, fails = check_world(name, json.load(open(path)), events, md)
        rows.append(row)
        allfails.extend(fails)
    return rows, allfails


def print_table(rows):
    hdr = ("scenario", "created", "stored", "dropped", "checked", "failures")
    w = max(len(hdr[0]), *(len(r[0]) for r in rows)) if rows else len(hdr[0])
    print(f"{hdr[0]:<{w}}  " + "  ".join(f"{h:>8}" for h in hdr[1:]))
    for r in rows:
        print(f"{r[0]:<{w}}  " + "  ".join(f"{x:>8}" for x in r[1:]))
    tot = [sum(r[i] for r in rows) for i in range(1, 6)]
    print(f"{'total':<{w}}  " + "  ".join(f"{x:>8}" for x in tot))


# ---- self-tests: the checker must be able to fail ---------------------------

SELF_SCENARIO = {"users": [{"address": "alice@example.org"}, {"address": "bob@example.net"},
                           {"address": "bob@fwd.example", "forward": "bob@example.net"}]}


def ev(kind, **kw):
    d = {"t": kw.pop("t", 1.0), "kind": kind}
    d.update(kw)
    return d


def self_trace(reply_lines, extra_fail=None):
    """The sending MTA mail.example.org tries m1 for bob@example.net at
    mx1.example.net, which answers RCPT with reply_lines; or, with
    extra_fail, the connection times out (no SMTP reply at all)."""
    N, R = "mail.example.org", "mx1.example.net"
    e = [ev("sim.start", start="Tue, 14 May 2024 08:15:00 +0000"),
         ev("queue.enter", node=N, msg="m1", queue_id="Q1", rcpts=["bob@example.net"]),
         ev("queue.attempt", node=N, msg="m1", queue_id="Q1", attempt=1, domain="example.net"),
         ev("net.connect", node=N, peer=R if not extra_fail else "203.0.113.9", conn=2, port=25)]
    if extra_fail:
        e.append(ev("net.timeout", node=N, peer="203.0.113.9", conn=2, port=25))
        status = "4.4.1"
    else:
        def s(line):
            return ev("smtp.send", node=R, peer=N, conn=2, dir="s2c", line=line)

        def c(line):
            return ev("smtp.send", node=N, peer=R, conn=2, dir="c2s", line=line)
        e += [s("220 mx1.example.net ESMTP"), c("EHLO mail.example.org"), s("250-mx1.example.net"),
              s("250 ENHANCEDSTATUSCODES"), c("MAIL FROM:<alice@example.org>"),
              c("RCPT TO:<bob@example.net>"), c("DATA"), s("250 2.1.0 Ok")]
        e += [s(x) for x in reply_lines]
        e += [s("554 5.5.1 Error: no valid recipients"), c("QUIT"), s("221 2.0.0 Bye")]
        status = ENH_RE.match(reply_lines[-1]).group(1)
    e.append(ev("queue.bounce", node=N, msg="m1",
                rcpt="bob@example.net", queue_id="Q1", status=status,
                **({"class": "expired"} if extra_fail else {"class": "hard"})))
    e.append(ev("dsn.create", node=N, msg="m1", dsn_msg="m1.dsn", to="alice@example.org",
                action="failed", status=status, rcpts=["bob@example.net"]))
    return e


def self_dsn(diag, remote=True, status="5.1.1", human=None,
             received="by mail.example.org (mailsim)\r\n\tid 0055A0002; Tue, 14 May 2024 08:15:01 +0000"):
    rm = "Remote-MTA: dns; mx1.example.net\r\n" if remote else ""
    text = human if human is not None else diag.partition(";")[2].strip()
    return (
        ("Received: " + received + "\r\n" if received else "") +
        "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\r\n"
        "To: alice@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <selftest.1@mail.example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "<bob@example.net>: the mail system said:\r\n    " + text + "\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail.example.org\r\n"
        "Arrival-Date: Tue, 14 May 2024 08:15:01 +0000\r\n\r\n"
        "Final-Recipient: rfc822; bob@example.net\r\nAction: failed\r\n"
        f"Status: {status}\r\n{rm}Diagnostic-Code: {diag}\r\n"
        "Last-Attempt-Date: Tue, 14 May 2024 08:15:01 +0000\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\n"
        "--b1--\r\n").encode()


def selftest():
    reply = "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"
    multi = ["550-5.7.1 Your message looks like spam:", "550 5.7.1 see https://example.net/why"]
    d_of = (lambda evs: next(i for i, x in enumerate(evs) if x["kind"] == "dsn.create"))
    cases = [
        # name, trace, report, substrings that must each be in some failure ([] = must pass)
        ("correct SMTP failure", self_trace([reply]), self_dsn("smtp; " + reply), []),
        ("folded Diagnostic-Code", self_trace([reply]),
         self_dsn("smtp; 550 5.1.1 <bob@example.net>: Recipient address\r\n rejected: User unknown"), []),
        ("multi-line reply joined", self_trace(multi),
         self_dsn("smtp; " + " ".join(multi), status="5.7.1"), []),
        ("'host X said:' prefix", self_trace([reply]),
         self_dsn("smtp; host mx1.example.net said: " + reply,
                  human="host mx1.example.net said: " + reply), ["Diagnostic-Code: expected"]),
        ("Remote-MTA missing", self_trace([reply]), self_dsn("smtp; " + reply, remote=False),
         ["Remote-MTA: expected 'dns; mx1.example.net'"]),
        ("Status not the reply's", self_trace([reply]), self_dsn("smtp; " + reply, status="5.1.2"),
         ["Status: expected 5.1.1"]),
        ("human part quotes another text", self_trace([reply]),
         self_dsn("smtp; " + reply, human="something else went wrong"), ["human-readable part"]),
        ("timeout: X-Postfix, expired 4.4.1", self_trace([], extra_fail=True),
         self_dsn("X-Postfix; connect to mx1.example.net[203.0.113.9]:25: Connection timed out",
                  remote=False, status="4.4.1"), []),
        ("no Received line", self_trace([reply]), self_dsn("smtp; " + reply, received=None),
         ["Received: expected"]),
        ("Received by another host", self_trace([reply]),
         self_dsn("smtp; " + reply, received="by mx9.example.net (x) id 1; Tue, 14 May 2024 08:15:01 +0000"),
         ["Received: expected"]),
        ("timeout reported as smtp", self_trace([], extra_fail=True),
         self_dsn("smtp; 421 4.4.1 timed out", remote=False, status="4.4.1"),
         ["Diagnostic-Code: expected 'X-Postfix"]),
    ]
    bad = 0
    for name, evs, raw, must in cases:
        trace = Trace(evs)
        create = evs[d_of(evs)]
        fails, n = check_report(trace, create, d_of(evs), raw, "selftest")
        if must:
            ok = bool(fails) and all(any(m in f for f in fails) for m in must)
        else:
            ok = not fails
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {n} fields checked, "
              f"{len(fails)} failure(s){' (expected ' + repr(must) + ')' if must else ''}")
        for f in fails:
            print(f"       {f}")
    # the lost-bounce rule: created, recipient has a mailbox, never stored
    evs = self_trace([reply])
    _, fails = check_world("selftest", SELF_SCENARIO, evs, None)
    ok = any("lost bounce" in f for f in fails)
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} lost bounce detected: {fails}")
    evs.append(ev("policy.decision", node="mail.example.org", msg="m1.dsn", decision="discard",
                  reason="double bounce"))
    _, fails = check_world("selftest", SELF_SCENARIO, evs, None)
    ok = not fails
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} a report the trace discards is not lost: {fails}")
    ok = resolve_mailbox(SELF_SCENARIO, "SRS0=HHH=TT=example.net=bob@fwd.example") == "bob@example.net"
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} SRS0 address resolves through the forward")
    print(f"selftest: {'all passed' if not bad else str(bad) + ' failed'}")
    return 1 if bad else 0


def main():
    if sys.argv[1:2] == ["--selftest"]:
        sys.exit(selftest())
    args = sys.argv[1:]
    if len(args) == 2 and os.environ.get("MAILSIM"):
        args = [os.environ["MAILSIM"]] + args
    if len(args) != 3:
        print("usage: dsn_check.py MAILSIM SOURCE_DIR WORKDIR | --selftest", file=sys.stderr)
        sys.exit(2)
    mailsim, src, work = args
    rows, fails = run_scenarios(mailsim, src, work)
    print_table(rows)
    if fails:
        print(f"\n{len(fails)} failure(s):")
        for f in fails:
            print("FAIL " + f)
        sys.exit(1)
    print("\nall DSNs pass")
    sys.exit(0)


if __name__ == "__main__":
    main()
