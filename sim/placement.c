/* placement.c — see placement.h. */
#include "placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "util.h"

/* Gmail sorts with its own classifiers; the signals a teaching model can
 * read are the ones bulk senders must send anyway: List-Unsubscribe
 * (RFC 2369, required of bulk senders by Gmail and Yahoo since 2024) and
 * Precedence: bulk or list (RFC 2076 §3.9, honoured by vacation
 * programs and list servers). */
static bool is_bulk(const struct qentry *q)
{
	char v[256];
	if (msg_header(q->data, q->len, "List-Unsubscribe", v, sizeof v))
		return true;
	return msg_header(q->data, q->len, "Precedence", v, sizeof v) &&
	       (ascii_strcaseeq(v, "bulk") || ascii_strcaseeq(v, "list"));
}

void placement_tab(const struct scn_host *cfg, struct qentry *q)
{
	if (!cfg->tabs || q->report || q->quarantine || q->deny)
		return;
	if (q->folder && !ascii_strcaseeq(q->folder, "INBOX"))
		return; /* Junk, or a folder the user's rule chose */
	if (is_bulk(q)) {
		free(q->folder);
		q->folder = xstrdup("Promotions");
	}
}
