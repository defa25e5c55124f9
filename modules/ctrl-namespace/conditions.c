/* The deletion conditions of a namespace, as Kubernetes'
 * namespaceConditionUpdater (pkg/controller/namespace/deletion/
 * status_condition_utils.go): every pass sets all five types, True with
 * what went wrong or False with the type's "all good" reason and message,
 * and lastTransitionTime moves only when the status flips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns.h"

enum { DISCOVERY, GV_PARSING, CONTENT_FAILURE, CONTENT_REMAINING, FINALIZERS_REMAINING, NTYPES };

static const struct {
	const char *type, *ok_reason, *ok_message, *fail_reason;
} types[NTYPES] = {
	{"NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
	 "All resources successfully discovered", "DiscoveryFailed"},
	{"NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions",
	 "All legacy kube types successfully parsed", "GroupVersionParsingFailed"},
	{"NamespaceDeletionContentFailure", "ContentDeleted",
	 "All content successfully deleted, may be waiting on finalization",
	 "ContentDeletionFailed"},
	{"NamespaceContentRemaining", "ContentRemoved", "All content successfully removed",
	 "SomeResourcesRemain"},
	{"NamespaceFinalizersRemaining", "ContentHasNoFinalizers",
	 "All content-preserving finalizers finished", "SomeFinalizersRemain"},
};

void ns_conditions_free(ns_conditions *c)
{
	free(c->discovery_failure);
	ns_strs_free(&c->content_errors);
	ns_strs_free(&c->remaining);
	ns_counts_free(&c->finalizers);
	*c = (ns_conditions){0};
}

/* The failure message of type i, owned, or NULL when it did not fail.
 * *oom is set when it did but the message could not be built. */
static char *failure(const ns_conditions *c, int i, bool *oom)
{
	char *msg = NULL, *list = NULL;
	ns_strs fins = {0};
	switch (i) {
	case DISCOVERY:
		if (!c->discovery_failure)
			return NULL;
		msg = strdup(c->discovery_failure);
		break;
	case CONTENT_FAILURE:
		if (!c->content_errors.n)
			return NULL;
		list = ns_strs_join_sorted((ns_strs *)&c->content_errors, ", ");
		if (list && asprintf(&msg, "Failed to delete all resource types, %zu remaining: %s",
				     c->content_errors.n, list) < 0)
			msg = NULL;
		break;
	case CONTENT_REMAINING:
		if (!c->remaining.n)
			return NULL;
		list = ns_strs_join_sorted((ns_strs *)&c->remaining, ", ");
		if (list && asprintf(&msg, "Some resources are remaining: %s", list) < 0)
			msg = NULL;
		break;
	case FINALIZERS_REMAINING:
		for (size_t k = 0; k < c->finalizers.n; k++)
			if (c->finalizers.count[k] > 0)
				ns_strs_add(&fins, "%s in %lld resource instances",
					    c->finalizers.name[k],
					    (long long)c->finalizers.count[k]);
		if (!fins.n && !fins.oom)
			return NULL;
		list = fins.oom ? NULL : ns_strs_join_sorted(&fins, ", ");
		if (list &&
		    asprintf(&msg, "Some content in the namespace has finalizers remaining: %s",
			     list) < 0)
			msg = NULL;
		ns_strs_free(&fins);
		break;
	default: return NULL;
	}
	free(list);
	*oom = !msg;
	return msg;
}

/* A condition map built from scratch (owned), or NULL. */
static cs_object *new_condition(const cs_host *h, const char *type, bool status, const char *reason,
				const char *message, const char *now)
{
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	if (!o || h->obj_set_str(o, "type", type) ||
	    h->obj_set_str(o, "status", status ? "True" : "False") ||
	    h->obj_set_str(o, "lastTransitionTime", now) || h->obj_set_str(o, "reason", reason) ||
	    h->obj_set_str(o, "message", message)) {
		h->obj_free(o);
		return NULL;
	}
	return o;
}

static bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

int ns_conditions_apply(const cs_host *h, const ns_conditions *c, cs_object *ns)
{
	char now[32];
	ck_rfc3339_now(now, sizeof(now));
	const cs_object *old = h->obj_get(ns, "status.conditions");
	size_t nold = h->obj_type(old) == CS_OBJ_ARRAY ? h->obj_len(old) : 0;
	cs_object *out = h->obj_new(CS_OBJ_ARRAY);
	bool changed = false, oom = !out;
	/* Other conditions stay as they are, in their place. */
	bool done[NTYPES] = {false};
	for (size_t k = 0; !oom && k < nold; k++) {
		const cs_object *oc = h->obj_at(old, k);
		const char *type = h->obj_str(oc, "type");
		int i = 0;
		while (i < NTYPES && !same_str(type, types[i].type))
			i++;
		cs_object *nc = h->obj_clone(oc);
		if (!nc) {
			oom = true;
			break;
		}
		if (i < NTYPES && !done[i]) {
			done[i] = true;
			bool failed_oom = false;
			char *fail = failure(c, i, &failed_oom);
			oom = failed_oom;
			const char *st = fail ? "True" : "False";
			const char *reason = fail ? types[i].fail_reason : types[i].ok_reason;
			const char *msg = fail ? fail : types[i].ok_message;
			bool flip = !same_str(h->obj_str(oc, "status"), st);
			if (!oom && (flip || !same_str(h->obj_str(oc, "reason"), reason) ||
				     !same_str(h->obj_str(oc, "message"), msg))) {
				changed = true;
				if ((flip && h->obj_set_str(nc, "lastTransitionTime", now)) ||
				    h->obj_set_str(nc, "status", st) ||
				    h->obj_set_str(nc, "reason", reason) ||
				    h->obj_set_str(nc, "message", msg))
					oom = true;
			}
			free(fail);
		}
		if (oom)
			h->obj_free(nc);
		else if (h->obj_append(out, nc))
			oom = true;
	}
	for (int i = 0; !oom && i < NTYPES; i++) {
		if (done[i])
			continue;
		bool failed_oom = false;
		char *fail = failure(c, i, &failed_oom);
		cs_object *nc =
			failed_oom ? NULL
				   : new_condition(h, types[i].type, fail != NULL,
						   fail ? types[i].fail_reason : types[i].ok_reason,
						   fail ? fail : types[i].ok_message, now);
		free(fail);
		if (!nc || h->obj_append(out, nc)) {
			oom = true;
			break;
		}
		changed = true;
	}
	if (oom || (changed && h->obj_set(ns, "status.conditions", out))) {
		if (oom)
			h->obj_free(out);
		return -1;
	}
	if (!changed)
		h->obj_free(out);
	return changed;
}
