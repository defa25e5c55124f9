/* One scheduling attempt: the extension points of scheduler.h, in its
 * order, for one pod on one snapshot.
 *
 *   pre_filter -> filter (every node) -> [post_filter] -> score ->
 *   normalize -> assume + reserve -> permit -> bind -> cycle_end
 *
 * Every plugin call happens on the scheduling thread.  Two things make a
 * cycle outlive its reconcile: a permit that asks to WAIT, and the default
 * binding, which is an asynchronous pods/binding call.  Such a cycle is
 * "parked" on fw->parked with its snapshot and contexts; the module thread
 * marks it ready (wait over) or done (binding answered) and queues the
 * pod's key, and the next reconcile on the scheduling thread finishes it
 * (fw_drain): binds it, or calls unreserve after a failure and cycle_end.
 *
 * Permit WAIT: ABI v1 has no call by which a plugin could allow a waiting
 * pod early, so the pod waits for the longest timeout any permit asked for
 * and is then bound.  (Kubernetes rejects a pod whose wait times out; with
 * no way to approve it that would make WAIT mean "reject later".) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fitmsg.h"
#include "fw.h"
#include "grow.h"

#define HAS(p, member) CS_OPS_HAS(cs_scheduler_ops, (p)->ops, member)

struct fw_plugin {
	const char *name;
	cs_mod *inst;
	const cs_scheduler_ops *ops;
	int64_t weight;
	bool skip_filter; /* its pre_filter returned SKIP */
};

enum fw_stage {
	ST_SCHEDULING, /* on the scheduling thread, not parked */
	ST_WAITING,    /* parked: permit wait */
	ST_READY,      /* parked: wait over, bind next */
	ST_BINDING,    /* parked: pods/binding in flight */
	ST_DONE,       /* parked: binding answered (bind_code) */
};

/* A plugin's context: what it sees, and (for run_filters) which cycle and
 * plugin it belongs to. */
struct fw_ctx {
	cs_sched_ctx pub; /* first: plugins' pointers are to it */
	struct fw_cycle *cycle;
	size_t idx; /* in pl */
};

struct fw_cycle {
	struct fw_cycle *next; /* fw->parked */
	enum fw_stage stage;   /* fw->mu while parked */
	int bind_code;         /* ST_DONE: 0 or the HTTP status */
	struct fw *fw;
	uint64_t start_ns;
	char *key; /* "ns/name" */
	const cs_object *podobj;
	cs_sched_pod pod;
	fw_snapshot *snap;
	size_t np;
	struct fw_plugin *pl;
	struct fw_ctx *ctx; /* one per plugin */
	const cs_sched_node *chosen;
	bool assumed, reserved;
};

static const char *code_name(int r)
{
	static const char *n[] = {"OK", "UNSCHEDULABLE", "UNRESOLVABLE", "WAIT", "SKIP", "ERROR"};
	return r >= 0 && r <= CS_SCHED_ERROR ? n[r] : "an unknown code";
}

/* ---- plugins ---- */

const char *fw_plugin_name(const cs_module *d)
{
	const cs_scheduler_ops *ops = d->ops;
	return CS_OPS_HAS(cs_scheduler_ops, ops, plugin) ? ops->plugin : d->name;
}

const cs_module *fw_plugin_find(cs_mod *m, const char *name, cs_mod **inst)
{
	const cs_module *d;
	for (size_t i = 0; (d = m->host->module_at(m, CS_KIND_SCHEDULER, i, inst)); i++)
		if (!strcmp(fw_plugin_name(d), name))
			return d;
	return NULL;
}

static void add_plugin(struct fw_cycle *c, const fw_profile *prof, const cs_module *d, cs_mod *inst)
{
	struct fw_plugin *p = &c->pl[c->np++];
	p->name = fw_plugin_name(d);
	p->inst = inst;
	p->ops = d->ops;
	p->weight = fw_profile_weight(prof, p->name);
}

/* The profile's plugins, looked up each cycle: plugin modules may be
 * initialised after this one and come and go on reload.  A named plugin
 * that is not running stops scheduling rather than place pods without
 * its filter. */
static int resolve(cs_mod *m, fw_profile *prof, struct fw_cycle *c)
{
	const cs_host *h = m->host;
	size_t loaded = 0;
	cs_mod *inst;
	while (h->module_at(m, CS_KIND_SCHEDULER, loaded, &inst))
		loaded++;
	size_t want = prof->nplugins ? prof->nplugins : loaded;
	c->pl = calloc(want ? want : 1, sizeof(*c->pl));
	if (!c->pl)
		return -1;
	if (!prof->nplugins) {
		for (size_t i = 0; i < loaded; i++) {
			const cs_module *d = h->module_at(m, CS_KIND_SCHEDULER, i, &inst);
			if (d)
				add_plugin(c, prof, d, inst);
		}
		return 0;
	}
	for (size_t k = 0; k < prof->nplugins; k++) {
		const cs_module *d = fw_plugin_find(m, prof->plugins[k], &inst);
		if (!d) {
			h->log(m, prof->warned_missing ? CS_LOG_DEBUG : CS_LOG_WARN,
			       "plugin %s (%s) is not running: no pod of scheduler %s is "
			       "scheduled until its module runs",
			       prof->plugins[k], prof->origin, prof->name);
			prof->warned_missing = true;
			return -1;
		}
		add_plugin(c, prof, d, inst);
	}
	prof->warned_missing = false;
	return 0;
}

/* ---- the end of a cycle ---- */

static void cycle_free(const cs_host *h, struct fw_cycle *c)
{
	h->obj_free(c->podobj);
	fw_snapshot_free(h, c->snap);
	free(c->pl);
	free(c->ctx);
	free(c->key);
	free(c);
}

static void unassume(const cs_host *h, struct fw *fw, const char *key, const char *uid)
{
	pthread_mutex_lock(&fw->mu);
	struct fw_assumed *a = fw_map_del(&fw->assumed, uid);
	fw_cache_forget_locked(h, fw, key, uid);
	pthread_mutex_unlock(&fw->mu);
	fw_assumed_free(a);
}

/* Undo what a failed cycle did (unreserve in reverse order, the
 * assumption), then cycle_end for every plugin, always. */
static void finish(cs_mod *m, struct fw_cycle *c, bool failed)
{
	if (failed && c->reserved)
		for (size_t i = c->np; i-- > 0;)
			if (HAS(&c->pl[i], unreserve))
				c->pl[i].ops->unreserve(c->pl[i].inst, &c->ctx[i].pub, &c->pod,
							c->chosen);
	for (size_t i = 0; i < c->np; i++)
		if (HAS(&c->pl[i], cycle_end))
			c->pl[i].ops->cycle_end(c->pl[i].inst, &c->ctx[i].pub);
	if (failed && c->assumed)
		unassume(m->host, c->fw, c->key, c->pod.uid);
	cycle_free(m->host, c);
}

/* A failed attempt: finish the cycle and return the delay before the next
 * (queued here too when `enqueue`, for cycles finished outside their own
 * reconcile). */
static int fail(cs_mod *m, struct fw_cycle *c, bool unschedulable, bool enqueue)
{
	uint32_t delay = fw_backoff(c->fw, c->key, c->pod.uid, unschedulable);
	if (enqueue)
		cs_controller_enqueue(m, c->key, delay);
	finish(m, c, true);
	return (int)delay;
}

static int cycle_error(cs_mod *m, struct fw_cycle *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int cycle_error(cs_mod *m, struct fw_cycle *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->host->log(m, CS_LOG_WARN, "pod %s: scheduling failed, will retry: %s", c->key, msg);
	return fail(m, c, false, false);
}

static void observe(struct fw *fw, const cs_host *h, struct fw_cycle *c)
{
	h->metric_observe(fw->m_duration, (double)(fw_now_ns() - c->start_ns) / 1e9);
}

static int unschedulable(cs_mod *m, struct fw_cycle *c, const char *msg, const char *nominated)
{
	const cs_host *h = m->host;
	h->log(m, CS_LOG_INFO, "pod %s is unschedulable: %s", c->key, msg);
	fw_report_unschedulable(m, c->podobj, msg, nominated);
	h->metric_add(c->fw->m_unschedulable, 1);
	observe(c->fw, h, c);
	return fail(m, c, true, false);
}

static void scheduled(cs_mod *m, struct fw_cycle *c)
{
	const cs_host *h = m->host;
	h->log(m, CS_LOG_DEBUG, "pod %s bound to node %s", c->key, c->chosen->name);
	fw_report_scheduled(m, c->podobj, c->chosen->name);
	h->metric_add(c->fw->m_scheduled, 1);
	observe(c->fw, h, c);
}

/* ---- the binding ---- */

static void park(struct fw *fw, struct fw_cycle *c, enum fw_stage st)
{
	pthread_mutex_lock(&fw->mu);
	c->stage = st;
	c->next = fw->parked;
	fw->parked = c;
	pthread_mutex_unlock(&fw->mu);
}

static void unpark(struct fw *fw, struct fw_cycle *c)
{
	pthread_mutex_lock(&fw->mu);
	for (struct fw_cycle **pp = &fw->parked; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->stage = ST_SCHEDULING;
	pthread_mutex_unlock(&fw->mu);
}

/* Module thread: hand the cycle back to the scheduling thread. */
static void hand_back(cs_mod *m, struct fw_cycle *c, enum fw_stage st, int code)
{
	struct fw *fw = c->fw;
	/* Once the stage changes the scheduling thread may free c. */
	char *key = strdup(c->key);
	pthread_mutex_lock(&fw->mu);
	c->bind_code = code;
	c->stage = st;
	pthread_mutex_unlock(&fw->mu);
	if (key)
		cs_controller_enqueue(m, key, 0);
	else
		m->host->log(m, CS_LOG_ERROR,
			     "out of memory: a finished binding waits for the "
			     "next reconcile");
	free(key);
}

static void bind_done(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)res;
	struct fw_cycle *c = arg;
	if (!code)
		scheduled(m, c);
	else if (code == CS_CONFLICT)
		m->host->log(m, CS_LOG_DEBUG, "pod %s: not bound to node %s: %s", c->key,
			     c->chosen->name, err ? err->message : "conflict");
	else
		m->host->log(m, CS_LOG_WARN, "pod %s: binding to node %s failed (%d %s): %s",
			     c->key, c->chosen->name, code, err ? err->reason : "",
			     err ? err->message : "");
	hand_back(m, c, ST_DONE, code);
}

static void wait_over(cs_mod *m, void *arg)
{
	hand_back(m, arg, ST_READY, 0);
}

/* POST pods/NAME/binding, answered on the module thread (bind_done). */
static int bind_default(cs_mod *m, struct fw_cycle *c, bool drained)
{
	const cs_host *h = m->host;
	cs_object *b = h->obj_new(CS_OBJ_MAP);
	if (!b || h->obj_set_str(b, "apiVersion", "v1") || h->obj_set_str(b, "kind", "Binding") ||
	    h->obj_set_str(b, "metadata.name", c->pod.name) ||
	    h->obj_set_str(b, "metadata.namespace", c->pod.ns) ||
	    h->obj_set_str(b, "target.apiVersion", "v1") ||
	    h->obj_set_str(b, "target.kind", "Node") ||
	    h->obj_set_str(b, "target.name", c->chosen->name)) {
		h->obj_free(b);
		h->log(m, CS_LOG_WARN, "pod %s: cannot build its Binding: out of memory", c->key);
		return fail(m, c, false, drained);
	}
	cs_request rq = {.verb = CS_VERB_CREATE,
			 .resource = "pods/binding",
			 .ns = c->pod.ns,
			 .name = c->pod.name,
			 .body = b};
	/* Parked first: the answer may arrive before call_async returns. */
	park(c->fw, c, ST_BINDING);
	int rc = h->call_async(m, &rq, bind_done, c);
	h->obj_free(b);
	if (rc) {
		unpark(c->fw, c);
		h->log(m, CS_LOG_WARN, "pod %s: cannot send its binding to node %s (%d)", c->key,
		       c->chosen->name, rc);
		return fail(m, c, false, drained);
	}
	return CS_DONE;
}

/* The binding cycle: the plugins' bind in order until one does not SKIP,
 * else the default binding.  Returns 0 or the delay of a retry (already
 * queued when `drained`). */
static int bind_cycle(cs_mod *m, struct fw_cycle *c, bool drained)
{
	for (size_t i = 0; i < c->np; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (!HAS(p, bind))
			continue;
		int r = p->ops->bind(p->inst, &c->ctx[i].pub, &c->pod, c->chosen);
		if (r == CS_SCHED_SKIP)
			continue;
		if (r == CS_SCHED_OK) {
			scheduled(m, c);
			finish(m, c, false);
			return CS_DONE;
		}
		m->host->log(m, CS_LOG_WARN, "pod %s: bind of plugin %s to node %s returned %s",
			     c->key, p->name, c->chosen->name, code_name(r));
		return fail(m, c, false, drained);
	}
	return bind_default(m, c, drained);
}

void fw_drain(cs_mod *m, struct fw *fw)
{
	struct fw_cycle *ready = NULL;
	pthread_mutex_lock(&fw->mu);
	for (struct fw_cycle **pp = &fw->parked; *pp;) {
		struct fw_cycle *c = *pp;
		if (c->stage != ST_READY && c->stage != ST_DONE) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		c->next = ready;
		ready = c;
	}
	pthread_mutex_unlock(&fw->mu);
	for (struct fw_cycle *c = ready, *nx; c; c = nx) {
		nx = c->next;
		if (c->stage == ST_READY) {
			c->stage = ST_SCHEDULING;
			bind_cycle(m, c, true);
		} else if (c->bind_code == 0 || c->bind_code == CS_CONFLICT) {
			/* Bound, by us or (409) already by someone: the cache
			 * will show where, which ends the assumption. */
			finish(m, c, false);
		} else {
			fail(m, c, false, true);
		}
	}
}

void fw_cycles_free(cs_mod *m, struct fw *fw)
{
	pthread_mutex_lock(&fw->mu);
	struct fw_cycle *list = fw->parked;
	fw->parked = NULL;
	pthread_mutex_unlock(&fw->mu);
	for (struct fw_cycle *c = list, *nx; c; c = nx) {
		nx = c->next;
		/* The workers are stopped: nothing runs plugins concurrently.
		 * A plugin module stopped before this one is not called. */
		for (size_t i = 0; i < c->np; i++) {
			cs_mod *inst = NULL;
			struct fw_plugin *p = &c->pl[i];
			if (HAS(p, cycle_end) && fw_plugin_find(m, p->name, &inst) &&
			    inst == p->inst)
				p->ops->cycle_end(p->inst, &c->ctx[i].pub);
		}
		cycle_free(m->host, c);
	}
}

/* ---- the scheduling cycle ----
 *
 * Each step returns 1 to go on, or else it has finished the cycle and
 * returns the reconcile result (CS_DONE, or the delay of a retry: never
 * 1, the backoff starts at a second). */

static bool rejects(int r)
{
	return r == CS_SCHED_UNSCHEDULABLE || r == CS_SCHED_UNRESOLVABLE;
}

static int pre_filter(cs_mod *m, struct fw_cycle *c)
{
	for (size_t i = 0; i < c->np; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (!HAS(p, pre_filter))
			continue;
		c->ctx[i].pub.reason = NULL;
		int r = p->ops->pre_filter(p->inst, &c->ctx[i].pub, &c->pod);
		if (r == CS_SCHED_OK)
			continue;
		if (r == CS_SCHED_SKIP) {
			p->skip_filter = true;
			continue;
		}
		if (!rejects(r))
			return cycle_error(m, c, "pre_filter of plugin %s returned %s", p->name,
					   code_name(r));
		char *msg = NULL;
		if (asprintf(&msg, "0/%zu nodes are available: %s.", c->snap->n,
			     c->ctx[i].pub.reason ? c->ctx[i].pub.reason : p->name) < 0)
			return cycle_error(m, c, "out of memory");
		int rc = unschedulable(m, c, msg, NULL);
		free(msg);
		return rc;
	}
	return 1; /* go on */
}

/* Runs the filters on one node, but plugin `skip` (an index, or np for
 * none): CS_SCHED_OK, a rejection with *why the reason, or CS_SCHED_ERROR
 * (logged). */
static int filter_node(cs_mod *m, struct fw_cycle *c, const cs_sched_pod *pod,
		       const cs_sched_node *n, size_t skip, const char **why)
{
	*why = NULL;
	for (size_t i = 0; i < c->np; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (i == skip || !HAS(p, filter) || p->skip_filter)
			continue;
		c->ctx[i].pub.reason = NULL;
		int r = p->ops->filter(p->inst, &c->ctx[i].pub, pod, n);
		if (r == CS_SCHED_OK)
			continue;
		if (!rejects(r)) {
			m->host->log(m, CS_LOG_WARN,
				     "pod %s: filter of plugin %s on node %s returned %s", c->key,
				     p->name, n->name, code_name(r));
			return CS_SCHED_ERROR;
		}
		/* A plugin that gives no reason is named instead. */
		*why = c->ctx[i].pub.reason ? c->ctx[i].pub.reason : p->name;
		return r;
	}
	return CS_SCHED_OK;
}

/* ---- run_filters: the filters on a node view, for post_filter ---- */

/* One PreFilterExtensions call: pod `other` leaves (remove) or joins the
 * node, for plugin idx. */
struct ext_step {
	size_t idx;
	const cs_sched_pod *other;
	bool remove;
};

static bool has_pod(const cs_sched_node *n, const cs_sched_pod *p)
{
	for (size_t i = 0; i < n->npods; i++)
		if (n->pods[i] == p)
			return true;
	return false;
}

static int ext_call(struct fw_cycle *c, const struct ext_step *st, bool undo,
		    const cs_sched_pod *pod, const cs_sched_node *node)
{
	struct fw_plugin *p = &c->pl[st->idx];
	cs_sched_ctx *ctx = &c->ctx[st->idx].pub;
	return st->remove != undo ? p->ops->remove_pod(p->inst, ctx, pod, st->other, node)
				  : p->ops->add_pod(p->inst, ctx, pod, st->other, node);
}

static int run_filters(cs_sched_ctx *pc, const cs_sched_pod *pod, const cs_sched_node *view)
{
	struct fw_ctx *fc = (struct fw_ctx *)pc;
	struct fw_cycle *c = fc->cycle;
	cs_mod *m = c->pl[fc->idx].inst;
	/* The calling plugin's instance logs; it is the framework that
	 * speaks, so name it. */
	pc->reason = NULL;
	const cs_sched_node *base = view ? fw_snapshot_node(c->snap, view->name) : NULL;
	if (!base) {
		m->host->log(m, CS_LOG_WARN, "sched-framework: run_filters for pod %s: %s", c->key,
			     view ? "the node is not in the snapshot" : "no node");
		return CS_SCHED_ERROR;
	}
	size_t nsteps = 0, cap = 0;
	struct ext_step *steps = NULL;
	int rc = CS_SCHED_OK;
	for (size_t i = 0; i < c->np && rc == CS_SCHED_OK; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (i == fc->idx || p->skip_filter || !HAS(p, remove_pod) || !HAS(p, add_pod))
			continue;
		/* Removed: in the snapshot node, not in the view; added: the
		 * reverse. */
		for (int pass = 0; pass < 2 && rc == CS_SCHED_OK; pass++) {
			const cs_sched_node *from = pass ? view : base, *to = pass ? base : view;
			for (size_t k = 0; k < from->npods && rc == CS_SCHED_OK; k++) {
				if (has_pod(to, from->pods[k]))
					continue;
				if (sk_grow(&steps, nsteps, &cap, sizeof(*steps), 16) < 0) {
					rc = CS_SCHED_ERROR;
					break;
				}
				steps[nsteps++] = (struct ext_step){i, from->pods[k], pass == 0};
			}
		}
	}
	size_t done = 0;
	for (; done < nsteps && rc == CS_SCHED_OK; done++) {
		int r = ext_call(c, &steps[done], false, pod, view);
		if (r != CS_SCHED_OK) {
			m->host->log(
				m, CS_LOG_WARN,
				"sched-framework: pod %s: %s of plugin %s on node %s returned %s",
				c->key, steps[done].remove ? "remove_pod" : "add_pod",
				c->pl[steps[done].idx].name, view->name, code_name(r));
			rc = CS_SCHED_ERROR;
			break;
		}
	}
	const char *why = NULL;
	if (rc == CS_SCHED_OK)
		rc = filter_node(m, c, pod, view, fc->idx, &why);
	else if (steps == NULL)
		m->host->log(m, CS_LOG_WARN, "sched-framework: pod %s: run_filters: out of memory",
			     c->key);
	/* Back to the snapshot's state, also after a failure. */
	while (done-- > 0) {
		int r = ext_call(c, &steps[done], true, pod, base);
		if (r != CS_SCHED_OK) {
			m->host->log(
				m, CS_LOG_WARN,
				"sched-framework: pod %s: undoing a change on node %s: plugin %s "
				"returned %s",
				c->key, view->name, c->pl[steps[done].idx].name, code_name(r));
			rc = CS_SCHED_ERROR;
		}
	}
	free(steps);
	pc->reason = rc == CS_SCHED_ERROR ? NULL : why;
	return rc;
}

static int no_fit(cs_mod *m, struct fw_cycle *c, const int *codes, const char **reasons)
{
	const char *nominated = NULL, *post = NULL;
	bool clear = false;
	for (size_t i = 0; i < c->np && !nominated; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (!HAS(p, post_filter))
			continue;
		cs_sched_ctx *ctx = &c->ctx[i].pub;
		ctx->reason = NULL;
		ctx->node_codes = codes;
		ctx->node_reasons = reasons;
		const char *nom = NULL;
		int r = p->ops->post_filter(p->inst, ctx, &c->pod, &nom);
		ctx->node_codes = NULL;
		ctx->node_reasons = NULL;
		if (r == CS_SCHED_OK && nom && *nom) {
			nominated = nom;
		} else if (rejects(r)) {
			if (ctx->reason)
				post = ctx->reason;
			if (nom && !*nom)
				clear = true;
			if (r == CS_SCHED_UNRESOLVABLE)
				break;
		} else if (r != CS_SCHED_OK) {
			return cycle_error(m, c, "post_filter of plugin %s returned %s", p->name,
					   code_name(r));
		}
	}
	char *msg = sk_fit_message(NULL, c->snap->n, reasons, post);
	if (!msg)
		return cycle_error(m, c, "out of memory");
	if (nominated)
		m->host->log(m, CS_LOG_INFO, "pod %s: nominated for node %s", c->key, nominated);
	int rc = unschedulable(m, c, msg, nominated ? nominated : clear ? "" : NULL);
	free(msg);
	return rc;
}

/* Scores the feasible nodes and picks the best; ties go to the first found
 * (filtering starts where the last cycle stopped, which spreads them). */
static int pick(cs_mod *m, struct fw_cycle *c, const cs_sched_node **feasible, size_t nf)
{
	if (nf == 1) {
		c->chosen = feasible[0];
		return 1;
	}
	int64_t *total = calloc(nf, sizeof(*total));
	int64_t *score = calloc(nf, sizeof(*score));
	if (!total || !score) {
		free(total);
		free(score);
		return cycle_error(m, c, "out of memory");
	}
	for (size_t i = 0; i < c->np; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (!HAS(p, score))
			continue;
		int r = CS_SCHED_OK;
		size_t j;
		for (j = 0; j < nf && r == CS_SCHED_OK; j++) {
			score[j] = 0;
			r = p->ops->score(p->inst, &c->ctx[i].pub, &c->pod, feasible[j], &score[j]);
		}
		const char *what = "score";
		if (r == CS_SCHED_OK && HAS(p, normalize)) {
			what = "normalize";
			r = p->ops->normalize(p->inst, &c->ctx[i].pub, &c->pod, feasible, score,
					      nf);
		}
		for (j = 0; r == CS_SCHED_OK && j < nf; j++)
			if (score[j] < 0 || score[j] > CS_SCHED_MAX_SCORE)
				break;
		if (r != CS_SCHED_OK || j < nf) {
			long long bad = r == CS_SCHED_OK ? (long long)score[j] : 0;
			free(total);
			free(score);
			if (r != CS_SCHED_OK)
				return cycle_error(m, c, "%s of plugin %s returned %s", what,
						   p->name, code_name(r));
			return cycle_error(m, c, "plugin %s scored node %s %lld, outside 0..%d",
					   p->name, feasible[j]->name, bad, CS_SCHED_MAX_SCORE);
		}
		for (j = 0; j < nf; j++)
			total[j] += score[j] * p->weight;
	}
	size_t best = 0;
	for (size_t j = 1; j < nf; j++)
		if (total[j] > total[best])
			best = j;
	c->chosen = feasible[best];
	free(total);
	free(score);
	return 1;
}

static int assume(cs_mod *m, struct fw_cycle *c)
{
	struct fw_assumed *a = calloc(1, sizeof(*a));
	int rc = -1;
	if (a && (a->node = strdup(c->chosen->name)) && c->pod.uid) {
		pthread_mutex_lock(&c->fw->mu);
		rc = fw_map_put(&c->fw->assumed, c->pod.uid, a);
		if (rc == 0 && fw_cache_assume_locked(m->host, c->fw, c->key, c->podobj,
						      c->chosen->name) < 0) {
			fw_map_del(&c->fw->assumed, c->pod.uid);
			rc = -1;
		}
		pthread_mutex_unlock(&c->fw->mu);
	}
	if (rc < 0) {
		fw_assumed_free(a);
		return cycle_error(m, c, c->pod.uid ? "out of memory" : "the pod has no uid");
	}
	c->assumed = true;
	return 1;
}

static int reserve_permit(cs_mod *m, struct fw_cycle *c, uint32_t *wait)
{
	c->reserved = true; /* a failure from here on unreserves every plugin */
	for (size_t i = 0; i < c->np; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (!HAS(p, reserve))
			continue;
		c->ctx[i].pub.reason = NULL;
		int r = p->ops->reserve(p->inst, &c->ctx[i].pub, &c->pod, c->chosen);
		if (r == CS_SCHED_OK)
			continue;
		if (!rejects(r))
			return cycle_error(m, c, "reserve of plugin %s on node %s returned %s",
					   p->name, c->chosen->name, code_name(r));
		char *msg = NULL;
		if (asprintf(&msg, "0/%zu nodes are available: %s.", c->snap->n,
			     c->ctx[i].pub.reason ? c->ctx[i].pub.reason : p->name) < 0)
			return cycle_error(m, c, "out of memory");
		int rc = unschedulable(m, c, msg, NULL);
		free(msg);
		return rc;
	}
	*wait = 0;
	for (size_t i = 0; i < c->np; i++) {
		struct fw_plugin *p = &c->pl[i];
		if (!HAS(p, permit))
			continue;
		uint32_t t = 0;
		c->ctx[i].pub.reason = NULL;
		int r = p->ops->permit(p->inst, &c->ctx[i].pub, &c->pod, c->chosen, &t);
		if (r == CS_SCHED_OK)
			continue;
		if (r == CS_SCHED_WAIT) {
			if (t > *wait)
				*wait = t;
			continue;
		}
		if (!rejects(r))
			return cycle_error(m, c, "permit of plugin %s on node %s returned %s",
					   p->name, c->chosen->name, code_name(r));
		char *msg = NULL;
		if (asprintf(&msg, "pod rejected by permit plugin %s: %s", p->name,
			     c->ctx[i].pub.reason ? c->ctx[i].pub.reason : "no reason given") < 0)
			return cycle_error(m, c, "out of memory");
		int rc = unschedulable(m, c, msg, NULL);
		free(msg);
		return rc;
	}
	return 1;
}

size_t fw_nodes_to_find(int pct, size_t n)
{
	const size_t min_find = 100;
	if (n < min_find || pct >= 100)
		return n;
	if (pct <= 0) {
		long adaptive = 50 - (long)(n / 125);
		pct = adaptive < 5 ? 5 : (int)adaptive;
	}
	size_t want = n * (size_t)pct / 100;
	return want < min_find ? min_find : want;
}

/* The nodes are separate allocations, visited in name order: each filter
 * of a node would wait for its cache lines (the largest cost of a cycle
 * at 5,000 nodes).  Fetch the node PF_DIST ahead, and the labels (which
 * the node points to) of the one half as far ahead, whose node line has
 * had time to arrive.  Inlined always: GCC takes a helper that only
 * prefetches for a pure function and drops the call. */
#define PF_DIST 16

__attribute__((always_inline)) static inline void prefetch_ahead(const cs_sched_node *const *ptrs,
								 size_t n, size_t j)
{
	if (n <= PF_DIST)
		return;
	/* j < n: wrap without a division */
	size_t jf = j + PF_DIST, jn = j + PF_DIST / 2;
	const char *far = (const char *)ptrs[jf >= n ? jf - n : jf];
	for (size_t off = 0; off < sizeof(cs_sched_node); off += 64)
		__builtin_prefetch(far + off);
	const cs_sched_node *near = ptrs[jn >= n ? jn - n : jn];
	if (near->nlabels)
		__builtin_prefetch(near->labels);
}

static int run(cs_mod *m, struct fw_cycle *c)
{
	int rc = pre_filter(m, c);
	if (rc != 1)
		return rc;
	size_t n = c->snap->n;
	if (n == 0)
		return unschedulable(m, c, "no nodes available to schedule pods", NULL);
	/* Written for every node filtered; read (codes, reasons) only when
	 * no node fits, after every node was. */
	const cs_sched_node **feasible = malloc(n * sizeof(*feasible));
	const char **reasons = malloc(n * sizeof(*reasons));
	int *codes = malloc(n * sizeof(*codes));
	if (!feasible || !reasons || !codes) {
		free(feasible);
		free(reasons);
		free(codes);
		return cycle_error(m, c, "out of memory");
	}
	/* As Kubernetes: stop once enough nodes fit, and start the next
	 * cycle where this one stopped, so that every node gets its turn.
	 * No node fits only after every node was filtered. */
	size_t nf = 0, want = fw_nodes_to_find(c->fw->pct_to_score, n);
	size_t start = c->fw->next_start % n, k, j = start;
	bool err = false;
	for (k = 0; k < n && nf < want && !err; k++, j = j + 1 == n ? 0 : j + 1) {
		const cs_sched_node *node = c->snap->ptrs[j];
		prefetch_ahead(c->snap->ptrs, n, j);
		codes[j] = filter_node(m, c, &c->pod, node, c->np, &reasons[j]);
		err = codes[j] == CS_SCHED_ERROR;
		if (codes[j] == CS_SCHED_OK)
			feasible[nf++] = node;
	}
	c->fw->next_start = j;
	if (err)
		rc = cycle_error(m, c, "a filter failed (logged above)");
	else if (!nf)
		rc = no_fit(m, c, codes, reasons);
	else
		rc = pick(m, c, feasible, nf);
	free(feasible);
	free(reasons);
	free(codes);
	if (rc != 1)
		return rc;
	uint32_t wait = 0;
	if ((rc = assume(m, c)) != 1 || (rc = reserve_permit(m, c, &wait)) != 1)
		return rc;
	if (wait) {
		m->host->log(m, CS_LOG_DEBUG, "pod %s: permit asks to wait %u ms", c->key, wait);
		park(c->fw, c, ST_WAITING);
		m->host->timer_add(m, wait, 0, wait_over, c);
		return CS_DONE;
	}
	rc = bind_cycle(m, c, false);
	return rc > 0 ? rc : CS_DONE;
}

int fw_schedule(cs_mod *m, struct fw *fw, fw_profile *prof, const char *key, const cs_object *pod)
{
	const cs_host *h = m->host;
	const char *uid = h->obj_str(pod, "metadata.uid");
	struct fw_cycle *c = calloc(1, sizeof(*c));
	if (!c || !(c->key = strdup(key))) {
		free(c);
		h->log(m, CS_LOG_ERROR, "pod %s: out of memory", key);
		return (int)fw_backoff(fw, key, uid, false);
	}
	c->fw = fw;
	c->start_ns = fw_now_ns();
	c->podobj = h->obj_keep(pod);
	if (resolve(m, prof, c) < 0 || !(c->snap = fw_snapshot_build(m, fw, c->podobj))) {
		cycle_free(h, c);
		return (int)fw_backoff(fw, key, uid, false);
	}
	c->ctx = calloc(c->np ? c->np : 1, sizeof(*c->ctx));
	if (!c->ctx || fw_sched_pod(h, c->snap, c->podobj, &c->pod) < 0) {
		h->log(m, CS_LOG_ERROR, "pod %s: out of memory", key);
		cycle_free(h, c);
		return (int)fw_backoff(fw, key, uid, false);
	}
	uint64_t cycle = ++fw->cycle;
	for (size_t i = 0; i < c->np; i++) {
		c->ctx[i].pub =
			(cs_sched_ctx){.size = sizeof(cs_sched_ctx),
				       .cycle = cycle,
				       .nnodes = c->snap->n,
				       .nodes = c->snap->ptrs,
				       .weight = c->pl[i].weight,
				       .nnominated = c->snap->nnominated,
				       .nominated = c->snap->nominated,
				       .run_filters = run_filters,
				       .nnodes_with_affinity = c->snap->nwith_aff,
				       .nodes_with_affinity = c->snap->with_aff,
				       .nnodes_with_required_anti_affinity = c->snap->nwith_anti,
				       .nodes_with_required_anti_affinity = c->snap->with_anti};
		c->ctx[i].cycle = c;
		c->ctx[i].idx = i;
	}
	h->metric_add(fw->m_attempts, 1);
	return run(m, c);
}
