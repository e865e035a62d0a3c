/* mta_rep.c — see mta_rep.h. */
#include "mta_rep.h"

#include <stdlib.h>
#include <string.h>

#include "reputation.h"
#include "util.h"

static void rep_policy(struct mta *m, const char *msg, const char *rcpt, enum policy_decision d,
		       const char *reason, const char *folder)
{
	trace_policy(m->sim->trace, m->sim->now, m->host->name, msg, rcpt, d, reason, folder);
}

bool mta_rep_throttled(struct mta *m, const char *ip, struct smtp_reply *reply)
{
	char why[400];
	if (!m->rep || !rep_throttle(m->rep, ip, why, sizeof why))
		return false;
	rep_policy(m, NULL, NULL, PD_DEFER, why, NULL);
	/* Gmail's temporary throttling (email-facts §11.3); a greeting
	 * carries no negotiated enhanced code (RFC 2034 §4), so like Gmail
	 * the 4.7.0 is part of the text. The client's queue retries. */
	smtp_reply_set(reply, 421, NULL,
		       "4.7.0 %s Try again later, closing connection: %s is rate limited for its reputation",
		       m->host->name, ip);
	return true;
}

bool mta_rep_refused(struct mta *m, const struct chk *chk, const char *ip, const char *rcpt,
		     struct smtp_reply *reply)
{
	char why[400];
	if (!m->rep || !mta_is_local_rcpt(m, rcpt) ||
	    !rep_reject(m->rep, ip, chk_spf_pass_domain(chk), why, sizeof why))
		return false;
	rep_policy(m, NULL, rcpt, PD_REJECT, why, NULL);
	/* Gmail and Yahoo refuse mail from a sender of very low reputation
	 * permanently with 5.7.1 (RFC 3463: delivery not authorized). */
	smtp_reply_set(reply, 550, "5.7.1",
		       "Message rejected due to %s: this sender's mail is likely unsolicited", why);
	return true;
}

void mta_rep_rcpt_seen(struct mta *m, const struct chk *chk, const char *ip, const char *rcpt,
		       const struct smtp_reply *reply)
{
	if (!m->rep || !mta_is_local_rcpt(m, rcpt))
		return;
	/* No such user (5.1.1) or a disabled mailbox (5.2.1): an address
	 * nobody reads, the sign of a stale list (RFC 3463 §3.2, §3.3). */
	bool unknown = reply->code == 550 &&
		       (strcmp(reply->enh, "5.1.1") == 0 || strcmp(reply->enh, "5.2.1") == 0);
	rep_rcpt(m->rep, ip, chk_spf_pass_domain(chk), rcpt, unknown);
}

/* How far from the Inbox the filters already put it: reputation only
 * ever moves a message further (the worse verdict wins). */
static enum rep_place current_place(const struct qentry *q)
{
	if (q->deny)
		return REP_PLACE_DROP;
	if (q->quarantine)
		return REP_PLACE_QUARANTINE;
	return q->folder && ascii_strcaseeq(q->folder, "Junk") ? REP_PLACE_JUNK : REP_PLACE_ASIS;
}

static void place(struct mta *m, struct qentry *q, enum rep_place p, const char *why)
{
	static const char *const folders[] = {NULL, "Junk", "Quarantine", NULL};
	static const enum policy_decision decisions[] = {PD_DELIVER, PD_DELIVER, PD_QUARANTINE,
							 PD_DISCARD};
	if (p <= current_place(q))
		return;
	if (folders[p]) {
		free(q->folder);
		q->folder = xstrdup(folders[p]);
	}
	q->quarantine = p == REP_PLACE_QUARANTINE;
	if (p == REP_PLACE_DROP) {
		/* Silent filtering: the sender got its 250, nobody sees it. */
		q->deny = true;
		free(q->drop_reason);
		q->drop_reason = xasprintf("silently dropped: %s", why);
	}
	rep_policy(m, q->tag, NULL, decisions[p], why, folders[p]);
}

static size_t trap_hits(struct mta *m, const struct qentry *q)
{
	size_t n = 0;
	for (size_t i = 0; i < q->nr; i++) {
		const struct scn_user *u = mta_resolve_local(m, q->r[i].addr);
		n += u && u->spam_trap;
	}
	return n;
}

void mta_rep_message(struct mta *m, const struct chk *chk, bool checked, const char *ip,
		     struct qentry *q)
{
	if (!m->rep || q->report)
		return;
	char domain[256] = "";
	enum rep_auth auth = REP_AUTH_UNCHECKED;
	if (checked && chk_auth_domain(chk, domain, sizeof domain))
		auth = domain[0] ? REP_AUTH_PASS : REP_AUTH_NONE;
	const char *dom = auth == REP_AUTH_PASS ? domain : NULL;
	/* Placement by the reputation the sender had when the message came. */
	char why[400];
	enum rep_place p = rep_place(m->rep, ip, dom, why, sizeof why);
	if (p != REP_PLACE_ASIS)
		place(m, q, p, why);
	rep_message(m->rep, ip, dom, q->tag, auth, trap_hits(m, q));
	q->rep_ip = xstrdup(ip);
	q->rep_domain = dom ? xstrdup(dom) : NULL;
}
