/* outcome.c — see outcome.h. */
#include "outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "sim.h"
#include "smtp.h"
#include "trace.h"
#include "util.h"

void oc_from_reply(struct outcome *o, const char *remote, const struct smtp_reply *r,
		   const char *command)
{
	memset(o, 0, sizeof *o);
	o->src = OC_SMTP;
	switch (smtp_classify(r->code)) {
	case SMTP_CLASS_OK: o->cls = OC_OK; break;
	case SMTP_CLASS_TEMPFAIL: o->cls = OC_SOFT; break;
	case SMTP_CLASS_PERMFAIL: o->cls = OC_HARD; break;
	}
	/* RFC 3463 §2: without a detailed code, report the class alone. */
	if (r->enh[0])
		fmt_snprintf(o->status, sizeof o->status, "%s", r->enh);
	else
		fmt_snprintf(o->status, sizeof o->status, "%c.0.0", o->cls == OC_OK ? '2' : o->cls == OC_SOFT ? '4' : '5');
	fmt_snprintf(o->remote, sizeof o->remote, "%s", remote ? remote : "");
	/* The whole reply: code, enhanced code, text (a multi-line reply's
	 * lines are already joined by smtpc), as RFC 3464 §2.3.6 asks. */
	fmt_snprintf(o->text, sizeof o->text, "%d%s%s%s%s", r->code, r->enh[0] ? " " : "", r->enh,
		 r->text[0] ? " " : "", r->text);
	fmt_snprintf(o->command, sizeof o->command, "%s", command ? command : "");
}

void oc_local(struct outcome *o, enum oc_class cls, const char *status, const char *fmt, ...)
{
	memset(o, 0, sizeof *o);
	o->src = OC_LOCAL;
	o->cls = cls;
	fmt_snprintf(o->status, sizeof o->status, "%s", status);
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(o->text, sizeof o->text, fmt, ap);
	va_end(ap);
}

void oc_reason(const struct outcome *o, char *out, size_t cap)
{
	if (o->src == OC_SMTP)
		fmt_snprintf(out, cap, "host %s said: %s", o->remote, o->text);
	else
		fmt_snprintf(out, cap, "%s", o->text);
}

void oc_note_set(struct oc_note *n, const struct outcome *o)
{
	oc_note_free(n);
	n->cls = o->cls;
	n->src = o->src;
	memcpy(n->status, o->status, sizeof n->status);
	memcpy(n->command, o->command, sizeof n->command);
	/* text and remote (each NULL when empty) in one block, whichever is
	 * set first: oc_note_free frees that one */
	size_t tl = strlen(o->text), rl = strlen(o->remote);
	if (!tl && !rl)
		return;
	char *at = xmalloc(tl + 1 + rl + 1);
	n->text = tl ? str_pack(&at, o->text) : NULL;
	n->remote = rl ? str_pack(&at, o->remote) : NULL;
}

void oc_note_get(const struct oc_note *n, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	o->cls = n->cls;
	o->src = n->src;
	memcpy(o->status, n->status, sizeof o->status);
	memcpy(o->command, n->command, sizeof o->command);
	fmt_snprintf(o->remote, sizeof o->remote, "%s", n->remote ? n->remote : "");
	fmt_snprintf(o->text, sizeof o->text, "%s", n->text ? n->text : "");
}

void oc_note_free(struct oc_note *n)
{
	free(n->text ? n->text : n->remote); /* the block both live in */
	n->remote = n->text = NULL;
}

const char *oc_diag_type(const struct outcome *o)
{
	/* RFC 3464 §2.3.6: "smtp" for a reply from an SMTP server; Postfix
	 * writes its own findings as "X-Postfix". */
	return o->src == OC_SMTP ? "smtp" : "X-Postfix";
}

/* ---- fates ----------------------------------------------------------------- */

static const struct {
	const char *name;    /* the ledger's column */
	enum trace_kind kind; /* the trace event */
	const char *result;  /* queue.done result, or NULL for a bounce class */
} fates[] = {
	[FATE_INBOX] = {"inbox", TK_QUEUE_DONE, "delivered"},
	[FATE_FILED] = {"filed", TK_QUEUE_DONE, "filed"},
	[FATE_JUNK] = {"junk", TK_QUEUE_DONE, "junk"},
	[FATE_QUARANTINE] = {"quarantine", TK_QUEUE_DONE, "quarantined"},
	[FATE_BOUNCED] = {"bounced", TK_QUEUE_BOUNCE, NULL},
	[FATE_REJECTED] = {"rejected", TK_QUEUE_BOUNCE, NULL},
	[FATE_DROPPED] = {"dropped", TK_QUEUE_DONE, "dropped"},
	[FATE_SUPPRESSED] = {"suppressed", TK_QUEUE_BOUNCE, NULL},
	[FATE_RELAYED] = {"relayed", TK_QUEUE_DONE, "relayed"},
	[FATE_FORWARDED] = {"forwarded", TK_QUEUE_DONE, "forwarded"},
};

const char *fate_name(enum fate f)
{
	return (unsigned)f < sizeof fates / sizeof fates[0] ? fates[f].name : "unknown";
}

/* queue.bounce's class: a 5xx is hard; a bounce with a 4.x.x status ran
 * out of queue lifetime (Postfix "status=expired"). */
static const char *bounce_class(const struct settle *s)
{
	if (s->fate == FATE_REJECTED)
		return "rejected";
	if (s->fate == FATE_SUPPRESSED)
		return "suppressed";
	return s->o->status[0] == '5' ? "hard" : "expired";
}

static void count(struct ledger *l, const struct settle *s)
{
	if (s->fate >= FATE_NFINAL)
		return;
	if (!s->report) {
		l->n[s->fate]++;
		return;
	}
	/* A report is not a scenario recipient: a stored one is a DSN that
	 * arrived, a failed one a double bounce (RFC 5321 §6.1: dropped, never
	 * answered with another report). */
	if (s->fate == FATE_BOUNCED || s->fate == FATE_REJECTED)
		l->double_bounces++;
	else
		l->dsn_stored++;
}

void fate_settle(struct sim *sim, const struct settle *s)
{
	count(&sim->ledger, s);
	if (sim->settle_hook)
		sim->settle_hook(sim->settle_ud, s);
	struct trace *tr = sim->trace;
	char reason[1000] = "";
	if (trace_wanted(tr)) /* only the trace reads it */
		oc_reason(s->o, reason, sizeof reason);
	trace_begin(tr, sim->now, fates[s->fate].kind);
	trace_node(tr, s->node);
	trace_msg(tr, s->msg);
	trace_rcpt(tr, s->rcpt);
	if (s->queue_id)
		trace_str(tr, "queue_id", s->queue_id);
	if (fates[s->fate].result) {
		trace_str(tr, "result", fates[s->fate].result);
		trace_str(tr, "status", s->o->status);
	} else {
		trace_str(tr, "status", s->o->status);
		trace_str(tr, "class", bounce_class(s));
	}
	trace_str(tr, "reason", reason);
	trace_end(tr);
}
