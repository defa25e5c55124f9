/* TZif zone files: parse arbitrary bytes; for a file that parses, offsets
 * and the next changes are computable and changes move forward. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tzone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_tzone *z = cs_tzone_parse(data, size);
	if (!z)
		return 0;
	int64_t t = 1700000000; /* fixed: harness must be deterministic */
	for (int i = 0; i < 4; i++) {
		(void)cs_tzone_offset(z, t);
		int64_t n = cs_tzone_next_change(z, t);
		if (n == INT64_MAX)
			break;
		if (n <= t) {
			fprintf(stderr, "next_change(%lld) = %lld is not later\n", (long long)t,
				(long long)n);
			abort();
		}
		t = n;
	}
	cs_tzone_free(z);
	return 0;
}
