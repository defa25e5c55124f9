/* Daemon pods: the node one is meant for, the order of the pods on one
 * node, and whether one is of the current revision (the predicates every
 * controller shares are in ctrlkit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ds.h"

const char *ds_pod_node(const cs_host *h, const cs_object *pod)
{
	const char *node = h->obj_str(pod, "spec.nodeName");
	if (node && *node)
		return node;
	/* Not bound yet: the node our matchFields term names (Kubernetes'
	 * GetTargetNodeName accepts exactly one term with one name). */
	const cs_object *terms =
		h->obj_get(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
				"Execution.nodeSelectorTerms");
	if (h->obj_len(terms) != 1)
		return NULL;
	const cs_object *fields = h->obj_get(h->obj_at(terms, 0), "matchFields");
	for (size_t i = 0; i < h->obj_len(fields); i++) {
		const cs_object *r = h->obj_at(fields, i);
		const cs_object *values = h->obj_get(r, "values");
		if (ck_str_is(h->obj_str(r, "key"), "metadata.name") &&
		    ck_str_is(h->obj_str(r, "operator"), "In") && h->obj_len(values) == 1)
			return h->obj_str(h->obj_at(values, 0), NULL);
	}
	return NULL;
}

/* Kubernetes' podByCreationTimestampAndPhase: bound pods first, then the
 * oldest, then by name. */
int ds_pod_cmp(const cs_host *h, const cs_object *a, const cs_object *b)
{
	const char *na = h->obj_str(a, "spec.nodeName"), *nb = h->obj_str(b, "spec.nodeName");
	bool ba = na && *na, bb = nb && *nb;
	if (ba != bb)
		return ba ? -1 : 1;
	double ta = ck_time(h->obj_str(a, "metadata.creationTimestamp"));
	double tb = ck_time(h->obj_str(b, "metadata.creationTimestamp"));
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(h->obj_str(a, "metadata.name") ?: "", h->obj_str(b, "metadata.name") ?: "");
}

bool ds_pod_updated(const cs_host *h, const cs_object *pod, const char *hash, int64_t generation)
{
	const cs_object *labels = h->obj_get(pod, "metadata.labels");
	const char *ph = ck_label(h, labels, DS_HASH_LABEL);
	if (hash && *hash && ph && !strcmp(ph, hash))
		return true;
	const char *pg = ck_label(h, labels, DS_GEN_LABEL);
	char g[24];
	snprintf(g, sizeof(g), "%lld", (long long)generation);
	return generation >= 0 && pg && !strcmp(pg, g);
}
