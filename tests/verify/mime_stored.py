#!/usr/bin/python3
"""The mail client's headers and body read back by Python's email package.

Runs scenarios/long-subject.json with `mailsim run --maildir`, parses every
stored copy with email.policy.default (a MIME parser nobody here wrote)
and checks that it gets back exactly what the scenario says: the ~1,100
character Subject, the display names of From and To (non-ASCII, and ASCII
that needs quoting), and the body. It also checks the wire form: every
line is 7-bit and at most 998 octets (RFC 5322 §2.1.1), every line of the
header fields the client wrote is at most 78 octets and at most 76 when it
carries an encoded-word (RFC 2047 §2), and no encoded-word is over 75
characters. The parser must report no defects.

usage: mime_stored.py MAILSIM SOURCE_DIR WORKDIR
"""
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys

SCENARIO = "long-subject"
# Header fields the sending client writes (sim/proto/msg.c); the MTAs add the
# others (Received, Return-Path, DKIM-Signature...).
CLIENT_FIELDS = {"date", "from", "to", "subject", "message-id", "mime-version",
                 "content-type", "content-transfer-encoding"}
EW = re.compile(rb"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=")


def stored_messages(mailsim, src, work):
    d = os.path.join(work, SCENARIO)
    shutil.rmtree(d, ignore_errors=True)
    path = os.path.join(src, "scenarios", SCENARIO + ".json")
    subprocess.run([mailsim, "run", path, "--maildir", d, "--quiet"], check=True)
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(d) for f in fs
                   if os.path.basename(dp) in ("cur", "new"))
    return json.load(open(path, encoding="utf-8")), files


def header_fields(raw):
    """[(name, [lines])] of the header block, lines without CRLF."""
    raw = raw.replace(b"\r\n", b"\n")  # Maildir files use LF
    head = raw.split(b"\n\n", 1)[0].split(b"\n")
    fields = []
    for line in head:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1].append(line)
        else:
            fields.append((line.split(b":", 1)[0].decode("ascii").lower(), [line]))
    return fields


def check_wire(raw, where, errors):
    for n, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n")):
        if len(line) > 998:
            errors.append(f"{where}: line {n + 1} has {len(line)} octets (> 998)")
        if any(b > 127 for b in line):
            errors.append(f"{where}: line {n + 1} is not 7-bit: {line[:60]!r}")
    for name, lines in header_fields(raw):
        if name not in CLIENT_FIELDS:
            continue
        for line in lines:
            ews = EW.findall(line)
            limit = 76 if ews else 78
            if len(line) > limit:
                errors.append(f"{where}: {name}: line of {len(line)} > {limit}: {line!r}")
            for w in ews:
                if len(w) > 75:
                    errors.append(f"{where}: {name}: encoded-word of {len(w)} > 75: {w!r}")


def user_names(scenario):
    return {u["address"]: u.get("name", "") for u in scenario["users"]}


def check_parsed(raw, scenario, where, errors):
    spec = scenario["messages"][0]
    names = user_names(scenario)
    msg = email.message_from_bytes(raw, policy=email.policy.default)

    def expect(what, got, want):
        if got != want:
            errors.append(f"{where}: {what}:\n  got  {got!r}\n  want {want!r}")

    expect("Subject", str(msg["Subject"]), spec["subject"])
    frm = msg["From"].addresses
    expect("From", [(a.display_name, a.addr_spec) for a in frm],
           [(names[spec["from"]], spec["from"])])
    expect("To", [(a.display_name, a.addr_spec) for a in msg["To"].addresses],
           [(names[a], a) for a in spec["to"]])
    expect("Content-Transfer-Encoding", msg["Content-Transfer-Encoding"], "quoted-printable")
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    expect("body", body, "\n".join(spec["body"]) + "\n")
    for part in msg.walk():
        for d in part.defects:
            errors.append(f"{where}: parser defect {type(d).__name__}: {d}")
    for name in ("subject", "from", "to"):
        for d in msg[name].defects:
            errors.append(f"{where}: {name}: header defect {type(d).__name__}: {d}")


def main():
    mailsim, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    scenario, files = stored_messages(mailsim, src, work)
    errors = []
    if len(files) != len(scenario["messages"][0]["to"]):
        errors.append(f"expected one stored copy per recipient, found {files}")
    for f in files:
        raw = open(f, "rb").read()
        where = os.path.relpath(f, work)
        check_wire(raw, where, errors)
        check_parsed(raw, scenario, where, errors)
    for e in errors:
        print("FAIL", e)
    print(f"{len(files)} stored message(s) checked, {len(errors)} problem(s)")
    return 1 if errors or not files else 0


if __name__ == "__main__":
    sys.exit(main())
