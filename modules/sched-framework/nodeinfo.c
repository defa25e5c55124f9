/* The fields of a node object that plugins read for every pod (labels,
 * taints, unschedulable; cs_sched_node), parsed once when the object
 * arrives from the node informer.  Shared by the cache's node and every
 * snapshot copy of it, across the module and scheduling threads: the
 * reference count is atomic, the rest immutable. */
#include <stdlib.h>
#include <string.h>

#include "fw.h"

static int by_key(const void *a, const void *b)
{
	return strcmp(((const cs_sched_label *)a)->key, ((const cs_sched_label *)b)->key);
}

static const char *str_or_empty(const cs_host *h, const cs_object *o, const char *path)
{
	const char *s = h->obj_str(o, path);
	return s ? s : "";
}

fw_nodeinfo *fw_nodeinfo_new(const cs_host *h, const cs_object *node)
{
	fw_nodeinfo *ni = calloc(1, sizeof(*ni));
	if (!ni)
		return NULL;
	ni->refs = 1;
	ni->obj = h->obj_keep(node);
	const cs_object *labels = h->obj_get(node, "metadata.labels");
	const cs_object *taints = h->obj_get(node, "spec.taints");
	size_t nl = h->obj_len(labels), nt = h->obj_len(taints);
	if ((nl && !(ni->labels = calloc(nl, sizeof(*ni->labels)))) ||
	    (nt && !(ni->taints = calloc(nt, sizeof(*ni->taints))))) {
		fw_nodeinfo_unref(h, ni);
		return NULL;
	}
	for (size_t i = 0; i < nl; i++) {
		const char *k = h->obj_key_at(labels, i);
		const char *v = h->obj_str(h->obj_at(labels, i), NULL);
		if (k) /* validation keeps label values strings */
			ni->labels[ni->nlabels++] = (cs_sched_label){k, v ? v : ""};
	}
	qsort(ni->labels, ni->nlabels, sizeof(*ni->labels), by_key);
	for (size_t i = 0; i < nt; i++) {
		const cs_object *t = h->obj_at(taints, i);
		ni->taints[ni->ntaints++] =
			(cs_sched_taint){str_or_empty(h, t, "key"), str_or_empty(h, t, "value"),
					 str_or_empty(h, t, "effect")};
	}
	ni->unschedulable = h->obj_bool(node, "spec.unschedulable", false);
	return ni;
}

fw_nodeinfo *fw_nodeinfo_ref(fw_nodeinfo *ni)
{
	if (ni)
		__atomic_add_fetch(&ni->refs, 1, __ATOMIC_RELAXED);
	return ni;
}

void fw_nodeinfo_unref(const cs_host *h, fw_nodeinfo *ni)
{
	if (!ni || __atomic_sub_fetch(&ni->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(ni->labels);
	free(ni->taints);
	h->obj_free(ni->obj);
	free(ni);
}

void fw_nodeinfo_apply(const fw_nodeinfo *ni, cs_sched_node *n)
{
	n->nlabels = ni ? ni->nlabels : 0;
	n->labels = ni ? ni->labels : NULL;
	n->ntaints = ni ? ni->ntaints : 0;
	n->taints = ni ? ni->taints : NULL;
	n->unschedulable = ni && ni->unschedulable;
}
