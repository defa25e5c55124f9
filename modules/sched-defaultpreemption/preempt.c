/* sched-defaultpreemption: the scheduler plugin "DefaultPreemption", as in
 * Kubernetes: a PostFilter that, when no node fits a pod, makes room for it
 * by deleting pods of lower priority.
 *
 *  1. Eligibility: spec.preemptionPolicy Never does not preempt ("not
 *     eligible due to preemptionPolicy=Never."); nor does a pod nominated
 *     to a node where a pod of lower priority is still terminating because
 *     it was preempted ("not eligible due to a terminating pod on the
 *     nominated node.").
 *  2. Candidates: the nodes whose filter said UNSCHEDULABLE; those that
 *     said UNRESOLVABLE are not helped ("Preemption is not helpful for
 *     scheduling").  On each, select.c's pe_select_victims: every pod of
 *     lower priority off, the filters run again (the framework's
 *     run_filters, which tells the other plugins through their
 *     remove_pod/add_pod), then as many put back as still let the pod fit,
 *     the most important first.  Options min-candidate-nodes-percentage
 *     and min-candidate-nodes-absolute bound how many candidates are
 *     looked for, from a random node on, as Kubernetes' DefaultPreemptionArgs.
 *  3. The node: pe_pick (Kubernetes' criteria; there is no
 *     PodDisruptionBudget kind, so its first criterion, the fewest PDB
 *     violations, is skipped).
 *  4. Then each victim gets the condition DisruptionTarget=True
 *     (PreemptionByScheduler, "<scheduler>: preempting to accommodate a
 *     higher priority pod") and is deleted (uid precondition), with a
 *     Normal Event Preempted ("Preempted by pod <uid> on node <node>");
 *     pods of lower priority nominated to that node lose their nomination;
 *     the framework writes the node into the pod's
 *     status.nominatedNodeName, which keeps the room for it, and retries
 *     the pod once the victims are gone.  The writes are asynchronous
 *     (call_async, completed on this module's thread): the scheduling
 *     thread never waits for them.
 * Without a candidate the pod's FailedScheduling message ends with
 * "preemption: 0/N nodes are available: ..." counting why per node, and a
 * nomination the pod had is cleared.
 *
 * Threads: post_filter and cycle_end on the framework's scheduling thread;
 * the write completions on the module thread; the module's data is
 * read-only after init except the random state (scheduling thread). */
#include <capstan/scheduler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fitmsg.h"
#include "select.h"

#define NOT_HELPFUL "Preemption is not helpful for scheduling"
#define PREFIX      "preemption: "

struct pe {
	int64_t pct, abs;
	uint64_t rnd; /* xorshift state: the first node looked at */
	cs_metric *m_attempts, *m_victims;
	bool warned_old; /* a framework without ABI 1.1's context */
};

/* Per cycle: the message post_filter gave (c->reason points into it). */
struct pe_state {
	char *msg;
};

static const cs_option pe_options[] = {
	{"min-candidate-nodes-percentage", CS_OPT_INT, "10",
	 "look for candidate nodes until at least this percentage of the nodes (0..100) is found"},
	{"min-candidate-nodes-absolute", CS_OPT_INT, "100",
	 "... or at least this many (whichever is more, at most every node)"},
	{NULL, CS_OPT_END, NULL, NULL},
};

/* ---- messages ---- */

static void set_msg(cs_mod *m, cs_sched_ctx *c, char *msg)
{
	if (!msg) {
		m->host->log(m, CS_LOG_WARN, "out of memory: the preemption message is lost");
		return;
	}
	struct pe_state *st = c->state;
	if (!st && !(st = c->state = calloc(1, sizeof(*st)))) {
		free(msg);
		return;
	}
	free(st->msg);
	st->msg = msg;
	c->reason = msg;
}

/* ---- eligibility ---- */

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* podTerminatingByPreemption */
static bool terminating_by_preemption(const cs_host *h, const cs_sched_pod *p)
{
	if (!h->obj_get(p->pod, "metadata.deletionTimestamp"))
		return false;
	const cs_object *conds = h->obj_get(p->pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *k = h->obj_at(conds, i);
		if (same(h->obj_str(k, "type"), "DisruptionTarget") &&
		    same(h->obj_str(k, "status"), "True") &&
		    same(h->obj_str(k, "reason"), "PreemptionByScheduler"))
			return true;
	}
	return false;
}

/* PodEligibleToPreemptOthers: NULL, or why not. */
static const char *not_eligible(const cs_host *h, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	if (same(h->obj_str(pod->pod, "spec.preemptionPolicy"), "Never"))
		return PREFIX "not eligible due to preemptionPolicy=Never.";
	const char *nom = h->obj_str(pod->pod, "status.nominatedNodeName");
	if (!nom || !*nom)
		return NULL;
	for (size_t j = 0; j < c->nnodes; j++) {
		const cs_sched_node *n = c->nodes[j];
		if (strcmp(n->name, nom))
			continue;
		/* Its filters say preemption cannot help there: try
		 * elsewhere. */
		if (c->node_codes[j] == CS_SCHED_UNRESOLVABLE)
			return NULL;
		for (size_t k = 0; k < n->npods; k++)
			if (n->pods[k]->priority < pod->priority &&
			    terminating_by_preemption(h, n->pods[k]))
				return PREFIX "not eligible due to a terminating pod on the "
					      "nominated node.";
	}
	return NULL;
}

/* ---- the writes: victims, nominations (module thread completions) ---- */

struct victim {
	char *ns, *name, *uid, *node, *preemptor_uid;
	cs_object *ref; /* the Event's subject */
};

static void victim_free(const cs_host *h, struct victim *v)
{
	if (!v)
		return;
	free(v->ns);
	free(v->name);
	free(v->uid);
	free(v->node);
	free(v->preemptor_uid);
	h->obj_free(v->ref);
	free(v);
}

static void deleted(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)res;
	struct victim *v = arg;
	const cs_host *h = m->host;
	if (!code) {
		h->log(m, CS_LOG_INFO, "preempted pod %s/%s on node %s", v->ns, v->name, v->node);
		if (v->ref)
			h->event(m, v->ref, "Normal", "Preempted", "Preempted by pod %s on node %s",
				 v->preemptor_uid, v->node);
	} else {
		/* 404: gone already; 409: the uid precondition, another pod
		 * of the name -- neither needs the deletion. */
		h->log(m, code == CS_NOT_FOUND || code == CS_CONFLICT ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "preemption victim %s/%s on node %s not deleted (%d): %s", v->ns, v->name,
		       v->node, code, err ? err->message : "");
	}
	victim_free(h, v);
}

static void marked(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)res;
	struct victim *v = arg;
	const cs_host *h = m->host;
	if (code) {
		/* As Kubernetes: a victim that cannot be marked is not
		 * deleted; the preemptor's next attempt looks again. */
		h->log(m, code == CS_NOT_FOUND ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "preemption victim %s/%s: DisruptionTarget condition not written (%d): %s",
		       v->ns, v->name, code, err ? err->message : "");
		victim_free(h, v);
		return;
	}
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	int rc = -1;
	if (opts && !h->obj_set_str(opts, "preconditions.uid", v->uid)) {
		cs_request rq = {.verb = CS_VERB_DELETE,
				 .resource = "pods",
				 .ns = v->ns,
				 .name = v->name,
				 .body = opts};
		rc = h->call_async(m, &rq, deleted, v);
	}
	h->obj_free(opts);
	if (rc) {
		h->log(m, CS_LOG_WARN, "preemption victim %s/%s: cannot send its deletion (%d)",
		       v->ns, v->name, rc);
		victim_free(h, v);
	}
}

static cs_object *pod_ref(const cs_host *h, const cs_sched_pod *p)
{
	cs_object *ref = h->obj_new(CS_OBJ_MAP);
	const char *rv = h->obj_str(p->pod, "metadata.resourceVersion");
	if (!ref || h->obj_set_str(ref, "apiVersion", "v1") || h->obj_set_str(ref, "kind", "Pod") ||
	    h->obj_set_str(ref, "metadata.name", p->name) ||
	    h->obj_set_str(ref, "metadata.namespace", p->ns) ||
	    h->obj_set_str(ref, "metadata.uid", p->uid) ||
	    (rv && h->obj_set_str(ref, "metadata.resourceVersion", rv))) {
		h->obj_free(ref);
		return NULL;
	}
	return ref;
}

/* Mark the victim DisruptionTarget, then (marked) delete it. */
static int preempt_one(cs_mod *m, const cs_sched_pod *pod, const cs_sched_pod *victim,
		       const char *node)
{
	const cs_host *h = m->host;
	struct victim *v = calloc(1, sizeof(*v));
	if (!v || !victim->ns || !victim->name || !victim->uid || !pod->uid ||
	    !(v->ns = strdup(victim->ns)) || !(v->name = strdup(victim->name)) ||
	    !(v->uid = strdup(victim->uid)) || !(v->node = strdup(node)) ||
	    !(v->preemptor_uid = strdup(pod->uid))) {
		victim_free(h, v);
		return -1;
	}
	v->ref = pod_ref(h, victim);
	const char *sched = h->obj_str(pod->pod, "spec.schedulerName");
	char msg[320], now[32];
	snprintf(msg, sizeof(msg), "%s: preempting to accommodate a higher priority pod",
		 sched && *sched ? sched : "default-scheduler");
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	/* A strategic merge patch merges conditions by type. */
	cs_object *patch = h->obj_new(CS_OBJ_MAP), *list = h->obj_new(CS_OBJ_ARRAY),
		  *cond = h->obj_new(CS_OBJ_MAP);
	bool ok = patch && list && cond && !h->obj_set_str(cond, "type", "DisruptionTarget") &&
		  !h->obj_set_str(cond, "status", "True") &&
		  !h->obj_set_str(cond, "reason", "PreemptionByScheduler") &&
		  !h->obj_set_str(cond, "message", msg) &&
		  !h->obj_set_str(cond, "lastTransitionTime", now);
	if (ok) {
		ok = !h->obj_append(list, cond);
		cond = NULL;
	}
	if (ok) {
		ok = !h->obj_set(patch, "status.conditions", list);
		list = NULL;
	}
	h->obj_free(cond);
	h->obj_free(list);
	int rc = -1;
	if (ok) {
		cs_request rq = {.verb = CS_VERB_PATCH,
				 .resource = "pods/status",
				 .ns = v->ns,
				 .name = v->name,
				 .patch_type = CS_PATCH_STRATEGIC,
				 .body = patch};
		rc = h->call_async(m, &rq, marked, v);
	}
	h->obj_free(patch);
	if (rc) {
		h->log(m, CS_LOG_WARN, "preemption victim %s/%s: cannot send its condition (%d)",
		       v->ns, v->name, rc);
		victim_free(h, v);
		return -1;
	}
	return 0;
}

static void unnominated(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)res;
	char *key = arg;
	if (code)
		m->host->log(m, code == CS_NOT_FOUND ? CS_LOG_DEBUG : CS_LOG_WARN,
			     "pod %s: nominatedNodeName not cleared (%d): %s", key, code,
			     err ? err->message : "");
	free(key);
}

/* Pods of lower priority nominated to node may no longer fit there:
 * clearing their nomination sends them back to the queue. */
static void clear_lower_nominations(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
				    const char *node)
{
	const cs_host *h = m->host;
	for (size_t i = 0; i < c->nnominated; i++) {
		const cs_sched_pod *p = c->nominated[i];
		if (p->priority >= pod->priority ||
		    !same(h->obj_str(p->pod, "status.nominatedNodeName"), node))
			continue;
		cs_object *patch = h->obj_new(CS_OBJ_MAP);
		char *key = NULL;
		int rc = -1;
		if (patch && asprintf(&key, "%s/%s", p->ns, p->name) >= 0 &&
		    !h->obj_set(patch, "status.nominatedNodeName", h->obj_new(CS_OBJ_NULL))) {
			cs_request rq = {.verb = CS_VERB_PATCH,
					 .resource = "pods/status",
					 .ns = p->ns,
					 .name = p->name,
					 .patch_type = CS_PATCH_MERGE,
					 .body = patch};
			rc = h->call_async(m, &rq, unnominated, key);
		}
		if (rc) {
			h->log(m, CS_LOG_WARN, "pod %s/%s: cannot clear its nominatedNodeName (%d)",
			       p->ns, p->name, rc);
			free(key);
		}
		h->obj_free(patch);
	}
}

/* ---- PostFilter ---- */

static uint64_t next_rand(struct pe *pe)
{
	uint64_t x = pe->rnd;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return pe->rnd = x;
}

/* calculateNumCandidates */
static size_t num_candidates(const struct pe *pe, size_t n)
{
	size_t want = (size_t)((int64_t)n * pe->pct / 100);
	if (want < (size_t)pe->abs)
		want = (size_t)pe->abs;
	return want > n ? n : want;
}

static int by_node_name(const void *a, const void *b)
{
	return strcmp(((const pe_candidate *)a)->node->name, ((const pe_candidate *)b)->node->name);
}

/* The dry run over the potential nodes: fills cands (in node name order)
 * and the reasons of the nodes that cannot help. */
static int dry_run(cs_mod *m, struct pe *pe, cs_sched_ctx *c, const cs_sched_pod *pod,
		   const size_t *potential, size_t np, int64_t now, pe_candidate *cands,
		   size_t *ncands, const char **reasons)
{
	const cs_host *h = m->host;
	size_t want = num_candidates(pe, np), offset = (size_t)(next_rand(pe) % np);
	size_t nc = 0;
	for (size_t i = 0; i < np && nc < want; i++) {
		size_t j = potential[(offset + i) % np];
		const char *why = NULL;
		pe_victims v;
		int r = pe_select_victims(h, c, pod, c->nodes[j], now, &v, &why);
		if (r == CS_SCHED_ERROR) {
			h->log(m, CS_LOG_WARN, "pod %s/%s: preemption on node %s: %s", pod->ns,
			       pod->name, c->nodes[j]->name, why ? why : "failed");
			for (size_t k = 0; k < nc; k++)
				pe_victims_free(&cands[k].victims);
			return CS_SCHED_ERROR;
		}
		if (r != CS_SCHED_OK) {
			reasons[j] = why ? why : PE_NO_VICTIMS;
			continue;
		}
		cands[nc++] = (pe_candidate){c->nodes[j], v};
	}
	/* Kubernetes' ties go to whichever candidate its parallel dry run
	 * listed first; here, to the first in node name order. */
	qsort(cands, nc, sizeof(*cands), by_node_name);
	*ncands = nc;
	return CS_SCHED_OK;
}

static int pe_post_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			  const char **nominated)
{
	const cs_host *h = m->host;
	struct pe *pe = h->data(m);
	if (!CS_OPS_HAS(cs_sched_ctx, c, run_filters) || !c->node_codes) {
		if (!pe->warned_old)
			h->log(m, CS_LOG_WARN,
			       "the scheduling framework predates ABI 1.1 (no run_filters): "
			       "no preemption");
		pe->warned_old = true;
		return CS_SCHED_UNSCHEDULABLE;
	}
	h->metric_add(pe->m_attempts, 1);
	const char *no = not_eligible(h, c, pod);
	if (no) {
		set_msg(m, c, strdup(no));
		return CS_SCHED_UNSCHEDULABLE;
	}
	size_t n = c->nnodes;
	const char **reasons = calloc(n ? n : 1, sizeof(*reasons));
	size_t *potential = calloc(n ? n : 1, sizeof(*potential));
	pe_candidate *cands = calloc(n ? n : 1, sizeof(*cands));
	if (!reasons || !potential || !cands) {
		free(reasons);
		free(potential);
		free(cands);
		return CS_SCHED_ERROR;
	}
	size_t np = 0, nc = 0;
	for (size_t j = 0; j < n; j++) {
		if (c->node_codes[j] == CS_SCHED_UNRESOLVABLE)
			reasons[j] = NOT_HELPFUL;
		else
			potential[np++] = j;
	}
	int64_t now = (int64_t)time(NULL);
	int rc = np ? dry_run(m, pe, c, pod, potential, np, now, cands, &nc, reasons) : CS_SCHED_OK;
	if (rc == CS_SCHED_OK && !nc) {
		/* Whatever it was nominated to cannot take it. */
		set_msg(m, c, sk_fit_message(PREFIX, n, reasons, NULL));
		*nominated = "";
		rc = CS_SCHED_UNSCHEDULABLE;
	} else if (rc == CS_SCHED_OK) {
		const pe_candidate *best = &cands[pe_pick(h, cands, nc, now)];
		size_t sent = 0;
		for (size_t i = 0; i < best->victims.n; i++)
			sent += preempt_one(m, pod, best->victims.pods[i], best->node->name) == 0;
		h->metric_add(pe->m_victims, (double)sent);
		h->log(m, CS_LOG_INFO, "pod %s/%s (priority %d): preempting %zu pods on node %s",
		       pod->ns, pod->name, pod->priority, best->victims.n, best->node->name);
		clear_lower_nominations(m, c, pod, best->node->name);
		*nominated = best->node->name;
	}
	for (size_t k = 0; k < nc; k++)
		pe_victims_free(&cands[k].victims);
	free(cands);
	free(potential);
	free(reasons);
	return rc;
}

static void pe_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	(void)m;
	struct pe_state *st = c->state;
	if (st)
		free(st->msg);
	free(st);
	c->state = NULL;
}

/* ---- lifecycle ---- */

static int pe_init(cs_mod *m)
{
	const cs_host *h = m->host;
	int64_t pct = h->opt_int(m, "min-candidate-nodes-percentage");
	int64_t abs = h->opt_int(m, "min-candidate-nodes-absolute");
	/* Kubernetes' ValidateDefaultPreemptionArgs */
	if (pct < 0 || pct > 100 || abs < 0 || (pct == 0 && abs == 0)) {
		h->log(m, CS_LOG_ERROR,
		       "options min-candidate-nodes-percentage (%lld, 0..100) and "
		       "min-candidate-nodes-absolute (%lld, >= 0): not valid, and they cannot "
		       "both be 0",
		       (long long)pct, (long long)abs);
		return -1;
	}
	struct pe *pe = calloc(1, sizeof(*pe));
	if (!pe) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	pe->pct = pct;
	pe->abs = abs;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	pe->rnd = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15u;
	pe->m_attempts = h->metric_new(m, CS_METRIC_COUNTER, "scheduler_preemption_attempts_total",
				       "preemption attempts (pods that fit no node)");
	pe->m_victims = h->metric_new(m, CS_METRIC_COUNTER, "scheduler_preemption_victims_total",
				      "pods chosen as preemption victims and sent for deletion");
	h->set_data(m, pe);
	if (!pe->m_attempts || !pe->m_victims) {
		free(pe);
		h->set_data(m, NULL);
		return -1; /* the host logged why */
	}
	return 0;
}

static void pe_fini(cs_mod *m)
{
	free(m->host->data(m));
	m->host->set_data(m, NULL);
}

static const cs_scheduler_ops pe_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "DefaultPreemption",
	.post_filter = pe_post_filter,
	.cycle_end = pe_cycle_end,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-defaultpreemption",
	.version = "1.0.0",
	.description = "scheduler plugin DefaultPreemption: preempts pods of lower priority",
	.kind = CS_KIND_SCHEDULER,
	.options = pe_options,
	.init = pe_init,
	.fini = pe_fini,
	.ops = &pe_ops,
};
