#!/usr/bin/python3
"""Live mode tells the truth about what it accepted: mail from the null
sender <> is stored and counted (RFC 5321 §4.5.5 bounces reach real
servers too), postmaster is always accepted (§4.5.1), and the same
recipient twice in one transaction is stored once (Postfix's duplicate
filter), all with a clean exit and a summary that adds up."""
import smtplib
import unittest

from livelib import Server, header, main

ALICE, BOB = "alice@example.org", "bob@example.net"


def message(msgid, subject, sender="<%s>" % ALICE):
    return ("From: %s\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\nHello.\r\n"
            % (sender, BOB, subject, msgid)).encode()


def with_id(msgs, msgid):
    return [m for m in msgs if header(m, "Message-ID") == msgid]


class TruthTest(unittest.TestCase):

    def end_event(self, srv):
        ev = srv.trace()
        self.assertEqual(ev[-1]["kind"], "sim.end")
        return ev[-1]

    def test_null_sender_is_stored_and_counted(self):
        with Server("truth-null-sender") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                refused = s.sendmail("<>", [BOB], message("<bounce@test>", "A bounce",
                                                          "MAILER-DAEMON@client.test"))
                self.assertEqual(refused, {})
            self.assertEqual(srv.stop(), 0, srv.stderr)
        got = with_id(srv.messages(BOB), "<bounce@test>")
        self.assertEqual(len(got), 1)
        self.assertTrue(got[0].startswith(b"Return-Path: <>"), got[0][:60])
        end = self.end_event(srv)
        self.assertEqual((end["messages"], end["recipients"], end["inbox"], end["accounted"]),
                         (1, 1, 1, True))
        self.assertNotIn("NOT ALL ACCOUNTED", srv.stderr)

    def test_postmaster_always_accepted(self):
        with Server("truth-postmaster") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                # Bare <postmaster>, and at the domain in another case, in
                # a transaction where another recipient is refused.
                refused = s.sendmail(ALICE, ["postmaster", "nobody@example.net"],
                                     message("<pm1@test>", "Bare postmaster"))
                self.assertEqual(list(refused), ["nobody@example.net"])
                refused = s.sendmail(ALICE, ["PostMaster@Example.NET"],
                                     message("<pm2@test>", "Domain postmaster"))
                self.assertEqual(refused, {})
            self.assertEqual(srv.stop(), 0, srv.stderr)
        # No postmaster user and no alias: the domain's first user reads it.
        for mid in ("<pm1@test>", "<pm2@test>"):
            self.assertEqual(len(with_id(srv.messages(BOB), mid)), 1, mid)
        decisions = [e for e in srv.trace() if e["kind"] == "policy.decision"
                     and "always accepted" in e["reason"]]
        self.assertEqual(len(decisions), 2)
        end = self.end_event(srv)
        self.assertEqual((end["messages"], end["recipients"], end["inbox"], end["accounted"]),
                         (2, 2, 2, True))

    def test_duplicate_recipient_stored_once(self):
        with Server("truth-duplicates") as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                refused = s.sendmail(ALICE, [BOB, "bob@EXAMPLE.net", BOB],
                                     message("<dup@test>", "Three times Bob"))
                self.assertEqual(refused, {})
            self.assertEqual(srv.stop(), 0, srv.stderr)
        self.assertEqual(len(with_id(srv.messages(BOB), "<dup@test>")), 1)
        enter = [e for e in srv.trace() if e["kind"] == "queue.enter"]
        self.assertEqual([e["rcpts"] for e in enter], [[BOB]])
        end = self.end_event(srv)
        self.assertEqual((end["messages"], end["recipients"], end["inbox"], end["accounted"]),
                         (1, 1, 1, True))


if __name__ == "__main__":
    main()
