/* trace_kinds.h — the trace's vocabulary, defined once.
 *
 * Every kind of trace event is one row: its enum name, its dotted name
 * (the JSON "kind"), the fields it may carry beyond the common ones (t,
 * seq, kind, node, peer, conn, msg, rcpt), and what it means. Everything
 * else is derived from this table: the enum the simulator emits with
 * (trace_begin takes a kind, never a string), the check that an event
 * carries only its declared fields (trace_end), the names the viewer and
 * the scenario loader (narration "before") accept, and the table in
 * ARCHITECTURE.md (test_trace_vocab compares them). A kind's string
 * appears in no other source file.
 *
 * Fields marked ? are optional; order is the order they are written. */
#ifndef MAILSIM_TRACE_KINDS_H
#define MAILSIM_TRACE_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#define TRACE_KINDS(X)                                                                                  \
	X(SIM_START, "sim.start", "scenario title seed start", "the run begins")                         \
	X(SIM_END, "sim.end",                                                                          \
	  "messages recipients inbox filed junk quarantined bounced rejected dropped suppressed queued "   \
	  "dsn_stored double_bounces accounted",                                                       \
	  "the ledger: every recipient's fate, counted by fate_settle")                                  \
	X(NARRATE, "narrate", "text", "the teaching caption for the step that follows")                  \
	X(MSG_COMPOSE, "msg.compose", "from to subject bytes spoofed_from?", "a mail client writes a message") \
	X(MSG_HEADER, "msg.header", "name value", "each header as it is added: the first ones at compose time, then Received, Return-Path...") \
	X(DNS_QUERY, "dns.query", "qname qtype id bytes", "a resolver sends an RFC 1035 query")           \
	X(DNS_ANSWER, "dns.answer", "qname qtype id rcode answers", "a DNS server answers; answers in presentation format (`10 mx1.example.net.`)")              \
	X(DNS_CACHE, "dns.cache", "qname qtype rcode answers ttl", "answered from the resolver's cache")  \
	X(DNS_TIMEOUT, "dns.timeout", "qname qtype attempt", "a query got no answer in time")            \
	X(NET_CONNECT, "net.connect", "port", "a TCP connection is opened")                              \
	X(NET_ACCEPT, "net.accept", "port", "the server accepts it")                                     \
	X(NET_REFUSED, "net.refused", "port", "nothing listens: connection refused")                     \
	X(NET_TIMEOUT, "net.timeout", "port", "no answer to the connection attempt")                     \
	X(NET_CLOSE, "net.close", "port", "a side closes the connection")                                \
	X(TLS_START, "tls.start", "", "the TLS handshake begins (after STARTTLS, or first on an implicit TLS port)")                 \
	X(TLS_OK, "tls.ok", "version", "the handshake succeeded")                                         \
	X(TLS_FAIL, "tls.fail", "reason", "the handshake failed")                                         \
	X(SMTP_SEND, "smtp.send", "dir? line tls? octets?", "one SMTP command or reply line, exact, without CRLF, or several sent one after another at one instant (a multi-line reply, pipelined commands) joined by \\n; dir c2s or s2c, left out when the line implies it; tls once encrypted; octets when a live line was longer than kept")       \
	X(SMTP_DATA, "smtp.data", "dir bytes lines summary tls? octets?", "a message body (DATA) as one event, with a summary") \
	X(IMAP_SEND, "imap.send", "dir line tls?", "one IMAP line, exact, without CRLF (several at one instant joined by \\n)")                               \
	X(IMAP_DATA, "imap.data", "dir bytes lines summary tls?", "a message as an IMAP literal (FETCH BODY[] or APPEND)")        \
	X(POP3_SEND, "pop3.send", "dir line tls?", "one POP3 line, exact (several at one instant joined by \\n)")                               \
	X(POP3_DATA, "pop3.data", "dir bytes lines summary tls?", "a message retrieved by POP3")         \
	X(QUEUE_ENTER, "queue.enter", "queue_id from rcpts bytes", "a message enters an MTA's queue")   \
	X(QUEUE_ATTEMPT, "queue.attempt", "queue_id attempt domain", "a delivery attempt for one domain") \
	X(ROUTE_MX, "route.mx", "queue_id domain mx", "the MX hosts in try order; `0 example.net. (implicit MX)` when there is no MX")    \
	X(QUEUE_DONE, "queue.done", "queue_id result status reason",                                     \
	  "a recipient is done at this host; result: `delivered` (INBOX), `filed` (a rule's folder), `junk`, `quarantined`, `dropped` (by a rule); hops: `relayed`, `forwarded`")  \
	X(QUEUE_DEFER, "queue.defer", "queue_id status class reason queue attempt next_attempt",         \
	  "a recipient failed for now (class `soft`) and waits for next_attempt (seconds)")                                   \
	X(QUEUE_BOUNCE, "queue.bounce", "queue_id? status class reason",                                 \
	  "a recipient failed for good; class `hard`, `expired` (the last 4.x.x status), `rejected` (at submission), `suppressed`")              \
	X(QUEUE_EXPIRE, "queue.expire", "queue_id age", "the queue lifetime ran out; the waiting recipients bounce with their last reason")                    \
	X(DSN_CREATE, "dsn.create", "dsn_msg to action status rcpts", "a DSN is written: dsn_msg its id (`m1.dsn`, `m1.delay`), action `failed` or `delayed`") \
	X(POLICY_DECISION, "policy.decision", "decision reason folder?", "a policy step; decision `deliver`, `reject`, `deny`, `quarantine`, `snooze`, `hold` (gatekeeper), `greylist`, `defer`, `discard`, `forward`, `tamper`")       \
	X(FAULT_START, "fault.start", "fault summary until?", "a scheduled fault begins")                \
	X(FAULT_END, "fault.end", "fault summary", "a scheduled fault ends")                             \
	X(FILTER_CHECK, "filter.check", "filter result detail? symbol? score? thresholds?", "one receiving check; filter `iprev`, `dnsbl`, `spf`, `dkim`, `dmarc`, `antivirus`, `spam`; the spam TOTAL carries the thresholds it was held against")  \
	X(MAILBOX_STORE, "mailbox.store", "user folder bytes via?", "a message is stored in a mailbox; via `imap-append` when a client APPENDed it")  \
	X(MAILBOX_FETCH, "mailbox.fetch", "user protocol count error?", "a mail client fetched its mail: one per session, with IMAP IDLE one per FETCH that brought mail") \
	X(MAILBOX_EXPUNGE, "mailbox.expunge", "user folder protocol count msgs",                         \
	  "messages deleted from a mailbox (POP3 QUIT, IMAP EXPUNGE or CLOSE)")                            \
	X(VERIFY_START, "verify.start", "address",                                                        \
	  "an address verifier begins with an address: syntax, MX lookup, then an SMTP probe without DATA") \
	X(VERIFY_RESULT, "verify.result", "address verdict category reason reply?",                         \
	  "the verifier's verdict (Reacher's is_reachable: `safe`, `risky`, `invalid`, `unknown`), the bounce category, the reason, and the SMTP reply that decided it") \
	X(SPOOL_RECOVER, "spool.recover", "queue_id spool_id rcpts",                                     \
	  "live mode: a message accepted (250) before a crash is queued again from the spool")            \
	X(LIVE_LIMIT, "live.limit", "limit count max",                                                   \
	  "live mode: a real client over a per-address limit (Postfix anvil) gets 421 4.7.0 and is closed; limit `connections`, `rate`, `auth`, `session`") \
	X(CAMPAIGN_START, "campaign.start", "campaign from recipients rate verify_first threshold min_sample",              \
	  "a campaign begins (sim/campaign.c): its list size, messages per minute, whether the list is verified first, the hard-bounce rate that pauses it once min_sample messages are sent") \
	X(CAMPAIGN_VERIFIED, "campaign.verified", "campaign kept verified_out",                          \
	  "the campaign's list was verified: invalid addresses are taken out before sending")          \
	X(CAMPAIGN_SUPPRESS, "campaign.suppress", "campaign type category reason",                       \
	  "an address goes on the sender's suppression list: a hard bounce at once, soft bounces after the limit") \
	X(CAMPAIGN_PAUSE, "campaign.pause", "campaign sent hard_bounced bounce_rate threshold unsent reason", \
	  "the hard-bounce rate of the sent part crossed the threshold: the rest of the list stays unsent") \
	X(CAMPAIGN_RESUME, "campaign.resume", "campaign unsent verified_out",                            \
	  "a paused campaign resumes after its list was cleaned (the unsent part verified)")         \
	X(CAMPAIGN_END, "campaign.end", "campaign sent accepted hard_bounced soft_bounced suppressed unsent", \
	  "the campaign has handed its last message over (or stopped paused)")                      \
	X(REP_UPDATE, "rep.update", "key score level cause",                                             \
	  "a receiving host's reputation of a sender changed: key `ip:ADDR` or `domain:NAME`; score 0 (worst) to 100 (best); level `good`, `neutral`, `poor` or `bad`; cause `unknown_rcpt`, `spam_trap`, `complaint`, `volume`, `auth` or `decay`")            \
	X(REP_COMPLAINT, "rep.complaint", "user folder keys",                                             \
	  "a reader pressed \"report spam\" on a message shown in folder (Inbox or Promotions): the receiver counts a complaint against the sender's keys (a feedback-loop report, RFC 6449)")

/* policy.decision's decision, one table too. */
#define POLICY_DECISIONS(X)                                                                             \
	X(DELIVER, "deliver") X(REJECT, "reject") X(DENY, "deny") X(QUARANTINE, "quarantine")            \
	X(SNOOZE, "snooze") X(GREYLIST, "greylist") X(HOLD, "hold") X(DEFER, "defer")                    \
	X(DISCARD, "discard") X(FORWARD, "forward") X(TAMPER, "tamper")

enum policy_decision {
#define POLICY_DECISION_ENUM(id, name) PD_##id,
	POLICY_DECISIONS(POLICY_DECISION_ENUM)
#undef POLICY_DECISION_ENUM
	PD_COUNT
};

const char *policy_decision_name(enum policy_decision d);

enum trace_kind {
#define TRACE_KIND_ENUM(id, name, fields, meaning) TK_##id,
	TRACE_KINDS(TRACE_KIND_ENUM)
#undef TRACE_KIND_ENUM
	TK_COUNT
};

const char *trace_kind_name(enum trace_kind k);
/* Space-separated field names; a trailing ? marks an optional field. */
const char *trace_kind_fields(enum trace_kind k);
const char *trace_kind_meaning(enum trace_kind k);
/* The kind named s; false when there is none. */
bool trace_kind_parse(const char *s, enum trace_kind *out);
/* May an event of kind k carry field key? */
bool trace_kind_has_field(enum trace_kind k, const char *key);

/* The dir an smtp.send line implies (ARCHITECTURE.md, "Implied fields"):
 * a reply starts with its three-digit code followed by a space, a hyphen
 * or nothing (RFC 5321 §4.2), so it goes s2c; anything else is a command,
 * c2s. The trace writes dir only when it is not the implied one. */
static inline bool trace_line_is_reply(const char *s, size_t n)
{
	return n >= 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	       s[2] >= '0' && s[2] <= '9' && (n == 3 || s[3] == ' ' || s[3] == '-');
}

#endif
