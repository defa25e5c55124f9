/* Keyed work queue: dedupe, one worker per key, dirty re-queue, backoff
 * doubling and cap, forgetting failures, requeue-after, delayed adds,
 * shutdown, stats, bad input and a 100k-key run.  Timing checks use lower
 * bounds the queue guarantees and generous upper bounds. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "workqueue.h"

static int dec(int *p)
{
	return __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST);
}

static int wait_at_least(const int *p, int want, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	while (load(p) < want && now_ms() < end)
		sleep_ms(1);
	return load(p);
}

/* Wait until nothing is queued, delayed or held by a worker. */
static void wait_idle(cs_wq *q, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	cs_wq_stats st;
	do {
		cs_wq_stats_get(q, &st);
		if (!st.depth && !st.delayed && !st.processing)
			return;
		sleep_ms(1);
	} while (now_ms() < end);
	fail_msg("queue not idle after %u ms: depth %zu delayed %zu processing %zu", timeout_ms,
		 st.depth, st.delayed, st.processing);
}

/* A scripted fn: per-call results, start times, an optional gate for one
 * key, and a record of the keys it saw. */
#define MAXCALLS 64
typedef struct script {
	const char *gate_key;            /* calls for this key wait for `open` */
	int open, gated;                 /* gated: a call is waiting at the gate */
	int results[MAXCALLS], nresults; /* past the end: CS_WQ_DONE */
	int calls;
	uint64_t start[MAXCALLS];
	char keys[MAXCALLS][16];
	int inflight, max_inflight;
} script;

static int scripted(void *arg, const char *key)
{
	script *s = arg;
	int n = inc(&s->inflight);
	int m = load(&s->max_inflight);
	while (n > m && !__atomic_compare_exchange_n(&s->max_inflight, &m, n, false,
						     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	int i = load(&s->calls);
	if (i < MAXCALLS) {
		s->start[i] = now_ms();
		snprintf(s->keys[i], sizeof(s->keys[i]), "%s", key);
	}
	if (s->gate_key && !strcmp(key, s->gate_key)) {
		store(&s->gated, 1);
		while (!load(&s->open))
			sleep_ms(1);
		store(&s->gated, 0);
	}
	int r = i < s->nresults ? s->results[i] : CS_WQ_DONE;
	dec(&s->inflight);
	inc(&s->calls);
	return r;
}

static void test_dedupe(void **state)
{
	(void)state;
	static script s;
	s = (script){0};
	cs_wq *q = cs_wq_new("dedupe", 1, scripted, &s, 0, 0);
	for (int i = 0; i < 100; i++)
		cs_wq_add(q, "a");
	assert_int_equal(cs_wq_len(q), 1);
	cs_wq_start(q);
	assert_int_equal(wait_at_least(&s.calls, 1, 5000), 1);
	wait_idle(q, 5000);

	/* while the only worker is blocked on another key */
	s.gate_key = "block";
	cs_wq_add(q, "block");
	assert_int_equal(wait_at_least(&s.gated, 1, 5000), 1);
	for (int i = 0; i < 100; i++)
		cs_wq_add(q, "b");
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.depth, 1);
	assert_int_equal(st.processing, 1);
	assert_int_equal(st.adds, 3);
	store(&s.open, 1);
	wait_idle(q, 5000);
	sleep_ms(20);
	assert_int_equal(load(&s.calls), 3);
	assert_string_equal(s.keys[0], "a");
	assert_string_equal(s.keys[1], "block");
	assert_string_equal(s.keys[2], "b");
	cs_wq_free(q);
}

/* ---- one worker per key ---- */

#define HKEYS 6
typedef struct hammer {
	cs_wq *q;
	int inflight[HKEYS], calls[HKEYS];
	int violations, total_inflight, max_total;
	int stop;
	unsigned seed;
} hammer;

static int hammer_fn(void *arg, const char *key)
{
	hammer *h = arg;
	int k = key[0] - 'a';
	if (k < 0 || k >= HKEYS)
		return CS_WQ_DONE;
	if (inc(&h->inflight[k]) != 1)
		inc(&h->violations);
	int t = inc(&h->total_inflight);
	if (t > load(&h->max_total))
		store(&h->max_total, t); /* racy max, a lower bound is enough */
	struct timespec ts = {0, 20000 * (k + 1)};
	nanosleep(&ts, NULL);
	dec(&h->total_inflight);
	dec(&h->inflight[k]);
	inc(&h->calls[k]);
	/* some keys ask to come back soon, one fails now and then */
	if (k == 0)
		return 1;
	if (k == 1 && load(&h->calls[k]) % 7 == 0)
		return CS_WQ_RETRY;
	return CS_WQ_DONE;
}

static void *hammer_adds(void *arg)
{
	hammer *h = arg;
	unsigned seed = __atomic_add_fetch(&h->seed, 1, __ATOMIC_SEQ_CST);
	char key[2] = "a";
	for (int i = 0; i < 20000; i++) {
		key[0] = (char)('a' + rand_r(&seed) % HKEYS);
		if (i % 5 == 0)
			cs_wq_add_after(h->q, key, (uint32_t)(rand_r(&seed) % 3));
		else
			cs_wq_add(h->q, key);
		if (i % 100 == 0)
			sleep_ms(1);
	}
	return NULL;
}

static void test_never_concurrent_on_one_key(void **state)
{
	(void)state;
	static hammer h;
	h = (hammer){0};
	h.q = cs_wq_new("hammer", 4, hammer_fn, &h, 1, 4);
	cs_wq_start(h.q);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer_adds, &h), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	cs_wq_shutdown(h.q); /* key a requeues itself forever: stop it */
	assert_int_equal(load(&h.violations), 0);
	for (int k = 0; k < HKEYS; k++)
		assert_true(load(&h.calls[k]) > 0);
	/* the workers did run different keys side by side */
	assert_true(load(&h.max_total) >= 2);
	cs_wq_free(h.q);
}

static void test_dirty_requeue(void **state)
{
	(void)state;
	static script s;
	s = (script){.gate_key = "k"};
	cs_wq *q = cs_wq_new("dirty", 2, scripted, &s, 0, 0);
	cs_wq_start(q);
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&s.gated, 1, 5000), 1);
	cs_wq_add(q, "k");
	cs_wq_add(q, "k");
	sleep_ms(30); /* a free worker must not take k meanwhile */
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.processing, 1);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.adds, 2); /* the third add found k dirty already */
	assert_int_equal(load(&s.calls), 0);
	s.gate_key = NULL; /* the second run passes */
	store(&s.open, 1);
	assert_int_equal(wait_at_least(&s.calls, 2, 5000), 2);
	wait_idle(q, 5000);
	sleep_ms(20);
	assert_int_equal(load(&s.calls), 2);
	assert_int_equal(s.max_inflight, 1);
	cs_wq_free(q);
}

/* ---- backoff ---- */

static void test_backoff_doubles_and_caps(void **state)
{
	(void)state;
	static script s;
	s = (script){.nresults = 6};
	for (int i = 0; i < 6; i++)
		s.results[i] = CS_WQ_RETRY;
	cs_wq *q = cs_wq_new("backoff", 2, scripted, &s, 25, 200);
	cs_wq_start(q);
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&s.calls, 7, 10000), 7);
	/* Lower bounds show the doubling; the last upper bound the cap (800
	 * ms without it); 250 ms of slack for a loaded machine. */
	static const uint64_t want[] = {25, 50, 100, 200, 200, 200};
	for (int i = 0; i < 6; i++) {
		uint64_t gap = s.start[i + 1] - s.start[i];
		if (gap + 1 < want[i] || gap > want[i] + 250)
			fail_msg("retry %d came after %llu ms, want %llu", i + 1,
				 (unsigned long long)gap, (unsigned long long)want[i]);
	}
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.retries, 6);
	assert_int_equal(st.done, 7);
	assert_int_equal(st.adds, 1); /* retries are not adds */
	cs_wq_free(q);
}

static void test_done_and_requeue_forget_failures(void **state)
{
	(void)state;
	/* RETRY x3, DONE; re-added: RETRY, DONE.  Without forgetting, the
	 * fifth call's retry would wait 50 * 2^3 = 400 ms instead of 50. */
	static script s;
	s = (script){.nresults = 6,
		     .results = {CS_WQ_RETRY, CS_WQ_RETRY, CS_WQ_RETRY, CS_WQ_DONE, CS_WQ_RETRY,
				 CS_WQ_DONE}};
	cs_wq *q = cs_wq_new("forget", 1, scripted, &s, 50, 100000);
	cs_wq_start(q);
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&s.calls, 4, 5000), 4);
	wait_idle(q, 5000);
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&s.calls, 6, 5000), 6);
	uint64_t gap = s.start[5] - s.start[4];
	assert_true(gap >= 49 && gap < 350);

	/* a positive result forgets failures too (controller-runtime's
	 * RequeueAfter): RETRY x3, 10 ms, RETRY -> 50 ms again */
	static script p;
	p = (script){
		.nresults = 6,
		.results = {CS_WQ_RETRY, CS_WQ_RETRY, CS_WQ_RETRY, 10, CS_WQ_RETRY, CS_WQ_DONE}};
	cs_wq *q2 = cs_wq_new("forget2", 1, scripted, &p, 50, 100000);
	cs_wq_start(q2);
	cs_wq_add(q2, "k");
	assert_int_equal(wait_at_least(&p.calls, 6, 5000), 6);
	gap = p.start[5] - p.start[4];
	assert_true(gap >= 49 && gap < 350);
	cs_wq_free(q2);
	cs_wq_free(q);
}

static void test_positive_requeue_delay(void **state)
{
	(void)state;
	static script s;
	s = (script){.nresults = 2, .results = {60, 5}};
	cs_wq *q = cs_wq_new("requeue", 1, scripted, &s, 0, 0);
	cs_wq_start(q);
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&s.calls, 3, 5000), 3);
	uint64_t g1 = s.start[1] - s.start[0], g2 = s.start[2] - s.start[1];
	assert_true(g1 >= 59 && g1 < 260);
	assert_true(g2 >= 4 && g2 < 205);
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.retries, 0);
	cs_wq_free(q);
}

static void test_defaults(void **state)
{
	(void)state;
	/* workers 0 means one: a second key waits behind a blocked one */
	static script s;
	s = (script){.gate_key = "a", .nresults = 1, .results = {0}};
	cs_wq *q = cs_wq_new("defaults", 0, scripted, &s, 0, 0);
	cs_wq_start(q);
	cs_wq_add(q, "a");
	assert_int_equal(wait_at_least(&s.gated, 1, 5000), 1);
	cs_wq_add(q, "b");
	sleep_ms(30);
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.processing, 1);
	assert_int_equal(st.depth, 1);
	store(&s.open, 1);
	wait_idle(q, 5000);
	cs_wq_free(q);

	/* base 0 means 5 ms */
	static script r;
	r = (script){.nresults = 1, .results = {CS_WQ_RETRY}};
	q = cs_wq_new("defaults", 1, scripted, &r, 0, 0);
	cs_wq_start(q);
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&r.calls, 2, 5000), 2);
	assert_true(r.start[1] - r.start[0] >= 4);
	cs_wq_free(q);
}

/* ---- delayed adds ---- */

static void test_add_after_earliest_wins(void **state)
{
	(void)state;
	static script s;
	s = (script){0};
	cs_wq *q = cs_wq_new("after", 2, scripted, &s, 0, 0);
	uint64_t t0 = now_ms();
	cs_wq_add_after(q, "k", 300);
	cs_wq_add_after(q, "k", 50);
	cs_wq_add_after(q, "k", 1000); /* later than what is there: no-op */
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.delayed, 1);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.adds, 2);
	cs_wq_start(q);
	assert_int_equal(wait_at_least(&s.calls, 1, 5000), 1);
	assert_true(s.start[0] - t0 >= 49 && s.start[0] - t0 < 300);
	sleep_ms(400); /* neither the 300 nor the 1000 ms add fires later */
	assert_int_equal(load(&s.calls), 1);

	/* a ready key is earlier than any delay */
	static script g;
	g = (script){.gate_key = "x"};
	cs_wq *q2 = cs_wq_new("after2", 1, scripted, &g, 0, 0);
	cs_wq_add(q2, "j");
	cs_wq_add_after(q2, "j", 10);
	cs_wq_add_after(q2, "new", 0); /* zero delay: a plain add */
	cs_wq_stats_get(q2, &st);
	assert_int_equal(st.depth, 2);
	assert_int_equal(st.delayed, 0);
	assert_int_equal(st.adds, 2);
	cs_wq_free(q2);
	cs_wq_free(q);
}

typedef struct handoff {
	uint64_t t0, y_at;
	int y_done, x_started;
} handoff;

static int handoff_fn(void *arg, const char *key)
{
	handoff *h = arg;
	if (!strcmp(key, "x")) {
		store(&h->x_started, 1);
		sleep_ms(600);
	} else {
		h->y_at = now_ms();
		store(&h->y_done, 1);
	}
	return CS_WQ_DONE;
}

static void test_delayed_keys_while_a_worker_is_busy(void **state)
{
	(void)state;
	/* the worker that watched the clock takes x and is busy for 600 ms:
	 * the idle one must take over the clock for y */
	static handoff h;
	h = (handoff){0};
	cs_wq *q = cs_wq_new("handoff", 2, handoff_fn, &h, 0, 0);
	cs_wq_start(q);
	sleep_ms(10); /* both workers idle before the delayed adds */
	h.t0 = now_ms();
	cs_wq_add_after(q, "y", 60);
	cs_wq_add_after(q, "x", 20);
	assert_int_equal(wait_at_least(&h.y_done, 1, 5000), 1);
	assert_int_equal(load(&h.x_started), 1);
	assert_true(h.y_at - h.t0 >= 59 && h.y_at - h.t0 < 500);
	cs_wq_free(q);
}

static void test_direct_add_overrides_delay(void **state)
{
	(void)state;
	static script s;
	s = (script){0};
	cs_wq *q = cs_wq_new("override", 1, scripted, &s, 0, 0);
	cs_wq_start(q);
	cs_wq_add_after(q, "k", 10000);
	assert_int_equal(cs_wq_len(q), 1);
	uint64_t t0 = now_ms();
	cs_wq_add(q, "k");
	assert_int_equal(wait_at_least(&s.calls, 1, 5000), 1);
	assert_true(now_ms() - t0 < 5000);
	wait_idle(q, 5000); /* the delayed copy is gone, not waiting */
	assert_int_equal(cs_wq_len(q), 0);

	/* a delay that comes due while the key is processed re-queues it
	 * after, as a direct add would */
	s.gate_key = "p";
	cs_wq_add(q, "p");
	assert_int_equal(wait_at_least(&s.gated, 1, 5000), 1);
	cs_wq_add_after(q, "p", 5);
	sleep_ms(30);
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.delayed, 0);
	assert_int_equal(st.depth, 0);
	assert_int_equal(load(&s.calls), 1);
	s.gate_key = NULL;
	store(&s.open, 1);
	assert_int_equal(wait_at_least(&s.calls, 3, 5000), 3);
	assert_string_equal(s.keys[2], "p");
	cs_wq_free(q);
}

/* ---- shutdown ---- */

typedef struct slow {
	int started, finished, others;
	cs_wq *q;
} slow;

static int slow_fn(void *arg, const char *key)
{
	slow *s = arg;
	if (strcmp(key, "slow")) {
		inc(&s->others);
		return CS_WQ_DONE;
	}
	store(&s->started, 1);
	sleep_ms(100);
	store(&s->finished, 1);
	return CS_WQ_RETRY; /* ignored: the queue is stopping */
}

static void test_shutdown_waits_and_drops(void **state)
{
	(void)state;
	static slow s;
	s = (slow){0};
	cs_wq *q = cs_wq_new("shutdown", 1, slow_fn, &s, 0, 0);
	cs_wq_start(q);
	cs_wq_add(q, "slow");
	assert_int_equal(wait_at_least(&s.started, 1, 5000), 1);
	char key[16];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cs_wq_add(q, key);
		if (i < 10)
			cs_wq_add_after(q, key + 1, 1);
	}
	cs_wq_shutdown(q);
	assert_int_equal(load(&s.finished), 1);
	assert_int_equal(load(&s.others), 0);
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.delayed, 0);
	assert_int_equal(st.processing, 0);
	assert_int_equal(st.done, 1);
	assert_int_equal(st.retries, 0); /* a result after stop is dropped */
	/* stopped for good: adds and start do nothing, shutdown again is fine */
	cs_wq_add(q, "late");
	cs_wq_add_after(q, "late", 5);
	assert_int_equal(cs_wq_len(q), 0);
	cs_wq_start(q);
	cs_wq_shutdown(q);
	sleep_ms(20);
	assert_int_equal(load(&s.others), 0);
	cs_wq_free(q);

	/* never started: free drops everything */
	q = cs_wq_new("unstarted", 3, slow_fn, &s, 0, 0);
	cs_wq_add(q, "x");
	cs_wq_add_after(q, "y", 100);
	cs_wq_free(q);
	assert_int_equal(load(&s.others), 0);
}

static int stop_from_fn(void *arg, const char *key)
{
	slow *s = arg;
	if (!strcmp(key, "stop")) {
		cs_wq_shutdown(s->q); /* cannot wait for itself: returns */
		store(&s->finished, 1);
	} else {
		inc(&s->others);
	}
	return CS_WQ_DONE;
}

static void test_shutdown_from_fn(void **state)
{
	(void)state;
	static slow s;
	s = (slow){0};
	s.q = cs_wq_new("selfstop", 2, stop_from_fn, &s, 0, 0);
	cs_wq_add(s.q, "stop");
	for (int i = 0; i < 20; i++)
		cs_wq_add(s.q, "other"); /* one key: at most one run */
	cs_wq_start(s.q);
	assert_int_equal(wait_at_least(&s.finished, 1, 5000), 1);
	cs_wq_add(s.q, "after");
	cs_wq_free(s.q); /* joins the worker that called shutdown */
	assert_true(load(&s.others) <= 1);
}

/* ---- stats, bad input ---- */

static void test_stats_consistency(void **state)
{
	(void)state;
	static script s;
	s = (script){.gate_key = "k0", .nresults = 3, .results = {0, CS_WQ_RETRY, -7}};
	cs_wq *q = cs_wq_new("stats", 1, scripted, &s, 10000, 0);
	char key[16];
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cs_wq_add(q, key);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "d%d", i);
		cs_wq_add_after(q, key, 10000);
	}
	cs_wq_add(q, NULL);          /* ignored, logged */
	cs_wq_add_after(q, NULL, 5); /* ignored, logged */
	cs_wq_stats st;
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.depth, 5);
	assert_int_equal(st.delayed, 3);
	assert_int_equal(st.processing, 0);
	assert_int_equal(st.adds, 8);
	cs_wq_start(q);
	assert_int_equal(wait_at_least(&s.gated, 1, 5000), 1);
	cs_wq_stats_get(q, &st);
	assert_int_equal(st.depth, 4);
	assert_int_equal(st.delayed, 3);
	assert_int_equal(st.processing, 1);
	assert_int_equal(cs_wq_len(q), 7);
	store(&s.open, 1);
	assert_int_equal(wait_at_least(&s.calls, 5, 5000), 5);
	sleep_ms(20);
	cs_wq_stats_get(q, &st);
	/* k1 retried (10 s backoff), k2 returned -7: a retry, with a warning */
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.delayed, 5);
	assert_int_equal(st.processing, 0);
	assert_int_equal(st.done, 5);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.adds, 8);
	assert_int_equal(cs_wq_len(q), 5);
	cs_wq_free(q);
}

/* ---- many keys ---- */

#define NKEYS 100000
typedef struct many {
	cs_wq *q;
	unsigned char *seen;
	int calls, bad;
	int base;
} many;

static int many_fn(void *arg, const char *key)
{
	many *m = arg;
	long i = strtol(key + 1, NULL, 10);
	if (key[0] != 'k' || i < 0 || i >= NKEYS)
		inc(&m->bad);
	else if (__atomic_add_fetch(&m->seen[i], 1, __ATOMIC_SEQ_CST) != 1)
		inc(&m->bad);
	inc(&m->calls);
	return CS_WQ_DONE;
}

static void *many_adds(void *arg)
{
	many *m = arg;
	int base = __atomic_fetch_add(&m->base, NKEYS / 2, __ATOMIC_SEQ_CST);
	char key[16];
	for (int i = base; i < base + NKEYS / 2; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cs_wq_add(m->q, key);
	}
	return NULL;
}

static void test_many_keys(void **state)
{
	(void)state;
	static many m;
	m = (many){.seen = calloc(NKEYS, 1)};
	assert_non_null(m.seen);
	m.q = cs_wq_new("many", 4, many_fn, &m, 0, 0);
	cs_wq_start(m.q);
	uint64_t t0 = now_ms();
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, many_adds, &m), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(wait_at_least(&m.calls, NKEYS, 120000), NKEYS);
	uint64_t ms = now_ms() - t0;
	print_message("%d keys in %llu ms\n", NKEYS, (unsigned long long)ms);
	assert_int_equal(load(&m.bad), 0);
	wait_idle(m.q, 5000);
	/* the table shrank back and still works */
	memset(m.seen, 0, NKEYS);
	cs_wq_add(m.q, "k42");
	assert_int_equal(wait_at_least(&m.calls, NKEYS + 1, 5000), NKEYS + 1);
	cs_wq_stats st;
	cs_wq_stats_get(m.q, &st);
	assert_int_equal(st.adds, NKEYS + 1);
	assert_int_equal(st.done, NKEYS + 1);
	cs_wq_free(m.q);
	free(m.seen);
}

/* ---- misuse ---- */

static int free_self_fn(void *arg, const char *key)
{
	(void)key;
	cs_wq_free(*(cs_wq **)arg);
	return CS_WQ_DONE;
}

static void free_from_worker(void)
{
	static cs_wq *q;
	q = cs_wq_new("victim", 1, free_self_fn, &q, 0, 0);
	cs_wq_add(q, "x");
	cs_wq_start(q);
	sleep_ms(5000);
}

static void new_without_fn(void)
{
	cs_wq_new("nofn", 1, NULL, NULL, 0, 0);
}

static int child_signal(void (*body)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		body();
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void test_misuse_aborts(void **state)
{
	(void)state;
	assert_int_equal(child_signal(free_from_worker), SIGABRT);
	assert_int_equal(child_signal(new_without_fn), SIGABRT);
	cs_wq_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_never_concurrent_on_one_key),
		cmocka_unit_test(test_dirty_requeue),
		cmocka_unit_test(test_backoff_doubles_and_caps),
		cmocka_unit_test(test_done_and_requeue_forget_failures),
		cmocka_unit_test(test_positive_requeue_delay),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_add_after_earliest_wins),
		cmocka_unit_test(test_delayed_keys_while_a_worker_is_busy),
		cmocka_unit_test(test_direct_add_overrides_delay),
		cmocka_unit_test(test_shutdown_waits_and_drops),
		cmocka_unit_test(test_shutdown_from_fn),
		cmocka_unit_test(test_stats_consistency),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_misuse_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
