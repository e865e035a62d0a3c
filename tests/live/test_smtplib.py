#!/usr/bin/python3
"""Live mode with Python's smtplib as the client: a normal send, several
recipients with one unknown, dot lines, the SIZE limit (declared and
undeclared), and the submission port with AUTH."""
import smtplib
import unittest

from livelib import Server, body, header, main

ALICE, BOB, CAROL = "alice@example.org", "bob@example.net", "carol@example.net"


def message(msgid, subject, text="Hello from a live client.\r\n"):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\n%s"
            % (ALICE, BOB, subject, msgid, text)).encode()


def with_id(msgs, msgid):
    return [m for m in msgs if header(m, "Message-ID") == msgid]


class SmtplibTest(unittest.TestCase):

    def test_normal_send(self):
        with Server("smtplib-normal") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                code, _ = s.ehlo("client.test")
                self.assertEqual(code, 250)
                self.assertIn("pipelining", s.esmtp_features)
                self.assertIn("starttls", s.esmtp_features)  # real TLS live (test_tls.py)
                refused = s.sendmail(ALICE, [BOB], message("<normal@test>", "Normal"))
                self.assertEqual(refused, {})
            self.assertEqual(srv.stop(), 0)
        got = with_id(srv.messages(BOB), "<normal@test>")
        self.assertEqual(len(got), 1, "want the message stored exactly once")
        msg = got[0]
        self.assertTrue(msg.startswith(b"Return-Path: <alice@example.org>\r\nReceived: from client.test "),
                        "got %r" % msg[:120])
        received = header(msg, "Received")
        self.assertIn("(unknown [127.0.0.1])", received)
        self.assertIn("by mx1.example.net (mailsim) with ESMTP", received)
        self.assertIn("for <bob@example.net>", received)
        self.assertEqual(body(msg), b"Hello from a live client.\r\n")
        # The dialog is in the trace, both directions, on one connection.
        ev = srv.trace()
        c2s = [e for e in ev if e["kind"] == "smtp.send" and e["dir"] == "c2s"]
        s2c = [e for e in ev if e["kind"] == "smtp.send" and e["dir"] == "s2c"]
        self.assertEqual(c2s[0]["node"], "live-1.client")
        self.assertEqual(c2s[0]["peer"], "mx1.example.net")
        self.assertEqual(c2s[0]["line"], "ehlo client.test")
        self.assertIn("rcpt TO:<bob@example.net>", [e["line"] for e in c2s])
        self.assertEqual(s2c[0]["line"], "220 mx1.example.net ESMTP mailsim")
        self.assertEqual({e["conn"] for e in c2s + s2c}, {c2s[0]["conn"]})
        data = [e for e in ev if e["kind"] == "smtp.data"]
        self.assertEqual(len(data), 1)
        self.assertEqual(data[0]["summary"], "Subject: Normal")
        self.assertEqual(ev[-1]["kind"], "sim.end")
        self.assertEqual((ev[-1]["messages"], ev[-1]["inbox"], ev[-1]["accounted"]),
                         (1, 1, True))
        self.assertIn("1 message to 1 recipient accepted live", srv.stderr)

    def test_one_unknown_recipient(self):
        with Server("smtplib-rcpts") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                refused = s.sendmail(ALICE, [BOB, "nobody@example.net", CAROL],
                                     message("<rcpts@test>", "Three"))
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(list(refused), ["nobody@example.net"])
        code, text = refused["nobody@example.net"]
        self.assertEqual(code, 550)
        self.assertEqual(text, b"5.1.1 <nobody@example.net>: Recipient address rejected: "
                               b"User unknown in local recipient table")
        for user in (BOB, CAROL):
            got = with_id(srv.messages(user), "<rcpts@test>")
            self.assertEqual(len(got), 1, "%s: got %d copies, want 1" % (user, len(got)))
        others = {u: m for u, m in srv.all_messages().items() if u not in (BOB, CAROL)}
        self.assertEqual(others, {ALICE: [], "dave@example.net": []})

    def test_dot_lines(self):
        text = (b"first\r\n.\r\n..\r\n.leading\r\n...three\r\n"
                b"a line . with dots .\r\n.\r\nlast\r\n")
        raw = (b"From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: Dots\r\n"
               b"Message-ID: <dots@test>\r\n\r\n" + text)
        with Server("smtplib-dots") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                self.assertEqual(s.sendmail(ALICE, [BOB], raw), {})
            self.assertEqual(srv.stop(), 0)
        got = with_id(srv.messages(BOB), "<dots@test>")
        self.assertEqual(len(got), 1)
        self.assertEqual(body(got[0]), text)   # dot-unstuffed, byte for byte
        data = [e for e in srv.trace() if e["kind"] == "smtp.data"][0]
        self.assertEqual(data["lines"], 13)    # 4 header lines, the blank one, 8 text lines

    def test_size_declared(self):
        big = message("<big-declared@test>", "Big") + (b"y" * 78 + b"\r\n") * 300  # 24 KB > 20000
        with Server("smtplib-size-declared") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                with self.assertRaises(smtplib.SMTPSenderRefused) as cm:
                    s.sendmail(ALICE, [BOB], big)
                self.assertEqual(cm.exception.smtp_code, 552)
                self.assertEqual(cm.exception.smtp_error, b"5.3.4 Message size exceeds fixed limit")
                # The session goes on: a small message still gets through.
                self.assertEqual(s.sendmail(ALICE, [BOB], message("<small1@test>", "Small")), {})
            self.assertEqual(srv.stop(), 0)
        msgs = srv.messages(BOB)
        self.assertEqual([header(m, "Message-ID") for m in msgs], ["<small1@test>"])
        mail = [e["line"] for e in srv.trace() if e["kind"] == "smtp.send" and e["dir"] == "c2s"
                and e["line"].lower().startswith("mail")]
        self.assertRegex(mail[0], r"(?i)^mail FROM:<alice@example.org> size=2\d{4}$")

    def test_size_undeclared(self):
        big = message("<big-quiet@test>", "Big") + (b"z" * 78 + b"\r\n") * 300
        with Server("smtplib-size-undeclared") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                s.ehlo("client.test")
                self.assertEqual(s.mail(ALICE)[0], 250)   # no SIZE= given
                self.assertEqual(s.rcpt(BOB)[0], 250)
                # smtplib's data() returns the reply to the final dot.
                self.assertEqual(s.data(big), (552, b"5.3.4 Message size exceeds fixed limit"))
                self.assertEqual(s.noop()[0], 250)
                self.assertEqual(s.sendmail(ALICE, [BOB], message("<small2@test>", "Small")), {})
            self.assertEqual(srv.stop(), 0)
        self.assertEqual([header(m, "Message-ID") for m in srv.messages(BOB)], ["<small2@test>"])
        ev = srv.trace()
        self.assertEqual(ev[-1]["messages"], 1)

    def test_submission_auth_and_relay(self):
        # Plain AUTH on loopback, as --allow-plain-auth allows (test_tls.py
        # has the default: AUTH only after STARTTLS).
        with Server("smtplib-submission", ["--port-kind", "submission",
                                           "--allow-plain-auth"]) as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                s.ehlo("laptop.test")
                self.assertIn("auth", s.esmtp_features)
                code, text = s.docmd("MAIL", "FROM:<carol@example.net>")
                self.assertEqual((code, text), (530, b"5.7.0 Authentication required"))
                with self.assertRaises(smtplib.SMTPAuthenticationError):
                    s.login("carol@example.net", "wrong")
                s.login("carol@example.net", "carol-secret")
                msg = message("<sub@test>", "Submitted").replace(b"alice@example.org",
                                                               b"carol@example.net")
                self.assertEqual(s.sendmail(CAROL, [BOB], msg), {})
            self.assertEqual(srv.stop(), 0)
        got = with_id(srv.messages(BOB), "<sub@test>")
        self.assertEqual(len(got), 1)
        self.assertIn("with ESMTPA", header(got[0], "Received"))


if __name__ == "__main__":
    main()
