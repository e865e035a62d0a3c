#!/usr/bin/env python3
"""make_seeds.py — (re)build the fuzz seed corpora in tests/fuzz/corpus/
from the project's own material: the scenarios, the golden traces (their
SMTP, IMAP and POP3 dialogs and DNS answers), tests/spf_cases.json, the
shipped DKIM keys, and messages stored by `mailsim run --maildir`.

    tests/fuzz/make_seeds.py [MAILSIM]

MAILSIM (a built mailsim binary) is optional: with it the stored messages of
a few scenarios become DKIM and antivirus seeds. Seeds are named after
their content's hash, so rebuilding is idempotent. Crash reproducers added
by hand (crash-*, named after the bug) and inputs the fuzzer found that
reach further (cov-*: `fuzz_T -merge=1` of a long run's corpus into these
seeds) are never removed."""
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (the project's own reader of the trace)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")
CRLF = b"\r\n"


def put(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def traces():
    """Each golden's events with what the lines leave out put back (folded
    lines, implied dir/node/t/port...: ARCHITECTURE.md, scripts/trace_expand.py)."""
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "golden", "*.jsonl"))):
        yield os.path.basename(path), trace_expand.load(path)


def dialogs(events, proto):
    """Per connection: (client bytes, server bytes) of one protocol."""
    conns = {}
    for e in events:
        kind = e["kind"]
        if kind not in (proto + ".send", proto + ".data") or "conn" not in e:
            continue
        c2s, s2c = conns.setdefault(e["conn"], (bytearray(), bytearray()))
        out = c2s if e["dir"] == "c2s" else s2c
        if kind.endswith(".send"):
            out += e["line"].encode() + CRLF
        else:
            n = max(int(e.get("bytes", 0)) - 40, 0)
            body = b"Subject: " + e.get("summary", "x").encode() + CRLF + CRLF
            body += (b"line of text\r\n" * (n // 14 + 1))[:n]
            if proto == "smtp":
                body += b".\r\n"
            elif proto == "pop3":
                body += b".\r\n"
            out += body
    return [(bytes(a), bytes(b)) for a, b in conns.values()]


def protocol_seeds():
    seen = set()
    for name, ev in traces():
        for proto, target in (("smtp", None), ("imap", "imap"), ("pop3", "pop3")):
            for c2s, s2c in dialogs(ev, proto):
                key = (proto, c2s[:400], s2c[:400])
                if key in seen:
                    continue
                seen.add(key)
                if proto == "smtp":
                    # smtpd: byte 0 config (submission+STARTTLS for the
                    # submission dialogs), byte 1 chunking.
                    conf = 0x03 if b"AUTH" in c2s else 0x02
                    put("smtpd", bytes([conf, 0]) + c2s)
                    put("smtpc", bytes([0x05 if b"AUTH" in c2s else 0x01, 0]) + s2c)
                else:
                    put(target, bytes([0, 0]) + c2s)
                    put(target, bytes([1, 0]) + s2c)


def smtp_extra():
    put("smtpd", bytes([0x40, 0x80]) + b"EHLO x\r\nMAIL FROM:<a@b> SIZE=5000\r\nRCPT TO:<nobody@example.net>\r\n"
        b"RCPT TO:<grey@example.net>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\nSubject: x\r\n\r\n..x\nbare\r\n.\r\nQUIT\r\n")
    put("smtpd", bytes([0x01, 1]) + b"EHLO c\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n"
        b"MAIL FROM:<> BODY=8BITMIME\r\nRCPT TO:<relay@elsewhere>\r\nVRFY bob\r\nNOOP\r\nRSET\r\nHELO h\r\nSTARTTLS\r\nQUIT\r\n")
    put("smtpd", bytes([0x06, 3]) + b"EHLO c\r\nSTARTTLS\r\nEHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<shutdown@x>\r\n")
    put("smtpc", bytes([0x00, 0]) + b"220-multi\r\n220 line\r\n250-x\r\n250-PIPELINING\r\n250-SIZE 10\r\n250 8BITMIME\r\n"
        b"250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n")
    put("smtpc", bytes([0x03, 0x40]) + b"220 x\r\n250-x\r\n250 STARTTLS\r\n454 4.7.0 TLS not available\r\n")
    put("smtpc", bytes([0x04, 0x81]) + b"220 x\r\n250-x\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
        b"235 ok\r\n250 ok\r\n550 5.1.1 no\r\n250 ok\r\n452 4.5.3 too many\r\n354 go\r\n550 5.7.1 spam\r\n")


def imap_pop3_extra():
    put("imap", bytes([0, 0]) + b"a CAPABILITY\r\nb LOGIN bob secret\r\nc LIST \"\" *\r\nd SELECT INBOX\r\n"
        b"e FETCH 1:* (FLAGS UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.10>)\r\n"
        b"f UID SEARCH OR FROM alice NOT SEEN LARGER 10\r\ng STORE 2 +FLAGS (\\Deleted)\r\nh EXPUNGE\r\n"
        b"i STATUS Junk (MESSAGES UNSEEN)\r\nj LOGIN {3}\r\nbob {6+}\r\nsecret\r\nk EXAMINE \"Sent Items\"\r\n"
        b"l UID FETCH 1:* BODY[TEXT]\r\nm CLOSE\r\nn LOGOUT\r\n")
    put("pop3", bytes([0, 0]) + b"CAPA\r\nUSER bob\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL 1\r\nTOP 1 2\r\nRETR 3\r\n"
        b"DELE 1\r\nRSET\r\nDELE 2\r\nNOOP\r\nQUIT\r\n")
    put("pop3", bytes([1, 0]) + b"+OK ready\r\n+OK\r\n+OK\r\n+OK 2 30\r\n+OK 10 octets\r\nSubject: a\r\n\r\n..x\r\n.\r\n"
        b"+OK\r\n+OK 8 octets\r\nx\r\n.\r\n+OK\r\n+OK bye\r\n")


def scenario_seeds():
    for path in sorted(glob.glob(os.path.join(TOP, "scenarios", "*.json"))):
        with open(path, "rb") as f:
            put("scenario", f.read())
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "bad", "*.json")))[:40]:
        with open(path, "rb") as f:
            put("scenario", f.read())


def trace_seeds():
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "golden", "*.jsonl"))):
        with open(path, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        put("trace", b"".join(lines[:60]))


# ---- DNS wire: answers of the golden traces encoded by hand [RFC 1035 §4] --

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}


def wname(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(qtype, text):
    if qtype == "A":
        return bytes(int(x) for x in text.split("."))
    if qtype == "AAAA":
        import ipaddress
        return ipaddress.IPv6Address(text).packed
    if qtype == "MX":
        pref, host = text.split(" ", 1)
        return struct.pack(">H", int(pref)) + wname(host)
    if qtype in ("CNAME", "PTR", "NS"):
        return wname(text)
    if qtype == "TXT":
        parts = [p for p in text.strip('"').split('" "')]
        return b"".join(bytes([len(p.encode()[:255])]) + p.encode()[:255] for p in parts)
    return None


def dns_message(e, compress):
    qname, qtype = e["qname"], e["qtype"]
    rc = RCODES.get(e.get("rcode", "NOERROR"), 0)
    answers = []
    for a in e.get("answers", []):
        rd = rdata(qtype, a)
        if rd is not None:
            answers.append(rd)
    hdr = struct.pack(">HHHHHH", e.get("id", 1), 0x8500 | rc, 1, len(answers), 0, 0)
    q = wname(qname) + struct.pack(">HH", TYPES.get(qtype, 255), 1)
    body = b""
    for rd in answers:
        owner = b"\xc0\x0c" if compress else wname(qname)
        body += owner + struct.pack(">HHIH", TYPES[qtype], 1, 300, len(rd)) + rd
    return hdr + q + body


def dns_seeds():
    seen = set()
    for _, ev in traces():
        for e in ev:
            if e["kind"] == "dns.answer" and (e["qtype"], e["rcode"]) not in seen:
                seen.add((e["qtype"], e["rcode"]))
                try:
                    put("dns_wire", dns_message(e, True))
                    put("dns_wire", dns_message(e, False))
                except (ValueError, KeyError):
                    pass
            if e["kind"] == "dns.query" and "q" not in seen:
                seen.add("q")
                put("dns_wire", struct.pack(">HHHHHH", e["id"], 0x0100, 1, 0, 0, 0) +
                    wname(e["qname"]) + struct.pack(">HH", TYPES[e["qtype"]], 1))


def spf_seeds():
    with open(os.path.join(TOP, "tests", "spf_cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    ips = {"192.0.2.10": 0, "2001:db8::10": 2, "::ffff:192.0.2.10": 4}
    for c in cases:
        mode = ips.get(c.get("ip"), 0)
        who = c.get("sender") or c.get("helo", "")
        if not c.get("sender") and c.get("helo"):
            mode |= 1
        lines = [who] + ["%s %s %s" % (n, t, d) for n, t, d in c.get("records", [])]
        put("spf", bytes([mode]) + "\n".join(lines).encode())


def stored_messages(mailsim):
    """Messages from `mailsim run --maildir` of a few scenarios."""
    msgs = []
    if not mailsim or not os.access(mailsim, os.X_OK):
        return msgs
    tmp = tempfile.mkdtemp()
    try:
        for s in ("all-pass", "eicar-attachment", "long-subject", "tampered-in-transit",
                  "forwarded-breaks-spf", "spam-scored"):
            out = os.path.join(tmp, s)
            subprocess.run([mailsim, "run", os.path.join(TOP, "scenarios", s + ".json"),
                            "--maildir", out], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            for p in sorted(glob.glob(os.path.join(out, "**", "*"), recursive=True)):
                rel = os.path.relpath(p, out).split(os.sep)
                if os.path.isfile(p) and "tmp" not in rel:
                    with open(p, "rb") as f:
                        msgs.append(f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    finally:
        shutil.rmtree(tmp)
    return msgs


def av_dkim_seeds(mailsim):
    with open(os.path.join(TOP, "scenarios", "keys", "example.org.s1.txt"), "rb") as f:
        key = f.read().strip()
    base = (b"From: Alice Example <alice@example.org>\r\nTo: Bob <bob@example.net>\r\n"
            b"Subject: Lunch on\r\n\tThursday?\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            b"Message-ID: <20231114221320.1@example.org>\r\n\r\nHi Bob,\r\n\r\n"
            b"shall we meet at noon?  The usual place.\r\n.\r\nAlice\r\n\r\n\r\n")
    for mode in (0x01, 0x03, 0x07, 0x0f, 0x21, 0x41):
        put("dkim", bytes([mode]) + key + b"\n" + base)
    put("dkim", bytes([0x00]) + key + b"\n" +
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.org; s=s1;\r\n"
        b"\tt=1700000000; x=1700000050; l=3; h=From:To; bh=AAAA; b=AAAA\r\n" + base)
    put("av", base)
    mime = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npre\r\n"
            b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            b"caf=C3=A9 =\r\nsoft break\r\n--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
            b"--b2\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b2--\r\n"
            b"--b1\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n"
            b"Content-Disposition: attachment; filename=\"eicar.com\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNU\r\n"
            b"LUZJTEUhJEgrSCo=\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n--b1--\r\nepilogue\r\n")
    put("av", mime)
    for m in stored_messages(sys.argv[1] if len(sys.argv) > 1 else None):
        put("av", m)
        put("dkim", bytes([0x10]) + key + b"\n" + m)


def main():
    for d in glob.glob(os.path.join(CORPUS, "*", "*")):
        if not os.path.basename(d).startswith(("crash-", "cov-")):
            os.remove(d)
    protocol_seeds()
    smtp_extra()
    imap_pop3_extra()
    scenario_seeds()
    trace_seeds()
    dns_seeds()
    spf_seeds()
    av_dkim_seeds(None if len(sys.argv) < 2 else sys.argv[1])
    total = 0
    for d in sorted(glob.glob(os.path.join(CORPUS, "*"))):
        files = glob.glob(os.path.join(d, "*"))
        size = sum(os.path.getsize(p) for p in files)
        total += size
        print("%-10s %4d seeds %8d bytes" % (os.path.basename(d), len(files), size))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
