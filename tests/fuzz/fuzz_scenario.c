/* fuzz_scenario.c — the scenario loader (scn_parse: cJSON, then every
 * key, value, cross-reference and warning check) on arbitrary bytes. A
 * scenario that loads must also free cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct scenario *s = scn_parse((const char *)data, size, "fuzz.json", sink);
	scn_free(s);
	return 0;
}
