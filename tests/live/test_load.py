#!/usr/bin/python3
"""Live mode under load (a check, not a timed test): 200 concurrent SMTP
sessions, each delivering 10 messages, all open at once. Every one of the
2000 messages must be stored exactly once and the trace must account for
them; the figures (wall time, messages/s) are printed, never asserted."""
import collections
import smtplib
import threading
import time
import unittest

from livelib import Server, header, main

SESSIONS = 200
PER_SESSION = 10
USERS = ["bob@example.net", "carol@example.net", "dave@example.net"]


def session(port, k, barrier, errors):
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
            s.ehlo("load%d.test" % k)
            barrier.wait(timeout=120)   # every session is open before any sends
            for i in range(PER_SESSION):
                to = USERS[(k + i) % len(USERS)]
                msg = ("From: <alice@example.org>\r\nTo: <%s>\r\nSubject: load %d/%d\r\n"
                       "Message-ID: <load-%d-%d@test>\r\n\r\nmessage %d of session %d\r\n"
                       % (to, k, i, k, i, i, k)).encode()
                refused = s.sendmail("alice@example.org", [to], msg)
                if refused:
                    errors.append("session %d message %d refused: %r" % (k, i, refused))
    except Exception as e:  # reported by the test, not lost in a thread
        errors.append("session %d: %r" % (k, e))


class LoadTest(unittest.TestCase):

    def test_200_sessions_10_messages(self):
        errors = []
        # All from 127.0.0.1: lift the per-address limit (50, like Postfix).
        with Server("load", ["--max-per-ip", "0"]) as srv:
            barrier = threading.Barrier(SESSIONS + 1)
            threads = [threading.Thread(target=session, args=(srv.port, k, barrier, errors))
                       for k in range(SESSIONS)]
            for t in threads:
                t.start()
            barrier.wait(timeout=120)
            t0 = time.monotonic()
            for t in threads:
                t.join(timeout=300)
            wall = time.monotonic() - t0
            cpu = srv.cpu_seconds()
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(errors, [])
        seen = collections.Counter()
        for user in USERS:
            for m in srv.messages(user):
                seen[header(m, "Message-ID")] += 1
        want = {"<load-%d-%d@test>" % (k, i) for k in range(SESSIONS) for i in range(PER_SESSION)}
        self.assertEqual(set(seen), want)
        self.assertEqual(sum(seen.values()), SESSIONS * PER_SESSION, "a message stored twice")
        end = srv.trace()[-1]
        self.assertEqual((end["kind"], end["messages"], end["inbox"], end["accounted"]),
                         ("sim.end", 2000, 2000, True))
        self.assertIn("served 200 connections (at most 200 at once, 0 turned away)", srv.stderr)
        n = SESSIONS * PER_SESSION
        print("\nload: %d sessions x %d messages = %d messages in %.2f s wall: %.0f messages/s, "
              "%.0f SMTP commands/s (MAIL, RCPT, DATA, end of data)"
              % (SESSIONS, PER_SESSION, n, wall, n / wall, 4 * n / wall))
        if cpu is not None:
            print("load: server CPU %.2f s in all (start-up and %d connections included): "
                  "%.0f us per message" % (cpu, SESSIONS, cpu / n * 1e6))


if __name__ == "__main__":
    main()
