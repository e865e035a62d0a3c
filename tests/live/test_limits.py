#!/usr/bin/python3
"""Live mode bounded per client, like Postfix's anvil and smtpd deadlines:
concurrent connections per address, connection rate, failed AUTH, a
deadline per line that trickled bytes do not reset, a whole-session limit,
and the "too many connections" reply with a 253-character host name.
Each over-limit refusal is 421 and a close, and a live.limit trace event."""
import base64
import json
import os
import smtplib
import time
import unittest

from livelib import RawClient, Server, main, scenario_path, work_root

HOST = "mx1.example.net"
TOO_MANY = "421 4.7.0 %s Error: too many connections from 127.0.0.1" % HOST


def greeted(port):
    c = RawClient(port)
    line = c.reply()
    assert line and line[-1].startswith("220 "), line
    return c


def limits(srv, kind=None):
    return [e for e in srv.trace() if e["kind"] == "live.limit" and (kind is None or e["limit"] == kind)]


def plain(user, password):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()


class LimitsTest(unittest.TestCase):

    def test_connections_per_address(self):
        with Server("limits-per-ip", ["--max-per-ip", "3"]) as srv:
            held = [greeted(srv.port) for _ in range(3)]
            x = RawClient(srv.port)
            self.assertEqual(x.reply(), [TOO_MANY])
            self.assertTrue(x.at_eof())
            x.close()
            held[0].send(b"QUIT\r\n")
            self.assertEqual(held[0].reply(), ["221 Bye"])
            held[0].close()
            time.sleep(0.3)
            y = greeted(srv.port)      # a slot of this address is free again
            for c in held[1:] + [y]:
                c.close()
            self.assertEqual(srv.stop(), 0)
        ev = limits(srv, "connections")
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0]["node"], ev[0]["peer"], ev[0]["count"], ev[0]["max"]),
                         (HOST, "127.0.0.1", 4, 3))
        refusals = [e for e in srv.trace() if e["kind"] == "smtp.send" and e["line"] == TOO_MANY]
        self.assertEqual(len(refusals), 1)

    def test_connection_rate(self):
        with Server("limits-rate", ["--max-conn-rate", "4"]) as srv:
            for _ in range(4):
                c = greeted(srv.port)
                c.send(b"QUIT\r\n")
                self.assertEqual(c.reply(), ["221 Bye"])
                c.close()
            x = RawClient(srv.port)
            self.assertEqual(x.reply(), [TOO_MANY])
            self.assertTrue(x.at_eof())
            x.close()
            self.assertEqual(srv.stop(), 0)
        ev = limits(srv, "rate")
        self.assertEqual([(e["count"], e["max"]) for e in ev], [(5, 4)])

    def test_failed_auth(self):
        args = ["--port-kind", "submission", "--max-auth-failures", "3", "--allow-plain-auth"]
        with Server("limits-auth", args) as srv:
            c = greeted(srv.port)
            c.send(b"EHLO client.test\r\n")
            self.assertEqual(c.reply()[-1][:4], "250 ")
            for _ in range(2):
                c.send(("AUTH PLAIN %s\r\n" % plain("bob@example.net", "wrong")).encode())
                self.assertEqual(c.reply(), ["535 5.7.8 Error: authentication failed"])
            c.send(("AUTH PLAIN %s\r\n" % plain("bob@example.net", "wrong")).encode())
            self.assertEqual(c.reply(), ["421 4.7.0 %s Error: too many failed AUTH attempts "
                                         "from 127.0.0.1" % HOST])
            self.assertTrue(c.at_eof())
            c.close()
            # Within the time unit even the right password is not tried.
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                s.ehlo("client.test")
                with self.assertRaises(smtplib.SMTPException):
                    s.login("bob@example.net", "bob-secret")
            self.assertEqual(srv.stop(), 0)
        ev = limits(srv, "auth")
        self.assertEqual([(e["count"], e["max"]) for e in ev], [(3, 3), (3, 3)])

    def test_trickling_clients_hold_no_slot(self):
        # 120 connections from one address, each sending one byte every
        # 0.2 s and never a whole line; the per-line deadline is 4 s. The
        # deadline is long against the time it takes to open the 120
        # connections (well under a second even on a loaded machine), so no
        # held connection can time out, free its slot and let a later one in
        # before all 120 have been tried: 50 held and 70 refused, always.
        deadline = 4.0
        with Server("limits-trickle", ["--idle-timeout", str(deadline)]) as srv:
            conns, refused, t0 = [], 0, time.monotonic()
            for _ in range(120):
                c = RawClient(srv.port, timeout=30)
                first = c.reply()
                if first and first[-1].startswith("220 "):
                    conns.append(c)
                else:
                    self.assertEqual(first, [TOO_MANY])
                    refused += 1
                    c.close()
            held = len(conns)
            open_since = {id(c): time.monotonic() for c in conns}
            closed_after = []
            text = b"EHLO trickle.example" * 10
            k = 0
            while conns and time.monotonic() - t0 < 30:
                for c in list(conns):
                    try:
                        c.send(text[k % len(text):k % len(text) + 1])
                    except OSError:
                        pass
                    c.sock.setblocking(False)
                    try:
                        data = c.sock.recv(4096)
                    except BlockingIOError:
                        data = None
                    except OSError:
                        data = b""
                    c.sock.setblocking(True)
                    if data is not None:
                        # the server's timeout reply, then the close
                        if data:   # no EHLO yet: no enhanced code [RFC 2034]
                            self.assertEqual(data, b"421 " + HOST.encode() +
                                             b" Error: timeout exceeded\r\n")
                        closed_after.append(time.monotonic() - open_since[id(c)])
                        conns.remove(c)
                        c.close()
                k += 1
                time.sleep(0.2)
            self.assertEqual(conns, [], "a trickling client still holds a slot after 30 s")
            # The slots are free: a well-behaved client gets through.
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                self.assertEqual(s.ehlo("fine.test")[0], 250)
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(held, 50, "the per-address limit (default 50)")
        self.assertEqual(refused, 70)
        self.assertLess(max(closed_after), deadline + 5)
        print("\ntrickle: 120 trickling connections from 127.0.0.1: %d slots held (of 1024), "
              "%d refused with 421 4.7.0; each slot freed after %.1f-%.1f s (line deadline %.1f s)"
              % (held, refused, min(closed_after), max(closed_after), deadline))

    def test_session_limit(self):
        with Server("limits-session", ["--session-limit", "1.5"]) as srv:
            c = greeted(srv.port)
            c.send(b"EHLO client.test\r\n")
            self.assertEqual(c.reply()[-1][:4], "250 ")
            t0 = time.monotonic()
            got = None
            while time.monotonic() - t0 < 20:
                c.send(b"NOOP\r\n")
                r = c.reply()
                if r != ["250 2.0.0 Ok"]:
                    got = r
                    break
                time.sleep(0.2)
            waited = time.monotonic() - t0
            self.assertEqual(got, ["421 4.4.2 %s Error: timeout exceeded" % HOST])
            self.assertTrue(c.at_eof())
            c.close()
            self.assertEqual(srv.stop(), 0)
        self.assertGreaterEqual(waited, 1.2)
        ev = limits(srv, "session")
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["max"], 1)

    def test_too_many_with_a_long_host_name(self):
        # 253 characters, the longest DNS name the loader accepts: the reply
        # is 301 characters, more than the old fixed buffer held.
        name = ".".join(["a" * 60] * 3 + ["a" * 58]) + ".example.net"
        with open(scenario_path()) as f:
            text = f.read().replace(HOST, name)
        path = os.path.join(work_root(), "long-name.json")
        with open(path, "w") as f:
            f.write(text)
        json.loads(text)
        with Server("limits-long-name", ["--max-clients", "1"], host=name, scenario=path) as srv:
            a = greeted(srv.port)
            x = RawClient(srv.port)
            want = "421 %s Service not available, too many connections" % name
            self.assertEqual(x.reply(), [want])
            self.assertTrue(x.at_eof())
            x.close()
            a.close()
            self.assertEqual(srv.stop(), 0)
        self.assertIn(want, [e.get("line") for e in srv.trace()])


if __name__ == "__main__":
    main()
