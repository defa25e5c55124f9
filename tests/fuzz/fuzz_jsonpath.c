/* capctl -o jsonpath templates rendered against a fixed document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"
#include "json.h"
#include "jsonpath.h"

static const char doc_text[] =
	"{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"web\","
	"\"k.with.dots\":\"x\"}},\"spec\":{\"replicas\":3,\"containers\":[{\"name\":\"c1\","
	"\"ports\":[{\"containerPort\":80}]},{\"name\":\"c2\"}]},\"status\":{\"conditions\":["
	"{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"Synced\",\"status\":\"False\"}]}},"
	"{\"metadata\":{\"name\":\"b\"},\"spec\":{\"replicas\":1.5,\"flag\":true,\"none\":null}}"
	"],\"metadata\":{\"resourceVersion\":\"7\"}}";

static cs_json *doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!doc) {
		char err[128];
		doc = cs_json_parse(doc_text, strlen(doc_text), err, sizeof(err));
		if (!doc)
			abort();
	}
	char *tmpl = malloc(size + 1);
	memcpy(tmpl, data, size);
	tmpl[size] = '\0';
	cs_ctl_sb out = {0};
	char err[512];
	err[0] = '\0';
	if (cs_ctl_jsonpath(tmpl, doc, &out, err, sizeof(err)) < 0 &&
	    (!err[0] || !memchr(err, '\0', sizeof(err))))
		abort();
	cs_ctl_sb_free(&out);
	free(tmpl);
	return 0;
}
