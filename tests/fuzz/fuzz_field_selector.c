/* Field selectors for several kinds, matched against fixed objects. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "selector.h"
#include "status.h"
#include "types.h"

static const char pod_text[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\","
	"\"namespace\":\"default\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":"
	"\"node-a\",\"restartPolicy\":\"Always\",\"containers\":[{\"name\":\"c\",\"image\":"
	"\"nginx\"}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\"}}";
static const char node_text[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},"
	"\"spec\":{\"unschedulable\":true}}";
static const char event_text[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e1\","
	"\"namespace\":\"default\"},\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web-1\"},"
	"\"reason\":\"Started\",\"type\":\"Normal\",\"count\":3}";

static const char *const resources[][2] = {
	{"", "pods"},       {"", "nodes"},           {"", "events"},    {"", "secrets"},
	{"", "namespaces"}, {"apps", "deployments"}, {"batch", "jobs"}, {"", "services"},
};

static cs_json *objs[3];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!objs[0]) {
		char err[128];
		objs[0] = cs_json_parse(pod_text, strlen(pod_text), err, sizeof(err));
		objs[1] = cs_json_parse(node_text, strlen(node_text), err, sizeof(err));
		objs[2] = cs_json_parse(event_text, strlen(event_text), err, sizeof(err));
		if (!objs[0] || !objs[1] || !objs[2])
			abort();
	}
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
		const cs_type *t = cs_type_find(resources[i][0], "v1", resources[i][1]);
		if (!t)
			abort();
		cs_status st = {0};
		cs_selector *sel = cs_field_selector_parse(s, t, &st);
		if (!sel) {
			if (st.code != 400 || !st.message[0]) {
				fprintf(stderr, "field selector error: code %d, \"%s\"\n", st.code,
					st.message);
				abort();
			}
			continue;
		}
		bool empty = cs_selector_empty(sel);
		for (size_t k = 0; k < sizeof(objs) / sizeof(objs[0]); k++)
			if (!cs_field_selector_match(sel, objs[k]) && empty)
				abort();
		cs_selector_free(sel);
	}
	free(s);
	return 0;
}
