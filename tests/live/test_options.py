#!/usr/bin/python3
"""`mailsim serve` options: what it refuses to do (a non-loopback address
without --allow-remote, a host that is not an MTA or lacks the service, bad
values) and that SIGINT shuts it down as cleanly as SIGTERM."""
import signal
import smtplib
import subprocess
import time
import unittest

from livelib import Server, header, main, mailsim_path, scenario_path


def serve(*args):
    return subprocess.run([mailsim_path(), "serve", scenario_path()] + list(args),
                          capture_output=True, text=True, timeout=60)


class OptionsTest(unittest.TestCase):

    def test_refusals(self):
        cases = [
            (["--host", "mx1.example.net", "--listen", "0.0.0.0:0"],
             "mailsim: serve: refusing to listen on 0.0.0.0:0: not a loopback address "
             "(add --allow-remote to accept connections from other machines)"),
            (["--host", "ns.example"], "mailsim: serve: ns.example is a dns host, not an MTA"),
            (["--host", "nowhere.example"], "mailsim: serve: no host named 'nowhere.example' in"),
            (["--host", "mail.example.org", "--port-kind", "imap"],
             "mailsim: serve: --port-kind is smtp, submission or submissions, not 'imap'"),
            (["--host", "mail.example.org", "--imap", "0"],
             "mailsim: serve: mail.example.org does not offer imap (see its \"services\")"),
            (["--host", "mail.example.org", "--pop3s", "0"],
             "mailsim: serve: mail.example.org does not offer pop3 (see its \"services\")"),
            (["--host", "mx1.example.net", "--imaps", "localhost"],
             "mailsim: serve: --imaps needs [HOST:]PORT or [IPV6]:PORT, not 'localhost'"),
            (["--host", "mx1.example.net", "--tls-cert", "/nonexistent.pem"],
             "mailsim: serve: give --tls-cert and --tls-key together"),
            (["--host", "mx1.example.net", "--allow-remote", "--listen", "0.0.0.0:0",
              "--allow-plain-auth"],
             "mailsim: serve: --allow-plain-auth needs loopback listeners only, not 0.0.0.0:"),
            (["--listen", "127.0.0.1"], "--host NAME is required"),
            (["--host", "mx1.example.net", "--listen", "127.0.0.1"],
             "mailsim: serve: --listen needs [HOST:]PORT or [IPV6]:PORT, not '127.0.0.1'"),
            (["--host", "mx1.example.net", "--timeout-scale", "0"],
             "mailsim: serve: --timeout-scale needs a factor between 0.0001 and 100, not '0'"),
            (["--host", "mx1.example.net", "--idle-timeout", "3", "--timeout-scale", "0.1"],
             "give --idle-timeout or --timeout-scale, not both"),
            (["--host", "mx1.example.net", "--bogus"], "mailsim: serve: unknown option '--bogus'"),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                p = serve(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(want, p.stderr)

    def test_sigint_and_idle_timeout_option(self):
        with Server("options-sigint", ["--idle-timeout", "120"]) as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                s.sendmail("alice@example.org", ["dave@example.net"],
                           b"Subject: x\r\nMessage-ID: <int@test>\r\n\r\nbye\r\n")
            self.assertEqual(srv.stop(signal.SIGINT), 0)
        self.assertIn("mailsim: SIGINT: shutting down", srv.stderr)
        self.assertEqual(len(srv.messages("dave@example.net")), 1)
        self.assertEqual(srv.trace()[-1]["kind"], "sim.end")

    def test_scenario_traffic(self):
        """The built-in story runs on the wall clock beside live clients:
        Alice's message (sent at t = 1 s) reaches bob within a few seconds."""
        live = b"Subject: live\r\nMessage-ID: <beside@test>\r\n\r\nhi\r\n"
        results = {}
        for flag in ([], ["--no-scenario-traffic"]):
            with Server("options-traffic%d" % len(flag), flag, scenario="@default") as srv:
                with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                    s.sendmail("carol@example.org", ["bob@example.net"], live)
                time.sleep(3.5)
                self.assertEqual(srv.stop(), 0)
            results[bool(flag)] = ([header(m, "Subject") for m in srv.messages("bob@example.net")],
                                   srv.trace()[-1])
        subjects, end = results[False]
        self.assertEqual(sorted(subjects), ["Lunch on Friday?", "live"])
        self.assertEqual((end["messages"], end["inbox"], end["accounted"]), (2, 2, True))
        subjects, end = results[True]
        self.assertEqual(subjects, ["live"])
        self.assertEqual((end["messages"], end["inbox"], end["accounted"]), (1, 1, True))


if __name__ == "__main__":
    main()
