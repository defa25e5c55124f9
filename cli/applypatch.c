#include "applypatch.h"

#include <stdlib.h>
#include <string.h>

#include "cliutil.h"
#include "patch.h"

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cs_json *sorted_clone(const cs_json *v)
{
	if (v->type == CS_JSON_ARRAY) {
		cs_json *a = cs_json_array();
		for (size_t i = 0; i < v->u.arr.len; i++)
			cs_json_push(a, sorted_clone(v->u.arr.items[i]));
		return a;
	}
	if (v->type != CS_JSON_OBJECT)
		return cs_json_clone(v);
	size_t n = v->u.obj.len;
	const char **keys = cs_ctl_xmalloc((n ? n : 1) * sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = v->u.obj.keys[i];
	qsort(keys, n, sizeof(*keys), cmp_keys);
	cs_json *o = cs_json_object();
	for (size_t i = 0; i < n; i++)
		cs_json_set(o, keys[i], sorted_clone(cs_json_get(v, keys[i])));
	free(keys);
	return o;
}

char *cs_ctl_last_applied(const cs_json *obj)
{
	/* As kubectl writes it: metadata.annotations stays, as {} when the
	 * annotation was the only one, so both tools produce the same text. */
	cs_json *plain = cs_json_clone(obj);
	if (plain->type == CS_JSON_OBJECT) {
		cs_json *ann =
			cs_json_obj_ensure(cs_json_obj_ensure(plain, "metadata"), "annotations");
		cs_json_del(ann, CS_CTL_LAST_APPLIED);
	}
	cs_json *copy = sorted_clone(plain);
	cs_json_free(plain);
	size_t len;
	char *s = cs_json_dump(copy, false, &len);
	cs_json_free(copy);
	char *out = cs_ctl_xasprintf("%s\n", s);
	free(s);
	return out;
}

/* Keeps only the deletions (null leaves) of a merge patch; drops what
 * becomes empty. */
static void keep_nulls(cs_json *patch)
{
	for (size_t i = patch->u.obj.len; i-- > 0;) {
		cs_json *v = patch->u.obj.vals[i];
		if (v->type == CS_JSON_NULL)
			continue;
		if (v->type == CS_JSON_OBJECT) {
			keep_nulls(v);
			if (v->u.obj.len)
				continue;
		}
		cs_json_del(patch, patch->u.obj.keys[i]);
	}
}

/* True when every field modified sets has that value in current. */
static bool contained(const cs_json *current, const cs_json *modified)
{
	if (!current || current->type != modified->type)
		return false;
	if (modified->type == CS_JSON_OBJECT) {
		for (size_t i = 0; i < modified->u.obj.len; i++) {
			const cs_json *mv = modified->u.obj.vals[i];
			const cs_json *cv = cs_json_get(current, modified->u.obj.keys[i]);
			if (mv->type == CS_JSON_NULL ? cv && cv->type != CS_JSON_NULL
						     : !contained(cv, mv))
				return false;
		}
		return true;
	}
	if (modified->type == CS_JSON_ARRAY) {
		if (current->u.arr.len != modified->u.arr.len)
			return false;
		for (size_t i = 0; i < modified->u.arr.len; i++)
			if (!contained(current->u.arr.items[i], modified->u.arr.items[i]))
				return false;
		return true;
	}
	return cs_json_equal(current, modified);
}

static cs_json *changes(const cs_json *current, const cs_json *modified)
{
	cs_json *out = cs_json_object();
	for (size_t i = 0; i < modified->u.obj.len; i++) {
		const char *k = modified->u.obj.keys[i];
		const cs_json *mv = modified->u.obj.vals[i];
		const cs_json *cv = cs_json_get(current, k);
		if (mv->type == CS_JSON_NULL) {
			/* null asks for absence: only worth sending if present */
			if (cv && cv->type != CS_JSON_NULL)
				cs_json_set(out, k, cs_json_null());
		} else if (cv && cv->type == CS_JSON_OBJECT && mv->type == CS_JSON_OBJECT) {
			cs_json *sub = changes(cv, mv);
			if (sub->u.obj.len)
				cs_json_set(out, k, sub);
			else
				cs_json_free(sub);
		} else if (!contained(cv, mv)) {
			cs_json_set(out, k, cs_json_clone(mv));
		}
	}
	return out;
}

/* Deep-merges src into dst (src wins). */
static void merge_into(cs_json *dst, const cs_json *src)
{
	for (size_t i = 0; i < src->u.obj.len; i++) {
		const char *k = src->u.obj.keys[i];
		const cs_json *sv = src->u.obj.vals[i];
		cs_json *dv = cs_json_get(dst, k);
		if (dv && dv->type == CS_JSON_OBJECT && sv->type == CS_JSON_OBJECT)
			merge_into(dv, sv);
		else
			cs_json_set(dst, k, cs_json_clone(sv));
	}
}

cs_json *cs_ctl_apply_patch(const cs_json *original, const cs_json *modified,
			    const cs_json *current)
{
	cs_json *patch = cs_json_object();
	if (original && original->type == CS_JSON_OBJECT) {
		cs_json *diff = cs_patch_merge_diff(original, modified);
		if (diff && diff->type == CS_JSON_OBJECT) {
			keep_nulls(diff);
			merge_into(patch, diff);
		}
		cs_json_free(diff);
	}
	cs_json *delta = changes(current, modified);
	merge_into(patch, delta);
	cs_json_free(delta);
	return patch;
}
