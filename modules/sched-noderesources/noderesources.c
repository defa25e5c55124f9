/* sched-noderesources: the scheduler plugin "NodeResourcesFit", as in
 * Kubernetes.
 *
 * filter: the pod's requests fit what the node has left (allocatable minus
 *   the requests of the pods on it) for cpu, memory, ephemeral-storage and
 *   every extended resource the pod asks for, and the node has a pod slot
 *   left.  Kubernetes lists every resource that is short; this reports the
 *   first ("Too many pods", "Insufficient cpu", "Insufficient memory",
 *   "Insufficient ephemeral-storage", "Insufficient <name>").
 * score: option scoring
 *   LeastAllocated (default): per resource (allocatable - requested) * 100
 *     / allocatable, averaged over cpu and memory -- spreads pods;
 *   MostAllocated: requested * 100 / allocatable -- packs them.
 *   "requested" includes the pod, and counts a pod that requests no cpu
 *   (memory) as 100m (200Mi), as Kubernetes' scorer does, so that pods
 *   without requests spread too.  (Kubernetes applies that default per
 *   container; the snapshot has per-pod totals, so it is applied per pod.)
 *
 * Threads: every call comes from the framework's scheduling thread, one
 * pod at a time; the module's own data is read-only after init. */
#include <capstan/scheduler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum scoring { LEAST_ALLOCATED, MOST_ALLOCATED };

struct fit {
	enum scoring scoring;
};

/* Reasons built during a cycle ("Insufficient example.com/gpu"): they stay
 * valid until cycle_end, which frees them. */
struct fit_state {
	char **reasons;
	size_t n, cap;
};

static const cs_option fit_options[] = {
	{"scoring", CS_OPT_STRING, "LeastAllocated",
	 "LeastAllocated (spread pods) or MostAllocated (pack them)"},
	{NULL, CS_OPT_END, NULL, NULL},
};

static int fit_init(cs_mod *m)
{
	const cs_host *h = m->host;
	const char *s = h->opt_str(m, "scoring");
	enum scoring sc;
	if (!strcmp(s, "LeastAllocated")) {
		sc = LEAST_ALLOCATED;
	} else if (!strcmp(s, "MostAllocated")) {
		sc = MOST_ALLOCATED;
	} else {
		h->log(m, CS_LOG_ERROR,
		       "option scoring: \"%s\" is not a scoring strategy; use LeastAllocated or "
		       "MostAllocated",
		       s);
		return -1;
	}
	struct fit *f = calloc(1, sizeof(*f));
	if (!f) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	f->scoring = sc;
	h->set_data(m, f);
	return 0;
}

static void fit_fini(cs_mod *m)
{
	free(m->host->data(m));
	m->host->set_data(m, NULL);
}

static int64_t scalar(const cs_sched_resources *r, const char *name)
{
	for (size_t i = 0; i < r->nscalar; i++)
		if (!strcmp(r->scalar_names[i], name))
			return r->scalar_values[i];
	return 0;
}

/* A reason of our own for this cycle, or NULL when out of memory. */
static const char *keep_reason(cs_sched_ctx *c, const char *name)
{
	struct fit_state *st = c->state;
	if (!st && !(st = c->state = calloc(1, sizeof(*st))))
		return NULL;
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->reasons[i] + strlen("Insufficient "), name))
			return st->reasons[i];
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4;
		char **v = realloc(st->reasons, cap * sizeof(*v));
		if (!v)
			return NULL;
		st->reasons = v;
		st->cap = cap;
	}
	char *r = NULL;
	if (asprintf(&r, "Insufficient %s", name) < 0)
		return NULL;
	return st->reasons[st->n++] = r;
}

static int fit_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node)
{
	(void)m;
	const cs_sched_resources *want = &pod->requests, *have = &node->allocatable,
				 *used = &node->requested;
	if ((int64_t)node->npods + 1 > have->pods) {
		c->reason = "Too many pods";
		return CS_SCHED_UNSCHEDULABLE;
	}
	/* A pod that requests nothing fits wherever there is a slot. */
	if (want->milli_cpu > 0 && want->milli_cpu > have->milli_cpu - used->milli_cpu) {
		c->reason = "Insufficient cpu";
		return CS_SCHED_UNSCHEDULABLE;
	}
	if (want->memory > 0 && want->memory > have->memory - used->memory) {
		c->reason = "Insufficient memory";
		return CS_SCHED_UNSCHEDULABLE;
	}
	if (want->ephemeral_storage > 0 &&
	    want->ephemeral_storage > have->ephemeral_storage - used->ephemeral_storage) {
		c->reason = "Insufficient ephemeral-storage";
		return CS_SCHED_UNSCHEDULABLE;
	}
	for (size_t i = 0; i < want->nscalar; i++) {
		const char *name = want->scalar_names[i];
		int64_t v = want->scalar_values[i];
		if (v <= 0 || v <= scalar(have, name) - scalar(used, name))
			continue;
		c->reason = keep_reason(c, name);
		return c->reason ? CS_SCHED_UNSCHEDULABLE : CS_SCHED_ERROR;
	}
	return CS_SCHED_OK;
}

static int64_t nonzero(int64_t v, int64_t def)
{
	return v ? v : def;
}

static int64_t resource_score(enum scoring sc, int64_t allocatable, int64_t requested)
{
	if (allocatable <= 0)
		return 0;
	if (sc == MOST_ALLOCATED) {
		if (requested > allocatable)
			requested = allocatable;
		return requested * CS_SCHED_MAX_SCORE / allocatable;
	}
	if (requested > allocatable)
		return 0;
	return (allocatable - requested) * CS_SCHED_MAX_SCORE / allocatable;
}

static int fit_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node,
		     int64_t *score)
{
	(void)c;
	const struct fit *f = m->host->data(m);
	int64_t cpu = nonzero(pod->requests.milli_cpu, CS_SCHED_DEFAULT_MILLI_CPU);
	int64_t mem = nonzero(pod->requests.memory, CS_SCHED_DEFAULT_MEMORY);
	if (CS_HAS_FIELD(cs_sched_node, node, nonzero_memory)) {
		cpu += node->nonzero_milli_cpu;
		mem += node->nonzero_memory;
	} else {
		for (size_t i = 0; i < node->npods; i++) {
			cpu += nonzero(node->pods[i]->requests.milli_cpu,
				       CS_SCHED_DEFAULT_MILLI_CPU);
			mem += nonzero(node->pods[i]->requests.memory, CS_SCHED_DEFAULT_MEMORY);
		}
	}
	/* Equal weights for cpu and memory. */
	*score = (resource_score(f->scoring, node->allocatable.milli_cpu, cpu) +
		  resource_score(f->scoring, node->allocatable.memory, mem)) /
		 2;
	return CS_SCHED_OK;
}

static void fit_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	(void)m;
	struct fit_state *st = c->state;
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->reasons[i]);
	free(st->reasons);
	free(st);
	c->state = NULL;
}

static const cs_scheduler_ops fit_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "NodeResourcesFit",
	.filter = fit_filter,
	/* Scores are already 0..CS_SCHED_MAX_SCORE: no normalize. */
	.score = fit_score,
	.cycle_end = fit_cycle_end,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-noderesources",
	.version = "1.0.0",
	.description = "scheduler plugin NodeResourcesFit: requests fit the node; spread or pack",
	.kind = CS_KIND_SCHEDULER,
	.options = fit_options,
	.init = fit_init,
	.fini = fit_fini,
	.ops = &fit_ops,
};
