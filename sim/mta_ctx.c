/* mta_ctx.c — see mta_ctx.h: which addresses are this MTA's, whose
 * mailbox they reach, and its policy.decision events. */
#include "mta_ctx.h"

#include <string.h>

#include "msg.h"
#include "util.h"

bool mta_is_local_domain(const struct mta *m, const char *domain)
{
	for (size_t i = 0; i < m->cfg->ndomains; i++)
		if (ascii_strcaseeq(m->cfg->domains[i], domain))
			return true;
	return false;
}

/* RFC 5321 §4.5.1: "postmaster" without a domain is ours too. */
bool mta_is_postmaster(const char *rcpt)
{
	return ascii_strcaseeq(rcpt, "postmaster") ||
	       (ascii_strncaseeq(rcpt, "postmaster@", 11) && rcpt[11]);
}

bool mta_is_local_rcpt(const struct mta *m, const char *rcpt)
{
	return ascii_strcaseeq(rcpt, "postmaster") || mta_is_local_domain(m, addr_domain(rcpt));
}

/* Who reads postmaster@domain (RFC 5321 §4.5.1: every domain that takes
 * mail must take it): the host's `postmaster` alias if the scenario sets
 * one, else a user called postmaster at that domain, else the domain's
 * first user. A bare <postmaster> means the host's first domain. */
static const struct scn_user *postmaster_user(const struct mta *m, const char *rcpt)
{
	const struct scenario *scn = m->sim->scn;
	if (m->cfg->postmaster)
		return m->cfg->postmaster;
	const char *dom = strchr(rcpt, '@') ? addr_domain(rcpt)
					    : (m->cfg->ndomains ? m->cfg->domains[0] : "");
	const struct scn_user *first = NULL;
	for (size_t i = 0; i < scn->nusers; i++) {
		const struct scn_user *u = &scn->users[i];
		if (!ascii_strcaseeq(addr_domain(u->address), dom))
			continue;
		if (ascii_strncaseeq(u->address, "postmaster@", 11))
			return u;
		if (!first)
			first = u;
	}
	return first;
}

/* The mailbox an address at one of our domains reaches: the user itself,
 * a user that lists it as an alias, or the domain's catch-all user. */
const struct scn_user *mta_resolve_local(const struct mta *m, const char *rcpt)
{
	const struct scenario *scn = m->sim->scn;
	const struct scn_user *u = scn_user(scn, rcpt);
	if (u)
		return u;
	if (mta_is_postmaster(rcpt))
		return postmaster_user(m, rcpt);
	for (size_t i = 0; i < scn->nusers; i++)
		for (size_t k = 0; k < scn->users[i].naliases; k++)
			if (ascii_strcaseeq(scn->users[i].aliases[k], rcpt))
				return &scn->users[i];
	for (size_t i = 0; i < scn->nusers; i++)
		if (scn->users[i].catch_all &&
		    ascii_strcaseeq(addr_domain(scn->users[i].address), addr_domain(rcpt)))
			return &scn->users[i];
	return NULL;
}

void mta_policy_event(struct mta *m, enum policy_decision decision, const char *rcpt,
		      const char *reason)
{
	trace_policy(m->sim->trace, m->sim->now, m->host->name, NULL, rcpt, decision, reason, NULL);
}
