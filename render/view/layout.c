/* layout.c — host placement and panel geometry (see layout.h).
 *
 * Hosts fall into tiers, left to right: sending clients, servers (MTAs,
 * filters, relays, ordered among themselves by the longest flow path),
 * mailbox hosts, receiving clients. DNS servers sit in a row above. Only
 * the order of hosts and edges matters, so the picture is stable. */
#include "layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum lay_tier { TIER_NONE = -1, TIER_SEND, TIER_SERVER, TIER_MAILBOX, TIER_RECV,
		TIER_COUNT };

#define LAY_MARGIN 0.02     /* the renderer pads for icons and labels */
#define LAY_DNS_ROW 0.06    /* y of the DNS row */
#define LAY_DNS_MIN_DX 0.18 /* minimum distance between DNS icons */

struct lay_work {
	size_t n;
	unsigned char *adj; /* n*n: accepted flow edges, a DAG */
	int *tier;
	int *rank;          /* column within the tier */
};

enum lay_role lay_role_from_name(const char *name)
{
	static const char *const names[LAY_ROLE_COUNT] = {
		[LAY_CLIENT] = "client", [LAY_MTA] = "mta", [LAY_DNS] = "dns",
		[LAY_FILTER] = "filter", [LAY_MAILBOX] = "mailbox",
	};

	for (int r = 0; r < LAY_OTHER; r++)
		if (name && strcmp(name, names[r]) == 0)
			return (enum lay_role)r;
	return LAY_OTHER;
}

/* ---- edges from the trace ---- */

static bool lay_is_access_port(int port)
{
	return port == 110 || port == 143 || port == 993 || port == 995;
}

static void lay_edge_add(struct lay_edge **out, size_t *n, int from, int to,
			 bool flow)
{
	if (from < 0 || to < 0 || from == to)
		return;
	for (size_t i = 0; i < *n; i++)
		if ((*out)[i].from == from && (*out)[i].to == to && (*out)[i].flow == flow)
			return;
	if (*n % 16 == 0)
		*out = xrealloc(*out, (*n + 16) * sizeof **out);
	(*out)[(*n)++] = (struct lay_edge){from, to, flow};
}

size_t lay_edges_from_trace(const struct tm_model *m, struct lay_edge **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		bool c2s = e->dir != TM_DIR_S2C;
		switch (e->kind) {
		case TM_NET_CONNECT:
		case TM_NET_REFUSED: /* a failed attempt still shows the route */
		case TM_NET_TIMEOUT:
			if (lay_is_access_port(e->port))
				lay_edge_add(out, &n, e->peer, e->node, true);
			else
				lay_edge_add(out, &n, e->node, e->peer, true);
			break;
		case TM_SMTP_SEND:
		case TM_SMTP_DATA:
			lay_edge_add(out, &n, c2s ? e->node : e->peer,
				     c2s ? e->peer : e->node, true);
			break;
		case TM_IMAP_SEND:
		case TM_POP3_SEND:
		case TM_IMAP_DATA:
		case TM_POP3_DATA:
			lay_edge_add(out, &n, c2s ? e->peer : e->node,
				     c2s ? e->node : e->peer, true);
			break;
		case TM_DNS_QUERY:
		case TM_DNS_TIMEOUT:
			lay_edge_add(out, &n, e->node, e->peer, false);
			break;
		default:
			break;
		}
	}
	return n;
}

/* ---- tiers and ranks ---- */

static bool lay_reaches(const struct lay_work *w, size_t from, size_t to)
{
	size_t *stack = xmalloc(w->n * sizeof *stack), top = 0;
	unsigned char *seen = xcalloc(w->n, 1);
	bool found = false;

	stack[top++] = from;
	seen[from] = 1;
	while (top > 0 && !found) {
		size_t u = stack[--top];
		found = u == to;
		for (size_t v = 0; v < w->n && !found; v++)
			if (w->adj[u * w->n + v] && !seen[v]) {
				seen[v] = 1;
				stack[top++] = v;
			}
	}
	free(stack);
	free(seen);
	return found;
}

static void lay_accept_edges(struct lay_work *w, const struct lay_node *nodes,
			     const struct lay_edge *edges, size_t nedges)
{
	for (size_t i = 0; i < nedges; i++) {
		const struct lay_edge *e = &edges[i];
		if (!e->flow || e->from < 0 || e->to < 0 || (size_t)e->from >= w->n ||
		    (size_t)e->to >= w->n || e->from == e->to ||
		    nodes[e->from].role == LAY_DNS || nodes[e->to].role == LAY_DNS)
			continue;
		if (!lay_reaches(w, (size_t)e->to, (size_t)e->from))
			w->adj[(size_t)e->from * w->n + (size_t)e->to] = 1;
	}
}

static bool lay_has_edge(const struct lay_work *w, size_t u, bool outgoing)
{
	for (size_t v = 0; v < w->n; v++)
		if (outgoing ? w->adj[u * w->n + v] : w->adj[v * w->n + u])
			return true;
	return false;
}

/* A client that hands mail on sends; one that only receives (mailbox
 * access) is a reader. With no traffic, a client listed after a server in
 * the scenario is taken to be the reader. */
static int lay_client_tier(const struct lay_work *w, const struct lay_node *nodes,
			   size_t i)
{
	if (lay_has_edge(w, i, true))
		return TIER_SEND;
	if (lay_has_edge(w, i, false))
		return TIER_RECV;
	for (size_t j = 0; j < i; j++)
		if (nodes[j].role != LAY_CLIENT && nodes[j].role != LAY_DNS)
			return TIER_RECV;
	return TIER_SEND;
}

static void lay_assign_tiers(struct lay_work *w, const struct lay_node *nodes)
{
	for (size_t i = 0; i < w->n; i++) {
		switch (nodes[i].role) {
		case LAY_DNS: w->tier[i] = TIER_NONE; break;
		case LAY_MAILBOX: w->tier[i] = TIER_MAILBOX; break;
		case LAY_CLIENT: w->tier[i] = lay_client_tier(w, nodes, i); break;
		default: w->tier[i] = TIER_SERVER; break;
		}
	}
}

/* Longest flow path among servers; an idle server stands with the last
 * column (an unused backup MX belongs beside the primary). */
static void lay_rank_servers(struct lay_work *w)
{
	int maxrank = 0;

	for (size_t iter = 0; iter < w->n; iter++)
		for (size_t u = 0; u < w->n; u++)
			for (size_t v = 0; v < w->n; v++)
				if (w->adj[u * w->n + v] && w->tier[u] == TIER_SERVER &&
				    w->tier[v] == TIER_SERVER && w->rank[v] < w->rank[u] + 1)
					w->rank[v] = w->rank[u] + 1;
	for (size_t i = 0; i < w->n; i++)
		if (w->tier[i] == TIER_SERVER && w->rank[i] > maxrank)
			maxrank = w->rank[i];
	for (size_t i = 0; i < w->n; i++)
		if (w->tier[i] == TIER_SERVER && !lay_has_edge(w, i, true) &&
		    !lay_has_edge(w, i, false))
			w->rank[i] = maxrank;
}

/* Column of each node; returns the number of columns. */
static int lay_columns(const struct lay_work *w, int *col)
{
	int width[TIER_COUNT] = {0}, start[TIER_COUNT], ncols = 0;

	for (size_t i = 0; i < w->n; i++)
		if (w->tier[i] != TIER_NONE && w->rank[i] + 1 > width[w->tier[i]])
			width[w->tier[i]] = w->rank[i] + 1;
	for (int t = 0; t < TIER_COUNT; t++) {
		start[t] = ncols;
		ncols += width[t];
	}
	for (size_t i = 0; i < w->n; i++)
		col[i] = w->tier[i] == TIER_NONE ? -1 : start[w->tier[i]] + w->rank[i];
	return ncols;
}

/* ---- placement ---- */

#define LAY_BAND_TOP_DNS 0.42 /* the flow band starts under the DNS row */
#define LAY_STACK_MAX_DY 0.45  /* hosts stacked in a column: at most this apart */

/* The flow band: a row centre and the spacing of stacked hosts. With one
 * host per column the row sits at the bottom under DNS (centred without
 * DNS); taller stacks spread over the band. */
struct lay_band {
	double row_y, dy;
};

static size_t lay_tallest_column(size_t n, const int *col, int ncols)
{
	size_t kmax = 1;

	for (int c = 0; c < ncols; c++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			k += col[i] == c;
		kmax = k > kmax ? k : kmax;
	}
	return kmax;
}

static struct lay_band lay_band(size_t kmax, bool any_dns)
{
	double top = any_dns ? LAY_BAND_TOP_DNS : 0;
	struct lay_band b = {any_dns ? 1 : 0.5, 0};

	if (kmax < 2)
		return b;
	b.dy = (1 - top) / (double)(kmax - 1);
	b.dy = b.dy > LAY_STACK_MAX_DY ? LAY_STACK_MAX_DY : b.dy;
	b.row_y = 1 - b.dy * (double)(kmax - 1) / 2;
	return b;
}

static void lay_place_columns(struct lay_node *nodes, size_t n, const int *col,
			      int ncols, struct lay_band band)
{
	for (int c = 0; c < ncols; c++) {
		size_t k = 0, j = 0;
		for (size_t i = 0; i < n; i++)
			k += col[i] == c;
		double x = ncols == 1 ? 0.5 :
			   LAY_MARGIN + (1 - 2 * LAY_MARGIN) * c / (ncols - 1);
		for (size_t i = 0; i < n; i++) {
			if (col[i] != c)
				continue;
			nodes[i].x = x;
			nodes[i].y = band.row_y + ((double)j - (double)(k - 1) / 2) * band.dy;
			j++;
		}
	}
}

/* Organisations in bands: each group takes as many rows as its tallest
 * column needs, placed in the first rows free over its column range, so
 * two organisations' boxes never share a cell; within a band a column's
 * hosts keep their flow order. Rows spread under the DNS row (y 0). */
/* The rows above host i in its group's band: the group's hosts before it
 * in its column, and the rows it was moved down to clear a link. */
static int lay_row_in_band(const struct lay_node *nodes, const int *col, const int *bump,
			   size_t i)
{
	int k = bump[i];

	for (size_t j = 0; j < i; j++)
		k += nodes[j].group == nodes[i].group && col[j] == col[i];
	return k;
}

static int lay_group_rows(const struct lay_node *nodes, size_t n, const int *col,
			  const int *bump, int g, int *cmin, int *cmax)
{
	int rows = 0;

	*cmin = 1 << 20;
	*cmax = -1;
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].group != g || col[i] < 0)
			continue;
		int k = lay_row_in_band(nodes, col, bump, i) + 1;
		rows = k > rows ? k : rows;
		*cmin = col[i] < *cmin ? col[i] : *cmin;
		*cmax = col[i] > *cmax ? col[i] : *cmax;
	}
	return rows;
}

static void lay_place_bands(struct lay_node *nodes, size_t n, const int *col, const int *bump,
			    int ncols, bool any_dns)
{
	int ng = 0;
	for (size_t i = 0; i < n; i++)
		ng = nodes[i].group > ng ? nodes[i].group : ng;
	int *start = xcalloc((size_t)ng + 1, sizeof *start), *rows = xcalloc((size_t)ng + 1, sizeof *rows);
	int *lo = xcalloc((size_t)ng + 1, sizeof *lo), *hi = xcalloc((size_t)ng + 1, sizeof *hi);
	int total = 1;

	for (int g = 1; g <= ng; g++) {
		rows[g] = lay_group_rows(nodes, n, col, bump, g, &lo[g], &hi[g]);
		for (int s = 0;; s++) { /* the first start clear of every placed group */
			bool clear = true;
			for (int h = 1; h < g && clear; h++)
				clear = rows[h] == 0 || hi[h] < lo[g] || hi[g] < lo[h] ||
					start[h] + rows[h] <= s || s + rows[g] <= start[h];
			if (clear) {
				start[g] = s;
				break;
			}
		}
		total = start[g] + rows[g] > total ? start[g] + rows[g] : total;
	}
	for (size_t i = 0; i < n; i++) {
		if (col[i] < 0 || nodes[i].group <= 0)
			continue;
		int row = start[nodes[i].group] + lay_row_in_band(nodes, col, bump, i);
		nodes[i].x = ncols == 1 ? 0.5 : LAY_MARGIN + (1 - 2 * LAY_MARGIN) * col[i] / (ncols - 1);
		nodes[i].y = any_dns ? (double)(row + 1) / total
				     : total == 1 ? 0.5 : (double)row / (total - 1);
	}
	free(start);
	free(rows);
	free(lo);
	free(hi);
}

/* Over the hosts that ask it; then pushed apart, keeping their order. */
static void lay_place_dns(struct lay_node *nodes, size_t n,
			  const struct lay_edge *edges, size_t nedges)
{
	size_t ndns = 0, *order = xmalloc((n ? n : 1) * sizeof *order);

	for (size_t i = 0; i < n; i++) {
		if (nodes[i].role != LAY_DNS)
			continue;
		double sum = 0;
		int cnt = 0;
		for (size_t e = 0; e < nedges; e++)
			if (!edges[e].flow && (size_t)edges[e].to == i &&
			    edges[e].from >= 0 && (size_t)edges[e].from < n &&
			    nodes[edges[e].from].role != LAY_DNS) {
				sum += nodes[edges[e].from].x;
				cnt++;
			}
		nodes[i].x = cnt ? sum / cnt : 0.5;
		nodes[i].y = LAY_DNS_ROW;
		/* insertion sort by (x, index): stable and deterministic */
		size_t j = ndns++;
		while (j > 0 && nodes[order[j - 1]].x > nodes[i].x) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t j = 1; j < ndns; j++)
		if (nodes[order[j]].x < nodes[order[j - 1]].x + LAY_DNS_MIN_DX)
			nodes[order[j]].x = nodes[order[j - 1]].x + LAY_DNS_MIN_DX;
	double over = ndns ? nodes[order[ndns - 1]].x - (1 - LAY_MARGIN) : 0;
	for (size_t j = 0; j < ndns && over > 0; j++)
		nodes[order[j]].x -= over;
	free(order);
}

static double lay_clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Distance from p to the segment a-b, with x counted twice (the panel
 * is about twice as wide as it is tall). */
static double lay_seg_dist(const struct lay_node *p, const struct lay_node *a,
			   const struct lay_node *b)
{
	double ax = 2 * a->x, bx = 2 * b->x, px = 2 * p->x, dx = bx - ax, dy = b->y - a->y;
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? ((px - ax) * dx + (p->y - a->y) * dy) / len2 : 0;

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	double ex = px - (ax + t * dx), ey = p->y - (a->y + t * dy);
	return ex * ex + ey * ey;
}

/* Move host c down (else up) by a row's fraction, onto a free spot only. */
static void lay_nudge(struct lay_node *nodes, size_t n, size_t c)
{
	const double steps[] = {-0.45, 0.45, -0.33, 0.33, -0.22, 0.22};

	for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
		double y = nodes[c].y + steps[k];
		bool free = y >= 0 && y <= 1;
		for (size_t j = 0; j < n && free; j++)
			free = j == c || fabs(nodes[j].x - nodes[c].x) > 0.12 || fabs(nodes[j].y - y) > 0.15;
		if (free) {
			nodes[c].y = y;
			return;
		}
	}
}

/* A host drawn on the line between two others looks like a hop the mail
 * takes (a backup MX between the relay and the primary): move it off the
 * line, down when there is room, else up. Hinted hosts stay. */
static void lay_clear_links(struct lay_node *nodes, size_t n, const struct lay_edge *edges,
			    size_t nedges)
{
	for (int pass = 0; pass < 4; pass++)
		for (size_t e = 0; e < nedges; e++) {
			int a = edges[e].from, b = edges[e].to;
			if (!edges[e].flow || a < 0 || b < 0 || (size_t)a >= n || (size_t)b >= n)
				continue; /* a DNS question's line is not a hop */
			for (size_t c = 0; c < n; c++) {
				if ((int)c == a || (int)c == b || nodes[c].has_pos ||
				    lay_seg_dist(&nodes[c], &nodes[a], &nodes[b]) > 0.09 * 0.09)
					continue;
				lay_nudge(nodes, n, c);
			}
		}
}

/* With organisations in bands, a host on the line between two others
 * (a backup MX between the relay and the primary) moves down a row within
 * its own band, and the bands are laid again. */
static void lay_clear_bands(struct lay_node *nodes, size_t n, const int *col, int ncols,
			    bool any_dns, const struct lay_edge *edges, size_t nedges)
{
	int *bump = xcalloc(n ? n : 1, sizeof *bump);

	lay_place_bands(nodes, n, col, bump, ncols, any_dns);
	for (int pass = 0; pass < 4; pass++) {
		bool moved = false;
		for (size_t e = 0; e < nedges; e++) {
			int a = edges[e].from, b = edges[e].to;
			if (!edges[e].flow || a < 0 || b < 0 || (size_t)a >= n || (size_t)b >= n)
				continue;
			for (size_t c = 0; c < n; c++)
				if ((int)c != a && (int)c != b && nodes[c].group > 0 && !moved &&
				    lay_seg_dist(&nodes[c], &nodes[a], &nodes[b]) < 0.05 * 0.05) {
					bump[c]++;
					moved = true;
				}
		}
		if (!moved)
			break;
		lay_place_bands(nodes, n, col, bump, ncols, any_dns);
	}
	free(bump);
}

void lay_compute(struct lay_node *nodes, size_t n, const struct lay_edge *edges,
		 size_t nedges)
{
	struct lay_work w = {.n = n};
	int *col = xcalloc(n ? n : 1, sizeof *col);
	bool any_dns = false;

	w.adj = xcalloc(n ? n * n : 1, 1);
	w.tier = xcalloc(n ? n : 1, sizeof *w.tier);
	w.rank = xcalloc(n ? n : 1, sizeof *w.rank);
	lay_accept_edges(&w, nodes, edges, nedges);
	lay_assign_tiers(&w, nodes);
	lay_rank_servers(&w);
	int ncols = lay_columns(&w, col);
	for (size_t i = 0; i < n; i++)
		any_dns |= nodes[i].role == LAY_DNS;
	bool grouped = false;
	for (size_t i = 0; i < n; i++)
		grouped |= nodes[i].group > 0;
	lay_place_columns(nodes, n, col, ncols,
			  lay_band(lay_tallest_column(n, col, ncols), any_dns));
	if (grouped)
		lay_clear_bands(nodes, n, col, ncols, any_dns, edges, nedges);
	lay_place_dns(nodes, n, edges, nedges);
	if (grouped)
		for (size_t i = 0; i < n; i++)
			nodes[i].y = nodes[i].role == LAY_DNS ? 0 : nodes[i].y;
	else
		lay_clear_links(nodes, n, edges, nedges);
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].has_pos) {
			nodes[i].x = nodes[i].hx;
			nodes[i].y = nodes[i].hy;
		}
		nodes[i].x = lay_clamp01(nodes[i].x);
		nodes[i].y = lay_clamp01(nodes[i].y);
	}
	free(col);
	free(w.adj);
	free(w.tier);
	free(w.rank);
}

void lay_group_name(const char *host, char *out, size_t outsz)
{
	const char *dot = strchr(host, '.');
	bool ip = strspn(host, "0123456789.") == strlen(host) || strchr(host, ':');

	snprintf(out, outsz, "%s", !ip && dot && strchr(dot + 1, '.') ? dot + 1 : host);
}

struct lay_node *lay_nodes_for_model(const struct tm_model *m)
{
	struct lay_node *nodes = xcalloc(m->nnodes ? m->nnodes : 1, sizeof *nodes);
	struct lay_edge *edges;
	size_t nedges = lay_edges_from_trace(m, &edges);

	for (size_t i = 0; i < m->nnodes; i++) {
		const struct tm_node *h = &m->nodes[i];
		nodes[i] = (struct lay_node){lay_role_from_name(h->role), h->has_pos,
					     lay_clamp01(h->x), lay_clamp01(h->y), 0, 0, 0};
	}
	/* organisations numbered in order of first mention; DNS servers
	 * stand between them, in no box */
	for (size_t i = 0; i < m->nnodes; i++) {
		char gi[256], gj[256];
		if (nodes[i].role == LAY_DNS)
			continue;
		lay_group_name(m->nodes[i].name, gi, sizeof gi);
		int g = 0, top = 0;
		for (size_t j = 0; j < i; j++) {
			top = nodes[j].group > top ? nodes[j].group : top;
			if (nodes[j].group > 0 && !g) {
				lay_group_name(m->nodes[j].name, gj, sizeof gj);
				g = strcmp(gi, gj) == 0 ? nodes[j].group : 0;
			}
		}
		nodes[i].group = g ? g : top + 1;
	}
	lay_compute(nodes, m->nnodes, edges, nedges);
	free(edges);
	return nodes;
}

/* ---- panels ---- */

static int lay_min(int a, int b)
{
	return a < b ? a : b;
}

void lay_panels(int w, int h, int fs, bool inspector, struct lay_panels *p)
{
	w = w < 1 ? 1 : w;
	h = h < 1 ? 1 : h;
	/* Each band is capped to a share of the height so the middle never
	 * goes negative: 1/8 + 1/6 + 1/5 + 1/12 < 1. */
	int title_h = lay_min(fs * 5 / 2, h / 8);
	int time_h = lay_min(fs * 7 / 2, h / 6);
	int cap_h = lay_min(fs * 4, h / 5), ctl_h = lay_min(fs * 2, h / 12);
	int mid_y = title_h, mid_h = h - title_h - time_h - cap_h - ctl_h;
	/* The network spans the width, so host names and their role labels
	 * fit side by side; the event list and the conversation share the
	 * band under it. */
	int topo_h = mid_h * 64 / 100;
	if (mid_h - topo_h < 124) /* a small window keeps the lists readable */
		topo_h = mid_h - 124 > mid_h * 56 / 100 ? mid_h - 124 : mid_h * 56 / 100;
	int low_y = mid_y + topo_h, low_h = mid_h - topo_h;
	int left_w = w * 55 / 100;

	p->title = (struct lay_rect){0, 0, w, title_h};
	p->topo = (struct lay_rect){0, mid_y, w, topo_h};
	p->list = (struct lay_rect){0, low_y, left_w, low_h};
	int lad_w = inspector ? (w - left_w) * 45 / 100 : w - left_w;
	p->ladder = (struct lay_rect){left_w, low_y, lad_w, low_h};
	p->inspector = (struct lay_rect){left_w + lad_w, low_y, w - left_w - lad_w,
					 inspector ? low_h : 0};
	p->caption = (struct lay_rect){0, mid_y + mid_h, w, cap_h};
	p->controls = (struct lay_rect){0, mid_y + mid_h + cap_h, w, ctl_h};
	p->timeline = (struct lay_rect){0, h - time_h, w, time_h};
	p->campaign = (struct lay_rect){0, 0, 0, 0};
}

void lay_panels_projector(int w, int h, int fs, bool inspector, struct lay_panels *p)
{
	lay_panels(w, h, fs, inspector, p);
	/* In front of a class the network and the conversation are what is
	 * read; the event list (small print by nature) gives its room to
	 * them (to the inspector's room when it is open). */
	int low_h = p->list.h, net_h = p->topo.h + (inspector ? 0 : low_h * 33 / 100);
	p->topo.h = net_h;
	int lad_h = p->caption.y - (p->topo.y + net_h);
	int lad_w = inspector ? w * 55 / 100 : w;
	p->list = (struct lay_rect){0, p->topo.y + net_h, 0, 0};
	p->ladder = (struct lay_rect){0, p->topo.y + net_h, lad_w, lad_h};
	p->inspector = (struct lay_rect){lad_w, p->topo.y + net_h, w - lad_w, inspector ? lad_h : 0};
}

void lay_panels_campaign(int fs, bool strip, struct lay_panels *p)
{
	if (strip) {
		/* the conversation's band (a ladder of thousands of like lines
		 * in a campaign), grown from the network to 6 lines: a title, then
		 * room for a gauge whose key needs a line of its own */
		int need = fs * 6, y = p->ladder.y, bottom = p->ladder.y + p->ladder.h;
		int take = need > p->ladder.h ? need - p->ladder.h : 0;
		take = take > p->topo.h / 4 ? p->topo.h / 4 : take;
		p->topo.h -= take;
		y -= take;
		p->campaign = (struct lay_rect){p->ladder.x, y, p->ladder.w, bottom - y};
		p->ladder = (struct lay_rect){p->ladder.x, y, 0, 0};
		if (p->inspector.h > 0)
			p->inspector = (struct lay_rect){p->inspector.x, y, p->inspector.w, bottom - y};
		return;
	}
	int w = p->topo.w / 3;
	w = w < fs * 17 ? fs * 17 : w;
	w = w > p->topo.w / 2 ? p->topo.w / 2 : w;
	p->topo.w -= w;
	p->campaign = (struct lay_rect){p->topo.x + p->topo.w, p->topo.y, w, p->topo.h};
}

size_t lay_scroll_first(size_t total, size_t visible, size_t focus,
			int anchor_pct)
{
	if (visible == 0 || total <= visible)
		return 0;
	size_t above = (visible - 1) * (size_t)anchor_pct / 100;
	size_t first = focus > above ? focus - above : 0;
	return first > total - visible ? total - visible : first;
}
