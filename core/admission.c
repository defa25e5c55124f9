/* Built-in admission: the Priority and DefaultTolerationSeconds plugins of
 * the Kubernetes API server.  DefaultTolerationSeconds matters to the node
 * lifecycle controller: its taints then evict a pod five minutes after its
 * node is lost rather than at once. */
#include "admission.h"

#include <stdio.h>
#include <string.h>

#include "api.h"

const char *const cs_bootstrap_objects[] = {
	"{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{"
	"\"name\":\"system-node-critical\"},\"value\":2000001000,\"description\":\"Used for "
	"system critical pods that must not be moved from their current node.\"}",
	"{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{"
	"\"name\":\"system-cluster-critical\"},\"value\":2000000000,\"description\":\"Used for "
	"system critical pods that must run in the cluster, but can be moved to another node "
	"if necessary.\"}",
	NULL,
};

static const cs_type *priorityclasses(void)
{
	return cs_type_find("scheduling.k8s.io", "v1", "priorityclasses");
}

/* The latest version of a PriorityClass, or NULL. */
static const cs_json *priority_class(cs_server *srv, const char *name)
{
	char key[512];
	cs_key(key, sizeof(key), priorityclasses(), NULL, name);
	cs_obj *o = cs_store_get_latest(srv->store, key);
	return o ? cs_obj_doc(o) : NULL;
}

struct default_ctx {
	const cs_json *best;
	int64_t value;
};

static bool default_visit(void *arg, const char *key, cs_obj *o)
{
	(void)key;
	struct default_ctx *c = arg;
	const cs_json *pc = cs_obj_doc(o);
	if (!cs_json_as_bool(cs_json_get(pc, "globalDefault"), false))
		return true;
	int64_t v = cs_json_as_int(cs_json_get(pc, "value"), 0);
	/* Several defaults can only come from before this check existed;
	 * Kubernetes then takes the lowest. */
	if (!c->best || v < c->value) {
		c->best = pc;
		c->value = v;
	}
	return true;
}

static const cs_json *default_class(cs_server *srv)
{
	char prefix[512];
	cs_key_prefix(prefix, sizeof(prefix), priorityclasses(), NULL);
	struct default_ctx c = {0};
	cs_store_scan(srv->store, prefix, NULL, default_visit, &c);
	return c.best;
}

static int forbidden(cs_status *st, const cs_type *t, const cs_json *doc, const char *why)
{
	const char *name = cs_json_get_str(cs_json_get(doc, "metadata"), "name");
	char res[128];
	if (t->group[0])
		snprintf(res, sizeof(res), "%s.%s", t->resource, t->group);
	else
		snprintf(res, sizeof(res), "%s", t->resource);
	cs_status_set(st, 403, "Forbidden", "%s \"%s\" is forbidden: %s", res, name ? name : "",
		      why);
	snprintf(st->kind, sizeof(st->kind), "%s", t->resource);
	snprintf(st->group, sizeof(st->group), "%s", t->group);
	snprintf(st->name, sizeof(st->name), "%s", name ? name : "");
	return -1;
}

static int admit_pod_priority(cs_server *srv, const cs_type *t, cs_json *doc, cs_status *st)
{
	cs_json *spec = cs_json_get(doc, "spec");
	if (!cs_json_is(spec, CS_JSON_OBJECT))
		return 0; /* validation reports it */
	const char *cname = cs_json_get_str(spec, "priorityClassName");
	const cs_json *pc;
	char why[256];
	if (!cname || !*cname) {
		pc = default_class(srv);
		if (pc)
			cs_json_set(spec, "priorityClassName",
				    cs_json_string(
					    cs_json_get_str(cs_json_get(pc, "metadata"), "name")));
	} else if (!(pc = priority_class(srv, cname))) {
		snprintf(why, sizeof(why), "no PriorityClass with name %s was found", cname);
		return forbidden(st, t, doc, why);
	}
	int64_t prio = pc ? cs_json_as_int(cs_json_get(pc, "value"), 0) : 0;
	const cs_json *given = cs_json_get(spec, "priority");
	if (given && given->type != CS_JSON_NULL && cs_json_as_int(given, prio + 1) != prio) {
		snprintf(why, sizeof(why),
			 "the integer value of priority (%lld) must not be provided in pod spec; "
			 "priority admission controller computed %lld from the given PriorityClass "
			 "name",
			 (long long)cs_json_as_int(given, 0), (long long)prio);
		return forbidden(st, t, doc, why);
	}
	cs_json_set(spec, "priority", cs_json_int(prio));
	const char *policy = pc ? cs_json_get_str(pc, "preemptionPolicy") : NULL;
	if (!policy)
		policy = "PreemptLowerPriority";
	const char *gpol = cs_json_get_str(spec, "preemptionPolicy");
	if (gpol && strcmp(gpol, policy)) {
		snprintf(why, sizeof(why),
			 "the string value of PreemptionPolicy (%s) must not be provided in pod "
			 "spec; priority admission controller computed %s from the given "
			 "PriorityClass name",
			 gpol, policy);
		return forbidden(st, t, doc, why);
	}
	cs_json_set(spec, "preemptionPolicy", cs_json_string(policy));
	return 0;
}

/* ---- DefaultTolerationSeconds ---- */

#define DEFAULT_TOLERATION_SECONDS 300

/* A toleration covers key's NoExecute taint whatever its value: an empty
 * key (with operator Exists) tolerates every key, an empty effect every
 * effect.  As the admission plugin, only key and effect are looked at. */
static bool tolerates(const cs_json *tols, const char *key)
{
	for (size_t i = 0; i < cs_json_len(tols); i++) {
		const cs_json *t = cs_json_at(tols, i);
		const char *k = cs_json_get_str(t, "key");
		const char *e = cs_json_get_str(t, "effect");
		if ((!k || !*k || !strcmp(k, key)) && (!e || !*e || !strcmp(e, "NoExecute")))
			return true;
	}
	return false;
}

static cs_json *toleration(const char *key)
{
	cs_json *t = cs_json_object();
	cs_json_set(t, "key", cs_json_string(key));
	cs_json_set(t, "operator", cs_json_string("Exists"));
	cs_json_set(t, "effect", cs_json_string("NoExecute"));
	cs_json_set(t, "tolerationSeconds", cs_json_int(DEFAULT_TOLERATION_SECONDS));
	return t;
}

static void default_toleration_seconds(cs_json *pod)
{
	cs_json *spec = cs_json_get(pod, "spec");
	if (!cs_json_is(spec, CS_JSON_OBJECT))
		return; /* validation reports it */
	cs_json *tols = cs_json_get(spec, "tolerations");
	if (tols && !cs_json_is(tols, CS_JSON_ARRAY))
		return;
	static const char *const keys[] = {"node.kubernetes.io/not-ready",
					   "node.kubernetes.io/unreachable"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		if (tolerates(tols, keys[i]))
			continue;
		if (!tols) {
			tols = cs_json_array();
			cs_json_set(spec, "tolerations", tols);
		}
		cs_json_push(tols, toleration(keys[i]));
	}
}

int cs_admit_mutate(cs_server *srv, const cs_type *t, const char *sub, cs_json *doc,
		    const cs_json *old, cs_status *st)
{
	if (strcmp(t->kind, "Pod") || t->group[0] || sub)
		return 0;
	default_toleration_seconds(doc);
	if (!old)
		return admit_pod_priority(srv, t, doc, st);
	/* What Priority admission set at creation stays when an update
	 * resends the pod as its client first wrote it. */
	cs_json *spec = cs_json_get(doc, "spec");
	const cs_json *ospec = cs_json_get(old, "spec");
	static const char *const kept[] = {"priorityClassName", "priority", "preemptionPolicy"};
	for (size_t i = 0; cs_json_is(spec, CS_JSON_OBJECT) && i < 3; i++) {
		const cs_json *v = cs_json_get(ospec, kept[i]);
		if (v && !cs_json_get(spec, kept[i]))
			cs_json_set(spec, kept[i], cs_json_clone(v));
	}
	return 0;
}

int cs_admit_validate(cs_server *srv, const cs_type *t, const cs_json *doc, const cs_json *old,
		      cs_status *st)
{
	if (t != priorityclasses() || !cs_json_as_bool(cs_json_get(doc, "globalDefault"), false))
		return 0;
	const cs_json *def = default_class(srv);
	if (!def)
		return 0;
	const char *dname = cs_json_get_str(cs_json_get(def, "metadata"), "name");
	const char *name = cs_json_get_str(cs_json_get(doc, "metadata"), "name");
	if (!old || (dname && name && strcmp(dname, name))) {
		char why[256];
		snprintf(
			why, sizeof(why),
			"PriorityClass %s is already marked as default. Only one default can exist",
			dname ? dname : "");
		return forbidden(st, t, doc, why);
	}
	return 0;
}
