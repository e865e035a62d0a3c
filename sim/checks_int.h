/* checks_int.h — the filter chain's state, shared by checks.c (which
 * runs the stages: connection, MAIL FROM, end of DATA) and checks_policy.c
 * (the recipient's policy decision and the headers it adds). Not for any
 * other file: the rest of the simulator sees struct chk through checks.h. */
#ifndef MAILSIM_CHECKS_INT_H
#define MAILSIM_CHECKS_INT_H

#include "authres.h"
#include "av.h"
#include "checks_types.h"
#include "dkim.h"
#include "dmarc.h"
#include "scenario.h"
#include "sim.h"
#include "spam.h"
#include "spf.h"

typedef enum auth_step (*step_fn)(void *obj, char *q, size_t cap, enum dns_type *t);
typedef void (*answer_fn)(void *obj, const struct dns_answer *a);

struct chk {
	struct sim *sim;
	struct host *host;              /* not owned */
	const struct scn_filters *f;    /* not owned; NULL = no filters */
	char ip[64];
	char ptr[256];
	const char *iprev;              /* pass / fail / temperror / none */
	char **dnsbl_codes;             /* owned: A answers of listings */
	size_t ndnsbl;
	char dnsbl_zone[256];
	size_t dnsbl_next;
	/* SPF */
	char helo[256], sender[512];
	enum spf_result spf;
	char spf_domain[256];
	bool spf_ran;
	struct spf *spf_obj;            /* owned while running */
	/* the message */
	const char *msg;                /* borrowed during chk_message */
	size_t len;
	char tag[128];
	const char *const *rcpts;
	size_t nrcpts;
	struct dkim_verify *dkim;       /* owned while running */
	struct dmarc *dmarc;            /* owned while running */
	struct dmarc_outcome dm;
	bool dkim_ran, dmarc_ran, av_ran, spam_ran, whitelisted;
	bool held_for_approval;         /* the gatekeeper holds it until an approval */
	struct av_result av;
	struct spam_result spam;
	struct spam_config spam_cfg;
	struct chk_verdict v;
	struct authres *ar;             /* owned */
	/* the running step */
	void *obj;
	step_fn step;
	answer_fn answer;
	void (*then)(struct chk *c);
	chk_done_fn done;
	void *done_ud;
	bool in_flight, dead;
	bool outbound;
};

/* The verdict so far: decision, reason, and the SMTP reply for a refusal
 * (code 0: none). */
void chk_set_verdict(struct chk *c, enum policy_decision d, int code, const char *enh,
		     const char *reason);
/* Whether this (client, sender) pair was greylisted before (and remember it). */
bool chk_seen_before(struct chk *c);
/* The recipient's approval of this sender (gatekeeper), if any. */
const struct scn_approval *chk_approval(const struct chk *c);

/* checks_policy.c: the decision in the seeds' order (step 9), then the
 * headers the message gets (step 10). */
void chk_decide(struct chk *c);
void chk_build_headers(struct chk *c);

#endif
