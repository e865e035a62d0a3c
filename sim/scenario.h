/* scenario.h — a scenario file parsed into owned C structs.
 *
 * scn_load() reads JSON with cJSON, checks it completely (unknown keys,
 * wrong types, bad values, duplicate names, dangling references) and
 * reports every problem as "file:line:col: error: path: what (hint)" —
 * a bad scenario is user input, never an assert. Legal but suspicious
 * things (an A record that contradicts its host's IP, an MX naming a
 * CNAME, a recipient twice in one message) are warnings, kept in the
 * scenario for the caller: `mailsim check` prints them. The cJSON tree is freed
 * before scn_load returns; nothing else keeps JSON around. The schema is
 * documented in docs/scenario-format.md.
 *
 * What the simulator reads is typed: enums for every choice (roles,
 * services, policies, fault types, DNS record types), integer microseconds
 * for durations, integer centipoints for spam scores, and pointers for
 * every name that refers to another object of the scenario (resolved once,
 * after validation). The "*_name" fields keep the names as written, for
 * messages and the trace. One arena owns it all (scn_free frees it).
 *
 * The loader's files: scenario_load.c (JSON to structs, key tables),
 * scenario_mta.c (the keys of hosts that take mail), scenario_check.c
 * (references, warnings, DNS sanity, name resolution), scenario_names.c
 * (the enum name tables), scenario_json.c (typed JSON getters and the
 * error reporter; scenario_int.h), scenario_parse.c (entry points, look-ups). */
#ifndef MAILSIM_SCENARIO_H
#define MAILSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns.h"
#include "util.h"

struct arena;
struct scn_host;
struct scn_user;

/* ---- enumerations ------------------------------------------------------------
 * Each enum has one name table (scenario_names.c), indexed by its values and
 * ended by NULL: the loader accepts exactly these spellings, and messages
 * and traces print them. The simulator decides on the values, never on the
 * strings. */

enum scn_role { SCN_ROLE_CLIENT, SCN_ROLE_MTA, SCN_ROLE_DNS, SCN_ROLE_FILTER, SCN_ROLE_MAILBOX };
extern const char *const scn_role_names[];

/* Listeners, a bit set: SCN_SVC(SCN_SERVICE_IMAP) ... */
/* The last three are implicit TLS [RFC 8314 §3.3, §7.3]: submissions 465,
 * imaps 993, pop3s 995; the session begins inside TLS, no STARTTLS. */
enum scn_service {
	SCN_SERVICE_SMTP, SCN_SERVICE_SUBMISSION, SCN_SERVICE_IMAP, SCN_SERVICE_POP3,
	SCN_SERVICE_SUBMISSIONS, SCN_SERVICE_IMAPS, SCN_SERVICE_POP3S
};
#define SCN_SVC(service) (1u << (service))
extern const char *const scn_service_names[];

/* Outbound STARTTLS, Postfix's smtp_tls_security_level: may (opportunistic,
 * plaintext after a failed handshake), encrypt (required), none. */
enum scn_tls_policy { SCN_TLS_MAY, SCN_TLS_ENCRYPT, SCN_TLS_NONE };
extern const char *const scn_tls_policy_names[];

enum scn_retry_schedule { SCN_RETRY_POSTFIX, SCN_RETRY_EXIM, SCN_RETRY_SENDMAIL };
extern const char *const scn_retry_schedule_names[];

/* A full mailbox: 552 5.2.2 (reject) or 452 4.2.2 (Dovecot's quota_full_tempfail). */
enum scn_quota_full { SCN_QUOTA_REJECT, SCN_QUOTA_TEMPFAIL };
extern const char *const scn_quota_full_names[];

enum scn_fetch_protocol { SCN_FETCH_IMAP, SCN_FETCH_POP3 };
extern const char *const scn_fetch_protocol_names[];

enum scn_rule_action { SCN_RULE_DENY, SCN_RULE_FOLDER, SCN_RULE_FORWARD };
extern const char *const scn_rule_action_names[];

/* What a tamper fault changes in the mail a host relays. */
enum scn_tamper { SCN_TAMPER_BODY, SCN_TAMPER_SUBJECT };
extern const char *const scn_tamper_names[];

/* DKIM canonicalization (RFC 6376 §3.4), written "header/body". */
enum scn_canon { SCN_CANON_RELAXED_RELAXED, SCN_CANON_RELAXED_SIMPLE, SCN_CANON_SIMPLE_RELAXED,
		 SCN_CANON_SIMPLE_SIMPLE };
extern const char *const scn_canon_names[];
/* Header fields a message may leave out ("omit_headers"). */
extern const char *const scn_omittable_names[];
/* Trace kinds a narration rule may wait for (ARCHITECTURE.md). */
const char *const *scn_narration_kinds(void);

struct scn_record {
	char *name;        /* owner, absolute (no trailing dot), "@" resolved */
	enum dns_type rtype;
	char *type;        /* its name, "MX", "A", ... (for the viewer) */
	char *data;        /* presentation rdata */
	uint32_t ttl;
	int line, col;     /* where it was written, for messages */
};

struct scn_zone {
	char *origin;
	uint32_t ttl;      /* default record TTL */
	uint32_t neg_ttl;  /* RFC 2308 negative-caching TTL */
	struct scn_record *records;
	size_t nrecords;
};

struct scn_fetch {
	enum scn_fetch_protocol protocol;
	char *server_name; /* as written */
	const struct scn_host *server; /* resolved: it offers the protocol */
	int64_t *at;       /* µs */
	size_t nat;
	bool keep;         /* POP3: leave messages on the server */
	int64_t idle;      /* IMAP: wait this long (µs) in IDLE for new mail; 0 = no IDLE */
};

struct scn_approval {      /* the recipient lets a sender past the gatekeeper */
	char *sender;      /* address or @domain */
	int64_t at;        /* simulated time of the approval */
};

struct scn_rule {          /* a user filter rule (Cleanbox-style) */
	char *from;        /* substring of the From address, or NULL */
	char *to;          /* recipient address, or NULL */
	char *subject;     /* substring of Subject, or NULL */
	enum scn_rule_action action;
	char *folder;
	char **flags;      /* IMAP flags to set, e.g. "\\Seen" */
	size_t nflags;
	char *forward;     /* address */
};

struct scn_filters {       /* the receiving side's checks and policy */
	bool iprev, spf, dkim, dmarc, antivirus, spam;
	bool outbound_spam; /* also score mail our own users submit (protects our IP's reputation) */
	char **dnsbl;      /* DNSBL zones */
	size_t ndnsbl;
	bool dnsbl_reject; /* refuse listed clients at connect (else: a spam symbol) */
	int greylist, add_header, rewrite_subject, quarantine, reject; /* thresholds, centipoints */
	char **bad_urls;
	size_t nbad_urls;
	char **rep_keys;   /* sender reputation: client IP, sender address or @domain */
	int *rep_scores;   /* its score in centipoints (negative = good reputation) */
	size_t nrep;
	char **bayes_spam, **bayes_ham; /* training texts */
	size_t nbayes_spam, nbayes_ham;
	char **blocked, **whitelist;    /* sender addresses or @domains */
	size_t nblocked, nwhitelist;
	bool gatekeeper;   /* hold mail from senders not on the whitelist */
	struct scn_approval *approvals; /* gatekeeper: senders approved at a time */
	size_t napprovals;
	struct scn_rule *rules;
	size_t nrules;
	int snooze_start, snooze_end;   /* minutes after midnight UTC; -1 = no snooze */
};

struct scn_dkim_sign {
	char *domain, *selector;
	char *key_path;    /* as written, relative to the scenario file */
	char *key_pem;     /* the key file's text */
	enum scn_canon canon;
	bool header_relaxed, body_relaxed; /* the canon's two halves */
};

/* A receiver's memory of senders (sim/reputation.h): opt-in per host
 * ("sender_reputation"); scores 0 (worst) .. 100 (best), thresholds as
 * "below this score". Defaults in scenario_mta.c and
 * docs/scenario-format.md. */
struct scn_reputation {
	double initial;          /* a sender never seen: neutral */
	int64_t half_life;       /* µs: the score decays toward initial */
	double complaint_rate;   /* chance a reader presses "report spam" on Inbox/Promotions mail */
	int64_t complaint_delay; /* µs after delivery */
	double junk_below, throttle_below, quarantine_below, drop_below, reject_below;
	double throttle_per_minute; /* connections admitted per minute while throttled */
	int64_t volume_window;   /* µs */
	double volume_factor;    /* a window over factor x the sender's average is a spike */
	long volume_min;         /* ... and over this many messages */
};

/* The defaults (docs/scenario-format.md, "sender_reputation"). */
static inline void scn_reputation_defaults(struct scn_reputation *c)
{
	*c = (struct scn_reputation){
		.initial = 50, .half_life = 3600 * 1000000LL, .complaint_rate = 0,
		.complaint_delay = 60 * 1000000LL, .junk_below = 45, .throttle_below = 40,
		.quarantine_below = 35, .drop_below = 25, .reject_below = 15,
		.throttle_per_minute = 6, .volume_window = 600 * 1000000LL, .volume_factor = 3,
		.volume_min = 100,
	};
}

struct scn_host {
	char *name;
	enum scn_role role;
	char *ip;
	unsigned services; /* SCN_SVC(...) bits; an MTA without a list: smtp */
	char **domains;    /* mail domains this MTA delivers locally */
	size_t ndomains;
	bool tls;          /* offers STARTTLS / TLS */
	bool plain_auth;   /* not from JSON: live mode's --allow-plain-auth (AUTH
			    * offered before TLS on submission, loopback only) */
	int64_t size_limit;
	int max_rcpts;
	bool vrfy;
	bool tabs;         /* a tabbed provider: bulk mail bound for the Inbox goes to Promotions */
	char *banner;
	char *resolver_name; /* as written; NULL = the first dns host */
	const struct scn_host *resolver; /* resolved (the default too); NULL = no dns host */
	/* client */
	char *user_name;   /* the mailbox address this client belongs to, as written */
	const struct scn_user *user; /* resolved */
	char *submit_name; /* as written */
	const struct scn_host *submit; /* resolved: the host it submits to */
	int submit_port;
	struct scn_fetch fetch;
	bool has_fetch;
	/* dns */
	struct scn_zone *zones;
	size_t nzones;
	/* mta: delivery and policy */
	char **relay_domains; /* accepted for relay as a backup MX */
	size_t nrelay_domains;
	enum scn_tls_policy tls_policy;
	enum scn_retry_schedule retry_schedule;
	char *retry_rules; /* Exim rule list */
	int64_t min_backoff, max_backoff, queue_lifetime, delay_warning; /* µs; -1 = default */
	int64_t greylist_delay; /* µs; 0 = no greylisting */
	int rate_limit;    /* messages per client IP per rate_window; 0 = none */
	int64_t rate_window;
	int64_t idle_timeout; /* µs; 0 = default */
	bool has_filters;
	struct scn_filters filters;
	bool has_dkim_sign;
	struct scn_dkim_sign dkim_sign;
	char *srs_secret;  /* forwarding rewrites senders with SRS when set */
	enum scn_quota_full quota_full;
	char **refuse_probes_from; /* client IPs refused at RCPT (554 5.7.1): a bad-reputation prober */
	size_t nrefuse_probes_from;
	bool has_reputation; /* keeps sender reputation (sender_reputation) */
	struct scn_reputation reputation;
	char *postmaster_name; /* as written; NULL = default */
	const struct scn_user *postmaster; /* who reads postmaster@ our domains; NULL = default */
	/* viewer */
	bool has_pos;
	double x, y;
};

struct scn_user {
	char *address;
	char *name;        /* display name or NULL: From:/To: in the mail clients */
	char *password;
	int64_t quota;     /* bytes; 0 = none */
	char **aliases;    /* other addresses delivered to this mailbox */
	size_t naliases;
	bool disabled;     /* 550 5.2.1 */
	bool catch_all;    /* receives mail for unknown local parts of its domain */
	bool spam_trap;    /* a generated spam-trap address (campaign lists) */
	char *forward;     /* relay address: mail is forwarded there (filtering relay) */
	char *imap_server_name; /* as written */
	const struct scn_host *imap_server; /* with forward: deliver by IMAP APPEND to this
					     * host (the seeds' IMAP delivery)... */
	const struct scn_user *imap_user;   /* ...logging in as the forward address's user */
	const struct scn_host *home; /* resolved: the host whose domains hold the address */
	char *imap_password; /* the password the service holds; NULL = the user's own */
};

enum scn_fault_type {
	FAULT_HOST_DOWN, FAULT_PORT_CLOSED, FAULT_DNS_TIMEOUT, FAULT_DNS_SERVFAIL, FAULT_LINK,
	FAULT_SLOW_SERVER, FAULT_TLS_FAILURE, FAULT_MAILBOX_FULL, FAULT_TAMPER,
};
extern const char *const scn_fault_names[];

struct scn_fault {
	enum scn_fault_type type;
	char *host_name;   /* as written: host, dns server; NULL for link / mailbox_full */
	char *a_name, *b_name; /* as written: link ends */
	char *user_name;   /* as written: mailbox_full */
	const struct scn_host *host, *a, *b; /* resolved */
	const struct scn_user *user;         /* resolved */
	int port;
	int64_t from, until; /* µs; until < 0 = forever */
	int64_t latency;   /* link: µs, -1 = unchanged */
	double loss;       /* link: probability a SYN or datagram is lost */
	int64_t delay;     /* slow_server: extra µs before each reply */
	enum scn_tamper what;
};

struct scn_attachment {
	char *filename;
	char *type;        /* MIME type, default application/octet-stream */
	char *text;        /* content, or NULL */
	bool eicar;        /* content is the EICAR anti-virus test file */
};

struct scn_message {
	char *id;
	int64_t at;        /* µs */
	char *from;
	char **to;
	size_t nto;
	char *subject;
	char *body;
	int64_t size;      /* pad the body to about this many bytes; 0 = as written */
	char *spoof_from;  /* forge From: and MAIL FROM with this address */
	char **omit;       /* header fields the sending program leaves out */
	size_t nomit;
	struct scn_attachment *attachments;
	size_t nattachments;
	const struct scn_host *client; /* resolved: the client host that sends it for from */
	const char *const *hdr_names, *const *hdr_values; /* extra header fields (campaigns), or NULL */
	size_t nhdrs;
};

struct scn_narration {
	char *before;      /* event kind */
	char *node_name;   /* optional host filter, as written */
	const struct scn_host *node; /* resolved, or NULL */
	char *match;       /* optional substring of line/qname/summary */
	char *text;
	bool every;        /* fire on every match, not only the first */
};

struct scn_link {
	char *a_name, *b_name; /* as written */
	const struct scn_host *a, *b; /* resolved */
	int64_t latency;   /* µs */
};

/* Addresses the world's verifier probes during the run (mailsim verify's
 * engine, sim/verify.c), so a run's trace shows verification. */
struct scn_verify {
	char *client_name;  /* as written; NULL: a verifier host is added to the world */
	const struct scn_host *client; /* resolved: a client host */
	char *from;         /* MAIL FROM of the probes, or NULL (verify@<host>) */
	int64_t at;         /* µs */
	char **addresses;   /* as written: they may be invalid on purpose */
	size_t naddresses;
	char **disposable;  /* domains added to the built-in disposable-provider list */
	size_t ndisposable;
};

/* A bulk send (sim/campaign.c): one message per recipient, submitted by
 * the sender's client host at a rate, with the hygiene in force. */
enum scn_list_kind { /* what a generated address is (scenario_campaign.c) */
	LK_VALID, LK_UNKNOWN, LK_DISABLED, LK_FULL, LK_CATCH_ALL, LK_TYPO_DOMAIN,
	LK_EXPIRED_DOMAIN, LK_ROLE, LK_DISPOSABLE, LK_SPAM_TRAP, LK_INLINE, LK_COUNT
};
extern const char *const scn_list_kind_names[];

struct scn_campaign {
	char *name;
	char *from;         /* the sender: a user with a client host, or any
			     * address when a bulk-sending host sends */
	char *host_name;    /* "host": a bulk-sending MTA that injects the
			     * messages into its own queue; NULL: the user's client */
	const struct scn_host *client; /* resolved: the client host, or the bulk MTA */
	bool bulk;          /* client is a bulk-sending MTA */
	int64_t at;         /* µs: the first message */
	char **rcpts;       /* the list, inline or generated */
	unsigned char *kinds; /* enum scn_list_kind per recipient */
	size_t nrcpts;
	char *subject, *body;
	bool promotional;   /* Precedence: bulk and a marketing template */
	char *unsubscribe;  /* List-Unsubscribe URI(s), or NULL; RFC 8058 one-click adds -Post */
	double rate;        /* messages per minute */
	double warmup_from; /* per minute at the start of the ramp; 0 = no ramp */
	int64_t warmup;     /* µs the ramp lasts */
	bool verify_first, suppression;
	double pause_threshold; /* hard-bounce fraction of the sent part, e.g. 0.05 */
	size_t min_sample;  /* messages sent before the threshold applies */
	int soft_limit;     /* campaigns with a soft bounce before an address is suppressed */
	int64_t resume_after; /* µs after a pause: clean the rest of the list and resume; -1 = never */
	bool resume_verify; /* verify the unsent part before resuming */
	int line, col;
};

struct scenario {
	struct arena *arena; /* owns the scenario, its strings and its arrays */
	char *path;        /* as given, for messages */
	char *name;
	char *title;
	char *description;
	uint64_t seed;
	int64_t start_unix_us;
	int64_t latency;   /* default one-way latency, µs */
	struct scn_host *hosts;
	size_t nhosts;
	struct scn_user *users;
	size_t nusers;
	struct scn_message *messages;
	size_t nmessages;
	struct scn_narration *narration;
	size_t nnarration;
	struct scn_link *links;
	size_t nlinks;
	struct scn_fault *faults;
	size_t nfaults;
	bool has_verify;
	struct scn_verify verify;
	struct scn_campaign *campaigns;
	size_t ncampaigns;
	struct strmap *user_index; /* address (lower case) -> index in users; built after loading */
	char *warnings;    /* "file:line:col: warning: ..." lines (never NULL), for the caller to show */
	int nwarnings;
};

/* Parse text (named path in messages). Returns NULL and prints every error
 * to err (one per line) when the scenario is invalid. */
struct scenario *scn_parse(const char *text, size_t len, const char *path, FILE *err);
/* Read and parse a file; a missing file is reported like any error. */
struct scenario *scn_load(const char *path, FILE *err);
/* After scn_load() failed: true when the file itself could not be read
 * (missing, a directory, no permission) — an I/O error for the command line
 * (exit 4) rather than an invalid scenario (exit 1). */
bool scn_unreadable(const char *path);
/* Frees the scenario and everything it holds (its arena). */
void scn_free(struct scenario *s);

const struct scn_host *scn_host(const struct scenario *s, const char *name);
const struct scn_user *scn_user(const struct scenario *s, const char *address);
/* The host whose domains list holds the address's domain, or NULL. */
const struct scn_host *scn_mailbox_host(const struct scenario *s, const char *address);
static inline bool scn_host_has_service(const struct scn_host *h, enum scn_service service)
{
	return (h->services & SCN_SVC(service)) != 0;
}
/* A host's position in s->hosts (the simulator's hosts have the same order). */
static inline size_t scn_host_index(const struct scenario *s, const struct scn_host *h)
{
	return (size_t)(h - s->hosts);
}
/* A name table's entry count (the tables end with NULL). */
size_t scn_names_count(const char *const *names);

/* The built-in default scenario's JSON text (scenarios/basic-delivery.json). */
extern const char mailsim_default_scenario[];

#endif
