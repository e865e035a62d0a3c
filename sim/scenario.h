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
 * documented in docs/scenario-format.md. */
#ifndef MAILSIM_SCENARIO_H
#define MAILSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

struct scn_record {
	char *name;        /* owner, absolute (no trailing dot), "@" resolved */
	char *type;        /* "MX", "A", ... */
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
	char *protocol;    /* "imap" | "pop3" */
	char *server;      /* host name */
	int64_t *at;       /* µs */
	size_t nat;
	bool keep;         /* POP3: leave messages on the server */
};

struct scn_approval {      /* the recipient lets a sender past the gatekeeper */
	char *sender;      /* address or @domain */
	int64_t at;        /* simulated time of the approval */
};

struct scn_rule {          /* a user filter rule (Cleanbox-style) */
	char *from;        /* substring of the From address, or NULL */
	char *to;          /* recipient address, or NULL */
	char *subject;     /* substring of Subject, or NULL */
	char *action;      /* "deny" | "folder" | "forward" */
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
	double greylist, add_header, rewrite_subject, quarantine, reject; /* score thresholds */
	char **bad_urls;
	size_t nbad_urls;
	char **rep_keys;   /* sender reputation: client IP, sender address or @domain */
	double *rep_scores; /* its score (negative = good reputation) */
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
	char *canon;       /* "relaxed/relaxed", "simple/simple", ... */
};

struct scn_host {
	char *name;
	char *role;        /* one of host_role_names */
	char *ip;
	char **services;   /* "smtp","submission","submissions","imap","pop3" */
	size_t nservices;
	char **domains;    /* mail domains this MTA delivers locally */
	size_t ndomains;
	bool tls;          /* offers STARTTLS / TLS */
	int64_t size_limit;
	int max_rcpts;
	bool vrfy;
	char *banner;
	char *resolver;    /* DNS host name; NULL = the first dns host */
	/* client */
	char *user;        /* the mailbox address this client belongs to */
	char *submit_server;
	int submit_port;
	struct scn_fetch fetch;
	bool has_fetch;
	/* dns */
	struct scn_zone *zones;
	size_t nzones;
	/* mta: delivery and policy */
	char **relay_domains; /* accepted for relay as a backup MX */
	size_t nrelay_domains;
	char *tls_policy;  /* outbound: "may" (opportunistic) | "encrypt" | "none" */
	char *retry_schedule; /* "postfix" | "exim" */
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
	char *quota_full;  /* over quota: "reject" (552 5.2.2) | "tempfail" (452 4.2.2) */
	char *postmaster;  /* who reads postmaster@ our domains; NULL = default */
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
	char *forward;     /* relay address: mail is forwarded there (filtering relay) */
};

enum scn_fault_type {
	FAULT_HOST_DOWN, FAULT_PORT_CLOSED, FAULT_DNS_TIMEOUT, FAULT_DNS_SERVFAIL, FAULT_LINK,
	FAULT_SLOW_SERVER, FAULT_TLS_FAILURE, FAULT_MAILBOX_FULL, FAULT_TAMPER,
};

struct scn_fault {
	enum scn_fault_type type;
	char *host;        /* host, dns server; NULL for link / mailbox_full */
	char *a, *b;       /* link ends */
	char *user;        /* mailbox_full */
	int port;
	int64_t from, until; /* µs; until < 0 = forever */
	int64_t latency;   /* link: µs, -1 = unchanged */
	double loss;       /* link: probability a SYN or datagram is lost */
	int64_t delay;     /* slow_server: extra µs before each reply */
	char *what;        /* tamper: "body" | "subject" */
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
};

struct scn_narration {
	char *before;      /* event kind */
	char *node;        /* optional host filter */
	char *match;       /* optional substring of line/qname/summary */
	char *text;
	bool every;        /* fire on every match, not only the first */
};

struct scn_link {
	char *a, *b;
	int64_t latency;   /* µs */
};

struct scenario {
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
void scn_free(struct scenario *s);

const struct scn_host *scn_host(const struct scenario *s, const char *name);
const struct scn_user *scn_user(const struct scenario *s, const char *address);
/* The host whose domains list holds the address's domain, or NULL. */
const struct scn_host *scn_mailbox_host(const struct scenario *s, const char *address);
bool scn_host_has_service(const struct scn_host *h, const char *service);

/* The built-in default scenario's JSON text (scenarios/basic-delivery.json). */
extern const char mailsim_default_scenario[];

#endif
