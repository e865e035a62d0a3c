#!/usr/bin/python3
"""Live mode, PIPELINING (RFC 2920): a raw client sends MAIL/RCPT/RCPT/DATA
in one write and reads the replies in order; then several whole
transactions in one write (swaks --pipeline is in test_swaks.py). Every
line either side said must be in the trace, in order."""
import unittest

from livelib import RawClient, Server, header, main


def wire_lines(ev, conn, direction):
    return [e["line"] for e in ev
            if e["kind"] == "smtp.send" and e.get("conn") == conn and e["dir"] == direction]


class PipeliningTest(unittest.TestCase):

    def test_raw_pipelined_batch(self):
        with Server("pipe-raw") as srv:
            c = RawClient(srv.port)
            self.assertEqual(c.reply(), ["220 mx1.example.net ESMTP mailsim"])
            c.send(b"EHLO pipe.test\r\n")
            self.assertIn("250-PIPELINING", c.reply())
            c.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n"
                   b"RCPT TO:<ghost@example.net>\r\nDATA\r\n")
            self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
            self.assertEqual(c.reply(), ["250 2.1.5 Ok"])
            self.assertEqual(c.reply(), ["550 5.1.1 <ghost@example.net>: Recipient address "
                                         "rejected: User unknown in local recipient table"])
            self.assertEqual(c.reply(), ["354 End data with <CR><LF>.<CR><LF>"])
            c.send(b"Subject: piped\r\nMessage-ID: <pipe1@test>\r\n\r\nbody\r\n.\r\n")
            self.assertRegex(c.reply()[0], r"^250 2\.0\.0 Ok: queued as \w+$")
            # After the dot, the next transaction and QUIT may follow in the
            # same write; the text after DATA waits for the 354.
            c.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n"
                   b"Subject: piped too\r\nMessage-ID: <pipe2@test>\r\n\r\nDATA\r\nRSET\r\n.\r\n"
                   b"NOOP\r\nQUIT\r\n")
            codes = [c.code() for _ in range(6)]
            self.assertEqual(codes, [250, 250, 354, 250, 250, 221])
            self.assertTrue(c.at_eof())
            c.close()
            self.assertEqual(srv.stop(), 0)
        self.assertEqual([header(m, "Message-ID") for m in srv.messages("bob@example.net")],
                         ["<pipe1@test>"])
        carol = srv.messages("carol@example.net")
        self.assertEqual(len(carol), 1)
        # "DATA" and "RSET" inside the message are text, not commands.
        self.assertTrue(carol[0].endswith(b"\r\n\r\nDATA\r\nRSET\r\n"), carol[0][-60:])
        ev = srv.trace()
        conn = [e for e in ev if e["kind"] == "net.accept"][0]["conn"]
        self.assertEqual(wire_lines(ev, conn, "c2s"),
                         ["EHLO pipe.test", "MAIL FROM:<alice@example.org>",
                          "RCPT TO:<bob@example.net>", "RCPT TO:<ghost@example.net>", "DATA",
                          "MAIL FROM:<alice@example.org>", "RCPT TO:<carol@example.net>", "DATA",
                          "NOOP", "QUIT"])
        self.assertEqual(wire_lines(ev, conn, "s2c"), c.received)
        data = [e for e in ev if e["kind"] == "smtp.data"]
        self.assertEqual([(d["bytes"], d["lines"], d["summary"]) for d in data],
                         [(53, 4, "Subject: piped"), (63, 5, "Subject: piped too")])
        self.assertEqual((ev[-1]["messages"], ev[-1]["recipients"], ev[-1]["accounted"]),
                         (2, 2, True))

    def test_many_transactions_one_write(self):
        batch = b"EHLO many.test\r\n"
        for i in range(50):
            batch += (b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<dave@example.net>\r\nDATA\r\n"
                      b"Message-ID: <many%d@test>\r\n\r\n.x\r\n.\r\nRSET\r\n" % i)
        batch += b"QUIT\r\n"
        with Server("pipe-many") as srv:
            c = RawClient(srv.port)
            c.reply()
            c.send(batch)
            replies = []
            while True:
                r = c.reply()
                if not r:
                    break
                replies.append(r[-1][:3])
            c.close()
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(replies, ["250"] + ["250", "250", "354", "250", "250"] * 50 + ["221"])
        ids = sorted(header(m, "Message-ID") for m in srv.messages("dave@example.net"))
        self.assertEqual(ids, sorted("<many%d@test>" % i for i in range(50)))


if __name__ == "__main__":
    main()
