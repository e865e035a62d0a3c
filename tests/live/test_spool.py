#!/usr/bin/python3
"""Live mode never loses a message it answered 250 to (RFC 5321 §6.1).

- SIGKILL after N accepted messages: every one is in the spool, and the
  next start delivers each exactly once (checked with Python's mailbox
  module on the Maildir it leaves).
- A crash between writing the Maildir and clearing the spool (simulated by
  putting the spool files back) does not make a second copy.
- A spool that cannot be written: 451 4.3.0, never 250.
- A recipient still deferred at shutdown stays in the spool, alone."""
import collections
import json
import mailbox
import os
import shutil
import smtplib
import time
import unittest

from livelib import Server, header, main, scenario_path, work_root

ALICE = "alice@example.org"
USERS = ["bob@example.net", "carol@example.net", "dave@example.net"]
N = 25


def message(k, to):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: spool %d\r\nMessage-ID: <spool-%d@test>\r\n\r\n"
            "message %d\r\n" % (ALICE, to, k, k, k)).encode()


def send_all(port, n=N):
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
        s.ehlo("spool.test")
        for k in range(n):
            # two recipients for every fifth message: one file, two copies
            to = [USERS[k % 3]] + ([USERS[(k + 1) % 3]] if k % 5 == 0 else [])
            refused = s.sendmail(ALICE, to, message(k, to[0]))
            assert refused == {}, refused


def expected(n=N):
    want = collections.Counter()
    for k in range(n):
        want[(USERS[k % 3], "<spool-%d@test>" % k)] += 1
        if k % 5 == 0:
            want[(USERS[(k + 1) % 3], "<spool-%d@test>" % k)] += 1
    return want


def stored(srv):
    """(user, Message-ID) -> copies, read with Python's mailbox.Maildir."""
    got = collections.Counter()
    for user in USERS:
        path = os.path.join(srv.maildir, user)
        if not os.path.isdir(path):
            continue
        for msg in mailbox.Maildir(path, create=False):
            got[(user, msg["Message-ID"])] += 1
    return got


class SpoolTest(unittest.TestCase):

    def test_sigkill_then_restart_delivers_each_once(self):
        srv = Server("spool-kill")
        srv.start()
        send_all(srv.port)
        srv.kill()
        # Every message answered 250 is a file, whole.
        self.assertEqual(len(srv.spooled()), N)
        self.assertFalse(os.path.isdir(srv.maildir) and os.listdir(srv.maildir),
                         "nothing was exported: the process died")
        srv.restart()
        self.assertIn("recovered %d messages from the spool" % N, srv.stderr)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(stored(srv), expected())
        self.assertEqual(srv.spooled(), [], "delivered messages leave the spool")
        ev = srv.trace()
        self.assertEqual(len([e for e in ev if e["kind"] == "spool.recover"]), N)
        end = ev[-1]
        self.assertEqual((end["kind"], end["messages"], end["accounted"]), ("sim.end", N, True))
        print("\nspool: %d messages accepted, server SIGKILLed, %d recovered, %d copies stored "
              "(each exactly once)" % (N, N, sum(stored(srv).values())))

    def test_crash_after_export_makes_no_duplicate(self):
        srv = Server("spool-window")
        srv.start()
        send_all(srv.port, 10)
        srv.kill()
        saved = os.path.join(srv.dir, "saved-spool")
        shutil.copytree(srv.spool, saved)
        srv.restart()
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.spooled(), [])
        # As if the process died after writing the Maildir, before the unlink.
        for name in os.listdir(saved):
            if name.endswith(".msg"):
                shutil.copy(os.path.join(saved, name), srv.spool)
        srv.restart()
        self.assertIn("recovered 10 messages", srv.stderr)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(stored(srv), expected(10))

    def test_unwritable_spool_answers_451(self):
        srv = Server("spool-broken")
        srv.start()
        tmp = os.path.join(srv.spool, "tmp")
        shutil.rmtree(tmp)
        with open(tmp, "w") as f:  # a file where the directory was: open() fails, even as root
            f.write("not a directory\n")
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
            s.ehlo("spool.test")
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                s.sendmail(ALICE, [USERS[0]], message(1, USERS[0]))
            self.assertEqual(cm.exception.smtp_code, 451)
            self.assertIn(b"4.3.0", cm.exception.smtp_error)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(stored(srv), collections.Counter())

    def test_deferred_recipient_stays_spooled(self):
        # Relay through submission to nowhere.example, whose MX address no
        # host answers (a 30 s connect timeout): the recipient is still
        # waiting when the server stops.
        with open(scenario_path()) as f:
            scn = json.load(f)
        for h in scn["hosts"]:
            if h["role"] == "dns":
                h["zones"].append({"origin": "nowhere.example", "ttl": 3600, "records": [
                    {"name": "@", "type": "MX", "data": "10 mx.nowhere.example."},
                    {"name": "mx", "type": "A", "data": "192.0.2.99"}]})
        path = os.path.join(work_root(), "nowhere.json")
        with open(path, "w") as f:
            json.dump(scn, f)
        srv = Server("spool-deferred", extra_args=["--port-kind", "submission", "--allow-plain-auth"],
                     scenario=path)
        srv.start()
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
            s.ehlo("spool.test")
            s.login("bob@example.net", "bob-secret")
            s.sendmail("bob@example.net", ["carol@example.net", "nobody@nowhere.example"],
                       message(7, "carol@example.net"))
        self.assertEqual(srv.stop(), 0)
        left = srv.spooled()
        self.assertEqual(len(left), 1, "the deferred recipient keeps its message on disk")
        with open(os.path.join(srv.spool, left[0]), "rb") as f:
            head = f.read().split(b"\n\n", 1)[0].decode()
        self.assertIn("rcpt nobody@nowhere.example", head)
        self.assertNotIn("rcpt carol@example.net", head)
        self.assertEqual(stored(srv)[("carol@example.net", "<spool-7@test>")], 1)


    def test_sigterm_with_a_scenario_message_in_flight(self):
        # inflight.json: the scenario's own message is still in its client's
        # hands (a slow link) when the server stops: it is "still queued",
        # every recipient is accounted for, and the exit status is 0.
        scn = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inflight.json")
        srv = Server("spool-inflight", scenario=scn)
        srv.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:   # wait until the client has begun
            time.sleep(0.2)
            if os.path.exists(srv.trace_path) and b"net.connect" in open(srv.trace_path, "rb").read():
                break
        self.assertEqual(srv.stop(), 0)
        end = srv.trace()[-1]
        self.assertEqual((end["kind"], end["messages"], end["queued"], end["accounted"]),
                         ("sim.end", 1, 1, True))
        self.assertIn("1  still queued", srv.stderr)


if __name__ == "__main__":
    main()
