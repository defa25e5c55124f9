/* The scheduling queue, as kube-scheduler's PriorityQueue:
 *
 *  activeQ        pods to try now, highest spec.priority first, then the
 *                 longest waiting (the time they were last queued);
 *  backoffQ       pods that failed, each until its backoff ends: 1 s
 *                 doubling per attempt up to 10 s (options
 *                 pod-initial-backoff-seconds, pod-max-backoff-seconds),
 *                 then to activeQ;
 *  unschedulable  pods no node fits, parked: they are not retried until
 *                 the cluster changes in a way that may let them fit --
 *                 a node added or changed, an assigned pod deleted (every
 *                 parked pod), a pod assigned (the parked pods whose
 *                 required pod affinity it matches, and those with
 *                 topology spread constraints, whose skew it changes), the
 *                 pod itself updated -- or until they have been parked for
 *                 pod-max-in-unschedulable-seconds (5 min), checked every
 *                 30 s.  A moved pod still in backoff goes to backoffQ.
 *                 A pod that failed while a move happened during its
 *                 cycle goes to backoffQ instead of being parked: the event
 *                 it would wait for has passed.
 *
 * The controller's work queue only delivers events: each reconcile first
 * brings the queue up to date with its key, then pops the head of activeQ
 * and schedules that pod.  The key PUMP (not a pod key) asks for a pop
 * alone; it is queued while activeQ is not empty, and for the end of the
 * earliest backoff.
 *
 * Every field is guarded by fw->mu: the informer handlers and the flush
 * timer run on the module thread, reconcile on the scheduling thread. */
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "k8ssel.h"

#define FLUSH_PERIOD_MS 30000u

enum qstate { Q_ACTIVE, Q_BACKOFF, Q_UNSCHED, Q_INFLIGHT };

/* Which parked pods a pod assigned elsewhere may help (assigned_helps):
 * read from the pod when it is queued, so that an assignment -- one per
 * scheduled pod -- looks only at the parked pods it can help. */
enum qhelp { HELP_NONE, HELP_TERMS, HELP_ALWAYS };

struct qpod {
	char *key, *uid;
	const cs_object *pod; /* the latest pending version seen */
	int32_t priority;
	uint64_t ts;            /* ms: queued (activeQ order among equals) */
	uint64_t backoff_until; /* ms */
	uint64_t parked_at;     /* ms: entered unschedulable */
	uint64_t spec_hash;     /* labels, annotations, spec */
	uint64_t move_gen;      /* q->move_gen when it was popped */
	unsigned attempts;
	enum qstate state;
	enum qhelp help;
	size_t hidx;              /* index in the heap of its state (activeQ, backoffQ) */
	struct qpod *prev, *next; /* in its parked list (unschedulable) */
};

/* Parked pods: [0] those no assignment helps, [1] the others. */
struct plist {
	struct qpod *head;
	size_t n;
};

struct heap {
	struct qpod **v;
	size_t n, cap;
	bool (*before)(const struct qpod *a, const struct qpod *b);
};

struct fw_queue {
	fw_map pods; /* key -> struct qpod */
	struct heap active, backoff;
	struct plist parked[2];
	uint64_t move_gen;
	uint32_t initial_ms, max_ms;
	uint64_t max_parked_ms;
	bool flush; /* the timer asks the next pop to flush parked pods */
	cs_timer *timer;
};

/* ---- heaps ---- */

static bool active_before(const struct qpod *a, const struct qpod *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return a->ts < b->ts;
}

static bool backoff_before(const struct qpod *a, const struct qpod *b)
{
	return a->backoff_until < b->backoff_until;
}

static void hset(struct heap *h, size_t i, struct qpod *p)
{
	h->v[i] = p;
	p->hidx = i;
}

static void hup(struct heap *h, size_t i)
{
	struct qpod *p = h->v[i];
	while (i > 0 && h->before(p, h->v[(i - 1) / 2])) {
		hset(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	hset(h, i, p);
}

static void hdown(struct heap *h, size_t i)
{
	struct qpod *p = h->v[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->before(h->v[c + 1], h->v[c]))
			c++;
		if (!h->before(h->v[c], p))
			break;
		hset(h, i, h->v[c]);
		i = c;
	}
	hset(h, i, p);
}

static int hpush(struct heap *h, struct qpod *p)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct qpod **v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	hset(h, h->n++, p);
	hup(h, h->n - 1);
	return 0;
}

static void hremove(struct heap *h, size_t i)
{
	struct qpod *last = h->v[--h->n];
	if (i == h->n)
		return;
	hset(h, i, last);
	hdown(h, i);
	hup(h, last->hidx);
}

/* ---- pod states ---- */

static struct heap *heap_of(struct fw_queue *q, enum qstate st)
{
	return st == Q_ACTIVE ? &q->active : st == Q_BACKOFF ? &q->backoff : NULL;
}

static struct plist *parked_of(struct fw_queue *q, const struct qpod *p)
{
	return &q->parked[p->help != HELP_NONE];
}

/* Take p out of its heap or parked list (if any); its state is then
 * Q_INFLIGHT. */
static void detach(struct fw_queue *q, struct qpod *p)
{
	struct heap *h = heap_of(q, p->state);
	if (h)
		hremove(h, p->hidx);
	if (p->state == Q_UNSCHED) {
		struct plist *l = parked_of(q, p);
		if (p->prev)
			p->prev->next = p->next;
		else
			l->head = p->next;
		if (p->next)
			p->next->prev = p->prev;
		p->prev = p->next = NULL;
		l->n--;
	}
	p->state = Q_INFLIGHT;
}

/* Put a detached p into st; out of memory leaves it in flight, which the
 * next event about the pod repairs. */
static void attach(struct fw_queue *q, struct qpod *p, enum qstate st, uint64_t now)
{
	struct heap *h = heap_of(q, st);
	if (st == Q_ACTIVE)
		p->ts = now;
	if (st == Q_UNSCHED) {
		struct plist *l = parked_of(q, p);
		p->parked_at = now;
		p->prev = NULL;
		p->next = l->head;
		if (l->head)
			l->head->prev = p;
		l->head = p;
		l->n++;
	}
	if (h && hpush(h, p) < 0)
		return;
	p->state = st;
}

/* A parked (or updated) pod goes back: to backoffQ while its backoff
 * lasts, else to activeQ. */
static void reactivate(struct fw_queue *q, struct qpod *p, uint64_t now)
{
	detach(q, p);
	attach(q, p, p->backoff_until > now ? Q_BACKOFF : Q_ACTIVE, now);
}

static void qpod_free(const cs_host *h, struct qpod *p)
{
	if (!p)
		return;
	h->obj_free(p->pod);
	free(p->key);
	free(p->uid);
	free(p);
}

static uint64_t fnv(uint64_t hash, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hash = (hash ^ (unsigned char)s[i]) * 1099511628211ULL;
	return hash;
}

/* What an update must change for a parked pod to be retried: not its
 * status (the scheduler's own condition write), nor its resourceVersion. */
static uint64_t spec_hash(const cs_host *h, const cs_object *pod)
{
	static const char *const parts[] = {"metadata.labels", "metadata.annotations", "spec"};
	uint64_t hash = 1469598103934665603ULL;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const cs_object *o = h->obj_get(pod, parts[i]);
		size_t n = 0;
		char *text = o ? h->obj_json(o, &n) : NULL;
		hash = fnv(hash, text ? text : "-", text ? n : 1);
		hash = fnv(hash, "|", 1);
		h->free(text);
	}
	return hash;
}

/* Topology spread: any assigned pod changes the skew.  Required pod
 * affinity: the assigned pods that match a term.  Else none: a pod
 * assigned elsewhere only takes room. */
static enum qhelp help_of(const cs_host *h, const cs_object *pod)
{
	if (h->obj_len(h->obj_get(pod, "spec.topologySpreadConstraints")))
		return HELP_ALWAYS;
	if (h->obj_len(h->obj_get(
		    pod,
		    "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution")))
		return HELP_TERMS;
	return HELP_NONE;
}

/* ---- lifecycle ---- */

static void flush_tick(cs_mod *m, void *arg)
{
	struct fw *fw = arg;
	pthread_mutex_lock(&fw->mu);
	fw->q->flush = true;
	pthread_mutex_unlock(&fw->mu);
	cs_controller_enqueue(m, FW_PUMP_KEY, 0);
}

int fw_queue_init(cs_mod *m, struct fw *fw)
{
	const cs_host *h = m->host;
	int64_t initial = h->opt_int(m, "pod-initial-backoff-seconds");
	int64_t max = h->opt_int(m, "pod-max-backoff-seconds");
	int64_t parked = h->opt_int(m, "pod-max-in-unschedulable-seconds");
	if (initial < 1 || max < initial || max > 3600) {
		h->log(m, CS_LOG_ERROR,
		       "options pod-initial-backoff-seconds (%lld) and pod-max-backoff-seconds "
		       "(%lld): need 1 <= initial <= max <= 3600",
		       (long long)initial, (long long)max);
		return -1;
	}
	if (parked < 1) {
		h->log(m, CS_LOG_ERROR,
		       "option pod-max-in-unschedulable-seconds: %lld is not a positive number "
		       "of seconds",
		       (long long)parked);
		return -1;
	}
	if (!(fw->q = calloc(1, sizeof(*fw->q)))) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	fw->q->active.before = active_before;
	fw->q->backoff.before = backoff_before;
	fw->q->initial_ms = (uint32_t)initial * 1000u;
	fw->q->max_ms = (uint32_t)max * 1000u;
	fw->q->max_parked_ms = (uint64_t)parked * 1000u;
	return 0;
}

int fw_queue_start(cs_mod *m, struct fw *fw)
{
	uint32_t period = fw->q->max_parked_ms < FLUSH_PERIOD_MS ? (uint32_t)fw->q->max_parked_ms
								 : FLUSH_PERIOD_MS;
	fw->q->timer = m->host->timer_add(m, period, period, flush_tick, fw);
	if (!fw->q->timer) {
		m->host->log(m, CS_LOG_ERROR, "cannot start the unschedulable pods' flush timer");
		return -1;
	}
	return 0;
}

static const cs_host *free_host; /* fw_map_clear's drop takes no argument */

static void drop(void *v)
{
	qpod_free(free_host, v);
}

void fw_queue_free(cs_mod *m, struct fw *fw)
{
	struct fw_queue *q = fw->q;
	if (!q)
		return;
	if (q->timer)
		m->host->timer_cancel(q->timer);
	free_host = m->host;
	fw_map_clear(&q->pods, drop);
	free(q->active.v);
	free(q->backoff.v);
	free(q);
	fw->q = NULL;
}

/* ---- events ---- */

void fw_queue_pending(cs_mod *m, struct fw *fw, const char *key, const cs_object *pod)
{
	const cs_host *h = m->host;
	const char *uid = h->obj_str(pod, "metadata.uid");
	if (!uid)
		return;
	uint64_t hash = spec_hash(h, pod), now = fw_now_ms();
	int32_t prio = (int32_t)h->obj_int(pod, "spec.priority", 0);
	struct fw_queue *q = fw->q;
	pthread_mutex_lock(&fw->mu);
	struct qpod *p = fw_map_get(&q->pods, key);
	if (p && strcmp(p->uid, uid)) { /* another pod of the same name */
		detach(q, p);
		qpod_free(h, fw_map_del(&q->pods, key));
		p = NULL;
	}
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || !(p->key = strdup(key)) || !(p->uid = strdup(uid)) ||
		    fw_map_put(&q->pods, key, p) < 0) {
			qpod_free(h, p);
			pthread_mutex_unlock(&fw->mu);
			h->log(m, CS_LOG_ERROR, "pod %s: out of memory: not queued", key);
			return;
		}
		p->state = Q_INFLIGHT;
		p->pod = h->obj_keep(pod);
		p->help = help_of(h, pod);
		p->priority = prio;
		p->spec_hash = hash;
		attach(q, p, Q_ACTIVE, now);
		pthread_mutex_unlock(&fw->mu);
		return;
	}
	h->obj_free(p->pod);
	p->pod = h->obj_keep(pod);
	if (p->state == Q_UNSCHED) {
		/* its list follows its help class */
		detach(q, p);
		p->help = help_of(h, pod);
		attach(q, p, Q_UNSCHED, p->parked_at);
	} else {
		p->help = help_of(h, pod);
	}
	bool changed = p->spec_hash != hash;
	p->spec_hash = hash;
	if (p->priority != prio) {
		p->priority = prio;
		if (p->state == Q_ACTIVE) {
			hdown(&q->active, p->hidx);
			hup(&q->active, p->hidx);
		}
	}
	if (p->state == Q_UNSCHED && changed) {
		reactivate(q, p, now);
	} else if (p->state == Q_INFLIGHT && !fw_map_get(&fw->assumed, uid)) {
		/* Popped, and neither being bound nor failed: its cycle ended
		 * without an outcome (out of memory); try again. */
		reactivate(q, p, now);
	}
	pthread_mutex_unlock(&fw->mu);
}

int fw_queue_forget(cs_mod *m, struct fw *fw, const char *key)
{
	pthread_mutex_lock(&fw->mu);
	struct qpod *p = fw_map_del(&fw->q->pods, key);
	int had = p != NULL;
	if (p)
		detach(fw->q, p);
	pthread_mutex_unlock(&fw->mu);
	qpod_free(m->host, p);
	return had;
}

/* The parked pod may fit now that `assigned` runs: one of its required
 * pod affinity terms matches it (namespaceSelector counts as a match: a
 * needless retry is cheap), or it spreads over topology, which the new
 * pod changes. */
static bool assigned_helps(const cs_host *h, const cs_object *parked, const cs_object *assigned)
{
	if (h->obj_len(h->obj_get(parked, "spec.topologySpreadConstraints")))
		return true;
	const cs_object *terms = h->obj_get(
		parked, "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution");
	const char *ns = h->obj_str(parked, "metadata.namespace");
	const char *ans = h->obj_str(assigned, "metadata.namespace");
	const cs_object *labels = h->obj_get(assigned, "metadata.labels");
	for (size_t i = 0; i < h->obj_len(terms); i++) {
		const cs_object *t = h->obj_at(terms, i);
		const cs_object *nss = h->obj_get(t, "namespaces");
		bool ns_ok = h->obj_get(t, "namespaceSelector") != NULL;
		for (size_t k = 0; k < h->obj_len(nss) && !ns_ok; k++) {
			const char *n = h->obj_str(h->obj_at(nss, k), NULL);
			ns_ok = n && ans && !strcmp(n, ans);
		}
		if (!h->obj_len(nss) && !h->obj_get(t, "namespaceSelector"))
			ns_ok = ns && ans && !strcmp(ns, ans);
		if (ns_ok && ks_selector_matches(h, h->obj_get(t, "labelSelector"), labels))
			return true;
	}
	return false;
}

static void move(cs_mod *m, struct fw *fw, const cs_object *assigned, const char *event)
{
	struct fw_queue *q = fw->q;
	const cs_host *h = m->host;
	uint64_t now = fw_now_ms();
	size_t moved = 0;
	pthread_mutex_lock(&fw->mu);
	q->move_gen++;
	for (int i = assigned ? 1 : 0; i < 2; i++) {
		struct qpod *next;
		for (struct qpod *p = q->parked[i].head; p; p = next) {
			next = p->next;
			if (assigned && p->help == HELP_TERMS &&
			    !assigned_helps(h, p->pod, assigned))
				continue;
			reactivate(q, p, now);
			moved++;
		}
	}
	pthread_mutex_unlock(&fw->mu);
	if (moved)
		m->host->log(m, CS_LOG_DEBUG, "%s: %zu unschedulable pods queued again", event,
			     moved);
	cs_controller_enqueue(m, FW_PUMP_KEY, 0);
}

void fw_queue_move_all(cs_mod *m, struct fw *fw, const char *event)
{
	move(m, fw, NULL, event);
}

void fw_queue_pod_assigned(cs_mod *m, struct fw *fw, const cs_object *pod)
{
	move(m, fw, pod, "pod assigned");
}

/* ---- attempts ---- */

/* Parked pods parked for too long go back; returns how many. */
static size_t flush_parked(struct fw_queue *q, uint64_t now)
{
	size_t moved = 0;
	for (int i = 0; i < 2; i++) {
		struct qpod *next;
		for (struct qpod *p = q->parked[i].head; p; p = next) {
			next = p->next;
			if (now - p->parked_at >= q->max_parked_ms) {
				reactivate(q, p, now);
				moved++;
			}
		}
	}
	return moved;
}

char *fw_queue_pop(cs_mod *m, struct fw *fw)
{
	struct fw_queue *q = fw->q;
	uint64_t now = fw_now_ms();
	char *key = NULL;
	size_t flushed = 0;
	pthread_mutex_lock(&fw->mu);
	if (q->flush) {
		flushed = flush_parked(q, now);
		q->flush = false;
	}
	while (q->backoff.n && q->backoff.v[0]->backoff_until <= now) {
		struct qpod *p = q->backoff.v[0];
		detach(q, p);
		attach(q, p, Q_ACTIVE, now);
	}
	if (q->active.n) {
		struct qpod *p = q->active.v[0];
		if ((key = strdup(p->key))) {
			detach(q, p);
			p->attempts++;
			p->move_gen = q->move_gen;
		}
	}
	pthread_mutex_unlock(&fw->mu);
	if (flushed)
		m->host->log(m, CS_LOG_DEBUG,
			     "%zu pods unschedulable for too long are queued again", flushed);
	return key;
}

/* calculateBackoffDuration: initial, doubled per further attempt, at most
 * max. */
static uint32_t backoff_ms(const struct fw_queue *q, unsigned attempts)
{
	uint32_t d = q->initial_ms;
	for (unsigned i = 1; i < attempts; i++) {
		if (d >= q->max_ms / 2)
			return q->max_ms;
		d *= 2;
	}
	return d < q->max_ms ? d : q->max_ms;
}

uint32_t fw_backoff(struct fw *fw, const char *key, const char *uid, bool unschedulable)
{
	struct fw_queue *q = fw->q;
	uint64_t now = fw_now_ms();
	uint32_t delay = q->initial_ms;
	pthread_mutex_lock(&fw->mu);
	struct qpod *p = fw_map_get(&q->pods, key);
	if (p && (!uid || !strcmp(p->uid, uid))) {
		delay = backoff_ms(q, p->attempts ? p->attempts : 1);
		p->backoff_until = now + delay;
		detach(q, p);
		/* Parked only when nothing moved pods during its cycle. */
		attach(q, p, unschedulable && p->move_gen == q->move_gen ? Q_UNSCHED : Q_BACKOFF,
		       now);
	}
	pthread_mutex_unlock(&fw->mu);
	return delay;
}

void fw_queue_kick(cs_mod *m, struct fw *fw)
{
	struct fw_queue *q = fw->q;
	uint64_t now = fw_now_ms();
	uint32_t delay = 0;
	bool any = false;
	pthread_mutex_lock(&fw->mu);
	if (q->active.n) {
		any = true;
	} else if (q->backoff.n) {
		any = true;
		uint64_t due = q->backoff.v[0]->backoff_until;
		delay = due > now ? (uint32_t)(due - now) : 0;
	}
	pthread_mutex_unlock(&fw->mu);
	if (any)
		cs_controller_enqueue(m, FW_PUMP_KEY, delay);
}
