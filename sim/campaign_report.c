/* campaign_report.c — a run's campaigns as figures: the JSON report of
 * `mailsim run FILE --report OUT.json` and the end-of-run table. Delivery
 * (the receiver accepted the message) and placement (where the
 * recipient's mail program shows it) are two different numbers: a
 * message filed in Junk was delivered but not seen (email-facts §11). */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "campaign.h"

static double pct(long part, long whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

void campaigns_print_summary(const struct campaigns *cs, FILE *f)
{
	size_t n = campaigns_count(cs);
	if (!n)
		return;
	fprintf(f, "campaigns:\n");
	fprintf(f, "  %-20s %6s %6s %6s %6s %6s %6s %8s %8s\n", "campaign", "list", "sent", "hard",
		"soft", "suppr", "unsent", "delivery", "inbox");
	for (size_t i = 0; i < n; i++) {
		struct campaign_stats s;
		campaigns_stats(cs, i, &s);
		/* Delivery rate: accepted of sent. Inbox placement: Inbox and
		 * Promotions (both shown to the reader) of sent. */
		fprintf(f, "  %-20s %6ld %6ld %6ld %6ld %6ld %6ld %7.1f%% %7.1f%%%s\n", s.name,
			s.recipients, s.sent, s.hard_bounced, s.soft_bounced, s.suppressed, s.unsent,
			pct(s.accepted, s.sent), pct(s.inbox + s.promotions, s.sent),
			s.paused ? "  PAUSED" : "");
		/* Placement of what was accepted: Inbox and Promotions are seen;
		 * Junk, Quarantine and dropped are delivered but not seen. */
		fprintf(f, "  %-20s placement: inbox %ld, promotions %ld, junk %ld, quarantine %ld, "
			"dropped %ld; deferred %ld, blocked %ld\n", "", s.inbox, s.promotions, s.junk,
			s.quarantine, s.dropped, s.deferred, s.blocked);
		if (s.paused)
			fprintf(f, "  %-20s paused at t=%.3f s after %ld sent: hard-bounce rate %.1f%%\n", "",
				(double)s.paused_t / 1e6, s.paused_sent, s.paused_rate * 100);
	}
}

static cJSON *stats_json(const struct campaign_stats *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddNumberToObject(o, "recipients", (double)s->recipients);
	cJSON_AddNumberToObject(o, "sent", (double)s->sent);
	cJSON_AddNumberToObject(o, "accepted", (double)s->accepted);
	cJSON_AddNumberToObject(o, "hard_bounced", (double)s->hard_bounced);
	cJSON_AddNumberToObject(o, "soft_bounced", (double)s->soft_bounced);
	cJSON_AddNumberToObject(o, "blocked", (double)s->blocked);
	cJSON_AddNumberToObject(o, "deferred", (double)s->deferred);
	cJSON_AddNumberToObject(o, "in_flight", (double)s->in_flight);
	cJSON_AddNumberToObject(o, "suppressed", (double)s->suppressed);
	cJSON_AddNumberToObject(o, "verified_out", (double)s->verified_out);
	cJSON_AddNumberToObject(o, "unsent", (double)s->unsent);
	cJSON_AddBoolToObject(o, "paused", s->paused);
	if (s->paused) {
		cJSON *p = cJSON_AddObjectToObject(o, "paused_at");
		cJSON_AddNumberToObject(p, "t", (double)s->paused_t / 1e6);
		cJSON_AddNumberToObject(p, "sent", (double)s->paused_sent);
		cJSON_AddNumberToObject(p, "bounce_rate", s->paused_rate);
	} else {
		cJSON_AddNullToObject(o, "paused_at");
	}
	if (s->resumed_t >= 0)
		cJSON_AddNumberToObject(o, "resumed_at", (double)s->resumed_t / 1e6);
	else
		cJSON_AddNullToObject(o, "resumed_at");
	cJSON *pl = cJSON_AddObjectToObject(o, "placement");
	cJSON_AddNumberToObject(pl, "inbox", (double)s->inbox);
	cJSON_AddNumberToObject(pl, "promotions", (double)s->promotions);
	cJSON_AddNumberToObject(pl, "junk", (double)s->junk);
	cJSON_AddNumberToObject(pl, "quarantine", (double)s->quarantine);
	cJSON_AddNumberToObject(pl, "dropped", (double)s->dropped);
	cJSON_AddNumberToObject(o, "delivery_rate", s->sent ? (double)s->accepted / (double)s->sent : 0);
	cJSON_AddNumberToObject(o, "inbox_placement_rate",
				s->sent ? (double)(s->inbox + s->promotions) / (double)s->sent : 0);
	return o;
}

bool campaigns_write_report(const struct campaigns *cs, const char *scenario, cJSON *receivers,
			    FILE *f)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "scenario", scenario ? scenario : "");
	cJSON *arr = cJSON_AddArrayToObject(root, "campaigns");
	for (size_t i = 0; i < campaigns_count(cs); i++) {
		struct campaign_stats s;
		campaigns_stats(cs, i, &s);
		cJSON_AddItemToArray(arr, stats_json(&s));
	}
	cJSON_AddItemToObject(root, "receivers", receivers ? receivers : cJSON_CreateObject());
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	bool ok = text && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
	free(text);
	return ok;
}
