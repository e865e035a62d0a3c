#!/usr/bin/python3
"""Live mode survives garbage: binary bytes, an endless line, a flood of
bad commands, a flood of good ones nobody reads, a client that vanishes
mid-DATA, one that goes idle, more clients than allowed. Each gets the
proper reply or a closed connection, and other clients are still served."""
import smtplib
import socket
import struct
import threading
import time
import unittest

from livelib import RawClient, Server, header, main

GREETING = "220 mx1.example.net ESMTP mailsim"


def greeted(port, helo=True):
    c = RawClient(port)
    assert c.reply() == [GREETING]
    if helo:
        c.send(b"EHLO garbage.test\r\n")
        assert c.reply()[-1] == "250 8BITMIME"
    return c


def send_one(port, msgid, to="bob@example.net"):
    msg = ("Subject: ok\r\nMessage-ID: %s\r\n\r\nfine\r\n" % msgid).encode()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        return s.sendmail("alice@example.org", [to], msg)


class GarbageTest(unittest.TestCase):

    def test_binary_and_endless_line(self):
        with Server("garbage-binary") as srv:
            c = greeted(srv.port)
            c.send(b"\xff\xfe\x01\x80\x9b[31m garbage\r\n")
            self.assertEqual(c.reply(), ["500 5.5.2 Error: command not recognized"])
            c.send(b"NOOP\x00\x00 \xc3\x28\r\n")   # a NUL inside a command line
            self.assertEqual(c.reply(), ["500 5.5.2 Error: bad syntax"])
            # 100 KB without a line end, sent in pieces, then the end of it.
            for _ in range(10):
                c.send(b"A" * 10000)
                time.sleep(0.01)
            c.send(b"\r\nNOOP\r\n")
            self.assertEqual(c.reply(), ["500 5.5.2 Error: line too long"])
            self.assertEqual(c.reply(), ["250 2.0.0 Ok"])
            c.send(b"QUIT\r\n")
            self.assertEqual(c.reply(), ["221 2.0.0 Bye"])
            c.close()
            self.assertEqual(srv.stop(), 0)
        ev = srv.trace()
        c2s = [e["line"] for e in ev if e["kind"] == "smtp.send" and e["dir"] == "c2s"]
        self.assertEqual(c2s[1:3], ["\ufffd\ufffd\x01\ufffd\ufffd[31m garbage",
                                    "NOOP\u2400\u2400 \ufffd("])
        long_lines = [e for e in ev if e["kind"] == "smtp.send" and "octets" in e]
        self.assertEqual(len(long_lines), 1)
        self.assertEqual(long_lines[0]["octets"], 100000)
        self.assertEqual(long_lines[0]["line"], "A" * 512)

    def test_too_many_errors(self):
        with Server("garbage-errors") as srv:
            c = greeted(srv.port)
            c.send(b"BOGUS\r\n" * 30)
            lines = []
            while True:
                line = c.line()
                if line is None:
                    break
                lines.append(line)
            c.close()
            # Postfix smtpd_hard_error_limit 20: the 20th error ends the session.
            self.assertEqual(lines, ["500 5.5.2 Error: command not recognized"] * 20 +
                             ["421 4.7.0 mx1.example.net Error: too many errors"])
            self.assertEqual(send_one(srv.port, "<after-errors@test>"), {})
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(len(srv.messages("bob@example.net")), 1)

    def test_unread_flood(self):
        """A client pipelines 30000 NOOPs and reads nothing for a while;
        meanwhile another client is served. Then the flooder gets every
        reply in order, or the server has dropped it (its replies piled up
        beyond the output cap): either is proper."""
        n = 30000
        with Server("garbage-flood") as srv:
            c = greeted(srv.port)
            writer = threading.Thread(target=lambda: c.send(b"NOOP\r\n" * n), daemon=True)
            writer.start()
            time.sleep(0.2)
            self.assertEqual(send_one(srv.port, "<during-flood@test>"), {})
            got = 0
            try:
                while got < n:
                    line = c.line()
                    if line is None:
                        break
                    self.assertEqual(line, "250 2.0.0 Ok")
                    got += 1
            except ConnectionResetError:
                pass
            writer.join(timeout=30)
            self.assertTrue(got == n or c.at_eof(), "got %d of %d replies and no close" % (got, n))
            c.close()
            self.assertEqual(srv.stop(), 0)
        self.assertEqual([header(m, "Message-ID") for m in srv.messages("bob@example.net")],
                         ["<during-flood@test>"])

    def test_vanish_mid_data(self):
        with Server("garbage-vanish") as srv:
            other = greeted(srv.port)          # opened before, used after
            c = greeted(srv.port)
            c.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n")
            self.assertEqual([c.code() for _ in range(3)], [250, 250, 354])
            c.send(b"Subject: cut\r\nMessage-ID: <vanished@test>\r\n\r\nhalf a mess")
            # Abortive close (RST), like a client that crashed.
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
            # A second one closes politely mid-DATA, right after a lone ".\n"
            # (bare LF: not the end of the data).
            d = greeted(srv.port)
            d.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n")
            self.assertEqual([d.code() for _ in range(3)], [250, 250, 354])
            d.send(b"Message-ID: <vanished2@test>\r\n\r\ntext\r\n.\n")
            d.close()
            time.sleep(0.2)
            other.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n")
            self.assertEqual([other.code() for _ in range(3)], [250, 250, 354])
            other.send(b"Message-ID: <survivor@test>\r\n\r\nstill here\r\n.\r\nQUIT\r\n")
            self.assertEqual([other.code() for _ in range(2)], [250, 221])
            other.close()
            self.assertEqual(srv.stop(), 0)
        self.assertEqual([header(m, "Message-ID") for m in srv.messages("bob@example.net")],
                         ["<survivor@test>"])
        ev = srv.trace()
        self.assertEqual(sum(1 for e in ev if e["kind"] == "net.close"
                             and e["node"] == "live-1.client"), 2)
        self.assertEqual((ev[-1]["messages"], ev[-1]["inbox"], ev[-1]["accounted"]),
                         (1, 1, True))

    def test_idle_timeout(self):
        # --timeout-scale 0.01: the RFC's 5 minutes become 3 s.
        with Server("garbage-idle", ["--timeout-scale", "0.01"]) as srv:
            c = greeted(srv.port)
            c.send(b"MAIL FROM:<alice@example.org>\r\n")
            self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
            t0 = time.monotonic()
            self.assertEqual(c.reply(), ["421 4.4.2 mx1.example.net Error: timeout exceeded"])
            waited = time.monotonic() - t0
            self.assertTrue(c.at_eof())
            c.close()
            self.assertEqual(srv.stop(), 0)
        self.assertGreaterEqual(waited, 2.5, "timed out after %.2f s, want about 3" % waited)
        self.assertLess(waited, 20)

    def test_max_clients(self):
        with Server("garbage-max", ["--max-clients", "2"]) as srv:
            a, b = greeted(srv.port), greeted(srv.port, helo=False)
            x = RawClient(srv.port)
            self.assertEqual(x.reply(), ["421 mx1.example.net Service not available, "
                                         "too many connections"])
            self.assertTrue(x.at_eof())
            x.close()
            b.send(b"QUIT\r\n")
            self.assertEqual(b.reply(), ["221 Bye"])   # no EHLO: no enhanced code
            b.close()
            time.sleep(0.2)
            self.assertEqual(send_one(srv.port, "<third@test>"), {})
            a.close()
            self.assertEqual(srv.stop(), 0)
        self.assertIn("1 turned away", srv.stderr)
        self.assertEqual(len(srv.messages("bob@example.net")), 1)


if __name__ == "__main__":
    main()
