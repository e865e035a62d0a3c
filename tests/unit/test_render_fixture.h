/* test_render_fixture.h — a small synthetic trace shared by the render
 * tests: submission with STARTTLS, an MX lookup, greylisting (450), a retry
 * 15 minutes later, LMTP delivery and an IMAP fetch. Written out once by a
 * throwaway script; the FIX_EV_* indices below are asserted by the tests,
 * so keep them in step with any edit. */
#ifndef MAILSIM_TEST_RENDER_FIXTURE_H
#define MAILSIM_TEST_RENDER_FIXTURE_H

#include "view.h"

static const struct view_host fixture_hosts[] = {
	{"alice-pc", "client", "192.0.2.10", false, 0, 0, NULL, 0},
	{"mta.a.example", "mta", "192.0.2.25", false, 0, 0, NULL, 0},
	{"dns", "dns", "192.0.2.53", false, 0, 0, NULL, 0},
	{"mx1.b.example", "mta", "198.51.100.25", false, 0, 0, NULL, 0},
	{"mbox.b.example", "mailbox", "198.51.100.143", false, 0, 0, NULL, 0},
	{"bob-pc", "client", "198.51.100.10", false, 0, 0, NULL, 0},
};

/* event indices the tests rely on */
#define FIX_EV_TLS_OK1 13
#define FIX_EV_MAIL1 14
#define FIX_EV_DNS_QUERY 28
#define FIX_EV_DNS_ANSWER 29
#define FIX_EV_ROUTE_MX 30
#define FIX_EV_GREYLIST 40
#define FIX_EV_DEFER 44
#define FIX_EV_RETRY 45
#define FIX_EV_IMAP_OK 81
#define FIX_NEVENTS 90

static const char fixture_trace[] =
	"{\"t\":0.000000,\"seq\":0,\"kind\":\"sim.start\",\"scenario\":\"greylist\",\"title\":\"Greylisting delays a message\",\"seed\":1,\"start\":\"2024-05-14T10:00:00Z\"}\n"
	"{\"t\":0.000000,\"seq\":1,\"kind\":\"narrate\",\"text\":\"Alice's mail client submits the message to her provider's server on port 587.\"}\n"
	"{\"t\":0.000000,\"seq\":2,\"kind\":\"msg.compose\",\"node\":\"alice-pc\",\"msg\":\"m1\",\"from\":\"alice@a.example\",\"to\":[\"bob@b.example\"],\"subject\":\"Lunch?\",\"bytes\":412}\n"
	"{\"t\":0.001000,\"seq\":3,\"kind\":\"net.connect\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"port\":587}\n"
	"{\"t\":0.002000,\"seq\":4,\"kind\":\"net.accept\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"port\":587}\n"
	"{\"t\":0.003000,\"seq\":5,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"220 mta.a.example ESMTP\"}\n"
	"{\"t\":0.004000,\"seq\":6,\"kind\":\"smtp.send\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"EHLO alice-pc.a.example\"}\n"
	"{\"t\":0.005000,\"seq\":7,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250-mta.a.example\"}\n"
	"{\"t\":0.005000,\"seq\":8,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250-STARTTLS\"}\n"
	"{\"t\":0.005000,\"seq\":9,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250 AUTH PLAIN\"}\n"
	"{\"t\":0.006000,\"seq\":10,\"kind\":\"smtp.send\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"STARTTLS\"}\n"
	"{\"t\":0.007000,\"seq\":11,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"220 2.0.0 Ready to start TLS\"}\n"
	"{\"t\":0.008000,\"seq\":12,\"kind\":\"tls.start\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1}\n"
	"{\"t\":0.010000,\"seq\":13,\"kind\":\"tls.ok\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"version\":\"TLSv1.3\"}\n"
	"{\"t\":0.011000,\"seq\":14,\"kind\":\"smtp.send\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"MAIL FROM:<alice@a.example>\"}\n"
	"{\"t\":0.012000,\"seq\":15,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250 2.1.0 Ok\"}\n"
	"{\"t\":0.013000,\"seq\":16,\"kind\":\"smtp.send\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"RCPT TO:<bob@b.example>\"}\n"
	"{\"t\":0.014000,\"seq\":17,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250 2.1.5 Ok\"}\n"
	"{\"t\":0.015000,\"seq\":18,\"kind\":\"smtp.send\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"DATA\"}\n"
	"{\"t\":0.016000,\"seq\":19,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"354 End data with <CR><LF>.<CR><LF>\"}\n"
	"{\"t\":0.017000,\"seq\":20,\"kind\":\"smtp.data\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"bytes\":412,\"lines\":9,\"summary\":\"Subject: Lunch?\"}\n"
	"{\"t\":0.018000,\"seq\":21,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250 2.0.0 Ok: queued as 4A1\"}\n"
	"{\"t\":0.018000,\"seq\":22,\"kind\":\"queue.enter\",\"node\":\"mta.a.example\",\"msg\":\"m1\",\"queue_id\":\"4A1\",\"from\":\"alice@a.example\",\"rcpts\":[\"bob@b.example\"]}\n"
	"{\"t\":0.019000,\"seq\":23,\"kind\":\"smtp.send\",\"node\":\"alice-pc\",\"peer\":\"mta.a.example\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"QUIT\"}\n"
	"{\"t\":0.020000,\"seq\":24,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"221 2.0.0 Bye\"}\n"
	"{\"t\":0.020000,\"seq\":25,\"kind\":\"net.close\",\"node\":\"mta.a.example\",\"peer\":\"alice-pc\",\"conn\":1}\n"
	"{\"t\":0.021000,\"seq\":26,\"kind\":\"narrate\",\"text\":\"To find where b.example receives mail, the server asks DNS for its MX records.\"}\n"
	"{\"t\":0.021000,\"seq\":27,\"kind\":\"queue.attempt\",\"node\":\"mta.a.example\",\"msg\":\"m1\",\"queue_id\":\"4A1\",\"attempt\":1,\"domain\":\"b.example\"}\n"
	"{\"t\":0.022000,\"seq\":28,\"kind\":\"dns.query\",\"node\":\"mta.a.example\",\"peer\":\"dns\",\"qname\":\"b.example\",\"qtype\":\"MX\",\"id\":1}\n"
	"{\"t\":0.032000,\"seq\":29,\"kind\":\"dns.answer\",\"node\":\"dns\",\"peer\":\"mta.a.example\",\"qname\":\"b.example\",\"qtype\":\"MX\",\"id\":1,\"rcode\":\"NOERROR\",\"answers\":[\"10 mx1.b.example.\"]}\n"
	"{\"t\":0.032000,\"seq\":30,\"kind\":\"route.mx\",\"node\":\"mta.a.example\",\"msg\":\"m1\",\"domain\":\"b.example\",\"mx\":[\"10 mx1.b.example.\"]}\n"
	"{\"t\":0.033000,\"seq\":31,\"kind\":\"net.connect\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":2,\"port\":25}\n"
	"{\"t\":0.043000,\"seq\":32,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":2,\"dir\":\"s2c\",\"line\":\"220 mx1.b.example ESMTP\"}\n"
	"{\"t\":0.053000,\"seq\":33,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":2,\"dir\":\"c2s\",\"line\":\"EHLO mta.a.example\"}\n"
	"{\"t\":0.063000,\"seq\":34,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":2,\"dir\":\"s2c\",\"line\":\"250 mx1.b.example\"}\n"
	"{\"t\":0.073000,\"seq\":35,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":2,\"dir\":\"c2s\",\"line\":\"MAIL FROM:<alice@a.example>\"}\n"
	"{\"t\":0.083000,\"seq\":36,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":2,\"dir\":\"s2c\",\"line\":\"250 2.1.0 Ok\"}\n"
	"{\"t\":0.093000,\"seq\":37,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":2,\"dir\":\"c2s\",\"line\":\"RCPT TO:<bob@b.example>\"}\n"
	"{\"t\":0.093000,\"seq\":38,\"kind\":\"narrate\",\"text\":\"mx1 has never seen this sender: it greylists, answering 450 (try again later).\"}\n"
	"{\"t\":0.093000,\"seq\":39,\"kind\":\"policy.decision\",\"node\":\"mx1.b.example\",\"msg\":\"m1\",\"decision\":\"greylist\",\"reason\":\"first contact from 192.0.2.25\"}\n"
	"{\"t\":0.103000,\"seq\":40,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":2,\"dir\":\"s2c\",\"line\":\"450 4.2.0 Greylisted, try again in 300 seconds\"}\n"
	"{\"t\":0.113000,\"seq\":41,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":2,\"dir\":\"c2s\",\"line\":\"QUIT\"}\n"
	"{\"t\":0.123000,\"seq\":42,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":2,\"dir\":\"s2c\",\"line\":\"221 2.0.0 Bye\"}\n"
	"{\"t\":0.123000,\"seq\":43,\"kind\":\"net.close\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":2}\n"
	"{\"t\":0.124000,\"seq\":44,\"kind\":\"queue.defer\",\"node\":\"mta.a.example\",\"msg\":\"m1\",\"rcpt\":\"bob@b.example\",\"reason\":\"450 4.2.0 Greylisted\",\"next_attempt\":900.124}\n"
	"{\"t\":900.124000,\"seq\":45,\"kind\":\"narrate\",\"text\":\"Fifteen minutes later the queue retries, and this time mx1 accepts.\"}\n"
	"{\"t\":900.124000,\"seq\":46,\"kind\":\"queue.attempt\",\"node\":\"mta.a.example\",\"msg\":\"m1\",\"queue_id\":\"4A1\",\"attempt\":2,\"domain\":\"b.example\"}\n"
	"{\"t\":900.125000,\"seq\":47,\"kind\":\"dns.cache\",\"node\":\"mta.a.example\",\"qname\":\"b.example\",\"qtype\":\"MX\",\"rcode\":\"NOERROR\",\"answers\":[\"10 mx1.b.example.\"]}\n"
	"{\"t\":900.126000,\"seq\":48,\"kind\":\"net.connect\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"port\":25}\n"
	"{\"t\":900.136000,\"seq\":49,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"220 mx1.b.example ESMTP\"}\n"
	"{\"t\":900.146000,\"seq\":50,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"EHLO mta.a.example\"}\n"
	"{\"t\":900.156000,\"seq\":51,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"250-mx1.b.example\"}\n"
	"{\"t\":900.156000,\"seq\":52,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"250 STARTTLS\"}\n"
	"{\"t\":900.166000,\"seq\":53,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"STARTTLS\"}\n"
	"{\"t\":900.176000,\"seq\":54,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"220 2.0.0 Ready to start TLS\"}\n"
	"{\"t\":900.177000,\"seq\":55,\"kind\":\"tls.start\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3}\n"
	"{\"t\":900.197000,\"seq\":56,\"kind\":\"tls.ok\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"version\":\"TLSv1.3\"}\n"
	"{\"t\":900.207000,\"seq\":57,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"MAIL FROM:<alice@a.example>\"}\n"
	"{\"t\":900.217000,\"seq\":58,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"250 2.1.0 Ok\"}\n"
	"{\"t\":900.227000,\"seq\":59,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"RCPT TO:<bob@b.example>\"}\n"
	"{\"t\":900.237000,\"seq\":60,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"250 2.1.5 Ok\"}\n"
	"{\"t\":900.247000,\"seq\":61,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"DATA\"}\n"
	"{\"t\":900.257000,\"seq\":62,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"354 End data with <CR><LF>.<CR><LF>\"}\n"
	"{\"t\":900.267000,\"seq\":63,\"kind\":\"smtp.data\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"bytes\":690,\"lines\":13,\"summary\":\"Subject: Lunch?\"}\n"
	"{\"t\":900.268000,\"seq\":64,\"kind\":\"msg.header\",\"node\":\"mx1.b.example\",\"msg\":\"m1\",\"name\":\"Received\",\"value\":\"from mta.a.example (mta.a.example [192.0.2.25]) by mx1.b.example\"}\n"
	"{\"t\":900.277000,\"seq\":65,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"250 2.0.0 Ok: queued as 9F2\"}\n"
	"{\"t\":900.277000,\"seq\":66,\"kind\":\"queue.done\",\"node\":\"mta.a.example\",\"msg\":\"m1\",\"rcpt\":\"bob@b.example\",\"result\":\"sent\",\"status\":\"2.0.0\"}\n"
	"{\"t\":900.287000,\"seq\":67,\"kind\":\"smtp.send\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"QUIT\"}\n"
	"{\"t\":900.297000,\"seq\":68,\"kind\":\"smtp.send\",\"node\":\"mx1.b.example\",\"peer\":\"mta.a.example\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"221 2.0.0 Bye\"}\n"
	"{\"t\":900.297000,\"seq\":69,\"kind\":\"net.close\",\"node\":\"mta.a.example\",\"peer\":\"mx1.b.example\",\"conn\":3}\n"
	"{\"t\":900.300000,\"seq\":70,\"kind\":\"net.connect\",\"node\":\"mx1.b.example\",\"peer\":\"mbox.b.example\",\"conn\":4,\"port\":24}\n"
	"{\"t\":900.301000,\"seq\":71,\"kind\":\"smtp.send\",\"node\":\"mbox.b.example\",\"peer\":\"mx1.b.example\",\"conn\":4,\"dir\":\"s2c\",\"line\":\"220 mbox.b.example LMTP\"}\n"
	"{\"t\":900.302000,\"seq\":72,\"kind\":\"smtp.data\",\"node\":\"mx1.b.example\",\"peer\":\"mbox.b.example\",\"conn\":4,\"dir\":\"c2s\",\"bytes\":720,\"lines\":14,\"summary\":\"Subject: Lunch?\"}\n"
	"{\"t\":900.303000,\"seq\":73,\"kind\":\"smtp.send\",\"node\":\"mbox.b.example\",\"peer\":\"mx1.b.example\",\"conn\":4,\"dir\":\"s2c\",\"line\":\"250 2.0.0 <bob@b.example> delivered\"}\n"
	"{\"t\":900.303000,\"seq\":74,\"kind\":\"mailbox.store\",\"node\":\"mbox.b.example\",\"msg\":\"m1\",\"rcpt\":\"bob@b.example\",\"user\":\"bob\",\"folder\":\"INBOX\",\"bytes\":720}\n"
	"{\"t\":900.304000,\"seq\":75,\"kind\":\"net.close\",\"node\":\"mx1.b.example\",\"peer\":\"mbox.b.example\",\"conn\":4}\n"
	"{\"t\":960.000000,\"seq\":76,\"kind\":\"narrate\",\"text\":\"Bob's client checks his mailbox over IMAP and finds the message.\"}\n"
	"{\"t\":960.000000,\"seq\":77,\"kind\":\"mailbox.fetch\",\"node\":\"bob-pc\",\"peer\":\"mbox.b.example\",\"user\":\"bob\",\"count\":1}\n"
	"{\"t\":960.001000,\"seq\":78,\"kind\":\"net.connect\",\"node\":\"bob-pc\",\"peer\":\"mbox.b.example\",\"conn\":5,\"port\":143}\n"
	"{\"t\":960.002000,\"seq\":79,\"kind\":\"imap.send\",\"node\":\"mbox.b.example\",\"peer\":\"bob-pc\",\"conn\":5,\"dir\":\"s2c\",\"line\":\"* OK IMAP4rev1 ready\"}\n"
	"{\"t\":960.003000,\"seq\":80,\"kind\":\"imap.send\",\"node\":\"bob-pc\",\"peer\":\"mbox.b.example\",\"conn\":5,\"dir\":\"c2s\",\"line\":\"a1 LOGIN bob ****\"}\n"
	"{\"t\":960.004000,\"seq\":81,\"kind\":\"imap.send\",\"node\":\"mbox.b.example\",\"peer\":\"bob-pc\",\"conn\":5,\"dir\":\"s2c\",\"line\":\"a1 OK LOGIN completed\"}\n"
	"{\"t\":960.005000,\"seq\":82,\"kind\":\"imap.send\",\"node\":\"bob-pc\",\"peer\":\"mbox.b.example\",\"conn\":5,\"dir\":\"c2s\",\"line\":\"a2 SELECT INBOX\"}\n"
	"{\"t\":960.006000,\"seq\":83,\"kind\":\"imap.send\",\"node\":\"mbox.b.example\",\"peer\":\"bob-pc\",\"conn\":5,\"dir\":\"s2c\",\"line\":\"* 1 EXISTS\"}\n"
	"{\"t\":960.006000,\"seq\":84,\"kind\":\"imap.send\",\"node\":\"mbox.b.example\",\"peer\":\"bob-pc\",\"conn\":5,\"dir\":\"s2c\",\"line\":\"a2 OK [READ-WRITE] SELECT completed\"}\n"
	"{\"t\":960.007000,\"seq\":85,\"kind\":\"imap.send\",\"node\":\"bob-pc\",\"peer\":\"mbox.b.example\",\"conn\":5,\"dir\":\"c2s\",\"line\":\"a3 LOGOUT\"}\n"
	"{\"t\":960.008000,\"seq\":86,\"kind\":\"imap.send\",\"node\":\"mbox.b.example\",\"peer\":\"bob-pc\",\"conn\":5,\"dir\":\"s2c\",\"line\":\"* BYE\"}\n"
	"{\"t\":960.008000,\"seq\":87,\"kind\":\"imap.send\",\"node\":\"mbox.b.example\",\"peer\":\"bob-pc\",\"conn\":5,\"dir\":\"s2c\",\"line\":\"a3 OK LOGOUT completed\"}\n"
	"{\"t\":960.009000,\"seq\":88,\"kind\":\"net.close\",\"node\":\"bob-pc\",\"peer\":\"mbox.b.example\",\"conn\":5}\n"
	"{\"t\":960.009000,\"seq\":89,\"kind\":\"sim.end\",\"delivered\":1,\"bounced\":0,\"rejected\":0,\"quarantined\":0,\"queued\":0}\n";

#endif
