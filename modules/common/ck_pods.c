/* Predicates on pods as Kubernetes' controller utilities define them:
 * active, ready, available, controlled by, selected by. */
#include <string.h>

#include "ctrlkit.h"

bool ck_pod_active(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return !ck_str_is(phase, "Succeeded") && !ck_str_is(phase, "Failed") &&
	       !h->obj_get(pod, "metadata.deletionTimestamp");
}

const cs_object *ck_pod_ready_cond(const cs_host *h, const cs_object *pod)
{
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		if (ck_str_is(h->obj_str(c, "type"), "Ready"))
			return c;
	}
	return NULL;
}

bool ck_pod_ready(const cs_host *h, const cs_object *pod)
{
	return ck_str_is(h->obj_str(ck_pod_ready_cond(h, pod), "status"), "True");
}

bool ck_pod_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		      double *until)
{
	const cs_object *c = ck_pod_ready_cond(h, pod);
	if (!ck_str_is(h->obj_str(c, "status"), "True"))
		return false;
	if (min_ready <= 0)
		return true;
	double since = ck_time(h->obj_str(c, "lastTransitionTime"));
	if (since < 0)
		return false; /* ready, but since when is unknown: as Kubernetes */
	double at = since + (double)min_ready;
	if (at < now)
		return true;
	if (until && at < *until)
		*until = at;
	return false;
}

const cs_object *ck_controller_ref(const cs_host *h, const cs_object *obj)
{
	const cs_object *refs = h->obj_get(obj, "metadata.ownerReferences");
	for (size_t i = 0; i < h->obj_len(refs); i++) {
		const cs_object *r = h->obj_at(refs, i);
		if (h->obj_bool(r, "controller", false))
			return r;
	}
	return NULL;
}

const char *ck_label(const cs_host *h, const cs_object *labels, const char *key)
{
	if (h->obj_type(labels) != CS_OBJ_MAP)
		return NULL;
	for (size_t i = 0; i < h->obj_len(labels); i++)
		if (ck_str_is(h->obj_key_at(labels, i), key))
			return h->obj_type(h->obj_at(labels, i)) == CS_OBJ_STRING
				       ? h->obj_str(h->obj_at(labels, i), NULL)
				       : NULL;
	return NULL;
}

bool ck_labels_subset(const cs_host *h, const cs_object *want, const cs_object *labels)
{
	for (size_t i = 0; i < h->obj_len(want) && h->obj_type(want) == CS_OBJ_MAP; i++) {
		const char *v = h->obj_str(h->obj_at(want, i), NULL);
		const char *have = ck_label(h, labels, h->obj_key_at(want, i));
		if (!v || !have || strcmp(v, have))
			return false;
	}
	return true;
}

static bool in_values(const cs_host *h, const cs_object *values, const char *v)
{
	for (size_t i = 0; v && i < h->obj_len(values); i++)
		if (ck_str_is(h->obj_str(h->obj_at(values, i), NULL), v))
			return true;
	return false;
}

bool ck_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels, bool *bad)
{
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	*bad = h->obj_type(sel) != CS_OBJ_MAP || (ml && h->obj_type(ml) != CS_OBJ_MAP) ||
	       (me && h->obj_type(me) != CS_OBJ_ARRAY) || h->obj_len(ml) + h->obj_len(me) == 0;
	if (*bad || !ck_labels_subset(h, ml, labels))
		return false;
	for (size_t i = 0; i < h->obj_len(me); i++) {
		const cs_object *e = h->obj_at(me, i);
		const char *key = h->obj_str(e, "key");
		const char *op = h->obj_str(e, "operator");
		const cs_object *values = h->obj_get(e, "values");
		const char *v = key ? ck_label(h, labels, key) : NULL;
		bool want_values = ck_str_is(op, "In") || ck_str_is(op, "NotIn");
		if (!key || !op || want_values != (h->obj_len(values) > 0)) {
			*bad = true;
			return false;
		}
		bool ok;
		if (ck_str_is(op, "In"))
			ok = in_values(h, values, v);
		else if (ck_str_is(op, "NotIn"))
			ok = !in_values(h, values, v);
		else if (ck_str_is(op, "Exists"))
			ok = v != NULL;
		else if (ck_str_is(op, "DoesNotExist"))
			ok = v == NULL;
		else
			return !(*bad = true);
		if (!ok)
			return false;
	}
	return true;
}
