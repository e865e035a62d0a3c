#!/usr/bin/python3
"""Cross-check sim/proto/dkim.c against Debian's dkimpy (python3-dkim), an
implementation we did not write.

For every case:
  1. our signer (dkim_sign_tool sign) signs; dkimpy's dkim.verify() must
     say True, and so must our verifier;
  2. dkimpy signs (dkim.sign); our verifier (dkim_sign_tool verify) must
     say pass;
  3. the body, then the signed Subject, of our signed message is tampered
     with; both must say fail;
  4. for l= cases, text appended after the signed length: both still pass.
DNS for dkimpy is a dnsfunc returning the TXT value from
scenarios/keys/<domain>.s1.txt.

Environment: DKIM_TOOL = path of the built dkim_sign_tool (required);
MAILSIM_SOURCE_DIR = repository root (default: this file's parent's parent).
Exit 0 when every check agrees, 1 on any disagreement, 77 (skip) without
dkimpy or the tool.
"""
import os
import subprocess
import sys
import tempfile

try:
    import dkim
except ImportError:
    print("SKIP: python3-dkim (dkimpy) is not installed")
    sys.exit(77)

SRC = os.environ.get("MAILSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
TOOL = os.environ.get("DKIM_TOOL", "")
KEYS = os.path.join(SRC, "scenarios", "keys")
T0 = 1700000000        # our t=; dkimpy signs with the real clock
NOW = 4000000000       # our verifier's clock: after both (no x= is used)
DOMAINS = ("example.org", "example.net")


def key_txt(domain):
    with open(os.path.join(KEYS, domain + ".s1.txt"), "rb") as f:
        return f.read().strip()


def key_pem(domain):
    with open(os.path.join(KEYS, domain + ".s1.pem"), "rb") as f:
        return f.read()


TXT = {("s1._domainkey.%s." % d).encode(): key_txt(d) for d in DOMAINS}


def dnsfunc(name, timeout=5):
    return TXT.get(name)


def crlf(lines):
    return "".join(l + "\r\n" for l in lines).encode()


HDRS = [
    "From: Alice Example <alice@example.org>",
    "To: Bob <bob@example.net>",
    "Subject: Lunch on Thursday?",
    "Date: Tue, 14 Nov 2023 22:13:20 +0000",
    "Message-ID: <20231114221320.1@example.org>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
]
BODY = ["Hi Bob,", "", "shall we meet at noon?  The usual place.", "", "Alice"]

FOLDED_HDRS = [
    "From: Alice Example <alice@example.org>",
    "To: Bob <bob@example.net>,\r\n\tCarol  <carol@example.net>,\r\n  Dave <dave@example.net>",
    "Subject: A rather long subject line that a mail client folded\r\n"
    "\tacross   several lines,\r\n \t with odd   whitespace \t",
    "Date: Tue, 14 Nov 2023 22:13:20 +0000",
    "Message-ID: <20231114221320.2@example.org>",
    "References: <a.1@example.org> <b.2@example.org> <c.3@example.org>\r\n"
    " <d.4@example.org> <e.5@example.org>",
    "MIME-Version: 1.0",
]

DEFAULT_H = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version"]

# (name, canon (header, body), message bytes, h= list, domain, l=)
CASES = [
    ("relaxed/relaxed", ("relaxed", "relaxed"), crlf(HDRS + [""] + BODY), DEFAULT_H, "example.org", False),
    ("simple/simple", ("simple", "simple"), crlf(HDRS + [""] + BODY), DEFAULT_H, "example.org", False),
    ("relaxed/simple", ("relaxed", "simple"), crlf(HDRS + [""] + BODY), DEFAULT_H, "example.org", False),
    ("simple/relaxed", ("simple", "relaxed"), crlf(HDRS + [""] + BODY), DEFAULT_H, "example.org", False),
    ("trailing blank lines, simple", ("simple", "simple"),
     crlf(HDRS + [""] + BODY + ["", "", ""]), DEFAULT_H, "example.org", False),
    ("trailing blank lines, relaxed", ("relaxed", "relaxed"),
     crlf(HDRS + [""] + BODY + ["", " \t", ""]), DEFAULT_H, "example.org", False),
    ("long folded headers, relaxed", ("relaxed", "relaxed"), crlf(FOLDED_HDRS + [""] + BODY),
     ["From", "To", "Subject", "Date", "Message-ID", "References"], "example.org", False),
    ("long folded headers, simple", ("simple", "simple"), crlf(FOLDED_HDRS + [""] + BODY),
     ["From", "To", "Subject", "Date", "Message-ID", "References"], "example.org", False),
    ("dot lines", ("relaxed", "relaxed"),
     crlf(HDRS + ["", ".", "..", ".hidden", "a line", ". leading dot", "."]), DEFAULT_H, "example.org", False),
    ("dot lines, simple", ("simple", "simple"),
     crlf(HDRS + ["", ".", "..", ".hidden", "."]), DEFAULT_H, "example.org", False),
    ("body whitespace, relaxed", ("relaxed", "relaxed"),
     crlf(HDRS + ["", "  indented\t\ttabs  ", "trailing \t", "\t", "end"]), DEFAULT_H, "example.org", False),
    ("empty body, simple", ("simple", "simple"), crlf(HDRS + [""]), DEFAULT_H, "example.org", False),
    ("empty body, relaxed", ("relaxed", "relaxed"), crlf(HDRS + [""]), DEFAULT_H, "example.org", False),
    ("oversigned From, absent Reply-To", ("relaxed", "relaxed"), crlf(HDRS + [""] + BODY),
     ["From", "From", "To", "Subject", "Reply-To", "Date"], "example.org", False),
    # Repeated fields are taken bottom-up (RFC 6376 5.4.2); the third
    # Resent-Date has no instance left and signs as nothing. (dkimpy
    # refuses to sign Received or Comments, hence two resent blocks.)
    ("repeated fields, bottom-up", ("simple", "simple"),
     crlf(["Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000",
           "Resent-Date: Wed, 15 Nov 2023 08:00:00 +0000", "Resent-From: carol@example.org",
           "Resent-Date: Tue, 14 Nov 2023 23:00:00 +0000", "Resent-From: bob@example.org"]
          + HDRS + [""] + BODY),
     ["From", "Resent-Date", "Resent-Date", "Resent-Date", "Resent-From", "Subject"],
     "example.org", False),
    ("l= body length", ("relaxed", "relaxed"), crlf(HDRS + [""] + BODY), DEFAULT_H, "example.org", True),
    ("example.net key", ("relaxed", "relaxed"),
     crlf([h.replace("alice@example.org", "list@example.net") for h in HDRS] + [""] + BODY),
     DEFAULT_H, "example.net", False),
]


def run_tool(args):
    p = subprocess.run([TOOL] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        raise RuntimeError("dkim_sign_tool %s: rc %d: %s" % (args[0], p.returncode, p.stderr.decode()))
    return p.returncode, p.stdout


def our_sign(tmp, msg, canon, headers, domain, length):
    path = os.path.join(tmp, "in.eml")
    with open(path, "wb") as f:
        f.write(msg)
    args = ["sign", os.path.join(KEYS, domain + ".s1.pem"), domain, "s1",
            "/".join(canon), str(T0), path, "-h", ":".join(headers)]
    if length:
        args.append("-l")
    rc, out = run_tool(args)
    if rc != 0:
        raise RuntimeError("our signer failed")
    return out


def our_verify(tmp, msg):
    path = os.path.join(tmp, "verify.eml")
    with open(path, "wb") as f:
        f.write(msg)
    keys = ["s1._domainkey.%s=%s" % (d, os.path.join(KEYS, d + ".s1.txt")) for d in DOMAINS]
    rc, out = run_tool(["verify", path, str(NOW)] + keys)
    return rc == 0, out.decode().strip()


def py_verify(msg):
    return bool(dkim.verify(msg, dnsfunc=dnsfunc))


def tamper(signed):
    """Change the first non-blank body character (inside any l= range)."""
    head, sep, body = signed.partition(b"\r\n\r\n")
    for i, c in enumerate(body):
        if c not in b" \t\r\n":
            new = b"X" if c != ord("X") else b"Y"
            return head + sep + body[:i] + new + body[i + 1:]
    return signed + b"tampered\r\n"


class Report:
    def __init__(self):
        self.bad = 0

    def check(self, case, what, ours, theirs, want, detail=""):
        ok = ours == want and theirs == want
        self.bad += not ok
        print("%-4s %-34s %-28s ours=%-5s dkimpy=%-5s want=%s%s" % (
            "ok" if ok else "FAIL", case, what, ours, theirs, want,
            "" if ok else "  " + detail))


def run_case(rep, tmp, case):
    name, canon, msg, headers, domain, length = case
    ours_signed = our_sign(tmp, msg, canon, headers, domain, length)
    ok, detail = our_verify(tmp, ours_signed)
    rep.check(name, "our signature", ok, py_verify(ours_signed), True, detail)

    sig = dkim.sign(msg, b"s1", domain.encode(), key_pem(domain),
                    canonicalize=tuple(c.encode() for c in canon),
                    include_headers=[h.encode() for h in headers], length=length)
    theirs_signed = sig + msg
    ok, detail = our_verify(tmp, theirs_signed)
    rep.check(name, "dkimpy's signature", ok, py_verify(theirs_signed), True, detail)

    bad = tamper(ours_signed)
    ok, detail = our_verify(tmp, bad)
    rep.check(name, "tampered body", ok, py_verify(bad), False, detail)

    bad = ours_signed.replace(b"\r\nSubject: ", b"\r\nSubject: Re: ", 1)
    ok, detail = our_verify(tmp, bad)
    rep.check(name, "tampered Subject", ok, py_verify(bad), False, detail)

    if length:
        for who, signed in (("ours", ours_signed), ("dkimpy", theirs_signed)):
            more = signed + b"-- \r\nappended by a mailing list\r\n"
            ok, detail = our_verify(tmp, more)
            rep.check(name, "appended after l= (%s)" % who, ok, py_verify(more), True, detail)


def run_default_headers(rep, tmp):
    """dkimpy's own default h= list (it oversigns From, Subject, ...)."""
    msg = crlf(HDRS + [""] + BODY)
    for canon in ((b"relaxed", b"relaxed"), (b"simple", b"simple")):
        signed = dkim.sign(msg, b"s1", b"example.org", key_pem("example.org"), canonicalize=canon)
        ok, detail = our_verify(tmp, signed + msg)
        rep.check("dkimpy default h=, " + canon[0].decode(), "dkimpy's signature",
                  ok, py_verify(signed + msg), True, detail)


def main():
    if not TOOL or not os.access(TOOL, os.X_OK):
        print("SKIP: set DKIM_TOOL to the built dkim_sign_tool")
        return 77
    rep = Report()
    with tempfile.TemporaryDirectory(prefix="mailsim-dkim-") as tmp:
        for case in CASES:
            run_case(rep, tmp, case)
        run_default_headers(rep, tmp)
    print("%d disagreement(s)" % rep.bad)
    return 1 if rep.bad else 0


if __name__ == "__main__":
    sys.exit(main())
