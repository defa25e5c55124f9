/* Validation of the policy kinds: PriorityClass, ResourceQuota, LimitRange
 * and ControllerRevision, with the Kubernetes API server's messages. */
#include <stdio.h>
#include <string.h>

#include "admission.h"
#include "quantity.h"
#include "selector.h"
#include "validate_int.h"

/* ---- PriorityClass (scheduling.k8s.io/v1) ---- */

#define HIGHEST_USER_PRIORITY 1000000000

static const struct {
	const char *name;
	int64_t value;
} system_classes[] = {
	{"system-node-critical", CS_PRIORITY_SYSTEM_NODE_CRITICAL},
	{"system-cluster-critical", CS_PRIORITY_SYSTEM_CLUSTER_CRITICAL},
};

/* scheduling.IsKnownSystemPriorityClass: NULL, or why not. */
static const char *known_system_class(const char *name, int64_t value, bool global_default,
				      char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof(system_classes) / sizeof(*system_classes); i++) {
		if (strcmp(system_classes[i].name, name))
			continue;
		if (value != system_classes[i].value) {
			snprintf(buf, n, "value of %s PriorityClass must be %lld", name,
				 (long long)system_classes[i].value);
			return buf;
		}
		if (global_default) {
			snprintf(buf, n, "globalDefault of %s PriorityClass must be false", name);
			return buf;
		}
		return NULL;
	}
	snprintf(buf, n, "%s is not a known system priority class", name);
	return buf;
}

static const char *const preemption_policies[] = {"PreemptLowerPriority", "Never", NULL};

void cs_v_priorityclass(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	const char *name = cs_json_get_str(cs_json_get(obj, "metadata"), "name");
	int64_t value = 0;
	if (cs_v_int(v, obj, "", "value", &value) && (value < INT32_MIN || value > INT32_MAX))
		cs_v_invalid_i(v, "value", value, "must be a 32-bit integer");
	bool def = false;
	cs_v_bool(v, obj, "", "globalDefault", &def);
	cs_v_str(v, obj, "", "description");
	if (name && !strncmp(name, "system-", 7)) {
		char why[160], msg[320];
		const char *err = known_system_class(name, value, def, why, sizeof(why));
		if (err) {
			snprintf(msg, sizeof(msg),
				 "priority class names with 'system-' prefix are reserved for "
				 "system use only. error: %s",
				 err);
			cs_v_forbidden(v, "metadata.name", msg);
		}
	} else if (value > HIGHEST_USER_PRIORITY) {
		char msg[96];
		snprintf(msg, sizeof(msg), "maximum allowed value of a user defined priority is %d",
			 HIGHEST_USER_PRIORITY);
		cs_v_forbidden(v, "value", msg);
	}
	cs_v_enum(v, obj, "", "preemptionPolicy", preemption_policies, false);
	if (!old)
		return;
	if (!cs_json_equal(cs_json_get(obj, "value"), cs_json_get(old, "value")))
		cs_v_forbidden(v, "value", "may not be changed in an update.");
	if (!cs_json_equal(cs_json_get(obj, "preemptionPolicy"),
			   cs_json_get(old, "preemptionPolicy")))
		cs_v_invalid(v, "preemptionPolicy", cs_json_get(obj, "preemptionPolicy"),
			     "field is immutable");
}

/* ---- resource names and amounts ---- */

/* Quota names whose amounts must be whole numbers (IsIntegerResourceName). */
static bool integer_resource(const char *name)
{
	static const char *const ints[] = {"pods",
					   "services",
					   "replicationcontrollers",
					   "resourcequotas",
					   "secrets",
					   "configmaps",
					   "persistentvolumeclaims",
					   "services.nodeports",
					   "services.loadbalancers",
					   NULL};
	return cs_v_one_of(name, ints) || !strncmp(name, "count/", 6);
}

static bool standard_quota_resource(const char *name)
{
	static const char *const std[] = {"cpu",
					  "memory",
					  "ephemeral-storage",
					  "requests.cpu",
					  "requests.memory",
					  "requests.storage",
					  "requests.ephemeral-storage",
					  "limits.cpu",
					  "limits.memory",
					  "limits.ephemeral-storage",
					  "pods",
					  "resourcequotas",
					  "services",
					  "replicationcontrollers",
					  "secrets",
					  "persistentvolumeclaims",
					  "configmaps",
					  "services.nodeports",
					  "services.loadbalancers",
					  NULL};
	return cs_v_one_of(name, std) || !strncmp(name, "requests.hugepages-", 19);
}

/* A ResourceList of a quota (spec.hard, status.hard, status.used). */
static void v_quota_list(cs_vctx *v, const cs_json *obj, const char *parent, const char *key)
{
	char path[CS_VPATH], field[CS_VPATH];
	const cs_json *list = cs_v_obj(v, obj, parent, key);
	cs_vpath(path, "%s%s%s", parent, *parent ? "." : "", key);
	for (size_t i = 0; i < cs_json_len(list); i++) {
		const char *name = list->u.obj.keys[i];
		cs_vpath(field, "%s[%s]", path, name);
		const char *msg = cs_check_label_key(name);
		if (msg)
			cs_v_invalid_s(v, field, name, msg);
		else if (!strchr(name, '/') && !standard_quota_resource(name))
			cs_v_invalid_s(v, field, name, "must be a standard resource for quota");
		long double q;
		if (!cs_v_quantity(v, list->u.obj.vals[i], field, &q))
			continue;
		if (q < 0)
			cs_v_invalid_raw(v, field, cs_json_str(list->u.obj.vals[i]) ?: "",
					 "must be greater than or equal to 0");
		else if (integer_resource(name) && q != (long double)(int64_t)q)
			cs_v_invalid_raw(v, field, cs_json_str(list->u.obj.vals[i]) ?: "",
					 "must be an integer");
	}
}

void cs_v_resourcequota(cs_vctx *v, const cs_json *obj)
{
	static const char *const scopes[] = {"Terminating",
					     "NotTerminating",
					     "BestEffort",
					     "NotBestEffort",
					     "PriorityClass",
					     "CrossNamespacePodAffinity",
					     NULL};
	static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	v_quota_list(v, spec, "spec", "hard");
	const cs_json *sc = cs_v_arr(v, spec, "spec", "scopes");
	char p[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(sc); i++) {
		const char *s = cs_json_str(cs_json_at(sc, i));
		if (!s || !cs_v_one_of(s, scopes))
			cs_v_unsupported(v, cs_vpath(p, "spec.scopes[%zu]", i), s ? s : "", scopes);
	}
	const cs_json *ss = cs_v_obj(v, spec, "spec", "scopeSelector");
	const cs_json *me = cs_v_arr(v, ss, "spec.scopeSelector", "matchExpressions");
	for (size_t i = 0; i < cs_json_len(me); i++) {
		const cs_json *e = cs_json_at(me, i);
		char base[CS_VPATH];
		cs_vpath(base, "spec.scopeSelector.matchExpressions[%zu]", i);
		cs_v_enum(v, e, base, "scopeName", scopes, true);
		cs_v_enum(v, e, base, "operator", ops, true);
		const char *op = cs_json_get_str(e, "operator");
		size_t nvals = cs_json_len(cs_v_arr(v, e, base, "values"));
		if (op && (!strcmp(op, "In") || !strcmp(op, "NotIn")) && !nvals)
			cs_v_required(v, cs_vpath(p, "%s.values", base),
				      "must be at least one value when `operator` is 'In' or "
				      "'NotIn' for scope selector");
		else if (op && (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) && nvals)
			cs_v_invalid(v, cs_vpath(p, "%s.values", base), cs_json_get(e, "values"),
				     "must be no value when `operator` is 'Exist' or "
				     "'DoesNotExist' for scope selector");
	}
	const cs_json *st = cs_v_obj(v, obj, "", "status");
	v_quota_list(v, st, "status", "hard");
	v_quota_list(v, st, "status", "used");
}

/* ---- LimitRange ---- */

struct amount {
	const char *text;
	long double q;
	bool ok;
};

/* The amount of res in list; ok only when present and valid (invalid ones
 * were reported already). */
static struct amount amount_of(const cs_json *list, const char *res)
{
	struct amount a = {0};
	const cs_json *q = cs_json_get(list, res);
	if (!q)
		return a;
	a.text = cs_json_str(q);
	if (!a.text && cs_json_is(q, CS_JSON_NUMBER))
		a.text = q->u.num.text;
	a.ok = a.text && cs_quantity_parse(a.text, &a.q) == 0;
	return a;
}

/* One LimitRangeItem (ValidateLimitRange's per-item checks). */
static void v_limit_item(cs_vctx *v, const cs_json *item, const char *base)
{
	static const char *const types[] = {"Pod", "Container", "PersistentVolumeClaim", NULL};
	static const char *const lists[] = {"max", "min", "default", "defaultRequest",
					    "maxLimitRequestRatio"};
	char p[CS_VPATH];
	cs_v_enum(v, item, base, "type", types, true);
	const char *type = cs_json_get_str(item, "type");
	const cs_json *l[5];
	for (size_t i = 0; i < 5; i++) {
		l[i] = cs_v_obj(v, item, base, lists[i]);
		for (size_t j = 0; j < cs_json_len(l[i]); j++) {
			const char *name = l[i]->u.obj.keys[j];
			cs_vpath(p, "%s.%s[%s]", base, lists[i], name);
			const char *msg = cs_check_label_key(name);
			if (msg)
				cs_v_invalid_s(v, p, name, msg);
			long double q;
			if (cs_v_quantity(v, l[i]->u.obj.vals[j], p, &q) && q < 0)
				cs_v_invalid_raw(v, p, cs_json_str(l[i]->u.obj.vals[j]) ?: "",
						 "must be greater than or equal to 0");
		}
	}
	const cs_json *max = l[0], *min = l[1], *dl = l[2], *dr = l[3], *ratio = l[4];
	if (type && !strcmp(type, "Pod")) {
		if (cs_json_len(dl))
			cs_v_forbidden(v, cs_vpath(p, "%s.default", base),
				       "may not be specified when `type` is 'Pod'");
		if (cs_json_len(dr))
			cs_v_forbidden(v, cs_vpath(p, "%s.defaultRequest", base),
				       "may not be specified when `type` is 'Pod'");
	}
	if (type && !strcmp(type, "PersistentVolumeClaim") && !cs_json_get(min, "storage") &&
	    !cs_json_get(max, "storage"))
		cs_v_required(v, cs_vpath(p, "%s.limits", base),
			      "either minimum or maximum storage value is required, but neither "
			      "was provided");
	/* Every resource named anywhere in the item, compared pairwise. */
	const cs_json *all[] = {max, min, dl, dr, ratio};
	for (size_t li = 0; li < 5; li++) {
		for (size_t j = 0; j < cs_json_len(all[li]); j++) {
			const char *res = all[li]->u.obj.keys[j];
			bool first = true;
			for (size_t k = 0; k < li && first; k++)
				first = !cs_json_get(all[k], res);
			if (!first)
				continue;
			struct amount mx = amount_of(max, res);
			struct amount mn = amount_of(min, res);
			struct amount d = amount_of(dl, res);
			struct amount r = amount_of(dr, res);
			struct amount ra = amount_of(ratio, res);
			char msg[256];
			if (mn.ok && mx.ok && mn.q > mx.q) {
				snprintf(msg, sizeof(msg),
					 "min value %s is greater than max value %s", mn.text,
					 mx.text);
				cs_v_invalid_raw(v, cs_vpath(p, "%s.min[%s]", base, res), mn.text,
						 msg);
			}
			if (r.ok && mn.ok && mn.q > r.q) {
				snprintf(msg, sizeof(msg),
					 "min value %s is greater than default request value %s",
					 mn.text, r.text);
				cs_v_invalid_raw(v, cs_vpath(p, "%s.defaultRequest[%s]", base, res),
						 r.text, msg);
			}
			if (r.ok && mx.ok && r.q > mx.q) {
				snprintf(msg, sizeof(msg),
					 "default request value %s is greater than max value %s",
					 r.text, mx.text);
				cs_v_invalid_raw(v, cs_vpath(p, "%s.defaultRequest[%s]", base, res),
						 r.text, msg);
			}
			if (r.ok && d.ok && r.q > d.q) {
				snprintf(msg, sizeof(msg),
					 "default request value %s is greater than default limit "
					 "value %s",
					 r.text, d.text);
				cs_v_invalid_raw(v, cs_vpath(p, "%s.defaultRequest[%s]", base, res),
						 r.text, msg);
			}
			if (d.ok && mn.ok && mn.q > d.q) {
				snprintf(msg, sizeof(msg),
					 "min value %s is greater than default value %s", mn.text,
					 d.text);
				cs_v_invalid_raw(v, cs_vpath(p, "%s.default[%s]", base, res),
						 d.text, msg);
			}
			if (d.ok && mx.ok && d.q > mx.q) {
				snprintf(msg, sizeof(msg),
					 "default value %s is greater than max value %s", d.text,
					 mx.text);
				cs_v_invalid_raw(v, cs_vpath(p, "%s.default[%s]", base, res),
						 d.text, msg);
			}
			if (ra.ok && ra.q < 1) {
				snprintf(msg, sizeof(msg), "ratio %s is less than 1", ra.text);
				cs_v_invalid_raw(
					v, cs_vpath(p, "%s.maxLimitRequestRatio[%s]", base, res),
					ra.text, msg);
			}
			if (ra.ok && mx.ok && mn.ok && mn.q > 0 && ra.q > mx.q / mn.q) {
				snprintf(msg, sizeof(msg), "ratio %s is greater than max/min = %f",
					 ra.text, (double)(mx.q / mn.q));
				cs_v_invalid_raw(
					v, cs_vpath(p, "%s.maxLimitRequestRatio[%s]", base, res),
					ra.text, msg);
			}
		}
	}
}

void cs_v_limitrange(cs_vctx *v, const cs_json *obj)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	const cs_json *limits = cs_v_arr(v, spec, "spec", "limits");
	char base[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(limits); i++)
		v_limit_item(v, cs_json_at(limits, i), cs_vpath(base, "spec.limits[%zu]", i));
}

/* ---- ControllerRevision (apps/v1) ---- */

void cs_v_controllerrevision(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	int64_t rev;
	if (cs_v_int(v, obj, "", "revision", &rev))
		cs_v_nonneg(v, "revision", rev);
	if (old && !cs_json_equal(cs_json_get(obj, "data"), cs_json_get(old, "data")))
		cs_v_invalid(v, "data", cs_json_get(obj, "data"), "field is immutable");
}
