/* anvil.c — see anvil.h. */
#include "anvil.h"

#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

struct client {
	char *ip;               /* owned; the map's key */
	long open;              /* connections now */
	int64_t rate_start;     /* the rate counter's time unit began here */
	long rate;
	int64_t auth_start;
	long auth_failures;
};

struct anvil {
	struct anvil_limits lim;
	struct client **clients; /* owned; never shrinks: one per address seen */
	size_t n, cap;
	struct strmap by_ip;
	int64_t (*now)(void *ctx);
	void *now_ctx;
};

struct anvil *anvil_new(const struct anvil_limits *lim)
{
	struct anvil *a = xcalloc(1, sizeof *a);
	a->lim = *lim;
	strmap_init(&a->by_ip);
	return a;
}

void anvil_free(struct anvil *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->clients[i]->ip);
		free(a->clients[i]);
	}
	free(a->clients);
	strmap_free(&a->by_ip);
	free(a);
}

void anvil_set_clock(struct anvil *a, int64_t (*now)(void *ctx), void *ctx)
{
	a->now = now;
	a->now_ctx = ctx;
}

static struct client *client_of(struct anvil *a, const char *ip)
{
	size_t i;
	if (strmap_get(&a->by_ip, ip, &i))
		return a->clients[i];
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->clients = xrealloc(a->clients, a->cap * sizeof *a->clients);
	}
	struct client *c = xcalloc(1, sizeof *c);
	c->ip = xstrdup(ip);
	a->clients[a->n] = c;
	strmap_put(&a->by_ip, c->ip, a->n++);
	return c;
}

/* anvil's counters: one time unit from the first event, then reset. */
static long *tick(int64_t *start, long *count, int64_t now)
{
	if (*count == 0 || now - *start >= ANVIL_TIME_UNIT_US) {
		*start = now;
		*count = 0;
	}
	return count;
}

enum anvil_verdict anvil_connect(struct anvil *a, const char *ip, int64_t now, long *count,
				 long *max)
{
	struct client *c = client_of(a, ip);
	long *rate = tick(&c->rate_start, &c->rate, now);
	++*rate;
	if (a->lim.max_per_ip > 0 && c->open >= a->lim.max_per_ip) {
		*count = c->open + 1;
		*max = a->lim.max_per_ip;
		return ANVIL_TOO_MANY;
	}
	if (a->lim.max_rate > 0 && *rate > a->lim.max_rate) {
		*count = *rate;
		*max = a->lim.max_rate;
		return ANVIL_TOO_FAST;
	}
	c->open++;
	return ANVIL_OK;
}

void anvil_disconnect(struct anvil *a, const char *ip)
{
	size_t i;
	if (strmap_get(&a->by_ip, ip, &i) && a->clients[i]->open > 0)
		a->clients[i]->open--;
}

static int64_t clock_now(const struct anvil *a)
{
	return a->now ? a->now(a->now_ctx) : 0;
}

bool anvil_auth_blocked(void *ctx, const char *ip, long *count, long *max)
{
	struct anvil *a = ctx;
	if (a->lim.max_auth_failures <= 0)
		return false;
	struct client *c = client_of(a, ip);
	long *n = tick(&c->auth_start, &c->auth_failures, clock_now(a));
	*count = *n;
	*max = a->lim.max_auth_failures;
	return *n >= a->lim.max_auth_failures;
}

bool anvil_auth_failed(void *ctx, const char *ip, long *count, long *max)
{
	struct anvil *a = ctx;
	if (a->lim.max_auth_failures <= 0)
		return false;
	struct client *c = client_of(a, ip);
	long *n = tick(&c->auth_start, &c->auth_failures, clock_now(a));
	++*n;
	*count = *n;
	*max = a->lim.max_auth_failures;
	return *n >= a->lim.max_auth_failures;
}
