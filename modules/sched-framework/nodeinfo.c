/* The fields of node and pod objects that plugins read for every node of
 * every cycle (labels, taints, unschedulable; a pod's labels, names,
 * priority, deletion), parsed once when the object arrives.  Shared by the
 * cache and every snapshot copy, across the module and scheduling
 * threads: the reference counts are atomic, the rest immutable. */
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

/* The labels and their strings in one block: the plugins' lookups of a
 * node's label for each node filtered read a few neighbouring cache lines
 * instead of strings scattered through the object's memory (those misses
 * were the largest cost of node affinity at 5,000 nodes).  Sorted by
 * key; *n set; NULL (with *n 0) when there are none or out of memory
 * (-1 in *oom). */
static cs_sched_label *labels_pack(const cs_host *h, const cs_object *labels, size_t *n, int *oom)
{
	size_t nl = h->obj_len(labels), bytes = 0;
	*n = 0;
	*oom = 0;
	for (size_t i = 0; i < nl; i++) {
		const char *k = h->obj_key_at(labels, i);
		const char *v = h->obj_str(h->obj_at(labels, i), NULL);
		bytes += (k ? strlen(k) + 1 : 0) + (v ? strlen(v) + 1 : 0);
	}
	if (!nl)
		return NULL;
	cs_sched_label *out = malloc(nl * sizeof(*out) + bytes);
	if (!out) {
		*oom = -1;
		return NULL;
	}
	char *at = (char *)(out + nl);
	for (size_t i = 0; i < nl; i++) {
		const char *k = h->obj_key_at(labels, i);
		const char *v = h->obj_str(h->obj_at(labels, i), NULL);
		if (!k) /* validation keeps label values strings */
			continue;
		size_t kl = strlen(k) + 1, vl = v ? strlen(v) + 1 : 0;
		out[*n].key = memcpy(at, k, kl);
		at += kl;
		out[*n].value = v ? memcpy(at, v, vl) : "";
		at += vl;
		(*n)++;
	}
	if (*n > 1)
		qsort(out, *n, sizeof(*out), by_key);
	return out;
}

size_t fw_labels_parse(const cs_host *h, const cs_object *labels, cs_sched_label *out)
{
	size_t n = 0;
	for (size_t i = 0; i < h->obj_len(labels); i++) {
		const char *k = h->obj_key_at(labels, i);
		const char *v = h->obj_str(h->obj_at(labels, i), NULL);
		if (k) /* validation keeps label values strings */
			out[n++] = (cs_sched_label){k, v ? v : ""};
	}
	if (n > 1)
		qsort(out, n, sizeof(*out), by_key);
	return n;
}

fw_nodeinfo *fw_nodeinfo_new(const cs_host *h, const cs_object *node)
{
	fw_nodeinfo *ni = calloc(1, sizeof(*ni));
	if (!ni)
		return NULL;
	ni->refs = 1;
	ni->obj = h->obj_keep(node);
	const cs_object *taints = h->obj_get(node, "spec.taints");
	size_t nt = h->obj_len(taints);
	int oom;
	ni->labels = labels_pack(h, h->obj_get(node, "metadata.labels"), &ni->nlabels, &oom);
	if (oom || (nt && !(ni->taints = calloc(nt, sizeof(*ni->taints))))) {
		fw_nodeinfo_unref(h, ni);
		return NULL;
	}
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

fw_podinfo *fw_podinfo_new(const cs_host *h, const cs_object *pod)
{
	fw_podinfo *pi = calloc(1, sizeof(*pi));
	if (!pi)
		return NULL;
	pi->refs = 1;
	pi->obj = h->obj_keep(pod);
	int oom;
	pi->labels = labels_pack(h, h->obj_get(pod, "metadata.labels"), &pi->nlabels, &oom);
	if (oom) {
		fw_podinfo_unref(h, pi);
		return NULL;
	}
	pi->ns = h->obj_str(pod, "metadata.namespace");
	pi->name = h->obj_str(pod, "metadata.name");
	pi->uid = h->obj_str(pod, "metadata.uid");
	pi->priority = (int32_t)h->obj_int(pod, "spec.priority", 0);
	pi->terminating = h->obj_get(pod, "metadata.deletionTimestamp") != NULL;
	return pi;
}

fw_podinfo *fw_podinfo_ref(fw_podinfo *pi)
{
	if (pi)
		__atomic_add_fetch(&pi->refs, 1, __ATOMIC_RELAXED);
	return pi;
}

void fw_podinfo_unref(const cs_host *h, fw_podinfo *pi)
{
	if (!pi || __atomic_sub_fetch(&pi->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(pi->labels);
	h->obj_free(pi->obj);
	free(pi);
}

void fw_podinfo_apply(const fw_podinfo *pi, cs_sched_pod *p)
{
	p->size = sizeof(*p);
	p->pod = pi->obj;
	p->ns = pi->ns;
	p->name = pi->name;
	p->uid = pi->uid;
	p->priority = pi->priority;
	p->nlabels = pi->nlabels;
	p->labels = pi->labels;
	p->terminating = pi->terminating;
}
