/* trace_model_file.c — open a trace file for the trace model: a regular
 * file is mapped read-only, so its text is never copied and pages the
 * viewer does not look at are never read into memory; what cannot be
 * mapped (a pipe, a terminal) is read in once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_model.h"
#include "util.h"

/* All of fd into a malloc'd buffer; NULL with errno set on a read error. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

struct tm_model *tm_open(const char *path, const struct view_host *hosts, size_t nhosts,
			 char *err, size_t errsz)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		if (fd >= 0 && !is_stdin)
			close(fd);
		return NULL;
	}
	void *map = NULL;
	char *buf = NULL;
	size_t len = 0;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		len = (size_t)st.st_size;
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			map = NULL; /* e.g. a file system without mmap: read it */
	}
	if (!map && !(S_ISREG(st.st_mode) && st.st_size == 0)) {
		buf = read_all(fd, &len);
		if (!buf) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			if (!is_stdin)
				close(fd);
			return NULL;
		}
	}
	if (!is_stdin)
		close(fd); /* a mapping outlives its descriptor */
	if (map)
		(void)posix_madvise(map, len, POSIX_MADV_SEQUENTIAL); /* the scan reads it once, in order */
	const char *text = map ? map : buf ? buf : "";
	char why[256] = "";
	struct tm_model *m = tm_parse(text, len, hosts, nhosts, why, sizeof why);
	if (!m) {
		snprintf(err, errsz, "%s: %s", path, why);
		if (map)
			munmap(map, len);
		free(buf);
		return NULL;
	}
	m->map = map;
	m->read_buf = buf;
	return m;
}

void tm_release_text(struct tm_model *m)
{
	if (m->map)
		munmap(m->map, m->text_len);
	free(m->read_buf);
	m->map = NULL;
	m->read_buf = NULL;
	m->text = "";
	m->text_len = 0;
}
