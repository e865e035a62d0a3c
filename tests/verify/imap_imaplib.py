#!/usr/bin/python3
"""mailsim's IMAP server as Python's imaplib and email packages see it.

usage: imap_imaplib.py IMAP_STDIO_TOOL SOURCE_DIR WORK_DIR

The tool serves mx1.example.net of scenarios/imap-idle.json on stdin/stdout
after running the scenario (Bob's message m1 is in his INBOX). imaplib talks
to it through IMAP4_stream; nothing here parses IMAP with our own code
except a small reader for the BODYSTRUCTURE list, whose result is compared
with what the email package finds in the very same message (RFC 3501
§7.4.2: types, parameters, encodings, sizes, line counts, dispositions).
"""
import calendar
import datetime
import email
import email.policy
import imaplib
import json
import os
import re
import shlex
import sys
import time
from email.message import EmailMessage

TOOL, SRC, WORK = sys.argv[1:4]
HOST = "mx1.example.net"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def connect(scenario):
    return imaplib.IMAP4_stream(f"{shlex.quote(TOOL)} {shlex.quote(scenario)} {HOST}")


def scenario_without_tls():
    """imap-idle with mx1 not offering TLS (imaplib here cannot do TLS over a pipe)."""
    with open(os.path.join(SRC, "scenarios", "imap-idle.json")) as f:
        scn = json.load(f)
    for h in scn["hosts"]:
        if h["name"] == HOST:
            h["tls"] = False
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, "imap-idle-plain.json")
    with open(path, "w") as f:
        json.dump(scn, f)
    return path


# ---- a reader for the parenthesised BODYSTRUCTURE (RFC 3501 §9 body) -------

def tokens(data):
    """imaplib gives [(b'1 (BODYSTRUCTURE ... {n}', b'<literal>'), b')'] for
    literals; join it back into (kind, value) tokens."""
    out = []
    parts = data if isinstance(data, list) else [data]
    for part in parts:
        if isinstance(part, tuple):
            head, lit = part
            out += lex(head.decode("latin-1"))
            check(out[-1][0] == "literal", "literal announced but not at the end")
            out[-1] = ("str", lit.decode("utf-8", "replace"))
        else:
            out += lex(part.decode("latin-1"))
    return out


def lex(text):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c in " ":
            i += 1
        elif c in "()":
            out.append((c, c))
            i += 1
        elif c == '"':
            j, s = i + 1, ""
            while text[j] != '"':
                if text[j] == "\\":
                    j += 1
                s += text[j]
                j += 1
            out.append(("str", s))
            i = j + 1
        elif c == "{":
            j = text.index("}", i)
            out.append(("literal", int(text[i + 1:j])))
            i = j + 1
        else:
            m = re.match(r"[^ ()]+", text[i:])
            out.append(("atom", m.group(0)))
            i += len(m.group(0))
    return out


def parse_list(toks, pos):
    check(toks[pos][0] == "(", f"expected ( at token {pos}: {toks[pos]}")
    pos += 1
    items = []
    while toks[pos][0] != ")":
        if toks[pos][0] == "(":
            sub, pos = parse_list(toks, pos)
            items.append(sub)
        else:
            kind, v = toks[pos]
            items.append(None if kind == "atom" and v.upper() == "NIL" else
                         int(v) if kind == "atom" and v.isdigit() else v)
            pos += 1
    return items, pos + 1


def fetch_item(imap, num, item):
    typ, data = imap.fetch(num, f"({item})")
    check(typ == "OK", f"FETCH {item} failed: {data}")
    toks = tokens(data[:-1] if len(data) > 1 and data[-1] == b")" else data)
    # "1 (ITEM value)" -> value
    check(toks[0][0] == "atom" and toks[1][0] == "(", f"odd FETCH response {toks[:3]}")
    items, _ = parse_list(toks + ([(")", ")")] if len(data) > 1 and data[-1] == b")" else []), 1)
    return dict(zip(items[::2], items[1::2]))[item]


# ---- the structural check ----------------------------------------------------

def params(plist):
    return {} if plist is None else {k.lower(): v for k, v in zip(plist[::2], plist[1::2])}


def raw_body(part):
    """The part's body octets as they are in the message."""
    payload = part.get_payload(decode=False)
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def compare(bs, part, where="1"):
    ctype = part.get_content_type()
    # the email package reads message/delivery-status as a list of header
    # blocks (is_multipart); for IMAP it is a leaf [RFC 3464 §2.1]
    status = ctype == "message/delivery-status"
    if part.is_multipart() and not status and ctype != "message/rfc822":
        n = 0
        while isinstance(bs[n], list):   # 1*body, then the subtype [RFC 3501 §9]
            n += 1
        kids = bs[:n]
        subtype = bs[len(kids)]
        check(ctype == f"multipart/{subtype.lower()}", f"{where}: {ctype} vs multipart/{subtype}")
        sub_parts = part.get_payload()
        check(len(kids) == len(sub_parts), f"{where}: {len(kids)} parts, email finds {len(sub_parts)}")
        ext = bs[len(kids) + 1:]
        check(params(ext[0]).get("boundary") == part.get_boundary(), f"{where}: boundary")
        for i, (k, p) in enumerate(zip(kids, sub_parts)):
            compare(k, p, f"{where}.{i + 1}")
        return
    typ, sub, plist, cid, desc, enc, size = bs[:7]
    check(f"{typ}/{sub}".lower() == ctype, f"{where}: {typ}/{sub} vs {ctype}")
    want = {k.lower(): v for k, v in part.get_params([])[1:]} if part.get("Content-Type") else {}
    if not part.get("Content-Type"):
        want = {"charset": "us-ascii"}
    check(params(plist) == want, f"{where}: params {params(plist)} vs {want}")
    check(cid == part.get("Content-ID"), f"{where}: Content-ID")
    check(enc.lower() == (part.get("Content-Transfer-Encoding") or "7bit").lower(), f"{where}: encoding")
    body = raw_body(part)
    if status:
        blocks = [b.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
                  for b in part.get_payload()]
        # each block is written with its ending blank line; the last CRLF of
        # the part belongs to the boundary that follows [RFC 2046 §5.1.1]
        body = b"".join(blocks)[:-2]
    if ctype == "message/rfc822":
        inner = part.get_payload()[0]
        body = inner.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
    check(size == len(body), f"{where}: size {size} vs {len(body)}")
    rest = bs[7:]
    if typ.lower() == "text":
        lines = body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)
        check(rest[0] == lines, f"{where}: lines {rest[0]} vs {lines}")
        rest = rest[1:]
    elif ctype == "message/rfc822":
        env, inner_bs, lines = rest[:3]
        inner = part.get_payload()[0]
        check(env[1] == inner["Subject"], f"{where}: inner subject {env[1]}")
        compare(inner_bs, inner, f"{where}.msg")
        rest = rest[3:]
    md5, dsp = rest[0], rest[1]
    disp = part.get_content_disposition()
    check((dsp[0].lower() if dsp else None) == disp, f"{where}: disposition {dsp} vs {disp}")
    if disp:
        check(params(dsp[1]).get("filename") == part.get_filename(), f"{where}: filename")


def crlf(msg):
    return msg.as_bytes(policy=email.policy.SMTP)


def mixed_message():
    m = EmailMessage()
    m["From"] = "Alice Example <alice@example.org>"
    m["To"] = "Bob <bob@example.net>, carol@example.net"
    m["Subject"] = "Minutes, with the slides"
    m["Message-ID"] = "<mixed.1@example.org>"
    m.set_content("Hi Bob,\n\nthe minutes are below, the slides attached.\n")
    m.add_attachment(b"%PDF-1.4\n" + bytes(range(256)) * 4, maintype="application",
                     subtype="pdf", filename="slides.pdf")
    return crlf(m)


def report_message():
    """A DSN as RFC 3464/6522 shape it: multipart/report with a text part,
    message/delivery-status and the returned message/rfc822."""
    text = """From: Mail Delivery System <MAILER-DAEMON@mail.example.org>
To: alice@example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="rep.1/mail.example.org"

This is a MIME-encapsulated message.

--rep.1/mail.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.

--rep.1/mail.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org

Final-Recipient: rfc822; nobody@example.net
Action: failed
Status: 5.1.1

--rep.1/mail.example.org
Content-Description: Undelivered Message
Content-Type: message/rfc822

From: "Alice (work)" <alice@example.org>
To: nobody@example.net
Subject: Are you there?
Message-ID: <q.1@example.org>

Hello?

--rep.1/mail.example.org--
"""
    return text.replace("\n", "\r\n").encode()


def main():
    if not os.access(TOOL, os.X_OK):
        print("no imap_stdio_tool")
        return 77

    # 1. TLS offered: LOGIN before it is refused [RFC 3501 §6.2.3, RFC 5530].
    imap = connect(os.path.join(SRC, "scenarios", "imap-idle.json"))
    check("LOGINDISABLED" in imap.capabilities and "STARTTLS" in imap.capabilities,
          f"capabilities {imap.capabilities}")
    try:
        imap.login("bob@example.net", "bob-secret")
        fail("LOGIN accepted in the clear")
    except imaplib.IMAP4.error as e:
        check("PRIVACYREQUIRED" in str(e), f"LOGIN refusal: {e}")
    imap.logout()

    # 2. The rest without TLS.
    imap = connect(scenario_without_tls())
    check({"IDLE", "UIDPLUS", "LITERAL+"} <= set(imap.capabilities), f"caps {imap.capabilities}")
    typ, _ = imap.login("bob@example.net", "bob-secret")
    check(typ == "OK", "login")
    typ, data = imap.select("INBOX")
    check(typ == "OK" and data == [b"1"], f"SELECT {data}")
    # Bob's own client saw m1 first in the scenario: not recent for us
    check(imap.untagged_responses.get("RECENT") == [b"0"], f"RECENT {imap.untagged_responses}")

    # INTERNALDATE: the simulated delivery time (t = 1.75 s after 08:15:00Z)
    typ, data = imap.fetch("1", "(INTERNALDATE)")
    when = imaplib.Internaldate2tuple(data[0])
    check(when is not None, f"INTERNALDATE unreadable: {data}")
    # imaplib turns it into local time; back to the epoch it must be the store
    stored_at = calendar.timegm((2024, 5, 14, 8, 15, 1, 0, 0, 0))
    check(int(time.mktime(when)) == stored_at, f"INTERNALDATE {data}, want {stored_at}")

    # APPEND with flags and a date-time; APPENDUID comes back
    msgs = {"mixed": mixed_message(), "report": report_message()}
    stamp = datetime.datetime(2024, 1, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    uids = {}
    for name, raw in msgs.items():
        typ, data = imap.append("INBOX", r"(\Seen \Flagged)", imaplib.Time2Internaldate(stamp), raw)
        check(typ == "OK", f"APPEND {name}: {data}")
        m = re.search(rb"\[APPENDUID 1 (\d+)\]", data[0])
        check(m is not None, f"no APPENDUID in {data}")
        uids[name] = int(m.group(1))
    check(uids["report"] == uids["mixed"] + 1, f"UIDs {uids}")
    typ, data = imap.append("NoSuchFolder", None, None, msgs["mixed"])
    check(typ == "NO" and b"TRYCREATE" in data[0], f"APPEND to a missing folder: {typ} {data}")

    typ, data = imap.select("INBOX")
    check(data == [b"3"], f"EXISTS after APPEND {data}")
    for num, name in ((b"2", "mixed"), (b"3", "report")):
        typ, data = imap.fetch(num, r"(FLAGS INTERNALDATE)")
        flags = imaplib.ParseFlags(data[0])
        check(set(flags) >= {rb"\Seen", rb"\Flagged"}, f"{name} flags {flags}")
        when = imaplib.Internaldate2tuple(data[0])
        check(when is not None and when.tm_year == 2024 and when.tm_mon == 1, f"{name} date {data}")
        typ, data = imap.fetch(num, "(BODY.PEEK[])")
        stored = data[0][1]
        check(stored == msgs[name], f"{name}: the stored message differs from the appended one")
        parsed = email.message_from_bytes(stored)
        compare(fetch_item(imap, num, "BODYSTRUCTURE"), parsed)
        body = fetch_item(imap, num, "BODY")
        check(isinstance(body, list), f"{name}: BODY {body}")
        env = fetch_item(imap, num, "ENVELOPE")
        check(env[1] == parsed["Subject"], f"{name}: envelope subject {env[1]}")
        frm = env[2][0]
        check(f"{frm[2]}@{frm[3]}" == email.utils.parseaddr(parsed["From"])[1], f"{name}: from {frm}")
        check(frm[0] == (email.utils.parseaddr(parsed["From"])[0] or None), f"{name}: name {frm}")
        if name == "mixed":
            check(len(env[5]) == 2 and env[5][0][0] == "Bob", f"to {env[5]}")
            check(env[9] == "<mixed.1@example.org>", f"message-id {env[9]}")
    # m1, the message our MUA composed, with its structure too
    typ, data = imap.fetch("1", "(BODY.PEEK[])")
    compare(fetch_item(imap, "1", "BODYSTRUCTURE"), email.message_from_bytes(data[0][1]))
    imap.logout()
    print("ok: imaplib agrees on LOGINDISABLED, APPEND, APPENDUID, INTERNALDATE, ENVELOPE, "
          "BODYSTRUCTURE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
