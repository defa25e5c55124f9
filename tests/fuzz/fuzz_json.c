/* cs_json_parse on arbitrary bytes: whatever parses must dump to text that
 * parses back to an equal document, in both output styles, and a clone must
 * compare equal to its original. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void roundtrip(const cs_json *v, bool pretty)
{
	size_t n;
	char err[256];
	char *text = cs_json_dump(v, pretty, &n);
	if (strlen(text) != n) {
		fprintf(stderr, "dump length %zu but text is %zu bytes\n", n, strlen(text));
		abort();
	}
	cs_json *again = cs_json_parse(text, n, err, sizeof(err));
	if (!again) {
		fprintf(stderr, "dumped JSON does not parse (%s): %s\n", err, text);
		abort();
	}
	if (!cs_json_equal(v, again) || !cs_json_equal(again, v)) {
		fprintf(stderr, "round trip changed the document: %s\n", text);
		abort();
	}
	/* A second dump of the re-parsed document must be byte-identical. */
	size_t n2;
	char *text2 = cs_json_dump(again, pretty, &n2);
	if (n2 != n || memcmp(text, text2, n)) {
		fprintf(stderr, "dump is not stable:\n%s\n%s\n", text, text2);
		abort();
	}
	free(text2);
	cs_json_free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	cs_json *v = cs_json_parse((const char *)data, size, err, sizeof(err));
	if (!v) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort(); /* a failure must say why */
		return 0;
	}
	roundtrip(v, false);
	roundtrip(v, true);
	cs_json *c = cs_json_clone(v);
	if (!cs_json_equal(v, c) || !cs_json_equal(c, v))
		abort();
	cs_json_free(c);
	cs_json_free(v);
	return 0;
}
