/* compose.c — see compose.h. */
#include "compose.h"

#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "av.h"
#include "fmt.h"
#include "msg.h"
#include "trace.h"

/* The display name the composer knows for an address: the scenario's
 * user directory (its own account, and an address book for everyone
 * else). */
static const char *display_name(const struct sim *sim, const char *addr)
{
	const struct scn_user *u = scn_user(sim->scn, addr);
	return u ? u->name : NULL;
}

void compose_message(struct sim *sim, const struct host *h, uint32_t *counter,
		     const struct scn_message *spec, struct strbuf *out)
{
	char date[64], mid[300];
	sim_date(sim, date, sizeof date);
	/* A Message-ID unique per client and deterministic: date-time, a
	 * counter and the client's domain (RFC 5322 §3.6.4). */
	fmt_snprintf(mid, sizeof mid, "<%" PRId64 ".%" PRIu32 ".%s@%s>",
		 (sim->epoch_unix_us + sim->now) / 1000000, ++*counter, spec->id,
		 h->name);
	/* Attachments; the EICAR test file is built here from its two halves
	 * (av.c), so no file of the project carries it whole. */
	struct msg_part *parts = xcalloc(spec->nattachments + 1, sizeof *parts);
	char eicar[AV_EICAR_LEN + 1];
	av_eicar_string(eicar);
	for (size_t i = 0; i < spec->nattachments; i++) {
		const struct scn_attachment *a = &spec->attachments[i];
		const char *data = a->eicar ? eicar : a->text;
		parts[i] = (struct msg_part){a->filename, a->type, (const unsigned char *)data,
					     strlen(data)};
	}
	char boundary[128];
	fmt_snprintf(boundary, sizeof boundary, "=_mailsim_%s_%" PRIu32, spec->id, *counter);
	const char **to_names = xcalloc(spec->nto + 1, sizeof *to_names);
	for (size_t i = 0; i < spec->nto; i++)
		to_names[i] = display_name(sim, spec->to[i]);
	const char *from = spec->spoof_from ? spec->spoof_from : spec->from;
	struct msg_spec ms = {
		.from = from,
		.from_name = display_name(sim, from),
		.to = (const char *const *)spec->to,
		.to_names = to_names,
		.nto = spec->nto,
		.subject = spec->subject,
		.body = spec->body,
		.date = date,
		.message_id = mid,
		.pad_to = (size_t)spec->size,
		.omit = (const char *const *)spec->omit,
		.nomit = spec->nomit,
		.parts = parts,
		.nparts = spec->nattachments,
		.boundary = boundary,
	};
	msg_compose(&ms, out);
	for (size_t i = spec->nhdrs; i-- > 0;)
		msg_prepend_header(out, spec->hdr_names[i], spec->hdr_values[i]);
	free(parts);
	free(to_names);
	sim_tag_add_message(sim, out->data, out->len, spec->id);
}

/* Where each named header first starts (SIZE_MAX: none), found as
 * msg_header finds them — a "Name:" line before the empty line that ends
 * the header — but in one pass over the lines for all the names. */
static void header_starts(const char *msg, size_t len, const char *const *names, size_t n,
			  size_t *at)
{
	size_t nlen[8];
	assert(n <= ARRAY_LEN(nlen));
	for (size_t k = 0; k < n; k++) {
		at[k] = SIZE_MAX;
		nlen[k] = strlen(names[k]);
	}
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - msg) : len;
		if (nl && (eol == i || (eol == i + 1 && msg[i] == '\r')))
			break;
		for (size_t k = 0; k < n; k++)
			if (at[k] == SIZE_MAX && eol - i > nlen[k] && msg[i + nlen[k]] == ':' &&
			    ascii_strncaseeq(msg + i, names[k], nlen[k]))
				at[k] = i;
		i = eol + 1;
	}
}

void compose_trace(struct sim *sim, const struct host *h, const struct scn_message *spec,
		   const struct strbuf *d)
{
	trace_begin(sim->trace, sim->now, TK_MSG_COMPOSE);
	trace_node(sim->trace, h->name);
	trace_msg(sim->trace, spec->id);
	trace_str(sim->trace, "from", spec->from);
	if (spec->spoof_from)
		trace_str(sim->trace, "spoofed_from", spec->spoof_from);
	trace_strv(sim->trace, "to", (const char *const *)spec->to, spec->nto);
	trace_str(sim->trace, "subject", spec->subject);
	trace_int(sim->trace, "bytes", (int64_t)d->len);
	trace_end(sim->trace);
	/* The headers the message starts with, for the header inspector. */
	static const char *const names[] = {"Date", "From", "To", "Subject", "Message-ID",
					    "MIME-Version"};
	size_t at[ARRAY_LEN(names)];
	header_starts(d->data, d->len, names, ARRAY_LEN(names), at);
	/* A trace nobody reads only counts the events: no values then. */
	bool wanted = trace_wanted(sim->trace);
	char *v = wanted ? xmalloc(d->len + 1) : NULL; /* a value is never longer than the message */
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (at[i] == SIZE_MAX)
			continue;
		if (!wanted) {
			trace_begin(sim->trace, sim->now, TK_MSG_HEADER);
			trace_end(sim->trace);
			continue;
		}
		/* from its first line on, msg_header finds it at once */
		if (!msg_header(d->data + at[i], d->len - at[i], names[i], v, d->len + 1))
			continue;
		trace_begin(sim->trace, sim->now, TK_MSG_HEADER);
		trace_node(sim->trace, h->name);
		trace_msg(sim->trace, spec->id);
		trace_str(sim->trace, "name", names[i]);
		trace_str(sim->trace, "value", v);
		trace_end(sim->trace);
	}
	free(v);
}

