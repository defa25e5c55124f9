/* capctl's YAML reader: whatever parses must survive a trip through JSON
 * text, emit as YAML that reads back as the same document, and the emitted
 * text must be stable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "yamlconv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	err[0] = '\0';
	cs_json *docs = cs_ctl_yaml_parse((const char *)data, size, err, sizeof(err));
	if (!docs) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	if (!cs_json_is(docs, CS_JSON_ARRAY))
		abort();
	for (size_t i = 0; i < cs_json_len(docs); i++) {
		const cs_json *doc = cs_json_at(docs, i);
		/* capctl sends what it read as JSON: that must read back. */
		size_t n;
		char *json = cs_json_dump(doc, false, &n);
		cs_json *again = cs_json_parse(json, n, err, sizeof(err));
		if (!again || !cs_json_equal(again, doc)) {
			fprintf(stderr, "parsed YAML does not survive JSON (%s): %.300s\n",
				again ? "changed" : err, json);
			abort();
		}
		cs_json_free(again);
		free(json);
		char *text = cs_ctl_yaml_emit(doc, err, sizeof(err));
		if (!text) {
			fprintf(stderr, "cannot emit a parsed document: %s\n", err);
			abort();
		}
		cs_json *back = cs_ctl_yaml_parse(text, strlen(text), err, sizeof(err));
		if (!back) {
			fprintf(stderr, "emitted YAML does not parse (%s):\n%s", err, text);
			abort();
		}
		if (cs_json_len(back) != 1 || !cs_json_equal(cs_json_at(back, 0), doc)) {
			char *a = cs_json_dump(doc, false, NULL);
			char *b = cs_json_dump(back, false, NULL);
			fprintf(stderr, "YAML round trip changed the document:\n%s\n%s\nvia:\n%s",
				a, b, text);
			abort();
		}
		char *text2 = cs_ctl_yaml_emit(cs_json_at(back, 0), err, sizeof(err));
		if (!text2 || strcmp(text, text2)) {
			fprintf(stderr, "YAML emit is not stable:\n%s---\n%s", text,
				text2 ? text2 : "(null)");
			abort();
		}
		free(text2);
		cs_json_free(back);
		free(text);
	}
	cs_json_free(docs);
	return 0;
}
