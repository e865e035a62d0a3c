/* layout.h — where things go on screen, as pure functions: host positions
 * in the topology panel, the panel rectangles for a window size, and
 * scrolling windows over lists.
 *
 * Host layout follows the mail: senders' clients on the left, then each
 * server in the order mail reaches it (the order connections are opened),
 * the receiving client on the right; DNS servers in a row above, over the
 * hosts that ask them. Invariants: every position is within 0..1; a host
 * with a scenario hint (has_pos) is placed exactly at the hint; hosts of
 * one organisation (lay_node.group) share a band of rows that no other
 * organisation's hosts enter within its columns; the result
 * depends only on the inputs' order, never on pointer values. */
#ifndef MAILSIM_LAYOUT_H
#define MAILSIM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "trace_model.h"

enum lay_role { LAY_CLIENT, LAY_MTA, LAY_DNS, LAY_FILTER, LAY_MAILBOX,
		LAY_OTHER, LAY_ROLE_COUNT };

struct lay_node {
	enum lay_role role;
	bool has_pos;
	double hx, hy;  /* the hint, when has_pos */
	double x, y;    /* out: centre in 0..1 */
	int group;      /* the organisation's box, 1..; 0 = none (DNS servers) */
};

/* A flow edge points downstream (from hands mail to `to`); an ask edge
 * joins a host to the DNS server it queries. */
struct lay_edge {
	int from, to;
	bool flow;
};

enum lay_role lay_role_from_name(const char *name);

/* Edges of a trace, deduplicated, in order of first use: a connection
 * flows from the connecting host to the server, except mailbox access
 * (POP3/IMAP ports or lines), where mail flows from server to client;
 * refused and timed-out connections count, since they show the route the
 * mail was meant to take. A DNS query (or its timeout) is an ask edge. Returns the count; *out is owned by the
 * caller. */
size_t lay_edges_from_trace(const struct tm_model *m, struct lay_edge **out);

/* Fill x, y of every node. Flow edges that would close a cycle (a bounce
 * travelling back, a filter reinjecting) are ignored: first use wins. */
void lay_compute(struct lay_node *nodes, size_t n, const struct lay_edge *edges,
		 size_t nedges);

/* The organisation a host belongs to, for its box: the name without its
 * first label ("mx1.example.net" -> "example.net"); a name whose rest is
 * a single label ("filter.example"), and an address, stands for itself. */
void lay_group_name(const char *host, char *out, size_t outsz);

/* Build nodes from the model's hosts (roles and hints) and lay them out.
 * Returns an owned array of m->nnodes entries. */
struct lay_node *lay_nodes_for_model(const struct tm_model *m);

/* ---- screen panels ---- */
struct lay_rect {
	int x, y, w, h;
};

struct lay_panels {
	struct lay_rect title, topo, list, ladder, caption, controls, timeline;
	struct lay_rect inspector; /* under the ladder when open, else empty */
	struct lay_rect campaign;  /* beside the network when shown, else empty */
};

/* Split a w x h window for a base font size of fs pixels, with room for
 * the inspector when it is open. Every rect lies inside the window and
 * none overlap. */
void lay_panels(int w, int h, int fs, bool inspector, struct lay_panels *p);

/* Projector mode: the network gets most of the height, the conversation
 * the width under it; no event list (list is empty). */
void lay_panels_projector(int w, int h, int fs, bool inspector, struct lay_panels *p);

/* The campaign panel: a column on the right of the network, which gives
 * it that width (a third, at least 17 lines' heights, leaving the network
 * at least half); or (strip, projector mode) the conversation's band
 * (the ladder is then empty), grown upwards to 4.5 lines by at most a
 * quarter of the network, so the network keeps its whole width for its
 * large labels; an open inspector keeps its place beside it. Called after lay_panels or
 * lay_panels_projector; the rects stay inside the window and apart. */
void lay_panels_campaign(int fs, bool strip, struct lay_panels *p);

/* First index of a `visible`-row window over `total` rows that shows row
 * `focus`, placing it at `anchor_pct` percent from the top when the list
 * is long enough (100 keeps the focus on the bottom row). */
size_t lay_scroll_first(size_t total, size_t visible, size_t focus,
			int anchor_pct);

#endif
