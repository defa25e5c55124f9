/* Label selectors from a query string and from a metav1.LabelSelector JSON
 * object, matched against a few fixed label sets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "selector.h"
#include "status.h"

static const char *const label_sets[] = {
	"null",
	"{}",
	"{\"app\":\"web\",\"tier\":\"frontend\",\"env\":\"prod\"}",
	"{\"app\":\"db\",\"example.com/role\":\"primary\",\"version\":\"1.2.3\",\"empty\":\"\"}",
	"{\"a\":\"b\",\"c\":\"d\",\"e\":\"f\",\"g\":\"x\",\"h\":\"y\",\"i\":\"\"}",
	"{\"n\":\"5\",\"m\":\"10\",\"k8s.io/x\":\"-1\"}",
};

static cs_json *labels[sizeof(label_sets) / sizeof(label_sets[0])];

static void match_all(const cs_selector *sel)
{
	bool empty = cs_selector_empty(sel);
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		bool m = cs_label_selector_match(sel, labels[i]);
		if (empty && !m) {
			fprintf(stderr, "empty selector rejected label set %zu\n", i);
			abort();
		}
	}
}

static void check_error(const cs_status *st, int want)
{
	if (st->code != want || !st->message[0]) {
		fprintf(stderr, "selector error: code %d (want %d), message \"%s\"\n", st->code,
			want, st->message);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!labels[0]) {
		char err[128];
		for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
			labels[i] = cs_json_parse(label_sets[i], strlen(label_sets[i]), err,
						  sizeof(err));
	}
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	cs_status st = {0};
	cs_selector *sel = cs_label_selector_parse(s, &st);
	if (sel) {
		match_all(sel);
		cs_selector_free(sel);
	} else {
		check_error(&st, 400);
	}

	char err[256];
	cs_json *j = cs_json_parse((const char *)data, size, err, sizeof(err));
	if (j) {
		cs_status st2 = {0};
		sel = cs_label_selector_from_json(j, "spec.selector", &st2);
		if (sel) {
			match_all(sel);
			cs_selector_free(sel);
		} else {
			check_error(&st2, 422);
		}
		cs_json_free(j);
	}
	free(s);
	return 0;
}
