/* Cron schedules: parse, and for a valid schedule compute the next few
 * firing times, which must be strictly increasing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	cs_cron c;
	char err[256];
	err[0] = '\0';
	if (cs_cron_parse(s, &c, err, sizeof(err)) == 0) {
		if (!memchr(c.tz, '\0', sizeof(c.tz)))
			abort();
		if (c.tz[0])
			(void)cs_cron_zone_exists(c.tz);
		time_t t = 1700000000; /* fixed: harness must be deterministic */
		for (int i = 0; i < 3; i++) {
			time_t n = cs_cron_next(&c, t);
			if (n == -1)
				break;
			if (n <= t) {
				fprintf(stderr, "next(%lld) = %lld is not later\n", (long long)t,
					(long long)n);
				abort();
			}
			t = n;
		}
	} else if (!err[0] || !memchr(err, '\0', sizeof(err))) {
		abort();
	}
	free(s);
	return 0;
}
