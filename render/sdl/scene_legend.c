/* scene_legend.c — the legend (key L): every glyph and colour the frame
 * can show, each drawn as it appears, with what it means. */
#include "scene_topo.h"

#include <math.h>

#include "util.h"

enum legend_glyph { LG_MSG, LG_DSN_FAIL, LG_DSN_DELAY, LG_ASK, LG_ANSWER, LG_TEMP, LG_PERM,
		    LG_TLS, LG_QUARANTINE, LG_FAULT, LG_HERE, LG_HOT, LG_2XX, LG_3XX, LG_4XX,
		    LG_5XX, LG_PASS, LG_ORG, LG_CAMPAIGN };

static const struct {
	enum legend_glyph g;
	const char *text;
} legend_rows[] = {
	{LG_MSG, "a message on its way or at rest (one colour per message, its id written)"},
	{LG_DSN_FAIL, "a failure report (bounce, RFC 3464 DSN)"},
	{LG_DSN_DELAY, "a delay warning (DSN, action delayed)"},
	{LG_ASK, "a DNS question"},
	{LG_ANSWER, "a DNS answer"},
	{LG_TEMP, "temporary (4xx): deferred, greylisted — dashed, with a clock; it will retry"},
	{LG_PERM, "permanent (5xx): rejected, bounced, expired — solid, with a cross"},
	{LG_TLS, "inside TLS (after STARTTLS)"},
	{LG_QUARANTINE, "quarantined or held"},
	{LG_FAULT, "a fault: host down, DNS silent, link lossy …"},
	{LG_HERE, "the host where the current event happens"},
	{LG_HOT, "the link in use"},
	{LG_2XX, "reply 2xx: done"},
	{LG_3XX, "reply 3xx: go on (send the data)"},
	{LG_4XX, "reply 4xx: try again later"},
	{LG_5XX, "reply 5xx: refused for good"},
	{LG_PASS, "a check passed (the check chain; a cross: refused, a clock: try later)"},
	{LG_ORG, "an organisation's hosts, in a box named by its domain"},
	{LG_CAMPAIGN, "campaign panel (C): hard-bounce rate (line), pause threshold (dashes)"},
};

static void legend_arrow(struct view_app *app, float x, float cy, float s, SDL_Color c,
			 bool dashed)
{
	float th = fmaxf((float)app->fs * 0.12f, 2);

	if (dashed)
		dc_dashed(app->dc, x, cy, x + s * 0.7f, cy, th, s * 0.18f, c);
	else
		dc_line(app->dc, x, cy, x + s * 0.7f, cy, th, c);
	dc_arrow(app->dc, x + s * 0.6f, cy, x + s, cy, th, s * 0.3f, c);
}

static void legend_badge(struct view_app *app, enum snap_badge_kind k, float x, float cy,
			 float s)
{
	SDL_Color c = topo_badge_color(app->pal, k);

	topo_badge_frame(app, k, x, cy - s * 0.35f, s, s * 0.7f, c);
	topo_badge_symbol(app, k, x + s / 2, cy, s * 0.25f, c);
}

static void legend_glyph(struct view_app *app, enum legend_glyph g, float x, float cy, float s)
{
	const struct pal *p = app->pal;

	switch (g) {
	case LG_MSG: topo_envelope(app, x + s / 2, cy, s * 0.7f, p->msg[1]); break;
	case LG_DSN_FAIL: topo_envelope(app, x + s / 2, cy, s * 0.7f, p->dsn_failed); break;
	case LG_DSN_DELAY: topo_envelope(app, x + s / 2, cy, s * 0.7f, p->dsn_delayed); break;
	case LG_ASK:
		dc_round_frame(app->dc, x, cy - s * 0.3f, s, s * 0.6f, s * 0.3f, 2, p->dns);
		dc_text(app->dc, DC_BOLD, "?", x + s / 2, cy - (float)dc_line_h(app->dc, DC_BOLD) / 2,
			p->dns, DC_CENTER, 0);
		break;
	case LG_ANSWER:
		dc_round_rect(app->dc, x, cy - s * 0.3f, s, s * 0.6f, s * 0.3f, dc_alpha(p->dns, 110));
		dc_text(app->dc, DC_BOLD, "!", x + s / 2, cy - (float)dc_line_h(app->dc, DC_BOLD) / 2,
			p->text, DC_CENTER, 0);
		break;
	case LG_TEMP: legend_badge(app, BADGE_RETRY, x, cy, s); break;
	case LG_PERM: legend_badge(app, BADGE_BOUNCE, x, cy, s); break;
	case LG_TLS: dc_lock(app->dc, x + s * 0.25f, cy - s * 0.25f, s * 0.5f, p->lock); break;
	case LG_QUARANTINE: legend_badge(app, BADGE_QUARANTINE, x, cy, s); break;
	case LG_FAULT: legend_badge(app, BADGE_FAULT, x, cy, s); break;
	case LG_HERE:
		dc_ellipse_ring(app->dc, x + s / 2, cy, s * 0.35f, s * 0.35f, 3, p->node_ring);
		break;
	case LG_HOT: dc_line(app->dc, x, cy, x + s, cy, s * 0.15f, p->link_hot); break;
	case LG_2XX: legend_arrow(app, x, cy, s, p->cls[LAD_2XX], false); break;
	case LG_3XX: legend_arrow(app, x, cy, s, p->cls[LAD_3XX], false); break;
	case LG_4XX: legend_arrow(app, x, cy, s, p->cls[LAD_4XX], false); break;
	case LG_5XX: legend_arrow(app, x, cy, s, p->cls[LAD_5XX], false); break;
	case LG_PASS:
		dc_line(app->dc, x + s * 0.2f, cy, x + s * 0.4f, cy + s * 0.2f, s * 0.1f, p->cls[LAD_2XX]);
		dc_line(app->dc, x + s * 0.4f, cy + s * 0.2f, x + s * 0.8f, cy - s * 0.25f, s * 0.1f,
			p->cls[LAD_2XX]);
		break;
	case LG_ORG:
		dc_round_frame(app->dc, x, cy - s * 0.35f, s, s * 0.7f, s * 0.15f, 2, p->link);
		break;
	case LG_CAMPAIGN:
		dc_dashed(app->dc, x, cy + s * 0.15f, x + s, cy + s * 0.15f, 2, s * 0.15f,
			  p->cls[LAD_5XX]);
		dc_line(app->dc, x, cy + s * 0.35f, x + s * 0.4f, cy - s * 0.3f, 2.5f, p->accent);
		dc_line(app->dc, x + s * 0.4f, cy - s * 0.3f, x + s, cy, 2.5f, p->accent);
		break;
	}
}

void scene_legend(struct view_app *app)
{
	const struct pal *p = app->pal;
	float lh = (float)dc_line_h(app->dc, DC_SANS) * 1.2f, pad = (float)app->fs;
	float s = lh * 1.6f, n = (float)ARRAY_LEN(legend_rows);
	float w = fminf((float)app->w - 2 * pad, (float)app->fs * 46), h = lh * (n + 1) + 2 * pad;
	float x = ((float)app->w - w) / 2, y = fmaxf(((float)app->h - h) / 2, 0);

	dc_fill_rect(app->dc, 0, 0, (float)app->w, (float)app->h, dc_alpha(p->bg, 190));
	dc_round_rect(app->dc, x, y, w, h, pad / 2, p->panel);
	dc_round_frame(app->dc, x, y, w, h, pad / 2, 2, p->accent);
	dc_text(app->dc, DC_BOLD, "Legend (L closes)", x + pad, y + pad / 2, p->accent, DC_LEFT, 0);
	for (size_t i = 0; i < ARRAY_LEN(legend_rows); i++) {
		float ly = y + pad / 2 + lh * (float)(i + 1);
		legend_glyph(app, legend_rows[i].g, x + pad, ly + lh / 2, s * 0.8f);
		dc_text(app->dc, DC_SANS, legend_rows[i].text, x + pad * 1.5f + s, ly, p->text,
			DC_LEFT, w - s - 2.5f * pad);
	}
}
