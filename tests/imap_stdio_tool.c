/* imap_stdio_tool.c — mailsim's IMAP server on stdin/stdout, so a client
 * nobody here wrote (Python's imaplib.IMAP4_stream) can talk to it.
 *
 *   imap_stdio_tool SCENARIO HOST
 *
 * Runs the scenario to its end (its mail is delivered and fetched), then
 * plugs stdin/stdout into HOST's port 143 as one more client, the way live
 * mode plugs real sockets into port 25: one simulated host for the peer,
 * zero latency, the retrieval glue, the mailstore and imapd all as in a
 * run. Exits when the server closes or stdin ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "scenario.h"
#include "sim.h"
#include "world.h"

struct peer {
	bool closed;
};

static void peer_data(void *ctx, struct conn *c, const char *data, size_t len)
{
	fwrite(data, 1, len, stdout);
	fflush(stdout);
}

static void peer_closed(void *ctx, struct conn *c)
{
	((struct peer *)ctx)->closed = true;
}

static const struct conn_ops peer_ops = {.data = peer_data, .closed = peer_closed};

static struct host *add_peer_host(struct sim *sim, const struct host *srv)
{
	struct host *h = host_new("stdio.client", "192.0.2.250", ROLE_CLIENT);
	h->index = sim->nhosts;
	sim->hosts = xrealloc(sim->hosts, (sim->nhosts + 1) * sizeof *sim->hosts);
	sim->hosts[sim->nhosts++] = h;
	net_set_link_latency(sim->net, h->name, srv->name, 0);
	return h;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SCENARIO HOST\n", argv[0]);
		return 2;
	}
	struct scenario *scn = scn_load(argv[1], stderr);
	if (!scn)
		return 1;
	struct world *w = world_new(scn, NULL);
	world_run(w, -1);
	struct sim *sim = world_sim(w);
	struct host *srv = sim_host_by_name(sim, argv[2]);
	struct peer p = {false};
	struct conn *c = srv ? net_inject(sim, add_peer_host(sim, srv), srv, 143, &peer_ops, &p)
			     : NULL;
	if (!c) {
		fprintf(stderr, "%s: %s does not serve IMAP\n", argv[0], argv[2]);
		world_free(w);
		scn_free(scn);
		return 1;
	}
	char buf[65536];
	for (;;) {
		sim_run(sim, 0);
		if (p.closed)
			break;
		ssize_t n = read(0, buf, sizeof buf);
		if (n <= 0) {
			net_close(c, SIDE_CLIENT);
			sim_run(sim, 0);
			break;
		}
		net_send(c, SIDE_CLIENT, buf, (size_t)n);
	}
	world_free(w);
	scn_free(scn);
	return 0;
}
