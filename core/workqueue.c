/* Keyed rate-limited work queue.  One mutex guards everything: a hash table
 * of per-key entries (open addressing, linear probing, backward-shift
 * deletion), a FIFO of ready entries and a min-heap of delayed entries.
 *
 * No timer thread: the delay heap is served by the workers themselves.  At
 * most one idle worker (the "timekeeper") sleeps until the earliest due
 * time on its own condition variable, the others sleep untimed, so a queue
 * costs exactly `workers` threads and a due key wakes one thread.  While
 * every worker is busy nobody watches the clock, which loses nothing: no
 * one could run the key earlier anyway.  stats/len promote due keys first
 * so they report what a worker would see. */
#include "workqueue.h"
#include "log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOT_DELAYED SIZE_MAX

typedef struct wq_ent {
	char *key;
	uint64_t hash;
	uint64_t due;        /* monotonic ns, while delayed */
	uint64_t seq;        /* ties on `due` become ready in the order they were delayed */
	size_t hidx;         /* delay heap slot or NOT_DELAYED */
	struct wq_ent *next; /* ready FIFO link */
	unsigned failures;
	bool queued;     /* in the ready FIFO */
	bool processing; /* a worker holds it */
	bool dirty;      /* added while processing: queue again when it finishes */
} wq_ent;

struct cs_wq {
	char *name;
	cs_wq_fn fn;
	void *arg;
	unsigned nworkers;
	uint64_t base_ms, max_ms;

	pthread_mutex_t mu;
	pthread_cond_t work;  /* idle workers: a key is ready, or stop */
	pthread_cond_t clock; /* the timekeeper: an earlier due key, or stop */
	pthread_cond_t gone;  /* a worker left its loop */
	unsigned idle;        /* workers waiting on `work` */
	bool timekeeper;      /* a worker waits on `clock` */

	wq_ent **tab; /* hash table, power-of-two size */
	size_t tcap, tn;
	wq_ent *head, *tail; /* ready FIFO */
	size_t depth;
	wq_ent **heap;
	size_t hn, hcap;
	uint64_t seq;
	size_t processing;
	uint64_t adds, retries, done;

	bool started, stopping;
	unsigned alive; /* workers still in their loop */
	pthread_t *thr;
	bool *joined;
	pthread_mutex_t join_mu; /* serialises joins by concurrent shutdowns */
};

static __thread const cs_wq *current;

static void die(const char *name, const char *what)
{
	cs_log(CS_LOG_ERROR, "work queue %s: %s", name, what);
	abort();
}

static void *xcalloc(const char *name, size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		die(name, "out of memory");
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- hash table (lock held) ---- */

static uint64_t hash_key(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h ^ (h >> 29);
}

/* Slot holding key, or the empty slot where it would go. */
static size_t tab_slot(const cs_wq *q, const char *key, uint64_t h)
{
	size_t mask = q->tcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		wq_ent *e = q->tab[i];
		if (!e || (e->hash == h && !strcmp(e->key, key)))
			return i;
	}
}

static void tab_resize(cs_wq *q, size_t cap)
{
	wq_ent **old = q->tab;
	size_t ocap = q->tcap;
	q->tab = xcalloc(q->name, cap, sizeof(*q->tab));
	q->tcap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			q->tab[tab_slot(q, old[i]->key, old[i]->hash)] = old[i];
	free(old);
}

static wq_ent *tab_get(cs_wq *q, const char *key, bool create)
{
	uint64_t h = hash_key(key);
	size_t i = tab_slot(q, key, h);
	if (q->tab[i] || !create)
		return q->tab[i];
	wq_ent *e = xcalloc(q->name, 1, sizeof(*e));
	e->key = strdup(key);
	if (!e->key)
		die(q->name, "out of memory copying a key");
	e->hash = h;
	e->hidx = NOT_DELAYED;
	q->tab[i] = e;
	if (++q->tn * 2 > q->tcap)
		tab_resize(q, q->tcap * 2);
	return e;
}

/* Drop e once nothing refers to it.  Backward-shift deletion keeps probe
 * chains intact without tombstones. */
static void ent_release(cs_wq *q, wq_ent *e)
{
	if (e->queued || e->processing || e->hidx != NOT_DELAYED || e->failures)
		return;
	size_t mask = q->tcap - 1;
	size_t i = tab_slot(q, e->key, e->hash);
	for (size_t j = (i + 1) & mask; q->tab[j]; j = (j + 1) & mask) {
		size_t home = q->tab[j]->hash & mask;
		/* move j into the hole i unless its home lies cyclically in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			q->tab[i] = q->tab[j];
			i = j;
		}
	}
	q->tab[i] = NULL;
	q->tn--;
	free(e->key);
	free(e);
	if (q->tcap > 64 && q->tn * 8 < q->tcap)
		tab_resize(q, q->tcap / 2);
}

/* ---- delay heap (lock held) ---- */

static bool earlier(const wq_ent *a, const wq_ent *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(cs_wq *q, size_t i, wq_ent *e)
{
	q->heap[i] = e;
	e->hidx = i;
}

static void sift_up(cs_wq *q, size_t i)
{
	wq_ent *e = q->heap[i];
	while (i > 0 && earlier(e, q->heap[(i - 1) / 2])) {
		heap_set(q, i, q->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(q, i, e);
}

static void sift_down(cs_wq *q, size_t i)
{
	wq_ent *e = q->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->hn)
			break;
		if (c + 1 < q->hn && earlier(q->heap[c + 1], q->heap[c]))
			c++;
		if (!earlier(q->heap[c], e))
			break;
		heap_set(q, i, q->heap[c]);
		i = c;
	}
	heap_set(q, i, e);
}

static void heap_remove(cs_wq *q, wq_ent *e)
{
	size_t i = e->hidx;
	wq_ent *last = q->heap[--q->hn];
	e->hidx = NOT_DELAYED;
	if (i == q->hn)
		return;
	heap_set(q, i, last);
	sift_up(q, i);
	sift_down(q, last->hidx);
}

/* ---- scheduling (lock held) ---- */

static void wake_worker(cs_wq *q)
{
	if (q->idle)
		pthread_cond_signal(&q->work);
	else if (q->timekeeper)
		pthread_cond_signal(&q->clock);
}

static void push_ready(cs_wq *q, wq_ent *e)
{
	if (e->hidx != NOT_DELAYED)
		heap_remove(q, e);
	e->queued = true;
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->depth++;
	wake_worker(q);
}

/* Make e ready now: the earliest possible time, so it beats any delay. */
static bool make_ready(cs_wq *q, wq_ent *e)
{
	if (e->queued || e->dirty)
		return false;
	if (e->processing) {
		e->dirty = true;
		if (e->hidx != NOT_DELAYED)
			heap_remove(q, e);
		return true;
	}
	push_ready(q, e);
	return true;
}

/* Make e ready at `due` unless it is ready earlier already. */
static bool make_delayed(cs_wq *q, wq_ent *e, uint64_t due)
{
	if (e->queued || e->dirty || (e->hidx != NOT_DELAYED && e->due <= due))
		return false;
	e->due = due;
	e->seq = q->seq++;
	if (e->hidx != NOT_DELAYED) {
		sift_up(q, e->hidx);
	} else {
		if (q->hn == q->hcap) {
			size_t cap = q->hcap ? 2 * q->hcap : 16;
			wq_ent **h = realloc(q->heap, cap * sizeof(*h));
			if (!h)
				die(q->name, "out of memory growing the delay heap");
			q->heap = h;
			q->hcap = cap;
		}
		heap_set(q, q->hn++, e);
		sift_up(q, e->hidx);
	}
	if (e->hidx == 0) {
		if (q->timekeeper)
			pthread_cond_signal(&q->clock);
		else if (q->idle)
			pthread_cond_signal(&q->work); /* one of them becomes timekeeper */
	}
	return true;
}

static void promote_due(cs_wq *q)
{
	if (!q->hn)
		return;
	uint64_t now = now_ns();
	/* A delayed entry is never queued nor dirty, so make_ready always
	 * takes it off the heap. */
	while (q->hn && q->heap[0]->due <= now)
		make_ready(q, q->heap[0]);
}

static uint64_t after_ms(uint64_t ms)
{
	uint64_t now = now_ns();
	return ms > (UINT64_MAX - now) / 1000000u ? UINT64_MAX : now + ms * 1000000u;
}

/* base_ms * 2^failures, capped at max_ms. */
static uint64_t backoff_ms(const cs_wq *q, unsigned failures)
{
	if (failures >= 63 || q->base_ms > (q->max_ms >> failures))
		return q->max_ms;
	return q->base_ms << failures;
}

/* ---- workers ---- */

static void finish(cs_wq *q, wq_ent *e, int r)
{
	e->processing = false;
	q->processing--;
	q->done++;
	if (q->stopping) {
		e->dirty = false;
		e->failures = 0;
		ent_release(q, e);
		return;
	}
	uint64_t delay = 0;
	if (r >= 0) {
		e->failures = 0; /* DONE, or an explicit requeue: forget failures */
		delay = (uint64_t)r;
	} else {
		if (r != CS_WQ_RETRY)
			cs_log(CS_LOG_WARN, "work queue %s: key %s: fn returned %d, retrying",
			       q->name, e->key, r);
		q->retries++;
		delay = backoff_ms(q, e->failures);
		if (e->failures < 64)
			e->failures++;
	}
	if (e->dirty) {
		e->dirty = false;
		push_ready(q, e);
	} else if (delay) {
		make_delayed(q, e, after_ms(delay));
	}
	ent_release(q, e);
}

static void *worker_main(void *arg)
{
	cs_wq *q = arg;
	current = q;
	pthread_mutex_lock(&q->mu);
	while (!q->stopping) {
		promote_due(q);
		wq_ent *e = q->head;
		if (e) {
			q->head = e->next;
			if (!q->head)
				q->tail = NULL;
			q->depth--;
			e->queued = false;
			e->processing = true;
			q->processing++;
			/* hand on what this worker leaves behind */
			if (q->head || (q->hn && !q->timekeeper))
				wake_worker(q);
			pthread_mutex_unlock(&q->mu);
			int r = q->fn(q->arg, e->key);
			pthread_mutex_lock(&q->mu);
			finish(q, e, r);
		} else if (q->hn && !q->timekeeper) {
			q->timekeeper = true;
			uint64_t due = q->heap[0]->due;
			struct timespec ts = {.tv_sec = (time_t)(due / 1000000000u),
					      .tv_nsec = (long)(due % 1000000000u)};
			pthread_cond_timedwait(&q->clock, &q->mu, &ts);
			q->timekeeper = false;
		} else {
			q->idle++;
			pthread_cond_wait(&q->work, &q->mu);
			q->idle--;
		}
	}
	q->alive--;
	pthread_cond_broadcast(&q->gone);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* ---- API ---- */

cs_wq *cs_wq_new(const char *name, unsigned workers, cs_wq_fn fn, void *arg, uint32_t base_ms,
		 uint32_t max_ms)
{
	name = name ? name : "";
	if (!fn)
		die(name, "created without a function");
	cs_wq *q = xcalloc(name, 1, sizeof(*q));
	q->name = strdup(name);
	if (!q->name)
		die(name, "out of memory");
	q->fn = fn;
	q->arg = arg;
	q->nworkers = workers ? workers : 1;
	q->base_ms = base_ms ? base_ms : 5;
	q->max_ms = max_ms ? max_ms : 1000000;
	q->tcap = 64;
	q->tab = xcalloc(q->name, q->tcap, sizeof(*q->tab));
	q->thr = xcalloc(q->name, q->nworkers, sizeof(*q->thr));
	q->joined = xcalloc(q->name, q->nworkers, sizeof(*q->joined));
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&q->mu, NULL);
	pthread_mutex_init(&q->join_mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->clock, &ca);
	pthread_cond_init(&q->gone, NULL);
	pthread_condattr_destroy(&ca);
	return q;
}

void cs_wq_start(cs_wq *q)
{
	pthread_mutex_lock(&q->mu);
	if (q->started || q->stopping) {
		pthread_mutex_unlock(&q->mu);
		return;
	}
	q->started = true;
	char tname[16];
	snprintf(tname, sizeof(tname), "q:%s", q->name);
	for (unsigned i = 0; i < q->nworkers; i++) {
		int err = pthread_create(&q->thr[i], NULL, worker_main, q);
		if (err) {
			cs_log(CS_LOG_ERROR, "work queue %s: cannot create worker %u: %s", q->name,
			       i, strerror(err));
			abort();
		}
		q->alive++;
		pthread_setname_np(q->thr[i], tname);
	}
	pthread_mutex_unlock(&q->mu);
}

void cs_wq_add(cs_wq *q, const char *key)
{
	if (!key) {
		cs_log(CS_LOG_ERROR, "work queue %s: add without a key ignored", q->name);
		return;
	}
	pthread_mutex_lock(&q->mu);
	if (!q->stopping && make_ready(q, tab_get(q, key, true)))
		q->adds++;
	pthread_mutex_unlock(&q->mu);
}

void cs_wq_add_after(cs_wq *q, const char *key, uint32_t delay_ms)
{
	if (!delay_ms) {
		cs_wq_add(q, key);
		return;
	}
	if (!key) {
		cs_log(CS_LOG_ERROR, "work queue %s: delayed add without a key ignored", q->name);
		return;
	}
	pthread_mutex_lock(&q->mu);
	if (!q->stopping) {
		wq_ent *e = tab_get(q, key, true);
		if (make_delayed(q, e, after_ms(delay_ms)))
			q->adds++;
		ent_release(q, e); /* a no-op add of a new key leaves nothing */
	}
	pthread_mutex_unlock(&q->mu);
}

void cs_wq_stats_get(cs_wq *q, cs_wq_stats *st)
{
	pthread_mutex_lock(&q->mu);
	if (!q->stopping)
		promote_due(q);
	*st = (cs_wq_stats){.depth = q->depth,
			    .delayed = q->hn,
			    .processing = q->processing,
			    .adds = q->adds,
			    .retries = q->retries,
			    .done = q->done};
	pthread_mutex_unlock(&q->mu);
}

size_t cs_wq_len(cs_wq *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->depth + q->hn;
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* Lock held.  Forget every queued and delayed key; entries a worker holds
 * stay until it finishes. */
static void drop_pending(cs_wq *q)
{
	wq_ent **old = q->tab;
	size_t ocap = q->tcap;
	q->tcap = 64;
	q->tab = xcalloc(q->name, q->tcap, sizeof(*q->tab));
	q->tn = 0;
	for (size_t i = 0; i < ocap; i++) {
		wq_ent *e = old[i];
		if (!e)
			continue;
		if (e->processing) {
			e->queued = e->dirty = false;
			e->hidx = NOT_DELAYED;
			q->tab[tab_slot(q, e->key, e->hash)] = e;
			if (++q->tn * 2 > q->tcap)
				tab_resize(q, q->tcap * 2);
		} else {
			free(e->key);
			free(e);
		}
	}
	free(old);
	q->head = q->tail = NULL;
	q->depth = 0;
	q->hn = 0;
}

void cs_wq_shutdown(cs_wq *q)
{
	pthread_mutex_lock(&q->mu);
	if (!q->stopping) {
		q->stopping = true;
		drop_pending(q);
		pthread_cond_broadcast(&q->work);
		pthread_cond_broadcast(&q->clock);
	}
	if (current == q) {
		/* From fn: the other workers stop after their fn; this one
		 * after ours returns.  cs_wq_free joins it. */
		pthread_mutex_unlock(&q->mu);
		return;
	}
	while (q->alive)
		pthread_cond_wait(&q->gone, &q->mu);
	bool started = q->started;
	pthread_mutex_unlock(&q->mu);
	if (!started)
		return;
	pthread_mutex_lock(&q->join_mu);
	for (unsigned i = 0; i < q->nworkers; i++) {
		if (!q->joined[i])
			pthread_join(q->thr[i], NULL);
		q->joined[i] = true;
	}
	pthread_mutex_unlock(&q->join_mu);
}

void cs_wq_free(cs_wq *q)
{
	if (!q)
		return;
	if (current == q)
		die(q->name, "cs_wq_free called from its own worker");
	cs_wq_shutdown(q);
	/* Workers are joined, so every entry left is unreferenced. */
	for (size_t i = 0; i < q->tcap; i++) {
		if (q->tab[i]) {
			free(q->tab[i]->key);
			free(q->tab[i]);
		}
	}
	free(q->tab);
	free(q->heap);
	free(q->thr);
	free(q->joined);
	pthread_cond_destroy(&q->gone);
	pthread_cond_destroy(&q->clock);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->join_mu);
	pthread_mutex_destroy(&q->mu);
	free(q->name);
	free(q);
}
