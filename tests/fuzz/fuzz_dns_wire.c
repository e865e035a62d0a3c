/* fuzz_dns_wire.c — the RFC 1035 wire decoder on arbitrary datagrams.
 * A message that decodes must encode again (UDP, TCP and plain) and the
 * encoding must decode to the same question and sections: what the
 * simulated resolver and server rely on when they pass messages on. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct dns_msg *a, const struct dns_msg *b)
{
	if (a->id != b->id || a->qtype != b->qtype || a->rcode != b->rcode ||
	    strcmp(a->qname, b->qname) != 0 || a->ans.n != b->ans.n || a->qr != b->qr)
		__builtin_trap();
	for (size_t i = 0; i < a->ans.n; i++)
		if (a->ans.rrs[i].type != b->ans.rrs[i].type ||
		    !dns_rr_rdata_equal(&a->ans.rrs[i], &b->ans.rrs[i]))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536 + 2];
	struct dns_msg m, again;
	if (!dns_msg_decode(data, size, &m))
		return 0;
	for (size_t i = 0; i < m.ans.n; i++) {
		char line[1024];
		dns_rr_format(&m.ans.rrs[i], line, sizeof(line));
	}
	size_t n = dns_msg_encode(&m, buf, sizeof(buf));
	if (n == 0)
		__builtin_trap(); /* a decoded message always fits 64 KiB again */
	if (!dns_msg_decode(buf, n, &again))
		__builtin_trap();
	check_same(&m, &again);
	dns_msg_clear(&again);
	n = dns_msg_encode_udp(&m, buf, sizeof(buf));
	if (n > DNS_UDP_MAX)
		__builtin_trap(); /* larger answers go out truncated (TC=1) */
	if (n && dns_msg_decode(buf, n, &again))
		dns_msg_clear(&again);
	n = dns_msg_encode_tcp(&m, buf, sizeof(buf));
	if (n && dns_msg_decode(buf + 2, n - 2, &again))
		dns_msg_clear(&again);
	dns_msg_clear(&m);
	return 0;
}
