/* pop3_int.h — the line reader pop3.c (server) and pop3c.c (client)
 * share; not part of the POP3 API. */
#ifndef MAILSIM_POP3_INT_H
#define MAILSIM_POP3_INT_H

#include <stddef.h>

#include "util.h"

/* Length of the first line in buf (up to, not including, LF), or -1 when no
 * complete line is buffered yet. */
long pop3_find_line(const struct strbuf *in);
/* Copy of the first line without CR LF; consumes it from in. */
char *pop3_take_line(struct strbuf *in, size_t lf);

#endif
