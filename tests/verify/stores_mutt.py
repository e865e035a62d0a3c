#!/usr/bin/python3
"""The Maildir and mbox exports opened by mutt, a mail reader nobody here wrote.

mutt has no batch mode for reading, so it runs on a pseudo-terminal with
an empty configuration (-n -F /dev/null), read-only (-R), and keys pushed
at start-up: tag the messages matching a pattern, pipe each of them
(pipe_split, undecoded) into a file with a separator, exit. What it pipes
is the message as mutt parsed it from the mailbox.

  mbox     every message of a folder, none split at a "From" line in a body,
           with the From_ line and text exactly as in the file (mutt reads
           mbox without undoing the quoting, as it does for Postfix's local
           delivery), no CR (no ^M on screen);
  Maildir  mutt's own idea of the flags: ~N (new), ~R (read), ~F (flagged)
           select exactly the messages the scenario's story says.

usage: stores_mutt.py MAILSIM SOURCE_DIR WORKDIR     exit 77 if mutt is missing
"""
import email
import email.policy
import mailbox
import os
import pty
import select
import shutil
import subprocess
import sys
import time

SEP = b"=====mailsim-mutt-separator====="
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def mutt_pipe(mutt, home, path, pattern):
    """The messages of mailbox path that match pattern, as mutt pipes them."""
    out = os.path.join(home, "piped")
    if os.path.exists(out):
        os.unlink(out)
    keys = ("<tag-pattern>%s<enter><tag-prefix><pipe-message>cat >> %s<enter><exit>"
            % (pattern, out))
    cmd = [mutt, "-n", "-F", "/dev/null", "-R", "-f", path,
           "-e", 'set pipe_split=yes pipe_decode=no wait_key=no pipe_sep="\\n%s\\n"'
           % SEP.decode(),
           "-e", "push '%s'" % keys]
    env = dict(os.environ, TERM="vt100", HOME=home, LANG="C.UTF-8", MAIL="/dev/null")
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    deadline = time.time() + 30
    while proc.poll() is None and time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                os.read(master, 65536)  # the screen; only drained
            except OSError:
                break
    try:
        proc.wait(timeout=max(1.0, deadline - time.time()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        check(False, "mutt did not finish on %s" % path)
    os.close(master)
    if not os.path.exists(out):
        return []
    with open(out, "rb") as f:
        data = f.read()
    return [p for p in data.split(b"\n" + SEP + b"\n") if p]


def subjects(pieces):
    return sorted(email.message_from_bytes(p.split(b"\n", 1)[1] if p.startswith(b"From ") else p,
                                           policy=email.policy.default)["Subject"] for p in pieces)


def check_mbox(mutt, home, path):
    box = mailbox.mbox(path, create=False)
    want = [b"From " + box.get_message(k).get_from().encode() + b"\n" + box.get_bytes(k)
            for k in box.keys()]
    got = mutt_pipe(mutt, home, path, "~A")
    check(len(got) == len(want), "%s: mutt sees %d messages, want %d" % (path, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        check(g.rstrip(b"\n") == w.rstrip(b"\n"), "%s: message %d differs in mutt:\n%r\nwant\n%r"
              % (path, i, g[:300], w[:300]))
        check(b"\r" not in g, "%s: message %d has a CR" % (path, i))
    return len(got)


def main():
    mutt = shutil.which("mutt")
    if not mutt:
        print("SKIPPED: mutt is not installed")
        return 77
    mailsim, src, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([mailsim, "run", os.path.join(here, "stores.json"), "--quiet",
                    "--maildir", os.path.join(work, "md"), "--mbox", os.path.join(work, "mb")],
                   check=True)
    mb, md = os.path.join(work, "mb"), os.path.join(work, "md")
    count = 0
    for user in sorted(os.listdir(mb)):
        for folder in sorted(os.listdir(os.path.join(mb, user))):
            if os.path.getsize(os.path.join(mb, user, folder)):
                count += check_mbox(mutt, work, os.path.join(mb, user, folder))
    check(count == 8, "mutt read %d messages from the mbox files, want 8" % count)
    # Maildir: new, read and flagged as mutt sees them.
    bob = os.path.join(md, "bob@example.net")
    carol = os.path.join(md, "carol@example.net")
    cases = [
        (bob, "~N", ["After the fetch"]),
        (bob, "~R", ["Lines that look like separators"]),
        (os.path.join(bob, ".Invoices"), "~F", ["Invoice 2024-02"]),
        (os.path.join(bob, ".Lists.news"), "~N", ["Weekly digest"]),
        (carol, "~R", ["Carol, by POP3"]),
        (carol, "~N", ["After the fetch"]),
        (os.path.join(md, "dave@example.net"), "~N", ["Unread"]),
        (os.path.join(md, "alice@example.org"), "~N", ["Undelivered Mail Returned to Sender"]),
    ]
    for path, pattern, want in cases:
        pieces = mutt_pipe(mutt, work, path, pattern)
        got = subjects(pieces)
        check(got == want, "%s %s: mutt selects %s, want %s" % (path, pattern, got, want))
        check(all(b"\r" not in p for p in pieces), "%s: CR in a Maildir message" % path)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("ok: mutt read %d mbox messages and %d Maildir selections" % (count, len(cases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
