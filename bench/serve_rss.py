#!/usr/bin/python3
"""serve_rss.py — memory of `mailsim serve` over many sequential sessions,
and over many large messages. Prints figures; asserts nothing.

  bench/serve_rss.py MAILSIM [SESSIONS] [--messages N --size KB]

Sessions (PARALLEL clients, each one session after another): each connects, reads the greeting, says EHLO and QUIT and closes;
RSS (VmRSS from /proc) is read after a warm-up of 1,000 sessions and at the
end, and the growth per session printed. Messages: N messages of KB
kilobytes sent with smtplib in one session, RSS read before and after (the
spool holds them on disk; the simulated mailbox still holds them in memory
until the shutdown writes the Maildir)."""
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

PARALLEL = 40
STEPS = 10
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "..", "tests", "live", "live.json")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start(mailsim, work, extra=()):
    args = [mailsim, "serve", SCENARIO, "--host", "mx1.example.net", "--listen", "127.0.0.1:0",
            "--maildir", os.path.join(work, "maildir")] + list(extra)
    usage = subprocess.run([mailsim, "help", "serve"], capture_output=True, text=True).stdout
    if "--max-per-ip" in usage:   # older builds (to compare) have no such limit
        args += ["--max-per-ip", "0"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    m = re.search(r"on 127\.0\.0\.1:(\d+)$", line.strip())
    if not m:
        sys.exit("serve did not start: %r" % line)
    return proc, int(m.group(1))


def session(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")
    f.readline()                       # 220
    s.sendall(b"EHLO bench.test\r\n")
    while True:
        line = f.readline()
        if not line or line[3:4] == b" ":
            break
    s.sendall(b"QUIT\r\n")
    f.readline()                       # 221
    f.close()
    s.close()


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=600)[1]
    return proc.returncode, err


def bench_sessions(mailsim, n):
    work = tempfile.mkdtemp(prefix="mailsim-rss-")
    proc, port = start(mailsim, work)
    warm = min(1000, n // 10)
    for _ in range(warm):
        session(port)
    time.sleep(0.3)
    before = rss_kb(proc.pid)
    t0 = time.monotonic()
    # Each session waits on the simulated DNS (about 20 ms of real time):
    # PARALLEL clients, each running its sessions one after another.
    per = (n - warm) // PARALLEL // STEPS
    points = []
    for _ in range(STEPS):
        threads = [threading.Thread(target=lambda: [session(port) for _ in range(per)])
                   for _ in range(PARALLEL)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        points.append(rss_kb(proc.pid))
    n = warm + per * PARALLEL * STEPS
    wall = time.monotonic() - t0
    print("sessions: RSS (KB) after each tenth: %s" % " ".join(str(p) for p in points))
    time.sleep(0.3)
    after = rss_kb(proc.pid)
    rc, _ = stop(proc)
    shutil.rmtree(work, ignore_errors=True)
    print("sessions: %d (EHLO, QUIT; %d clients each one after another): RSS %d KB after %d, %d KB after %d: "
          "%+d KB, %.1f bytes per session; %.0f sessions/s; exit %d"
          % (n, PARALLEL, before, warm, after, n, after - before, (after - before) * 1024.0 / (n - warm),
             (n - warm) / wall, rc))


def bench_messages(mailsim, n, kb):
    work = tempfile.mkdtemp(prefix="mailsim-rss-")
    # The test scenario's 20000-octet SIZE limit is too small: a copy with none.
    with open(SCENARIO) as f:
        text = f.read().replace('"size_limit": 20000', '"size_limit": 0')
    scn = os.path.join(work, "big.json")
    with open(scn, "w") as f:
        f.write(text)
    proc = subprocess.Popen([mailsim, "serve", scn, "--host", "mx1.example.net",
                             "--listen", "127.0.0.1:0", "--maildir", os.path.join(work, "maildir")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    port = int(re.search(r":(\d+)$", proc.stderr.readline().strip()).group(1))
    before = rss_kb(proc.pid)
    line = b"x" * 76 + b"\r\n"
    body = line * (kb * 1024 // len(line))
    t0 = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
        s.ehlo("bench.test")
        for k in range(n):
            msg = (b"From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: big %d\r\n"
                   b"Message-ID: <big-%d@bench>\r\n\r\n" % (k, k)) + body
            s.sendmail("alice@example.org", ["bob@example.net"], msg)
    wall = time.monotonic() - t0
    after = rss_kb(proc.pid)
    spool = os.path.join(work, "mailsim-spool")
    on_disk = sum(os.path.getsize(os.path.join(spool, f)) for f in os.listdir(spool)
                  if f.endswith(".msg"))
    rc, _ = stop(proc)
    shutil.rmtree(work, ignore_errors=True)
    print("messages: %d x %d KB accepted in %.1f s (each fsync'ed to the spool before 250): "
          "RSS %d KB before, %d KB after (%.0f MB); spool %.0f MB on disk; exit %d"
          % (n, kb, wall, before, after, after / 1024.0, on_disk / 1048576.0, rc))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    mailsim = sys.argv[1]
    args = sys.argv[2:]
    if "--messages" in args:
        n = int(args[args.index("--messages") + 1])
        kb = int(args[args.index("--size") + 1]) if "--size" in args else 100
        bench_messages(mailsim, n, kb)
    else:
        bench_sessions(mailsim, int(args[0]) if args else 100000)


if __name__ == "__main__":
    main()
