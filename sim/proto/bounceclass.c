/* bounceclass.c — see bounceclass.h. One table per subject of the
 * enhanced code (RFC 3463 §3.1-§3.8), then the texts servers send when
 * the code alone does not say enough (Postfix, Gmail, Spamhaus wording). */
#include "bounceclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *name, *text;
} categories[BC_COUNT] = {
	[BC_NONE] = {"none", "accepted"},
	[BC_BAD_MAILBOX] = {"bad-mailbox", "the mailbox does not exist"},
	[BC_BAD_DOMAIN] = {"bad-domain", "the domain does not take mail"},
	[BC_DISABLED] = {"disabled", "the mailbox is disabled"},
	[BC_MAILBOX_FULL] = {"mailbox-full", "the mailbox is full"},
	[BC_TOO_LARGE] = {"too-large", "the message is too large"},
	[BC_GREYLISTED] = {"greylisted", "greylisted: the server wants a retry later"},
	[BC_TEMPORARY] = {"temporary", "a temporary failure"},
	[BC_REPUTATION] = {"reputation", "refused for the sender's reputation"},
	[BC_AUTHENTICATION] = {"authentication", "refused: sender authentication (SPF/DKIM/DMARC) failed"},
	[BC_POLICY] = {"policy", "refused by the receiver's policy (spam, content or relaying)"},
	[BC_PROTOCOL] = {"protocol", "the server refused a command"},
	[BC_OTHER] = {"other", "a permanent failure"},
};

static const char *const type_names[] = {"none", "hard", "soft", "block"};

const char *bounce_type_name(enum bounce_type t)
{
	return (unsigned)t < ARRAY_LEN(type_names) ? type_names[t] : "?";
}

const char *bounce_category_name(enum bounce_category c)
{
	return (unsigned)c < BC_COUNT ? categories[c].name : "?";
}

const char *bounce_category_text(enum bounce_category c)
{
	return (unsigned)c < BC_COUNT ? categories[c].text : "?";
}

bool bounce_suppress_now(struct bounce_class c)
{
	return c.type == BOUNCE_HARD;
}

/* Case-insensitive substring. */
static bool has(const char *text, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = text; *p; p++)
		if (ascii_strncaseeq(p, needle, n))
			return true;
	return false;
}

static bool has_any(const char *text, const char *const *needles)
{
	for (size_t i = 0; needles[i]; i++)
		if (has(text, needles[i]))
			return true;
	return false;
}

/* Texts that blame the sending host, not the address (Postfix's RBL and
 * client restrictions, Spamhaus, Gmail's 4.7.28 rate limiting). */
static const char *const reputation_words[] = {
	"blocked using", "blacklist", "blocklist", "block list", "spamhaus", "reputation",
	"client host rejected", "unsolicited", "rate limit", "too many", NULL};
static const char *const unknown_words[] = {
	"user unknown", "unknown user", "no such user", "does not exist", "mailbox unavailable",
	"address rejected", "not found", "invalid recipient", NULL};
static const char *const disabled_words[] = {"disabled", "suspended", "inactive", "deactivated", NULL};
static const char *const full_words[] = {"quota", "mailbox full", "mailbox is full", "insufficient storage", NULL};

static struct bounce_class mk(enum bounce_type t, enum bounce_category c)
{
	return (struct bounce_class){t, c};
}

/* No enhanced code: the basic code's class and the text. */
static struct bounce_class from_text(int code, const char *text)
{
	bool perm = code >= 500;
	if (has_any(text, full_words))
		return mk(BOUNCE_SOFT, BC_MAILBOX_FULL);
	if (has(text, "greylist"))
		return mk(BOUNCE_SOFT, BC_GREYLISTED);
	if (has_any(text, reputation_words))
		return mk(perm ? BOUNCE_BLOCK : BOUNCE_SOFT, perm ? BC_REPUTATION : BC_TEMPORARY);
	if (!perm)
		return mk(BOUNCE_SOFT, BC_TEMPORARY);
	if (has_any(text, disabled_words))
		return mk(BOUNCE_HARD, BC_DISABLED);
	if (has_any(text, unknown_words))
		return mk(BOUNCE_HARD, BC_BAD_MAILBOX);
	return mk(BOUNCE_HARD, BC_OTHER);
}

/* 4.x.x: temporary, except quota (kept apart: repeated ones suppress),
 * greylisting and the throttling of a sender's reputation. */
static struct bounce_class transient(int subject, int detail, const char *text)
{
	if (subject == 2 && detail == 2)
		return mk(BOUNCE_SOFT, BC_MAILBOX_FULL);
	if (subject == 7 && (has(text, "greylist") || has(text, "grey-list")))
		return mk(BOUNCE_SOFT, BC_GREYLISTED);
	if (subject == 7) /* 4.7.0 throttling, 4.7.28 Gmail's unsolicited-rate limit */
		return mk(BOUNCE_SOFT, BC_REPUTATION);
	return mk(BOUNCE_SOFT, BC_TEMPORARY);
}

static struct bounce_class security(int detail, const char *text)
{
	if (detail >= 20 && detail <= 27) /* RFC 7372, RFC 7505 §4.2 */
		return mk(BOUNCE_BLOCK, BC_AUTHENTICATION);
	if (has_any(text, reputation_words))
		return mk(BOUNCE_BLOCK, BC_REPUTATION);
	return mk(BOUNCE_BLOCK, BC_POLICY);
}

/* 5.x.x, by subject [RFC 3463 §3.2-§3.8]. */
static struct bounce_class permanent(int subject, int detail, const char *text)
{
	switch (subject) {
	case 1: /* addressing */
		if (detail == 2)
			return mk(BOUNCE_HARD, BC_BAD_DOMAIN);
		if (detail == 0 || detail == 1 || detail == 3 || detail == 6 || detail == 10)
			return mk(BOUNCE_HARD, BC_BAD_MAILBOX);
		return from_text(500, text);
	case 2: /* mailbox */
		if (detail == 1)
			return mk(BOUNCE_HARD, BC_DISABLED);
		if (detail == 2)
			return mk(BOUNCE_SOFT, BC_MAILBOX_FULL);
		if (detail == 3)
			return mk(BOUNCE_SOFT, BC_TOO_LARGE);
		return from_text(500, text);
	case 3: /* mail system */
		if (detail == 4)
			return mk(BOUNCE_SOFT, BC_TOO_LARGE);
		return mk(BOUNCE_HARD, BC_OTHER);
	case 4: /* network and routing */
		if (detail == 4)
			return mk(BOUNCE_HARD, BC_BAD_DOMAIN);
		return mk(BOUNCE_HARD, BC_OTHER);
	case 5:
		return mk(BOUNCE_BLOCK, BC_PROTOCOL);
	case 6: /* content */
		return mk(BOUNCE_BLOCK, BC_POLICY);
	case 7:
		return security(detail, text);
	default:
		return from_text(500, text);
	}
}

struct bounce_class bounce_classify(int code, const char *enh, const char *text)
{
	text = text ? text : "";
	int cls = 0, subject = -1, detail = -1;
	if (enh && *enh && sscanf(enh, "%d.%d.%d", &cls, &subject, &detail) != 3)
		subject = detail = -1;
	if (cls == 0)
		cls = code / 100;
	if (cls == 2)
		return mk(BOUNCE_NONE, BC_NONE);
	if (subject < 0)
		return from_text(cls * 100, text);
	if (cls == 4)
		return transient(subject, detail, text);
	if (cls == 5)
		return permanent(subject, detail, text);
	return from_text(cls * 100, text);
}
