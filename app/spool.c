/* spool.c — see spool.h. */
#define _GNU_SOURCE /* syncfs(2), flock(2) */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

#define SPOOL_MAGIC "mailsim-spool 1"
#define SUFFIX ".msg"

struct spool {
	char *dir;
	char *host;
	int dirfd;               /* DIR, for fsync after rename/unlink */
	int lockfd;
	unsigned long counter;
	char **ids;              /* on disk, written or recovered by this run */
	size_t nids, capids;
	char err[512];
};

char *spool_default_dir(const char *maildir)
{
	struct strbuf b;
	sb_init(&b);
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (maildir && *maildir) {
		/* next to the Maildir: its parent directory */
		size_t n = strlen(maildir);
		while (n > 1 && maildir[n - 1] == '/')
			n--;
		size_t cut = 0; /* where the last '/' is, plus one; 0 for none */
		for (size_t i = 0; i < n; i++)
			if (maildir[i] == '/')
				cut = i + 1;
		if (cut == 0)
			sb_puts(&b, "mailsim-spool");
		else if (cut == 1)
			sb_puts(&b, "/mailsim-spool");
		else
			sb_printf(&b, "%.*s/mailsim-spool", (int)(cut - 1), maildir);
	} else if (state && state[0] == '/') {
		sb_printf(&b, "%s/mailsim/spool", state);
	} else {
		sb_printf(&b, "%s/.local/state/mailsim/spool", home && *home ? home : ".");
	}
	return sb_steal(&b);
}

static bool mkdir_p(const char *path, char *err, size_t errsz)
{
	char *buf = xstrdup(path);
	bool ok = true;
	for (char *p = buf + 1; ok; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errsz, "cannot create directory %s: %s", buf, strerror(errno));
			ok = false;
		}
		*p = c;
		if (!c)
			break;
	}
	free(buf);
	return ok;
}

/* A spool id or file name part: letters, digits, '.', '-', no leading '.'. */
static bool id_ok(const char *id, size_t n)
{
	if (n == 0 || n >= MTA_SPOOL_ID_MAX || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

static void ids_add(struct spool *sp, const char *id)
{
	if (sp->nids == sp->capids) {
		sp->capids = sp->capids ? 2 * sp->capids : 64;
		sp->ids = xrealloc(sp->ids, sp->capids * sizeof *sp->ids);
	}
	sp->ids[sp->nids++] = xstrdup(id);
}

/* Leftovers of a write a crash interrupted: never answered 250. */
static void clean_tmp(struct spool *sp)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tmp", sp->dir);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && id_ok(e->d_name, strlen(e->d_name)))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

struct spool *spool_open(const char *dir, const char *host, char *err, size_t errsz)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tmp", dir);
	if (!mkdir_p(path, err, errsz))
		return NULL;
	struct spool *sp = xcalloc(1, sizeof *sp);
	sp->dir = xstrdup(dir);
	sp->host = xstrdup(host);
	sp->lockfd = -1;
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof path, "%s/lock", dir);
	if (sp->dirfd >= 0)
		sp->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->dirfd < 0 || sp->lockfd < 0) {
		snprintf(err, errsz, "cannot open the spool %s: %s", dir, strerror(errno));
		spool_close(sp);
		return NULL;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errsz, "the spool %s is in use by another mailsim serve (%s)", dir,
			 strerror(errno));
		spool_close(sp);
		return NULL;
	}
	clean_tmp(sp);
	return sp;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	for (size_t i = 0; i < sp->nids; i++)
		free(sp->ids[i]);
	free(sp->ids);
	free(sp->dir);
	free(sp->host);
	free(sp);
}

const char *spool_dir(const struct spool *sp)
{
	return sp->dir;
}

const char *spool_error(const struct spool *sp)
{
	return sp->err;
}

size_t spool_count(const struct spool *sp)
{
	return sp->nids;
}

/* ---- writing ------------------------------------------------------------------ */

static bool clean_value(const char *v)
{
	return !strpbrk(v, "\r\n");
}

static bool format_record(const struct spool *sp, const struct mta_spooled *m, const char *id,
			  const char *arrival, struct strbuf *out)
{
	const char *vals[] = {m->client_ip, m->tag, m->sender, m->folder, m->forward};
	for (size_t i = 0; i < ARRAY_LEN(vals); i++)
		if (!clean_value(vals[i]))
			return false;
	sb_printf(out, "%s\nid %s\narrival %s\nhost %s\nclient %s\ntag %s\nfrom %s\n", SPOOL_MAGIC,
		  id, arrival, sp->host, m->client_ip, m->tag, m->sender);
	for (size_t i = 0; i < m->nrcpts; i++) {
		if (!clean_value(m->rcpts[i]))
			return false;
		sb_printf(out, "rcpt %s\n", m->rcpts[i]);
	}
	sb_printf(out, "folder %s\nforward %s\nflags %u\ndeny %d\nquarantine %d\nsize %zu\n\n",
		  m->folder, m->forward, m->flags, m->deny, m->quarantine, m->len);
	return true;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* tmp/<id>, fsync, rename to <id>.msg, fsync the directory. */
static bool write_durably(struct spool *sp, const char *id, const struct strbuf *head,
			  const char *data, size_t len)
{
	char tmp[4096], final[4096];
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", sp->dir, id);
	snprintf(final, sizeof final, "%s/%s" SUFFIX, sp->dir, id);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *step = "create";
	bool ok = fd >= 0;
	if (ok && !(step = "write", write_all(fd, head->data, head->len) && write_all(fd, data, len)))
		ok = false;
	if (ok && (step = "fsync", fsync(fd) != 0))
		ok = false;
	int saved = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
		step = "close";
	}
	if (ok && (step = "rename", rename(tmp, final) != 0)) {
		ok = false;
		saved = errno;
	}
	if (ok && (step = "fsync the directory of", fsync(sp->dirfd) != 0)) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		snprintf(sp->err, sizeof sp->err, "spool: cannot %s %s: %s", step, tmp,
			 strerror(saved ? saved : EIO));
		unlink(tmp);
	}
	return ok;
}

bool spool_store(void *ctx, const struct mta_spooled *m, char *id)
{
	struct spool *sp = ctx;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	/* Maildir-like: unique per machine and spool (the lock keeps one
	 * process on it; the counter tells its messages apart). */
	snprintf(id, MTA_SPOOL_ID_MAX, "%lld.M%06ldP%ldN%lu", (long long)tv.tv_sec,
		 (long)tv.tv_usec, (long)getpid(), ++sp->counter);
	char arrival[48];
	snprintf(arrival, sizeof arrival, "%lld.%06ld", (long long)tv.tv_sec, (long)tv.tv_usec);
	struct strbuf head;
	sb_init(&head);
	sp->err[0] = '\0';
	bool ok = format_record(sp, m, id, arrival, &head);
	if (!ok)
		snprintf(sp->err, sizeof sp->err, "spool: a line break in the envelope");
	else
		ok = write_durably(sp, id, &head, m->data, m->len);
	sb_free(&head);
	if (ok)
		ids_add(sp, id);
	return ok;
}

/* ---- reading --------------------------------------------------------------------- */

struct record {
	char *text;              /* owned: the whole file */
	size_t len;
	struct mta_spooled m;
	const char *host, *arrival;
	const char **rcpts;      /* owned array */
};

static void record_free(struct record *r)
{
	free(r->text);
	free(r->rcpts);
}

static bool read_spool_file(int dfd, const char *name, char **out, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct strbuf b;
	sb_init(&b);
	char buf[65536];
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			sb_free(&b);
			return false;
		}
		sb_append(&b, buf, (size_t)r);
	}
	close(fd);
	*len = b.len;
	*out = b.data ? sb_steal(&b) : xstrdup("");
	return true;
}

/* Parse r->text in place (header lines become NUL-terminated). */
static const char *parse_record(struct record *r)
{
	char *p = r->text, *end = r->text + r->len;
	size_t nr = 0, cap = 0;
	bool magic = false, have_size = false;
	unsigned long long size = 0;
	r->m = (struct mta_spooled){.id = "", .client_ip = "", .tag = "", .sender = "",
				    .folder = "", .forward = ""};
	r->host = r->arrival = "";
	for (;;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return "truncated header";
		*nl = '\0';
		if (nl == p) {
			p = nl + 1;
			break;
		}
		if (!magic) {
			if (strcmp(p, SPOOL_MAGIC) != 0)
				return "not a mailsim spool file";
			magic = true;
			p = nl + 1;
			continue;
		}
		char *sp = strchr(p, ' ');
		if (!sp)
			return "a header line without a value";
		*sp = '\0';
		const char *k = p, *v = sp + 1;
		if (strcmp(k, "id") == 0)
			r->m.id = v;
		else if (strcmp(k, "arrival") == 0)
			r->arrival = v;
		else if (strcmp(k, "host") == 0)
			r->host = v;
		else if (strcmp(k, "client") == 0)
			r->m.client_ip = v;
		else if (strcmp(k, "tag") == 0)
			r->m.tag = v;
		else if (strcmp(k, "from") == 0)
			r->m.sender = v;
		else if (strcmp(k, "folder") == 0)
			r->m.folder = v;
		else if (strcmp(k, "forward") == 0)
			r->m.forward = v;
		else if (strcmp(k, "flags") == 0)
			r->m.flags = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "deny") == 0)
			r->m.deny = strcmp(v, "1") == 0;
		else if (strcmp(k, "quarantine") == 0)
			r->m.quarantine = strcmp(v, "1") == 0;
		else if (strcmp(k, "size") == 0) {
			char *e;
			size = strtoull(v, &e, 10);
			have_size = *v && !*e;
		} else if (strcmp(k, "rcpt") == 0) {
			if (nr + 1 >= cap) {
				cap = cap ? 2 * cap : 8;
				r->rcpts = xrealloc(r->rcpts, cap * sizeof *r->rcpts);
			}
			r->rcpts[nr++] = v;
		}
		p = nl + 1;
	}
	if (!have_size || size != (unsigned long long)(end - p))
		return "the size does not match the message";
	if (!id_ok(r->m.id, strlen(r->m.id)))
		return "a bad id";
	if (nr == 0)
		return "no recipients";
	r->m.rcpts = r->rcpts;
	r->m.nrcpts = nr;
	r->m.data = p;
	r->m.len = (size_t)size;
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.msg names in the spool, sorted (arrival order, as ids begin with
 * the time). */
static char **list_files(struct spool *sp, size_t *n, char *err, size_t errsz)
{
	DIR *d = opendir(sp->dir);
	if (!d) {
		snprintf(err, errsz, "cannot read the spool %s: %s", sp->dir, strerror(errno));
		return NULL;
	}
	char **names = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= strlen(SUFFIX) || strcmp(e->d_name + l - strlen(SUFFIX), SUFFIX) != 0)
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[cnt++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (cnt)
		qsort(names, cnt, sizeof *names, by_name);
	*n = cnt;
	return names ? names : xcalloc(1, sizeof *names);
}

static void set_aside(struct spool *sp, const char *name, const char *why)
{
	char dir[4096], from[4096 + 256], to[4096 + 256], err[256];
	snprintf(dir, sizeof dir, "%s/corrupt", sp->dir);
	snprintf(from, sizeof from, "%s/%s", sp->dir, name);
	snprintf(to, sizeof to, "%s/%s", dir, name);
	if (mkdir_p(dir, err, sizeof err) && rename(from, to) == 0)
		fsync(sp->dirfd);
	fprintf(stderr, "mailsim: serve: spool file %s: %s; moved to %s\n", from, why, to);
}

long spool_recover(struct spool *sp, struct mta *m, char *err, size_t errsz)
{
	size_t n = 0;
	char **names = list_files(sp, &n, err, errsz);
	if (!names)
		return -1;
	long done = 0;
	for (size_t i = 0; i < n; i++) {
		struct record r = {0};
		const char *why = NULL;
		if (!read_spool_file(sp->dirfd, names[i], &r.text, &r.len))
			why = strerror(errno);
		else
			why = parse_record(&r);
		size_t idlen = strlen(names[i]) - strlen(SUFFIX);
		if (!why && (strlen(r.m.id) != idlen || strncmp(r.m.id, names[i], idlen) != 0))
			why = "its id is not its name";
		if (why) {
			set_aside(sp, names[i], why);
		} else if (!ascii_strcaseeq(r.host, sp->host)) {
			/* Another served host's mail: left for a server of that host. */
			fprintf(stderr, "mailsim: serve: spool file %s/%s is for %s, left alone\n",
				sp->dir, names[i], r.host);
		} else {
			mta_live_recover(m, &r.m);
			ids_add(sp, r.m.id);
			done++;
		}
		record_free(&r);
		free(names[i]);
	}
	free(names);
	return done;
}

/* ---- settling ---------------------------------------------------------------------- */

static bool remove_file(struct spool *sp, const char *id)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s" SUFFIX, sp->dir, id);
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(sp->err, sizeof sp->err, "cannot remove %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/* Rewrite id naming only the recipients still waiting. */
static bool narrow(struct spool *sp, const char *id, const char **pending, size_t np)
{
	char name[MTA_SPOOL_ID_MAX + 8];
	snprintf(name, sizeof name, "%s" SUFFIX, id);
	struct record r = {0};
	const char *why = NULL;
	if (!read_spool_file(sp->dirfd, name, &r.text, &r.len) || (why = parse_record(&r))) {
		snprintf(sp->err, sizeof sp->err, "cannot reread spool file %s/%s: %s", sp->dir, name,
			 why ? why : strerror(errno));
		record_free(&r);
		return false;
	}
	r.m.rcpts = pending;
	r.m.nrcpts = np;
	struct strbuf head;
	sb_init(&head);
	bool ok = format_record(sp, &r.m, id, r.arrival, &head) &&
		  write_durably(sp, id, &head, r.m.data, r.m.len);
	sb_free(&head);
	record_free(&r);
	return ok;
}

bool spool_settle(struct spool *sp, const struct mta *m, char *err, size_t errsz)
{
	bool ok = true;
	size_t keep = 0;
	const char **pending = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < sp->nids; i++) {
		char *id = sp->ids[i];
		size_t np = mta_live_pending(m, id, pending, cap);
		if (np > cap) {
			cap = np;
			pending = xrealloc(pending, cap * sizeof *pending);
			np = mta_live_pending(m, id, pending, cap);
		}
		bool done = np == 0 ? remove_file(sp, id) : narrow(sp, id, pending, np);
		if (!done && ok) {
			snprintf(err, errsz, "%s", sp->err);
			ok = false;
		}
		if (np == 0 && done)
			free(id);
		else
			sp->ids[keep++] = id;
	}
	free(pending);
	sp->nids = keep;
	if (fsync(sp->dirfd) != 0 && ok) {
		snprintf(err, errsz, "cannot fsync the spool %s: %s", sp->dir, strerror(errno));
		ok = false;
	}
	return ok;
}

/* ---- serve's use ------------------------------------------------------------------- */

struct spool *spool_attach(const char *dir, struct host *srv, long *recovered, char *err,
			   size_t errsz)
{
	struct spool *sp = spool_open(dir, srv->name, err, errsz);
	if (!sp)
		return NULL;
	struct mta *m = srv->role_obj;
	*recovered = spool_recover(sp, m, err, errsz);
	if (*recovered < 0) {
		spool_close(sp);
		return NULL;
	}
	struct mta_spool_hooks hooks = {spool_store, sp};
	mta_live_set_spool(m, &hooks);
	return sp;
}

bool spool_finish(struct spool *sp, struct host *srv, const char *maildir, char *err,
		  size_t errsz)
{
	if (maildir) {
		/* The exported files were written without fsync: flush their
		 * file system before the spool lets go of the messages. */
		int fd = open(maildir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) != 0) {
			snprintf(err, errsz, "cannot sync %s: %s", maildir, strerror(errno));
			if (fd >= 0)
				close(fd);
			return false;
		}
		close(fd);
	}
	return spool_settle(sp, srv->role_obj, err, errsz);
}
