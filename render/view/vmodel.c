/* vmodel.c — the view model of one frame (see vmodel.h); vmodel_json.c
 * writes it as the scene description. */
#include "vmodel.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "snap_count.h"
#include "util.h"

void vm_init(struct vm_frame *f)
{
	memset(f, 0, sizeof *f);
	f->event = -1;
}

static void vm_clear_texts(struct vm_frame *f)
{
	for (size_t i = 0; i < f->ntexts; i++)
		free(f->texts[i].text);
	f->ntexts = 0;
}

void vm_free(struct vm_frame *f)
{
	vm_clear_texts(f);
	free(f->texts);
	card_free(&f->card);
	free(f->hosts);
	free(f->groups);
	free(f->dec);
	free(f->rest);
	vmt_free(&f->traffic);
	vm_init(f);
}

bool vm_box_overlap(struct vm_box a, struct vm_box b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

void vm_add_text(struct vm_frame *f, const char *text, struct vm_box box, int px)
{
	if (!f->record_texts || !text || !*text)
		return;
	if (f->ntexts == f->textcap) {
		f->textcap = f->textcap ? 2 * f->textcap : 128;
		f->texts = xrealloc(f->texts, f->textcap * sizeof *f->texts);
	}
	f->texts[f->ntexts++] = (struct vm_text){xstrdup(text), box, px};
}

struct vm_decision *vm_decision_for(struct vm_frame *f, size_t ev, bool current)
{
	for (size_t i = 0; i < f->ndec; i++)
		if (f->dec[i].ev == ev && f->dec[i].current == current)
			return &f->dec[i];
	return NULL;
}

/* ---- geometry of the network panel ---- */

static size_t vm_distinct(const struct lay_node *nodes, size_t n, bool xs)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (xs && nodes[i].role == LAY_DNS)
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (!xs || nodes[j].role != LAY_DNS) &&
			       fabs(xs ? nodes[j].x - nodes[i].x : nodes[j].y - nodes[i].y) < 1e-6;
		k += !seen;
	}
	return k ? k : 1;
}

/* Rows share the panel's height: the DNS row (no box) only its content
 * and padding, an organisations' row also its box's name line; a row
 * holds as many label lines (up to four: a name broken at its first dot
 * and a role on two lines) as fit, and an icon in proportion to the text. Columns share the width, so no two cells meet. */
static struct vm_topo_geom vm_geom(const struct vm_inputs *in, size_t ncols, size_t nrows,
				   bool dns_row)
{
	const struct lay_rect *r = &in->topo;
	float lh = in->line_h, fs = in->fs;
	struct vm_topo_geom g;

	g.pad = fs * 0.25f;
	g.gap = fs * 0.4f;
	g.head_h = lh * 0.85f;
	g.dns_row = dns_row && nrows > 1;
	float avail = (float)(r->y + r->h) - in->topo_top - 2 * g.pad;
	size_t boxed = nrows - g.dns_row;
	/* avail = dns * (C + 2 pad) + boxed * (C + head + 3 pad) */
	float c = (avail - (float)g.dns_row * 2 * g.pad - (float)boxed * (g.head_h + 3 * g.pad)) /
		  (float)nrows;
	c = fmaxf(c, lh);
	int lines = (int)(c / lh);
	lines = lines > 4 ? 4 : lines;
	g.icon = fminf(1.9f * fs, c); /* grows with the scale while there is room */
	g.content_h = fmaxf((float)lines * lh, g.icon);
	g.row_h = g.content_h + g.head_h + 3 * g.pad;
	g.cell_w = ((float)r->w - 2 * g.pad) / (float)ncols;
	return g;
}

static size_t vm_row_of(const struct vm_inputs *in, size_t i, size_t nrows)
{
	return (size_t)lround(in->nodes[i].y * (double)(nrows - 1));
}

static size_t vm_col_of(const struct vm_inputs *in, size_t i, size_t ncols)
{
	double xn = (in->nodes[i].x - 0.02) / 0.96; /* LAY_MARGIN undone */
	xn = xn < 0 ? 0 : xn > 1 ? 1 : xn;
	return (size_t)lround(xn * (double)(ncols - 1));
}

/* A host's label width: its cell's, and the empty cells to its right in
 * its row up to the next host of its own organisation (inside its box). */
static float vm_label_w(const struct vm_topo_geom *g, const struct vm_inputs *in, size_t i,
			size_t ncols, size_t nrows)
{
	size_t n = in->model->nnodes, row = vm_row_of(in, i, nrows), col = vm_col_of(in, i, ncols);
	size_t next = ncols; /* the first occupied column right of col in the row */
	bool own = false;

	for (size_t j = 0; j < n; j++) {
		double dr = fabs(in->nodes[j].y * (double)(nrows - 1) - (double)row);
		size_t c = vm_col_of(in, j, ncols);
		if (j == i || dr >= 1 || c <= col || c > next)
			continue;
		own = c < next ? in->nodes[j].group == in->nodes[i].group && in->nodes[i].group > 0
			       : own || (in->nodes[j].group == in->nodes[i].group && in->nodes[i].group > 0);
		next = c;
	}
	float cells = own ? (float)(next - col) : 1;
	return fmaxf(g->cell_w * cells - g->icon - 3 * g->gap, in->fs * 3);
}

/* A row's band: its content, padding, and a box's name line unless it
 * is the DNS row. */
static float vm_band(const struct vm_topo_geom *g, size_t k, float content)
{
	return g->dns_row && k == 0 ? content + 2 * g->pad : content + g->head_h + 3 * g->pad;
}

static const char *vm_domain(const char *name);

/* The role as the panel draws it: inside the box that names the
 * organisation, without "example.org's ". */
static const char *vm_role_in_box(const struct vm_inputs *in, size_t i, const char *name,
				  const char *label)
{
	const char *dom = vm_domain(name);
	size_t n = strlen(dom);

	if (in->nodes[i].group > 0 && strncmp(label, dom, n) == 0 && strncmp(label + n, "'s ", 3) == 0)
		return label + n + 3;
	return label;
}

/* Each row's content height: the uniform one, grown where a host's
 * wrapped name and role need more; when that overflows the panel, rows
 * that need less give their room to the ones that need more (with the
 * padding halved if need be); when even that does not fit, the uniform
 * rows (and labels elided). */
static void vm_row_content(struct vm_frame *f, const struct vm_inputs *in, size_t ncols,
			   size_t nrows, float *content)
{
	struct vm_topo_geom *g = &f->geom;
	const struct lay_rect *r = &in->topo;
	float total = 0, grown = 0, pad0 = g->pad;
	float *need = xcalloc(nrows, sizeof *need);

	for (size_t i = 0; in->label_h && i < f->nhosts; i++) {
		size_t k = vm_row_of(in, i, nrows);
		const struct vm_host *h = &f->hosts[i];
		need[k] = fmaxf(need[k], in->label_h(in->label_ctx, h->name,
						     vm_role_in_box(in, i, h->name, h->label),
						     vm_label_w(g, in, i, ncols, nrows)));
	}
	for (size_t k = 0; k < nrows; k++) {
		content[k] = fmaxf(g->content_h, need[k]);
		total += vm_band(g, k, content[k]);
		grown = fmaxf(grown, need[k] - g->content_h);
	}
	float avail = (float)(r->y + r->h) - in->topo_top - 2 * g->pad;
	for (int pass = 0; total > avail + 0.5f && grown > 0 && pass < 2; pass++) {
		g->pad = pass ? pad0 / 2 : pad0;
		avail = (float)(r->y + r->h) - in->topo_top - 2 * g->pad;
		total = 0;
		for (size_t k = 0; k < nrows; k++) {
			content[k] = fmaxf(g->icon, need[k]);
			total += vm_band(g, k, content[k]);
		}
		if (total <= avail)
			for (size_t k = 0; k < nrows; k++)
				content[k] += (avail - total) / (float)nrows;
	}
	if (total > avail + 0.5f) {
		g->pad = pad0;
		for (size_t k = 0; k < nrows; k++)
			content[k] = g->content_h;
	}
	free(need);
}

/* Host centres from the layout's 0..1 positions onto the grid, their
 * label boxes beside the icons; a host between two rows (a DNS server
 * below the DNS row) sits in proportion between their centres. */
static void vm_place_hosts(struct vm_frame *f, const struct vm_inputs *in, size_t ncols,
			   size_t nrows)
{
	const struct vm_topo_geom *g = &f->geom;
	float *content = xcalloc(nrows, sizeof *content), *mid = xcalloc(nrows, sizeof *mid);

	vm_row_content(f, in, ncols, nrows, content);
	float left = (float)in->topo.x + g->pad, y = in->topo_top + g->pad;
	for (size_t k = 0; k < nrows; k++) {
		float band = vm_band(g, k, content[k]);
		mid[k] = y + (g->dns_row && k == 0 ? 0 : g->head_h) + g->pad + content[k] / 2;
		y += band;
	}
	for (size_t i = 0; i < f->nhosts; i++) {
		struct vm_host *h = &f->hosts[i];
		double xn = (in->nodes[i].x - 0.02) / 0.96; /* LAY_MARGIN undone */
		xn = xn < 0 ? 0 : xn > 1 ? 1 : xn;
		double row = in->nodes[i].y * (double)(nrows - 1);
		size_t k0 = (size_t)floor(row), k1 = k0 + 1 < nrows ? k0 + 1 : k0;
		float t = (float)(row - (double)k0), ch = content[vm_row_of(in, i, nrows)];
		h->cx = left + (float)xn * g->cell_w * (float)(ncols - 1) + g->gap + g->icon / 2;
		h->cy = mid[k0] + (mid[k1] - mid[k0]) * t;
		h->box = (struct vm_box){h->cx - g->icon / 2, h->cy - g->icon / 2, g->icon, g->icon};
		h->label_box = (struct vm_box){h->cx + g->icon / 2 + g->gap, h->cy - ch / 2,
					       vm_label_w(g, in, i, ncols, nrows), ch};
	}
	free(content);
	free(mid);
}

/* Each organisation's box: the union of its hosts' cells, each cell the
 * icon, its labels and the box's name line above them. */
static void vm_build_groups(struct vm_frame *f, const struct vm_inputs *in)
{
	const struct vm_topo_geom *g = &f->geom;

	f->ngroups = 0;
	f->groups = xrealloc(f->groups, (f->nhosts ? f->nhosts : 1) * sizeof *f->groups);
	for (size_t i = 0; i < f->nhosts; i++) {
		struct vm_host *h = &f->hosts[i];
		h->group = -1;
		if (in->nodes[i].group <= 0)
			continue;
		float ch = h->label_box.h;
		struct vm_box c = {h->cx - g->icon / 2 - g->gap, h->cy - ch / 2 - g->pad - g->head_h,
				   g->cell_w - g->gap, ch + 2 * g->pad + g->head_h};
		for (size_t k = 0; k < i && h->group < 0; k++)
			if (in->nodes[k].group == in->nodes[i].group)
				h->group = f->hosts[k].group;
		if (h->group < 0) {
			h->group = (int)f->ngroups++;
			lay_group_name(h->name, f->groups[h->group].name, sizeof f->groups[h->group].name);
			f->groups[h->group].box = c;
			continue;
		}
		struct vm_box *b = &f->groups[h->group].box;
		float x1 = fmaxf(b->x + b->w, c.x + c.w), y1 = fmaxf(b->y + b->h, c.y + c.h);
		b->x = fminf(b->x, c.x);
		b->y = fminf(b->y, c.y);
		b->w = x1 - b->x;
		b->h = y1 - b->y;
	}
}

/* ---- role labels ---- */

static bool vm_uses_port(const struct tm_model *m, int node, bool as_client, bool mta_peer)
{
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		if (e->kind != TM_NET_CONNECT || e->port != 25 || e->peer < 0 || e->node < 0)
			continue;
		int me = as_client ? e->node : e->peer, other = as_client ? e->peer : e->node;
		if (me == node && (!mta_peer || strcmp(m->nodes[other].role, "client") != 0))
			return true;
	}
	return false;
}

static const char *vm_domain(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? dot + 1 : name;
}

/* "alice-laptop.example.org" → "Alice's laptop"; no dash: the first
 * label as it is. */
static void vm_owner_device(const char *name, char *out, size_t outsz)
{
	size_t len = strcspn(name, "."), dash = strcspn(name, "-");

	if (dash < len && dash > 0) {
		snprintf(out, outsz, "%c%.*s's %.*s", toupper((unsigned char)name[0]),
			 (int)dash - 1, name + 1, (int)(len - dash - 1), name + dash + 1);
		return;
	}
	snprintf(out, outsz, "%.*s", (int)len, name);
}

void vm_role_label(const struct tm_model *m, int node, char *out, size_t outsz)
{
	const struct tm_node *n = &m->nodes[node];
	char who[96];

	if (strcmp(n->role, "client") == 0) {
		vm_owner_device(n->name, who, sizeof who);
		snprintf(out, outsz, "%s — mail client", who);
	} else if (strcmp(n->role, "dns") == 0) {
		snprintf(out, outsz, "DNS server");
	} else if (strcmp(n->role, "mta") == 0 || strcmp(n->role, "filter") == 0) {
		bool out_ = vm_uses_port(m, node, true, false), in = vm_uses_port(m, node, false, true);
		const char *what = out_ && !in ? "outgoing server" : in && !out_ ? "incoming server"
										  : "mail server";
		snprintf(out, outsz, "%s's %s — %s", vm_domain(n->name), what,
			 n->role[0] == 'f' ? "filter" : "MTA");
	} else if (strcmp(n->role, "mailbox") == 0) {
		snprintf(out, outsz, "%s's mailbox server", vm_domain(n->name));
	} else {
		snprintf(out, outsz, "%s", n->role[0] ? n->role : "host");
	}
}

void vm_short_name(const struct tm_model *m, int node, char *out, size_t outsz)
{
	const char *name = m->nodes[node].name;
	size_t len = strcspn(name, ".");

	for (size_t i = 0; i < m->nnodes; i++)
		if ((int)i != node && strncmp(m->nodes[i].name, name, len) == 0 &&
		    strcspn(m->nodes[i].name, ".") == len) {
			snprintf(out, outsz, "%s", name);
			return;
		}
	snprintf(out, outsz, "%.*s", (int)len, name);
}

long vm_next_beat(const struct tm_model *m, long from)
{
	for (size_t i = from < 0 ? 0 : (size_t)from + 1; i < m->nev; i++)
		if (m->ev[i].kind == TM_NARRATE)
			return (long)i;
	return -1;
}

long vm_prev_beat(const struct tm_model *m, long from)
{
	for (long i = (from > (long)m->nev ? (long)m->nev : from) - 1; i >= 0; i--)
		if (m->ev[i].kind == TM_NARRATE)
			return i;
	return -1;
}

/* ---- what moves ---- */

const char *vm_moving_kind(const struct tm_model *m, const struct tm_event *e)
{
	if (!tm_bubble(e) || e->peer < 0 || e->node < 0 || e->peer == e->node)
		return NULL;
	if (e->msg_idx >= 0 && m->msgs[e->msg_idx].dsn_of >= 0 && tm_kind_carries_message(e->kind))
		return "dsn";
	switch (e->kind) {
	case TM_DNS_QUERY: return "dns-query";
	case TM_DNS_ANSWER: return "dns-answer";
	case TM_SMTP_DATA: return "message";
	case TM_IMAP_DATA: case TM_IMAP_SEND: return "imap";
	case TM_POP3_DATA: case TM_POP3_SEND: return "pop3";
	case TM_SMTP_SEND: return "smtp";
	case TM_NET_CONNECT: return "connect";
	default: return tm_kind_name(e);
	}
}

static float vm_ease(float t)
{
	return t * t * (3 - 2 * t);
}

static void vm_build_moving(struct vm_frame *f, const struct vm_inputs *in)
{
	const struct tm_event *e = &in->model->ev[in->cursor];
	const char *kind = vm_moving_kind(in->model, e);

	if (!kind)
		return;
	const struct vm_host *a = &f->hosts[e->node], *b = &f->hosts[e->peer];
	/* from just outside the sender to short of the receiver, so the
	 * settled frame still shows the item on its way */
	float pos = 0.2f + 0.5f * vm_ease((float)in->progress_permille / 1000);
	f->moving[f->nmoving++] = (struct vm_moving){kind, e->msg_idx, e->node, e->peer, pos,
						     a->cx + (b->cx - a->cx) * pos,
						     a->cy + (b->cy - a->cy) * pos, (size_t)in->cursor};
}

/* ---- decisions and resting messages ---- */

static const char *const vm_badge_names[BADGE_KIND_COUNT] = {
	[BADGE_RETRY] = "retry", [BADGE_BOUNCE] = "bounce", [BADGE_REJECT] = "reject",
	[BADGE_GREYLIST] = "greylist", [BADGE_DISCARD] = "discard", [BADGE_DEFER] = "defer",
	[BADGE_QUARANTINE] = "quarantine", [BADGE_SPAM] = "spam", [BADGE_EXPIRED] = "expired",
	[BADGE_DSN] = "dsn-failed", [BADGE_DSN_DELAYED] = "dsn-delayed", [BADGE_FAULT] = "fault",
	[BADGE_CHECK] = "check",
};

static struct vm_decision *vm_push_decision(struct vm_frame *f)
{
	if (f->ndec == f->deccap) {
		f->deccap = f->deccap ? 2 * f->deccap : 16;
		f->dec = xrealloc(f->dec, f->deccap * sizeof *f->dec);
	}
	struct vm_decision *d = &f->dec[f->ndec++];
	memset(d, 0, sizeof *d);
	return d;
}

static void vm_build_decisions(struct vm_frame *f, const struct vm_inputs *in)
{
	for (size_t i = 0; i < in->snap->nbadges; i++) {
		const struct snap_badge *b = &in->snap->badges[i];
		struct vm_decision *d = vm_push_decision(f);
		d->host = b->host;
		d->kind = vm_badge_names[b->kind];
		snprintf(d->text, sizeof d->text, "%s", b->text);
		d->ev = b->ev;
	}
	const struct tm_event *e = &in->model->ev[in->cursor];
	if (e->node >= 0 && tm_kind_is_decision(e->kind) && !vm_moving_kind(in->model, e)) {
		struct vm_decision *d = vm_push_decision(f);
		d->host = e->node;
		d->kind = tm_kind_name(e);
		snprintf(d->text, sizeof d->text, "%s", tm_summary(e)[0] ? tm_summary(e) : tm_kind_name(e));
		d->ev = (size_t)in->cursor;
		d->current = true;
	}
}

size_t vm_resting_fill(const struct snap *s, const struct tm_model *m, long cursor,
		       struct vm_resting **arr, size_t *cap)
{
	static const char *const places[] = {
		[PLACE_OUTBOX] = "outbox", [PLACE_QUEUE] = "queue",
		[PLACE_MAILBOX] = "mailbox", [PLACE_FETCHED] = "fetched",
	};
	const struct tm_event *cur = &m->ev[cursor];
	struct snap_place *pl = NULL;
	size_t plcap = 0, np = snap_places_fill(s, &pl, &plcap), n = 0;

	for (size_t i = 0; i < np; i++) {
		const struct snap_place *p = &pl[i];
		/* the copy the cursor event is carrying there has not arrived */
		if (tm_kind_carries_message(cur->kind) && p->msg_idx == cur->msg_idx &&
		    p->host == cur->peer)
			continue;
		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*arr = xrealloc(*arr, *cap * sizeof **arr);
		}
		(*arr)[n++] = (struct vm_resting){p->msg_idx, p->host, places[p->kind]};
	}
	free(pl);
	return n;
}

/* ---- clock and caption ---- */

static void vm_build_clock(struct vm_frame *f, const struct tm_model *m, int64_t clock_us)
{
	char el[48], wall[48];
	int64_t start;
	const char *s = m->nev && m->ev[0].kind == TM_SIM_START ? tm_get(&m->ev[0], "start") : NULL;

	for (size_t i = 0; !s && i < m->nev && i < 4; i++)
		s = m->ev[i].kind == TM_SIM_START ? tm_get(&m->ev[i], "start") : NULL;
	clk_fmt_elapsed(clock_us, el, sizeof el);
	if (s && clk_parse_rfc5322(s, &start)) {
		clk_fmt_wall(start + clock_us / 1000000, wall, sizeof wall);
		snprintf(f->clock, sizeof f->clock, "%s · %s", el, wall);
	} else {
		snprintf(f->clock, sizeof f->clock, "%s", el);
	}
}

const char *vm_narration(const struct tm_model *m, const struct tl_map *tmap, long cursor)
{
	if (cursor < 0 || (size_t)cursor >= m->nev)
		return NULL;
	long n = m->ev[cursor].narration;
	if (n < 0)
		return NULL;
	for (size_t g = 0; g < tmap->ngaps; g++)
		if ((long)tmap->gaps[g].after >= n && (long)tmap->gaps[g].after < cursor)
			return NULL; /* an idle gap since: the step it spoke of is over */
	return tm_text(&m->ev[n]);
}

/* Geometry, hosts with their labels, groups: again only when an input
 * of theirs changed (see vm_layout_key). */
static void vm_build_layout(struct vm_frame *f, const struct vm_inputs *in)
{
	const struct tm_model *m = in->model;
	struct vm_layout_key key;

	memset(&key, 0, sizeof key); /* padding too: the key is compared whole */
	key.model = m;
	key.nodes = in->nodes;
	key.width = in->width;
	key.height = in->height;
	key.topo = in->topo;
	key.topo_top = in->topo_top;
	key.fs = in->fs;
	key.line_h = in->line_h;
	key.label_ctx = in->label_ctx;
	key.epoch = in->layout_epoch;
	if (f->layout_gen && memcmp(&key, &f->layout_key, sizeof key) == 0 &&
	    f->nhosts == m->nnodes)
		return;
	f->layout_key = key;
	f->layout_gen++;
	f->links = in->links;
	f->nlinks = in->nlinks;
	size_t ncols = vm_distinct(in->nodes, m->nnodes, true);
	size_t nrows = vm_distinct(in->nodes, m->nnodes, false);
	bool dns = false;
	for (size_t i = 0; i < m->nnodes; i++)
		dns |= in->nodes[i].role == LAY_DNS && in->nodes[i].y < 1e-6;
	f->geom = vm_geom(in, ncols, nrows, dns);
	f->hosts = xrealloc(f->hosts, (m->nnodes ? m->nnodes : 1) * sizeof *f->hosts);
	f->nhosts = m->nnodes;
	for (size_t i = 0; i < m->nnodes; i++) {
		struct vm_host *h = &f->hosts[i];
		h->node = (int)i;
		h->name = m->nodes[i].name;
		h->role = m->nodes[i].role;
		vm_role_label(m, (int)i, h->label, sizeof h->label);
	}
	vm_place_hosts(f, in, ncols, nrows);
	vm_build_groups(f, in);
}

void vm_build(struct vm_frame *f, const struct vm_inputs *in)
{
	const struct tm_model *m = in->model;

	vm_clear_texts(f);
	f->nmoving = f->ndec = f->nrest = 0;
	f->snap = NULL;
	f->aggregate = false;
	f->event = in->cursor;
	f->width = in->width;
	f->height = in->height;
	f->clock_us = in->clock_us;
	vm_build_clock(f, m, in->clock_us);
	f->narration = vm_narration(m, in->tmap, in->cursor);
	f->links = in->links;
	f->nlinks = in->nlinks;
	vm_build_layout(f, in);
	card_free(&f->card);
	f->card_open = false;
	f->card_box = f->chain_box = (struct vm_box){0, 0, 0, 0};
	chain_build(&f->chain, m, in->cursor);
	if (in->cursor < 0 || (size_t)in->cursor >= m->nev)
		return;
	if (in->card_ev >= 0 && (size_t)in->card_ev < m->nev) {
		card_build(&f->card, m, (size_t)in->card_ev, in->cursor);
		f->card_open = true;
	}
	vm_build_moving(f, in);
	vm_build_decisions(f, in);
	f->snap = in->snap;
	f->aggregate = in->aggregate;
	if (!f->aggregate) /* aggregated, the counts stand for them (vm_traffic.h) */
		f->nrest = vm_resting_fill(in->snap, m, in->cursor, &f->rest, &f->restcap);
	if (f->aggregate) {
		const struct tm_event *cur = &m->ev[in->cursor];
		bool carried = tm_kind_carries_message(cur->kind);
		vmt_build(&f->traffic, m, in->snap, in->cursor, carried ? cur->msg_idx : -1,
			  carried ? cur->peer : -1);
	}
}
