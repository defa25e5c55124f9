/* The module thread: a FIFO of posted closures and a min-heap of timers
 * (O(log n) add and cancel: a module may hold thousands) served by one
 * thread under one mutex.  Closures and due timers take turns so neither
 * starves the other.  Waits use a CLOCK_MONOTONIC condition variable so
 * wall-clock jumps neither fire nor stall timers. */
#include "modloop.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct loop_item {
	cs_loop_fn fn, drop;
	void *arg;
	struct loop_item *next;
} loop_item;

struct cs_loop_timer {
	cs_loop *l;
	uint64_t due;    /* monotonic ns */
	uint64_t period; /* ns, 0: one-shot */
	uint64_t seq;    /* ties on `due` run in the order they were added */
	cs_loop_fn fn;
	void *arg;
	size_t idx; /* heap slot, NOT_QUEUED while running or parked */
	/* Parked: cancelled by cs_loop_cancel_timers but not freed, so the
	 * owner's handle stays valid for cs_loop_timer_cancel. */
	struct cs_loop_timer *pnext, **pprev;
	bool parked;
	bool cancelled; /* no further runs */
	bool waited;    /* a thread other than the loop waits for fn: it frees t */
};

struct cs_loop {
	char name[16];
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* work posted, earlier timer, stop */
	pthread_cond_t idle; /* the running timer returned */
	loop_item *head, *tail;
	cs_loop_timer **heap;
	size_t n, cap;
	uint64_t seq;
	cs_loop_timer *running; /* timer whose fn runs now */
	cs_loop_timer *parked;
	bool stop;
	uint64_t runs; /* __atomic: read without the lock */
};

#define NOT_QUEUED SIZE_MAX

static __thread const cs_loop *current;

static void die(const char *what, const char *name)
{
	cs_log(CS_LOG_ERROR, "module loop %s: %s", name, what);
	abort();
}

static void *xmalloc(size_t n, const char *what, const char *name)
{
	void *p = malloc(n);
	if (!p)
		die(what, name);
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* base + ms, saturating: a huge delay means "never", not a wrapped past. */
static uint64_t after_ms(uint64_t base, uint64_t ms)
{
	if (ms > (UINT64_MAX - base) / 1000000u)
		return UINT64_MAX;
	return base + ms * 1000000u;
}

/* ---- timer heap (lock held) ---- */

static bool earlier(const cs_loop_timer *a, const cs_loop_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(cs_loop *l, size_t i, cs_loop_timer *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void sift_up(cs_loop *l, size_t i)
{
	cs_loop_timer *t = l->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!earlier(t, l->heap[p]))
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void sift_down(cs_loop *l, size_t i)
{
	cs_loop_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->n)
			break;
		if (c + 1 < l->n && earlier(l->heap[c + 1], l->heap[c]))
			c++;
		if (!earlier(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_push(cs_loop *l, cs_loop_timer *t)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		cs_loop_timer **h = realloc(l->heap, cap * sizeof(*h));
		if (!h)
			die("out of memory growing the timer heap", l->name);
		l->heap = h;
		l->cap = cap;
	}
	t->seq = l->seq++;
	heap_set(l, l->n++, t);
	sift_up(l, t->idx);
}

static void heap_remove(cs_loop *l, cs_loop_timer *t)
{
	size_t i = t->idx;
	cs_loop_timer *last = l->heap[--l->n];
	t->idx = NOT_QUEUED;
	if (i == l->n)
		return;
	heap_set(l, i, last);
	sift_up(l, i);
	sift_down(l, last->idx);
}

static void park(cs_loop *l, cs_loop_timer *t)
{
	t->parked = t->cancelled = true;
	t->pnext = l->parked;
	if (t->pnext)
		t->pnext->pprev = &t->pnext;
	t->pprev = &l->parked;
	l->parked = t;
}

static void unpark(cs_loop_timer *t)
{
	if (!t->parked)
		return;
	*t->pprev = t->pnext;
	if (t->pnext)
		t->pnext->pprev = t->pprev;
	t->parked = false;
}

/* ---- the thread ---- */

static void run_timer(cs_loop *l, cs_loop_timer *t)
{
	heap_remove(l, t);
	l->running = t;
	pthread_mutex_unlock(&l->mu);
	t->fn(t->arg);
	__atomic_add_fetch(&l->runs, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&l->mu);
	l->running = NULL;
	pthread_cond_broadcast(&l->idle);
	if (t->waited)
		return; /* a canceller waits for this run and frees t */
	if (t->parked && t->period)
		return; /* its handle is still live */
	if (t->cancelled || !t->period) {
		unpark(t);
		free(t);
		return;
	}
	/* Keep the cadence when on time; when late, skip the missed runs and
	 * count the period from now. */
	uint64_t now = now_ns();
	t->due = t->due + t->period > t->due ? t->due + t->period : UINT64_MAX;
	if (t->due <= now)
		t->due = now + t->period > now ? now + t->period : UINT64_MAX;
	heap_push(l, t);
}

static void *loop_main(void *arg)
{
	cs_loop *l = arg;
	bool timer_turn = true; /* alternate so neither closures nor timers starve */
	current = l;
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		cs_loop_timer *t = l->n ? l->heap[0] : NULL;
		bool due = t && t->due <= now_ns();
		if (due && (timer_turn || !l->head)) {
			timer_turn = false;
			run_timer(l, t);
			continue;
		}
		if (l->head) {
			timer_turn = true;
			loop_item *it = l->head;
			l->head = it->next;
			if (!l->head)
				l->tail = NULL;
			pthread_mutex_unlock(&l->mu);
			it->fn(it->arg);
			free(it);
			__atomic_add_fetch(&l->runs, 1, __ATOMIC_RELAXED);
			pthread_mutex_lock(&l->mu);
			continue;
		}
		if (t) {
			struct timespec ts = {.tv_sec = (time_t)(t->due / 1000000000u),
					      .tv_nsec = (long)(t->due % 1000000000u)};
			pthread_cond_timedwait(&l->wake, &l->mu, &ts);
		} else {
			pthread_cond_wait(&l->wake, &l->mu);
		}
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

cs_loop *cs_loop_new(const char *name)
{
	cs_loop *l = calloc(1, sizeof(*l));
	if (!l)
		die("out of memory creating the loop", name);
	snprintf(l->name, sizeof(l->name), "m:%s", name ? name : "");
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->wake, &ca);
	pthread_cond_init(&l->idle, NULL);
	pthread_condattr_destroy(&ca);
	int err = pthread_create(&l->thr, NULL, loop_main, l);
	if (err) {
		cs_log(CS_LOG_ERROR, "module loop %s: cannot create its thread: %s", name,
		       strerror(err));
		abort();
	}
	/* Only a diagnostic aid: a failure (no /proc) is harmless. */
	pthread_setname_np(l->thr, l->name);
	return l;
}

bool cs_loop_is_current(const cs_loop *l)
{
	return current == l;
}

void cs_loop_post(cs_loop *l, cs_loop_fn fn, cs_loop_fn drop, void *arg)
{
	if (!fn)
		die("cs_loop_post called without a function", l->name);
	loop_item *it = xmalloc(sizeof(*it), "out of memory posting a closure", l->name);
	*it = (loop_item){.fn = fn, .drop = drop, .arg = arg};
	pthread_mutex_lock(&l->mu);
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
}

/* cs_loop_call's rendezvous lives on the caller's stack, so a drop at
 * cs_loop_free can release the caller without touching the freed loop. */
typedef struct loop_call {
	cs_loop_fn fn;
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
} loop_call;

static void call_done(void *arg)
{
	loop_call *c = arg;
	pthread_mutex_lock(&c->mu);
	c->done = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void call_run(void *arg)
{
	loop_call *c = arg;
	c->fn(c->arg);
	call_done(c);
}

void cs_loop_call(cs_loop *l, cs_loop_fn fn, void *arg)
{
	if (!fn)
		die("cs_loop_call called without a function", l->name);
	if (cs_loop_is_current(l)) {
		fn(arg);
		return;
	}
	loop_call c = {.fn = fn, .arg = arg};
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.cv, NULL);
	cs_loop_post(l, call_run, call_done, &c);
	pthread_mutex_lock(&c.mu);
	while (!c.done)
		pthread_cond_wait(&c.cv, &c.mu);
	pthread_mutex_unlock(&c.mu);
	pthread_cond_destroy(&c.cv);
	pthread_mutex_destroy(&c.mu);
}

cs_loop_timer *cs_loop_timer_add(cs_loop *l, uint64_t delay_ms, uint64_t period_ms, cs_loop_fn fn,
				 void *arg)
{
	if (!fn)
		die("cs_loop_timer_add called without a function", l->name);
	cs_loop_timer *t = xmalloc(sizeof(*t), "out of memory adding a timer", l->name);
	uint64_t period = after_ms(0, period_ms);
	*t = (cs_loop_timer){.l = l, .period = period, .fn = fn, .arg = arg, .idx = NOT_QUEUED};
	pthread_mutex_lock(&l->mu);
	t->due = after_ms(now_ns(), delay_ms);
	heap_push(l, t);
	if (t->idx == 0)
		pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
	return t;
}

/* Lock held: wait until t's run in progress returned. */
static void wait_run(cs_loop *l, cs_loop_timer *t)
{
	while (l->running == t)
		pthread_cond_wait(&l->idle, &l->mu);
}

void cs_loop_timer_cancel(cs_loop_timer *t)
{
	if (!t)
		return;
	cs_loop *l = t->l;
	bool own = true;
	pthread_mutex_lock(&l->mu);
	if (t->idx != NOT_QUEUED) {
		heap_remove(l, t);
	} else if (l->running != t) {
		unpark(t); /* parked (had it been freed, the caller broke the contract) */
	} else {
		unpark(t);
		t->cancelled = true;
		if (cs_loop_is_current(l)) {
			own = false; /* inside fn: run_timer frees it when fn returns */
		} else {
			/* The first waiter owns t: run_timer leaves it alone. */
			own = !t->waited;
			t->waited = true;
			wait_run(l, t);
		}
	}
	pthread_mutex_unlock(&l->mu);
	if (own)
		free(t);
}

void cs_loop_cancel_timers(cs_loop *l)
{
	pthread_mutex_lock(&l->mu);
	while (l->n) {
		cs_loop_timer *t = l->heap[l->n - 1];
		heap_remove(l, t);
		park(l, t);
	}
	cs_loop_timer *t = l->running;
	if (t && !t->cancelled)
		park(l, t);
	if (t && !cs_loop_is_current(l))
		wait_run(l, t);
	pthread_mutex_unlock(&l->mu);
}

uint64_t cs_loop_runs(const cs_loop *l)
{
	return __atomic_load_n(&l->runs, __ATOMIC_RELAXED);
}

void cs_loop_free(cs_loop *l)
{
	if (!l)
		return;
	if (cs_loop_is_current(l))
		die("cs_loop_free called on the loop's own thread", l->name);
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thr, NULL);
	/* The thread is gone: nothing below races. */
	for (loop_item *it = l->head, *next; it; it = next) {
		next = it->next;
		if (it->drop)
			it->drop(it->arg);
		free(it);
	}
	for (size_t i = 0; i < l->n; i++)
		free(l->heap[i]);
	free(l->heap);
	for (cs_loop_timer *t = l->parked, *next; t; t = next) {
		next = t->pnext;
		free(t);
	}
	pthread_cond_destroy(&l->idle);
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
