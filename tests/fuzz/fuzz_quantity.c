/* Resource quantities: never crash or hit UB; a failed parse leaves the
 * output alone. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	long double out = 12345.0L;
	int rc = cs_quantity_parse(s, &out);
	if (rc == -1 && out != 12345.0L)
		abort();
	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0 && isnan(out))
		abort();
	free(s);
	return 0;
}
