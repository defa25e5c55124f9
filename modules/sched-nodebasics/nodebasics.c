/* sched-nodebasics: the scheduler plugin "NodeBasics", the node checks of
 * Kubernetes' default profile in one plugin:
 *
 * filter, in this order (the first that fails names the reason):
 *   NodeName           spec.nodeName, when set, names the node
 *                      ("node(s) didn't match the requested node name");
 *   NodeUnschedulable  a cordoned node (spec.unschedulable) takes only pods
 *                      that tolerate node.kubernetes.io/unschedulable:
 *                      NoSchedule ("node(s) were unschedulable");
 *   TaintToleration    every NoSchedule / NoExecute taint of the node is
 *                      tolerated ("node(s) had untolerated taint {k: v}").
 * spec.nodeSelector is NodeAffinity's (sched-nodeaffinity), as in
 * Kubernetes.
 * score: TaintToleration's -- the fewer PreferNoSchedule taints the pod
 *   does not tolerate, the higher; normalize maps the counts to 100 (none)
 *   down to 0 (the most on any feasible node).
 *
 * Threads: every call comes from the framework's scheduling thread, one
 * pod at a time; per-cycle data lives in cs_sched_ctx.state. */
#include <capstan/scheduler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8ssel.h"

#define TAINT_UNSCHEDULABLE "node.kubernetes.io/unschedulable"

/* A toleration; strings borrowed from the pod object. */
struct tol {
	const char *key, *op, *value, *effect;
};

/* Per cycle: the pod's tolerations and spec.nodeName, and the reasons
 * written for it. */
struct basics_state {
	struct tol *tols;
	size_t ntols;
	const char *node_name; /* NULL: not set */
	char **reasons;
	size_t nreasons, cap;
};

static const char *str(const cs_host *h, const cs_object *o, const char *path)
{
	const char *s = h->obj_str(o, path);
	return s ? s : "";
}

/* Kubernetes' Toleration.ToleratesTaint. */
static bool tolerates(const struct tol *t, const cs_sched_taint *taint)
{
	if (*t->effect && strcmp(t->effect, taint->effect))
		return false;
	if (*t->key && strcmp(t->key, taint->key))
		return false;
	if (!*t->op || !strcmp(t->op, "Equal"))
		return !strcmp(t->value, taint->value);
	return !strcmp(t->op, "Exists");
}

static bool tolerated(const struct basics_state *st, const cs_sched_taint *taint)
{
	for (size_t i = 0; i < st->ntols; i++)
		if (tolerates(&st->tols[i], taint))
			return true;
	return false;
}

static void state_free(struct basics_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nreasons; i++)
		free(st->reasons[i]);
	free(st->reasons);
	free(st->tols);
	free(st);
}

static struct basics_state *state_of(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	if (c->state)
		return c->state;
	const cs_host *h = m->host;
	struct basics_state *st = calloc(1, sizeof(*st));
	const cs_object *tols = h->obj_get(pod->pod, "spec.tolerations");
	size_t n = h->obj_len(tols);
	if (!st || (n && !(st->tols = calloc(n, sizeof(*st->tols))))) {
		state_free(st);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const cs_object *t = h->obj_at(tols, i);
		st->tols[st->ntols++] = (struct tol){str(h, t, "key"), str(h, t, "operator"),
						     str(h, t, "value"), str(h, t, "effect")};
	}
	const char *want = h->obj_str(pod->pod, "spec.nodeName");
	st->node_name = want && *want ? want : NULL;
	return c->state = st;
}

static int basics_pre_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	return state_of(m, c, pod) ? CS_SCHED_OK : CS_SCHED_ERROR;
}

static const char *taint_reason(struct basics_state *st, const cs_sched_taint *taint)
{
	char *r = NULL;
	if (st->nreasons == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4;
		char **v = realloc(st->reasons, cap * sizeof(*v));
		if (!v)
			return NULL;
		st->reasons = v;
		st->cap = cap;
	}
	if (asprintf(&r, "node(s) had untolerated taint {%s: %s}", taint->key, taint->value) < 0)
		return NULL;
	/* The framework counts reasons by text: one string per text. */
	for (size_t i = 0; i < st->nreasons; i++)
		if (!strcmp(st->reasons[i], r)) {
			free(r);
			return st->reasons[i];
		}
	return st->reasons[st->nreasons++] = r;
}

static int basics_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			 const cs_sched_node *node)
{
	const cs_host *h = m->host;
	struct basics_state *st = state_of(m, c, pod);
	if (!st)
		return CS_SCHED_ERROR;
	if (st->node_name && strcmp(st->node_name, node->name)) {
		c->reason = "node(s) didn't match the requested node name";
		return CS_SCHED_UNRESOLVABLE;
	}
	bool cordoned = CS_HAS_FIELD(cs_sched_node, node, unschedulable)
				? node->unschedulable
				: h->obj_bool(node->node, "spec.unschedulable", false);
	if (cordoned) {
		cs_sched_taint cordon = {TAINT_UNSCHEDULABLE, "", "NoSchedule"};
		if (!tolerated(st, &cordon)) {
			c->reason = "node(s) were unschedulable";
			return CS_SCHED_UNRESOLVABLE;
		}
	}
	const cs_sched_taint *taints;
	cs_sched_taint *scratch;
	long n = ks_node_taints(h, node, &taints, &scratch);
	int rc = n < 0 ? CS_SCHED_ERROR : CS_SCHED_OK;
	for (long i = 0; i < n && rc == CS_SCHED_OK; i++) {
		const cs_sched_taint *t = &taints[i];
		if (strcmp(t->effect, "NoSchedule") && strcmp(t->effect, "NoExecute"))
			continue;
		if (tolerated(st, t))
			continue;
		c->reason = taint_reason(st, t);
		rc = c->reason ? CS_SCHED_UNRESOLVABLE : CS_SCHED_ERROR;
	}
	free(scratch);
	return rc;
}

/* The PreferNoSchedule taints the pod does not tolerate; only its
 * tolerations without an effect or with PreferNoSchedule count. */
static int basics_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			const cs_sched_node *node, int64_t *score)
{
	const cs_host *h = m->host;
	struct basics_state *st = state_of(m, c, pod);
	if (!st)
		return CS_SCHED_ERROR;
	const cs_sched_taint *taints;
	cs_sched_taint *scratch;
	long nt = ks_node_taints(h, node, &taints, &scratch);
	if (nt < 0)
		return CS_SCHED_ERROR;
	int64_t n = 0;
	for (long i = 0; i < nt; i++) {
		const cs_sched_taint *t = &taints[i];
		if (strcmp(t->effect, "PreferNoSchedule"))
			continue;
		bool ok = false;
		for (size_t k = 0; k < st->ntols && !ok; k++) {
			const char *e = st->tols[k].effect;
			ok = (!*e || !strcmp(e, "PreferNoSchedule")) && tolerates(&st->tols[k], t);
		}
		n += !ok;
	}
	free(scratch);
	*score = n;
	return CS_SCHED_OK;
}

/* Kubernetes' DefaultNormalizeScore, reversed: most taints -> 0. */
static int basics_normalize(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			    const cs_sched_node *const *nodes, int64_t *scores, size_t n)
{
	(void)m, (void)c, (void)pod, (void)nodes;
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (scores[i] > max)
			max = scores[i];
	for (size_t i = 0; i < n; i++)
		scores[i] = CS_SCHED_MAX_SCORE - (max ? scores[i] * CS_SCHED_MAX_SCORE / max : 0);
	return CS_SCHED_OK;
}

static void basics_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	(void)m;
	state_free(c->state);
	c->state = NULL;
}

static const cs_scheduler_ops basics_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "NodeBasics",
	.pre_filter = basics_pre_filter,
	.filter = basics_filter,
	.score = basics_score,
	.normalize = basics_normalize,
	.cycle_end = basics_cycle_end,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-nodebasics",
	.version = "1.0.0",
	.description = "scheduler plugin NodeBasics: node name, cordon, taints",
	.kind = CS_KIND_SCHEDULER,
	.ops = &basics_ops,
};
