/* Driving one scheduler plugin module in unit tests: the .so is loaded
 * through the real module host from a capstan.conf (as capstand does), and
 * a scheduling cycle is run on it the way sched-framework runs it --
 * pre_filter (SKIP: no filter), filter on every node, score and normalize
 * on the feasible ones, cycle_end -- over a snapshot the test builds from
 * JSON.  The .so files come from <build>/modules beside the test binary's
 * <build>/tests directory.
 *
 * JSON in tests is written with single quotes; they become double quotes. */
#ifndef CS_SCHEDTEST_H
#define CS_SCHEDTEST_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <capstan/scheduler.h>

#include "config.h"
#include "module.h"
#include "testutil.h"

#define SC_MAX_NODES 32
#define SC_MAX_PODS  128

typedef struct sc_node {
	cs_sched_node pub;
	const cs_sched_pod *pods[SC_MAX_PODS];
	/* pods_with_affinity / _required_anti_affinity, as the framework
	 * lists them */
	const cs_sched_pod *aff[SC_MAX_PODS], *anti[SC_MAX_PODS];
	/* labels (sorted), taints, as the framework parses them */
	cs_sched_label labels[16];
	cs_sched_taint taints[8];
} sc_node;

typedef struct sc {
	char tmp[PATH_MAX], conf[PATH_MAX];
	cs_config cfg;
	cs_modhost *h;
	cs_mod *m;
	const cs_host *host;
	const cs_scheduler_ops *ops;
	size_t nnodes, npods;
	sc_node nodes[SC_MAX_NODES];
	const cs_sched_node *ptrs[SC_MAX_NODES];
	cs_sched_pod pods[SC_MAX_PODS];
	cs_sched_label pod_labels[SC_MAX_PODS][8];
	cs_object *objs[SC_MAX_NODES + SC_MAX_PODS + 8];
	size_t nobjs;
	uint64_t cycle;
	/* Run cycles as a framework of ABI 1.0 would: contexts and nodes
	 * without the 1.1 fields (no lists of pods with affinity). */
	bool abi10;
	uint64_t gen; /* the last node generation given, as the framework does */
} sc;

/* What one cycle decided for each node of the snapshot. */
typedef struct sc_result {
	int pre_filter; /* its code, or -1 without pre_filter */
	int code[SC_MAX_NODES];
	char reason[SC_MAX_NODES][160];
	int64_t score[SC_MAX_NODES]; /* normalized; -1 for nodes filtered out */
	size_t nfeasible;
} sc_result;

static inline char *sc_json(const char *q)
{
	char *s = strdup(q);
	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static inline cs_object *sc_obj(sc *s, const char *fmtq, ...) __attribute__((format(printf, 2, 3)));
static inline cs_object *sc_obj(sc *s, const char *fmtq, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmtq);
	vsnprintf(buf, sizeof(buf), fmtq, ap);
	va_end(ap);
	char *text = sc_json(buf);
	cs_error e = {0};
	cs_object *o = s->host->obj_parse(text, strlen(text), &e);
	if (!o)
		fail_msg("bad test JSON (%s): %s", e.message, text);
	free(text);
	assert_true(s->nobjs < sizeof(s->objs) / sizeof(s->objs[0]));
	s->objs[s->nobjs++] = o;
	return o;
}

/* Load module `name` with the option text `opts`. */
static inline void sc_up(sc *s, const char *name, const char *opts)
{
	memset(s, 0, sizeof(*s));
	char self[PATH_MAX], moddir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0'; /* <build>/tests */
	*strrchr(self, '/') = '\0'; /* <build> */
	fmt(moddir, sizeof(moddir), "%s/modules", self);
	fmt(s->tmp, sizeof(s->tmp), "/tmp/cs-schedtest-XXXXXX");
	assert_non_null(mkdtemp(s->tmp));
	fmt(s->conf, sizeof(s->conf), "%s/capstan.conf", s->tmp);
	FILE *f = fopen(s->conf, "w");
	assert_non_null(f);
	fprintf(f, "module-path = \"%s\"\nmodule \"%s\" {\n\tenabled = true\n\t%s\n}\n", moddir,
		name, opts ? opts : "");
	fclose(f);
	static cs_modenv env = {.role = "server", .dev_trust = true};
	env.data_dir = s->tmp;
	char err[1024] = "";
	if (cs_config_load(&s->cfg, s->conf, err, sizeof(err)) < 0)
		fail_msg("%s: %s", s->conf, err);
	assert_int_equal(cs_modhost_new(&s->h, &env), 0);
	if (cs_modhost_configure(s->h, &s->cfg, err, sizeof(err)) < 0 ||
	    cs_modhost_init(s->h, err, sizeof(err)) < 0 ||
	    cs_modhost_start(s->h, err, sizeof(err)) < 0)
		fail_msg("loading %s: %s", name, err);
	const cs_module *d = cs_modhost_find(s->h, name, &s->m);
	if (!d)
		fail_msg("module %s is not running", name);
	assert_int_equal(d->kind, CS_KIND_SCHEDULER);
	s->host = s->m->host;
	s->ops = d->ops;
}

static inline void sc_down(sc *s)
{
	for (size_t i = 0; i < s->nobjs; i++)
		s->host->obj_free(s->objs[i]);
	cs_modhost_free(s->h);
	cs_config_free(&s->cfg);
	char cmd[PATH_MAX + 16];
	fmt(cmd, sizeof(cmd), "rm -rf '%s'", s->tmp);
	assert_int_equal(system(cmd), 0);
}

/* A node: labels (JSON map, quotes as '), taints (JSON list or NULL),
 * allocatable milli-cpu and memory, 110 pod slots. */
static inline sc_node *sc_node_add(sc *s, const char *name, const char *labels, const char *taints,
				   int64_t mcpu, int64_t mem)
{
	assert_true(s->nnodes < SC_MAX_NODES);
	cs_object *o =
		sc_obj(s, "{'metadata': {'name': '%s', 'labels': %s}, 'spec': {'taints': %s}}",
		       name, labels ? labels : "{}", taints ? taints : "[]");
	sc_node *n = &s->nodes[s->nnodes];
	n->pub.size = sizeof(n->pub);
	n->pub.node = o;
	n->pub.name = s->host->obj_str(o, "metadata.name");
	n->pub.allocatable.milli_cpu = mcpu;
	n->pub.allocatable.memory = mem;
	n->pub.allocatable.pods = 110;
	n->pub.pods = n->pods;
	n->pub.generation = ++s->gen;
	const cs_host *h = s->host;
	const cs_object *l = h->obj_get(o, "metadata.labels"), *t = h->obj_get(o, "spec.taints");
	assert_true(h->obj_len(l) <= 16 && h->obj_len(t) <= 8);
	for (size_t i = 0; i < h->obj_len(l); i++) {
		/* insertion sort by key, as the framework sorts */
		cs_sched_label lab = {h->obj_key_at(l, i), h->obj_str(h->obj_at(l, i), NULL)};
		size_t j = n->pub.nlabels++;
		for (; j > 0 && strcmp(n->labels[j - 1].key, lab.key) > 0; j--)
			n->labels[j] = n->labels[j - 1];
		n->labels[j] = lab;
	}
	for (size_t i = 0; i < h->obj_len(t); i++) {
		const cs_object *x = h->obj_at(t, i);
		const char *k = h->obj_str(x, "key"), *v = h->obj_str(x, "value"),
			   *e = h->obj_str(x, "effect");
		n->taints[n->pub.ntaints++] = (cs_sched_taint){k ? k : "", v ? v : "", e ? e : ""};
	}
	n->pub.labels = n->labels;
	n->pub.taints = n->taints;
	s->ptrs[s->nnodes++] = &n->pub;
	return n;
}

static inline sc_node *sc_find(sc *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (!strcmp(s->nodes[i].pub.name, name))
			return &s->nodes[i];
	fail_msg("no node %s", name);
	return NULL;
}

/* A pod from its metadata and spec JSON (quotes as '). */
static inline cs_sched_pod *sc_pod(sc *s, const char *ns, const char *name, const char *labels,
				   const char *spec, int64_t mcpu, int64_t mem)
{
	assert_true(s->npods < SC_MAX_PODS);
	cs_object *o = sc_obj(s,
			      "{'metadata': {'namespace': '%s', 'name': '%s', 'uid': 'uid-%s-%s', "
			      "'labels': %s}, 'spec': %s}",
			      ns, name, ns, name, labels ? labels : "{}", spec ? spec : "{}");
	cs_sched_pod *p = &s->pods[s->npods++];
	p->size = sizeof(*p);
	p->pod = o;
	p->ns = s->host->obj_str(o, "metadata.namespace");
	p->name = s->host->obj_str(o, "metadata.name");
	p->uid = s->host->obj_str(o, "metadata.uid");
	p->requests.milli_cpu = mcpu;
	p->requests.memory = mem;
	p->requests.pods = 1;
	const cs_host *h = s->host;
	const cs_object *l = h->obj_get(o, "metadata.labels");
	cs_sched_label *lv = s->pod_labels[p - s->pods];
	assert_true(h->obj_len(l) <= 8);
	for (size_t i = 0; i < h->obj_len(l); i++) {
		cs_sched_label lab = {h->obj_key_at(l, i), h->obj_str(h->obj_at(l, i), NULL)};
		size_t j = p->nlabels++;
		for (; j > 0 && strcmp(lv[j - 1].key, lab.key) > 0; j--)
			lv[j] = lv[j - 1];
		lv[j] = lab;
	}
	p->labels = lv;
	p->terminating = h->obj_get(o, "metadata.deletionTimestamp") != NULL;
	return p;
}

/* Place an existing pod on a node of the snapshot. */
static inline cs_sched_pod *sc_place(sc *s, const char *node, const char *ns, const char *name,
				     const char *labels, const char *spec)
{
	sc_node *n = sc_find(s, node);
	cs_sched_pod *p = sc_pod(s, ns, name, labels, spec, 0, 0);
	assert_true(n->pub.npods < SC_MAX_PODS);
	n->pods[n->pub.npods++] = p;
	n->pub.generation = ++s->gen;
	const cs_host *h = s->host;
	const cs_object *a = h->obj_get(p->pod, "spec.affinity");
	if (h->obj_get(a, "podAffinity") || h->obj_get(a, "podAntiAffinity"))
		n->aff[n->pub.npods_with_affinity++] = p;
	if (h->obj_len(h->obj_get(
		    a, "podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")))
		n->anti[n->pub.npods_with_required_anti_affinity++] = p;
	n->pub.pods_with_affinity = n->aff;
	n->pub.pods_with_required_anti_affinity = n->anti;
	n->pub.requested.milli_cpu += p->requests.milli_cpu;
	n->pub.requested.memory += p->requests.memory;
	n->pub.requested.pods++;
	n->pub.nonzero_milli_cpu +=
		p->requests.milli_cpu ? p->requests.milli_cpu : CS_SCHED_DEFAULT_MILLI_CPU;
	n->pub.nonzero_memory += p->requests.memory ? p->requests.memory : CS_SCHED_DEFAULT_MEMORY;
	return p;
}

#define SC_HAS(s, member) CS_OPS_HAS(cs_scheduler_ops, (s)->ops, member)

/* One cycle for pod over the whole snapshot. */
static inline void sc_run_once(sc *s, const cs_sched_pod *pod, sc_result *r)
{
	memset(r, 0, sizeof(*r));
	const cs_sched_node *with_aff[SC_MAX_NODES], *with_anti[SC_MAX_NODES];
	cs_sched_ctx c = {.size = sizeof(c),
			  .cycle = ++s->cycle,
			  .nnodes = s->nnodes,
			  .nodes = s->ptrs,
			  .weight = 1,
			  .nodes_with_affinity = with_aff,
			  .nodes_with_required_anti_affinity = with_anti};
	for (size_t i = 0; i < s->nnodes; i++) {
		s->nodes[i].pub.size = s->abi10 ? offsetof(cs_sched_node, npods_with_affinity)
						: sizeof(cs_sched_node);
		if (s->nodes[i].pub.npods_with_affinity)
			with_aff[c.nnodes_with_affinity++] = &s->nodes[i].pub;
		if (s->nodes[i].pub.npods_with_required_anti_affinity)
			with_anti[c.nnodes_with_required_anti_affinity++] = &s->nodes[i].pub;
	}
	for (size_t i = 0; i < s->npods; i++)
		s->pods[i].size = s->abi10 ? offsetof(cs_sched_pod, nlabels) : sizeof(cs_sched_pod);
	if (s->abi10)
		c.size = offsetof(cs_sched_ctx, node_codes);
	bool skip = false;
	r->pre_filter = -1;
	if (SC_HAS(s, pre_filter)) {
		r->pre_filter = s->ops->pre_filter(s->m, &c, pod);
		assert_true(r->pre_filter == CS_SCHED_OK || r->pre_filter == CS_SCHED_SKIP);
		skip = r->pre_filter == CS_SCHED_SKIP;
	}
	const cs_sched_node *feasible[SC_MAX_NODES];
	size_t idx[SC_MAX_NODES];
	for (size_t i = 0; i < s->nnodes; i++) {
		r->score[i] = -1;
		r->code[i] = CS_SCHED_OK;
		if (SC_HAS(s, filter) && !skip) {
			c.reason = NULL;
			r->code[i] = s->ops->filter(s->m, &c, pod, s->ptrs[i]);
			assert_true(r->code[i] <= CS_SCHED_UNRESOLVABLE);
			if (r->code[i] != CS_SCHED_OK) {
				assert_non_null(c.reason);
				fmt(r->reason[i], sizeof(r->reason[i]), "%s", c.reason);
			}
		}
		if (r->code[i] == CS_SCHED_OK) {
			idx[r->nfeasible] = i;
			feasible[r->nfeasible++] = s->ptrs[i];
		}
	}
	if (SC_HAS(s, score) && r->nfeasible) {
		int64_t sc[SC_MAX_NODES] = {0};
		for (size_t j = 0; j < r->nfeasible; j++)
			assert_int_equal(s->ops->score(s->m, &c, pod, feasible[j], &sc[j]),
					 CS_SCHED_OK);
		if (SC_HAS(s, normalize))
			assert_int_equal(
				s->ops->normalize(s->m, &c, pod, feasible, sc, r->nfeasible),
				CS_SCHED_OK);
		for (size_t j = 0; j < r->nfeasible; j++) {
			assert_in_range(sc[j], 0, CS_SCHED_MAX_SCORE);
			r->score[idx[j]] = sc[j];
		}
	}
	if (SC_HAS(s, cycle_end))
		s->ops->cycle_end(s->m, &c);
}

static inline void sc_same(sc *s, const cs_sched_pod *pod, const sc_result *r, const sc_result *old,
			   const char *what)
{
	assert_int_equal(old->pre_filter, r->pre_filter);
	for (size_t i = 0; i < s->nnodes; i++)
		if (old->code[i] != r->code[i] || strcmp(old->reason[i], r->reason[i]) ||
		    old->score[i] != r->score[i])
			fail_msg("pod %s, node %s: %d \"%s\" %lld, %s %d \"%s\" %lld", pod->name,
				 s->ptrs[i]->name, r->code[i], r->reason[i], (long long)r->score[i],
				 what, old->code[i], old->reason[i], (long long)old->score[i]);
}

/* sc_run_once as a framework of ABI 1.0 would run it -- without the
 * parsed labels and taints and the lists of pods with affinity --, on
 * nodes without generations (as preemption's views: nothing a plugin kept
 * from earlier cycles applies), and as a framework of this ABI does: all
 * must decide the same. */
static inline void sc_run(sc *s, const cs_sched_pod *pod, sc_result *r)
{
	sc_result old, untracked;
	s->abi10 = true;
	sc_run_once(s, pod, &old);
	s->abi10 = false;
	uint64_t gens[SC_MAX_NODES];
	for (size_t i = 0; i < s->nnodes; i++) {
		gens[i] = s->nodes[i].pub.generation;
		s->nodes[i].pub.generation = 0;
	}
	sc_run_once(s, pod, &untracked);
	for (size_t i = 0; i < s->nnodes; i++)
		s->nodes[i].pub.generation = gens[i];
	sc_run_once(s, pod, r);
	sc_same(s, pod, r, &old, "ABI 1.0");
	sc_same(s, pod, r, &untracked, "untracked nodes");
}

/* The nodes that passed the filter, as "a,b,c". */
static inline const char *sc_fits(sc *s, const sc_result *r)
{
	static char out[SC_MAX_NODES * 32];
	out[0] = '\0';
	for (size_t i = 0; i < s->nnodes; i++)
		if (r->code[i] == CS_SCHED_OK)
			fmt(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? "," : "",
			    s->ptrs[i]->name);
	return out;
}

static inline size_t sc_index(sc *s, const char *node)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (!strcmp(s->ptrs[i]->name, node))
			return i;
	fail_msg("no node %s", node);
	return 0;
}

#endif
