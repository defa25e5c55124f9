/* The three patch formats and the merge-patch differ.  Input: target JSON,
 * a NUL byte, patch JSON.  Invariants: a rejected patch leaves the target as
 * it was; merge_diff(a, b) applied to a as a merge patch yields b (up to the
 * null members a merge patch cannot express). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "patch.h"
#include "status.h"
#include "types.h"

typedef int (*patch_fn)(cs_json **, const cs_json *, const cs_type *, cs_status *);

static int do_merge(cs_json **t, const cs_json *p, const cs_type *ty, cs_status *st)
{
	(void)ty;
	return cs_patch_merge(t, p, st);
}

static int do_json(cs_json **t, const cs_json *p, const cs_type *ty, cs_status *st)
{
	(void)ty;
	return cs_patch_json(t, p, st);
}

static void dump_fail(const char *what, const cs_json *a, const cs_json *b)
{
	char *x = cs_json_dump(a, false, NULL), *y = cs_json_dump(b, false, NULL);
	fprintf(stderr, "%s\n  %s\n  %s\n", what, x, y);
	free(x);
	free(y);
	abort();
}

static void apply(const char *name, patch_fn fn, const cs_json *target, const cs_json *patch,
		  const cs_type *t)
{
	cs_json *work = cs_json_clone(target);
	cs_status st = {0};
	int rc = fn(&work, patch, t, &st);
	if (rc < 0) {
		if (st.code != 400 && st.code != 422) {
			fprintf(stderr, "%s: error code %d (%s)\n", name, st.code, st.message);
			abort();
		}
		if (!st.message[0])
			abort();
		if (!cs_json_equal(work, target))
			dump_fail("rejected patch changed the target", work, target);
	} else if (rc != 0) {
		abort();
	} else {
		/* The result must be storable: it dumps to JSON that reads back
		 * (within the parser's depth limit) as the same document. */
		size_t n;
		char err[256];
		char *text = cs_json_dump(work, false, &n);
		cs_json *back = cs_json_parse(text, n, err, sizeof(err));
		if (!back) {
			fprintf(stderr, "%s: result does not read back (%s): %.300s\n", name, err,
				text);
			abort();
		}
		if (!cs_json_equal(back, work))
			dump_fail("result changed through dump and parse", back, work);
		cs_json_free(back);
		free(text);
	}
	cs_json_free(work);
}

/* What a merge patch can produce: object members that are null are gone
 * (recursively through objects; arrays are taken whole). */
static cs_json *strip_nulls(const cs_json *v)
{
	if (!cs_json_is(v, CS_JSON_OBJECT))
		return cs_json_clone(v);
	cs_json *o = cs_json_object();
	for (size_t i = 0; i < v->u.obj.len; i++)
		if (v->u.obj.vals[i]->type != CS_JSON_NULL)
			cs_json_set(o, v->u.obj.keys[i], strip_nulls(v->u.obj.vals[i]));
	return o;
}

/* RFC 7386 merge patches are idempotent. */
static void check_idempotent(const cs_json *target, const cs_json *patch)
{
	cs_json *once = cs_json_clone(target);
	cs_status st = {0};
	if (cs_patch_merge(&once, patch, &st) != 0)
		abort();
	cs_json *twice = cs_json_clone(once);
	if (cs_patch_merge(&twice, patch, &st) != 0)
		abort();
	if (!cs_json_equal(once, twice))
		dump_fail("merge patch applied twice differs from once", once, twice);
	cs_json_free(once);
	cs_json_free(twice);
}

static void check_diff(const cs_json *a, const cs_json *b)
{
	cs_json *d = cs_patch_merge_diff(a, b);
	cs_json *work = cs_json_clone(a);
	cs_status st = {0};
	if (cs_patch_merge(&work, d, &st) != 0)
		dump_fail("merge of a computed diff failed", a, b);
	cs_json *got = strip_nulls(work), *want = strip_nulls(b);
	if (!cs_json_equal(got, want)) {
		char *ds = cs_json_dump(d, false, NULL);
		fprintf(stderr, "diff: %s\n", ds);
		free(ds);
		dump_fail("merge(a, diff(a, b)) != b", got, want);
	}
	cs_json_free(got);
	cs_json_free(want);
	cs_json_free(work);
	cs_json_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, '\0', size);
	if (!sep)
		return 0;
	size_t tlen = (size_t)(sep - data);
	char err[256];
	cs_json *target = cs_json_parse((const char *)data, tlen, err, sizeof(err));
	cs_json *patch = cs_json_parse((const char *)sep + 1, size - tlen - 1, err, sizeof(err));
	if (target && patch) {
		const cs_type *deploy = cs_type_find("apps", "v1", "deployments");
		const cs_type *pod = cs_type_find("", "v1", "pods");
		apply("merge", do_merge, target, patch, NULL);
		apply("json", do_json, target, patch, NULL);
		apply("strategic/Deployment", cs_patch_strategic, target, patch, deploy);
		apply("strategic/Pod", cs_patch_strategic, target, patch, pod);
		apply("strategic/none", cs_patch_strategic, target, patch, NULL);
		check_idempotent(target, patch);
		check_diff(target, patch);
		check_diff(patch, target);
	}
	cs_json_free(target);
	cs_json_free(patch);
	return 0;
}
