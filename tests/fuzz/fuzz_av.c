/* fuzz_av.c — the antivirus scanner's MIME parser on arbitrary messages:
 * multipart splitting, nesting, base64 and quoted-printable decoding, and
 * the reply and header texts built from a result. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "av.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct av_parts parts;
	av_parts_parse(msg, size, &parts);
	for (size_t i = 0; i < parts.n; i++) {
		const struct av_part *p = &parts.v[i];
		if (!p->content_type || !p->encoding || !p->data || p->data[p->len] != '\0')
			__builtin_trap();
	}
	av_parts_clear(&parts);

	struct av_result r;
	char out[256];
	av_scan(msg, size, &r);
	av_clamd_reply(&r, out, sizeof(out));
	av_part_label(&r, out, sizeof(out));
	av_header_status(&r, out, sizeof(out));

	size_t len;
	free(av_decode_qp(msg, size, &len));
	free(av_decode_base64(msg, size, &len));
	return 0;
}
