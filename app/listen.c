/* listen.c — see listen.h. */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static const struct listen_kind kinds[] = {
	{"smtp", 25, false, SCN_SERVICE_SMTP, SCN_SERVICE_SMTP},
	{"submission", 587, false, SCN_SERVICE_SUBMISSION, SCN_SERVICE_SUBMISSION},
	{"submissions", 465, true, SCN_SERVICE_SUBMISSIONS, SCN_SERVICE_SUBMISSION},
	{"imap", 143, false, SCN_SERVICE_IMAP, SCN_SERVICE_IMAP},
	{"imaps", 993, true, SCN_SERVICE_IMAPS, SCN_SERVICE_IMAP},
	{"pop3", 110, false, SCN_SERVICE_POP3, SCN_SERVICE_POP3},
	{"pop3s", 995, true, SCN_SERVICE_POP3S, SCN_SERVICE_POP3},
};

const struct listen_kind *listen_kind_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

/* "HOST:PORT", "[V6]:PORT" or "PORT" into its parts; false when malformed. */
static bool split_spec(const char *spec, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon;
	size_t hl;
	if (strspn(spec, "0123456789") == strlen(spec)) {
		snprintf(host, hcap, "127.0.0.1");
		colon = spec - 1;
	} else if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (!rb || rb[1] != ':')
			return false;
		hl = (size_t)(rb - spec - 1);
		if (hl == 0 || hl >= hcap)
			return false;
		memcpy(host, spec + 1, hl);
		host[hl] = '\0';
		colon = rb + 1;
	} else {
		colon = strchr(spec, ':');
		if (!colon || strchr(colon + 1, ':'))
			return false;
		hl = (size_t)(colon - spec);
		if (hl == 0 || hl >= hcap)
			return false;
		memcpy(host, spec, hl);
		host[hl] = '\0';
	}
	const char *p = colon + 1;
	size_t pl = strlen(p);
	if (!pl || pl > 5 || pl >= pcap || strspn(p, "0123456789") != pl || atol(p) > 65535)
		return false;
	memcpy(port, p, pl + 1);
	return true;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		static const struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
		return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &lo, sizeof lo) == 0;
	}
	return false;
}

/* The bound address as "IP:PORT" or "[IPV6]:PORT". */
static void bound_addr(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "?", port[8] = "?";
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, ip, sizeof ip, port, sizeof port,
			    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(out, cap, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", ip, port);
}

static int bind_one(struct listen_sock *ls, const struct addrinfo *ai, const char *spec)
{
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	int one = 1;
	int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 512) != 0 || fl < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		fprintf(stderr, "mailsim: serve: cannot listen on %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 4;
	}
	ls->fd = fd;
	bound_addr(fd, ls->addr, sizeof ls->addr);
	return 0;
}

int listen_open(struct listen_sock *ls, const struct listen_kind *kind, const char *option,
		const char *spec, bool allow_remote)
{
	char host[256], port[8];
	*ls = (struct listen_sock){.kind = kind, .fd = -1};
	if (!split_spec(spec, host, sizeof host, port, sizeof port)) {
		fprintf(stderr, "mailsim: serve: %s needs [HOST:]PORT or [IPV6]:PORT, not '%s'\n",
			option, spec);
		return 2;
	}
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int e = getaddrinfo(host, port, &hints, &res);
	if (e != 0) {
		fprintf(stderr, "mailsim: serve: %s %s: %s\n", option, spec, gai_strerror(e));
		return 2;
	}
	int rc;
	ls->loopback = is_loopback(res->ai_addr);
	if (!ls->loopback && !allow_remote) {
		/* A teaching MTA with made-up users stays on this machine unless asked. */
		fprintf(stderr, "mailsim: serve: refusing to listen on %s: not a loopback address "
				"(add --allow-remote to accept connections from other machines)\n",
			spec);
		rc = 2;
	} else {
		rc = bind_one(ls, res, spec);
	}
	freeaddrinfo(res);
	return rc;
}

void listen_close(struct listen_sock *ls)
{
	if (ls->fd >= 0)
		close(ls->fd);
	ls->fd = -1;
}
