/* net_host.c — hosts (net.h): made, found by name or address, given
 * ports and datagram bindings, and freed with what hangs on them. */
#include "net.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

struct host *host_new(const char *name, const char *ip, enum host_role role)
{
	struct host *h = xcalloc(1, sizeof *h);
	h->name = xstrdup(name);
	h->ip = xstrdup(ip);
	h->role = role;
	return h;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	if (h->role_free)
		h->role_free(h->role_obj);
	for (size_t i = 0; i < h->nobjs; i++)
		h->objs[i].free_fn(h->objs[i].obj);
	free(h->objs);
	for (size_t i = 0; i < h->nseen; i++)
		free(h->seen[i]);
	free(h->seen);
	strmap_free(&h->seen_index);
	for (size_t i = 0; i < h->nowned; i++)
		free(h->owned[i]);
	free(h->owned);
	free(h->listeners);
	free(h->dgrams);
	free(h->name);
	free(h->ip);
	free(h);
}

void host_listen(struct host *h, int port, net_accept_fn fn, void *ctx)
{
	h->listeners = xrealloc(h->listeners, (h->nlisteners + 1) * sizeof *h->listeners);
	h->listeners[h->nlisteners++] = (struct listener){port, fn, ctx, false};
}

bool host_set_port_closed(struct host *h, int port, bool closed)
{
	for (size_t i = 0; i < h->nlisteners; i++)
		if (h->listeners[i].port == port) {
			h->listeners[i].closed = closed;
			return true;
		}
	return false;
}

void host_bind_dgram(struct host *h, int port, net_dgram_fn fn, void *ctx)
{
	h->dgrams = xrealloc(h->dgrams, (h->ndgrams + 1) * sizeof *h->dgrams);
	h->dgrams[h->ndgrams++] = (struct dgram_binding){port, fn, ctx};
}

void host_own(struct host *h, void *p)
{
	h->owned = xrealloc(h->owned, (h->nowned + 1) * sizeof *h->owned);
	h->owned[h->nowned++] = p;
}

void host_own_obj(struct host *h, void *obj, void (*free_fn)(void *obj))
{
	h->objs = xrealloc(h->objs, (h->nobjs + 1) * sizeof *h->objs);
	h->objs[h->nobjs++] = (struct host_obj){obj, free_fn};
}

struct host *sim_host_by_name(const struct sim *sim, const char *name)
{
	for (size_t i = 0; i < sim->nhosts; i++)
		if (ascii_strcaseeq(sim->hosts[i]->name, name))
			return sim->hosts[i];
	return NULL;
}

struct host *sim_host_by_ip(const struct sim *sim, const char *ip)
{
	for (size_t i = 0; i < sim->nhosts; i++)
		if (strcmp(sim->hosts[i]->ip, ip) == 0)
			return sim->hosts[i];
	return NULL;
}

struct host *sim_add_host(struct sim *sim, const char *name, const char *ip, enum host_role role)
{
	struct host *h = host_new(name, ip, role);
	h->index = sim->nhosts;
	sim->hosts = xrealloc(sim->hosts, (sim->nhosts + 1) * sizeof *sim->hosts);
	sim->hosts[sim->nhosts++] = h;
	return h;
}
