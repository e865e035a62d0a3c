/* scenario_names.c — the spellings of the scenario's enums (scenario.h),
 * one NULL-ended table each, indexed by the enum's values. The loader
 * accepts exactly these words; the order of a table is the order of its
 * "expected one of" hint. */
#include "scenario.h"
#include "trace_kinds.h"

const char *const scn_role_names[] = {"client", "mta", "dns", "filter", "mailbox", NULL};
const char *const scn_service_names[] = {"smtp", "submission", "imap", "pop3",
						"submissions", "imaps", "pop3s", NULL};
const char *const scn_tls_policy_names[] = {"may", "encrypt", "none", NULL};
const char *const scn_retry_schedule_names[] = {"postfix", "exim", "sendmail", NULL};
const char *const scn_quota_full_names[] = {"reject", "tempfail", NULL};
const char *const scn_fetch_protocol_names[] = {"imap", "pop3", NULL};
const char *const scn_rule_action_names[] = {"deny", "folder", "forward", NULL};
const char *const scn_tamper_names[] = {"body", "subject", NULL};
const char *const scn_fault_names[] = {"host_down", "port_closed", "dns_timeout",
				       "dns_servfail", "link", "slow_server", "tls_failure",
				       "mailbox_full", "tamper", NULL};
const char *const scn_canon_names[] = {"relaxed/relaxed", "relaxed/simple", "simple/relaxed",
				       "simple/simple", NULL};
const char *const scn_omittable_names[] = {"Date", "Message-ID", "To", "Subject",
					   "MIME-Version", NULL};
/* A narration's "before": every kind of the trace vocabulary but narrate
 * itself (trace_kinds.h), NULL-ended. */
const char *const *scn_narration_kinds(void)
{
	static const char *names[TK_COUNT + 1];
	if (!names[0]) {
		size_t n = 0;
		for (int k = 0; k < TK_COUNT; k++)
			if (k != TK_NARRATE)
				names[n++] = trace_kind_name((enum trace_kind)k);
		names[n] = NULL;
	}
	return names;
}

size_t scn_names_count(const char *const *names)
{
	size_t n = 0;
	while (names[n])
		n++;
	return n;
}
