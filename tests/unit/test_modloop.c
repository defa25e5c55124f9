/* The module thread: FIFO closures, synchronous calls, drops at free,
 * one-shot and periodic timers, cancellation (from inside, racing a run,
 * all at once) and misuse that must abort.  Timing checks use lower bounds
 * the implementation guarantees and generous upper bounds. */
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

#include "modloop.h"

/* Poll until *p >= want or timeout; returns the last value seen. */
static int wait_at_least(const int *p, int want, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	while (load(p) < want && now_ms() < end)
		sleep_ms(1);
	return load(p);
}

static void nop(void *arg)
{
	(void)arg;
}

/* ---- closures ---- */

static int order[1000], norder;

static void record(void *arg)
{
	order[norder++] = (int)(intptr_t)arg; /* loop thread only */
}

static void test_fifo_order(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("fifo");
	norder = 0;
	for (int i = 0; i < 1000; i++)
		cs_loop_post(l, record, NULL, (void *)(intptr_t)i);
	cs_loop_call(l, nop, NULL); /* queued behind all of them */
	assert_int_equal(norder, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(order[i], i);
	/* the call's caller may wake before its run is counted */
	for (int i = 0; i < 5000 && cs_loop_runs(l) < 1001; i++)
		sleep_ms(1);
	assert_int_equal(cs_loop_runs(l), 1001);
	cs_loop_free(l);
}

typedef struct call_ctx {
	cs_loop *l;
	int counter; /* touched only on the loop: no atomics needed */
	int on_loop, off_loop;
	pthread_t main;
} call_ctx;

static void count_on_loop(void *arg)
{
	call_ctx *c = arg;
	c->counter++;
	if (cs_loop_is_current(c->l) && !pthread_equal(pthread_self(), c->main))
		c->on_loop++;
	else
		c->off_loop++;
}

static void *caller(void *arg)
{
	call_ctx *c = arg;
	for (int i = 0; i < 200; i++)
		cs_loop_call(c->l, count_on_loop, c);
	return NULL;
}

static void test_call_from_other_threads(void **state)
{
	(void)state;
	static call_ctx c;
	c = (call_ctx){.l = cs_loop_new("call"), .main = pthread_self()};
	assert_false(cs_loop_is_current(c.l));
	cs_loop_call(c.l, count_on_loop, &c);
	/* synchronous: the effect is visible as soon as the call returns */
	assert_int_equal(c.counter, 1);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, caller, &c), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(c.counter, 801);
	assert_int_equal(c.on_loop, 801);
	assert_int_equal(c.off_loop, 0);
	cs_loop_free(c.l);
}

typedef struct nested_ctx {
	cs_loop *l;
	int steps[3], n;
} nested_ctx;

static void inner(void *arg)
{
	nested_ctx *c = arg;
	c->steps[c->n++] = 2;
}

static void outer(void *arg)
{
	nested_ctx *c = arg;
	c->steps[c->n++] = 1;
	cs_loop_call(c->l, inner, c); /* inline, or this would deadlock */
	c->steps[c->n++] = 3;
}

static void test_call_from_loop_runs_inline(void **state)
{
	(void)state;
	static nested_ctx c;
	c = (nested_ctx){.l = cs_loop_new("nested")};
	cs_loop_call(c.l, outer, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.steps[0], 1);
	assert_int_equal(c.steps[1], 2);
	assert_int_equal(c.steps[2], 3);
	cs_loop_free(c.l);
}

typedef struct drop_ctx {
	int started, release, blocker_done, ran, dropped;
} drop_ctx;

static void blocker(void *arg)
{
	drop_ctx *c = arg;
	store(&c->started, 1);
	while (!load(&c->release))
		sleep_ms(1);
	store(&c->blocker_done, 1);
}

static void mark_ran(void *arg)
{
	inc(&((drop_ctx *)arg)->ran);
}

static void mark_dropped(void *arg)
{
	inc(&((drop_ctx *)arg)->dropped);
}

static void *release_later(void *arg)
{
	sleep_ms(50);
	store(&((drop_ctx *)arg)->release, 1);
	return NULL;
}

static void test_free_drops_queued(void **state)
{
	(void)state;
	static drop_ctx c;
	c = (drop_ctx){0};
	cs_loop *l = cs_loop_new("drop");
	cs_loop_post(l, blocker, NULL, &c);
	assert_int_equal(wait_at_least(&c.started, 1, 5000), 1);
	for (int i = 0; i < 10; i++)
		cs_loop_post(l, mark_ran, mark_dropped, &c);
	cs_loop_post(l, mark_ran, NULL, &c);      /* no drop: just released */
	cs_loop_timer_add(l, 0, 5, mark_ran, &c); /* timers are freed, not run */
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, release_later, &c), 0);
	cs_loop_free(l); /* waits for the blocker, runs nothing else */
	pthread_join(th, NULL);
	assert_int_equal(c.blocker_done, 1);
	assert_int_equal(c.ran, 0);
	assert_int_equal(c.dropped, 10);
}

static char tname[32];

static void read_name(void *arg)
{
	(void)arg;
	pthread_getname_np(pthread_self(), tname, sizeof(tname));
}

static void test_thread_name(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("averyveryverylongname");
	cs_loop_call(l, read_name, NULL);
	assert_string_equal(tname, "m:averyveryvery"); /* the kernel's 15 characters */
	cs_loop_free(l);
	l = cs_loop_new("short");
	cs_loop_call(l, read_name, NULL);
	assert_string_equal(tname, "m:short");
	cs_loop_free(l);
}

/* ---- timers ---- */

typedef struct tick_ctx {
	int count;
	int in_fn;
	cs_loop *loop;
	uint64_t period;
	cs_loop_timer *self;
	int cancel_at;
	unsigned sleep_first_ms, sleep_each_ms;
	uint64_t start[8], end[8];
} tick_ctx;

static void tick(void *arg)
{
	tick_ctx *c = arg;
	store(&c->in_fn, 1);
	int n = load(&c->count);
	if (n < 8)
		c->start[n] = now_ms();
	if (n == 0 && c->sleep_first_ms)
		sleep_ms(c->sleep_first_ms);
	if (c->sleep_each_ms)
		sleep_ms(c->sleep_each_ms);
	if (n < 8)
		c->end[n] = now_ms();
	if (c->cancel_at && n + 1 == c->cancel_at)
		cs_loop_timer_cancel(c->self);
	store(&c->in_fn, 0);
	inc(&c->count);
}

static void test_oneshot_timer(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("oneshot");
	static tick_ctx c;
	c = (tick_ctx){0};
	uint64_t t0 = now_ms();
	cs_loop_timer_add(l, 30, 0, tick, &c);
	assert_int_equal(wait_at_least(&c.count, 1, 5000), 1);
	assert_true(c.start[0] - t0 >= 29); /* -1: ms truncation */
	sleep_ms(100);
	assert_int_equal(load(&c.count), 1);

	static tick_ctx z;
	z = (tick_ctx){0};
	cs_loop_timer_add(l, 0, 0, tick, &z);
	assert_int_equal(wait_at_least(&z.count, 1, 5000), 1);
	cs_loop_free(l);
}

static void test_periodic_timer_and_cancel(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("periodic");
	static tick_ctx c;
	c = (tick_ctx){0};
	uint64_t t0 = now_ms();
	cs_loop_timer *t = cs_loop_timer_add(l, 20, 20, tick, &c);
	sleep_ms(200);
	uint64_t elapsed = now_ms() - t0;
	cs_loop_timer_cancel(t);
	int n = load(&c.count);
	assert_int_equal(load(&c.in_fn), 0);
	assert_true(n >= 3);
	/* never more than one run per period elapsed */
	assert_true((uint64_t)n <= elapsed / 20 + 1);
	/* on cadence: run i is due at 20 * (i + 1) ms (-1 for ms truncation) */
	for (int i = 0; i < n && i < 8; i++)
		assert_true(c.start[i] - t0 >= 20 * (uint64_t)(i + 1) - 1);
	sleep_ms(100);
	assert_int_equal(load(&c.count), n);
	assert_true(cs_loop_runs(l) == (uint64_t)n);
	cs_loop_free(l);
}

static void test_periodic_no_pileup(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("pileup");
	static tick_ctx c;
	c = (tick_ctx){.sleep_first_ms = 80};
	cs_loop_timer *t = cs_loop_timer_add(l, 0, 10, tick, &c);
	assert_int_equal(wait_at_least(&c.count, 4, 5000), 4);
	cs_loop_timer_cancel(t);
	/* The first run missed ~8 periods: they are skipped, the next run is
	 * a full period after it, not a burst of catch-up runs. */
	assert_true(c.start[1] - c.end[0] >= 9); /* -1: ms truncation */
	/* and the cadence goes on from there: run i is due 10 * i ms after */
	for (int i = 2; i < 4; i++)
		assert_true(c.start[i] - c.end[0] >= 10 * (uint64_t)i - 1);
	cs_loop_free(l);
}

/* Added on the loop, so the timer cannot run before `self` is set. */
static void add_self(void *arg)
{
	tick_ctx *c = arg;
	c->self = cs_loop_timer_add(c->loop, 0, c->period, tick, c);
}

static void test_cancel_from_inside(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("selfcancel");
	static tick_ctx c;
	c = (tick_ctx){.cancel_at = 3, .loop = l, .period = 5};
	cs_loop_call(l, add_self, &c);
	assert_int_equal(wait_at_least(&c.count, 3, 5000), 3);
	sleep_ms(60);
	assert_int_equal(load(&c.count), 3);

	/* a one-shot that cancels itself while running is freed once */
	static tick_ctx o;
	o = (tick_ctx){.cancel_at = 1, .loop = l};
	cs_loop_call(l, add_self, &o);
	assert_int_equal(wait_at_least(&o.count, 1, 5000), 1);
	cs_loop_call(l, nop, NULL);
	cs_loop_free(l);
}

static void test_cancel_races_with_run(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("race");
	unsigned seed = 1;
	int hit_running = 0;
	for (int i = 0; i < 300; i++) {
		static tick_ctx c;
		c = (tick_ctx){.sleep_each_ms = (unsigned)(i % 3)};
		cs_loop_timer *t = cs_loop_timer_add(l, 0, 1, tick, &c);
		sleep_ms((unsigned)(rand_r(&seed) % 3));
		hit_running += load(&c.in_fn);
		cs_loop_timer_cancel(t);
		/* fn is not running and will not run again: c may go away */
		assert_int_equal(load(&c.in_fn), 0);
		int n = load(&c.count);
		if (i % 50 == 0)
			sleep_ms(5);
		assert_int_equal(load(&c.count), n);
	}
	/* The fn sleeps most of the time, so some cancels met a running fn. */
	assert_true(hit_running > 0);
	cs_loop_call(l, nop, NULL);
	cs_loop_free(l);
}

typedef struct shot {
	uint64_t delay, at;
} shot;

static shot shots[1000];
static shot *fired[1000];
static int nfired;

static void fire(void *arg)
{
	int n = nfired; /* written on the loop thread only */
	fired[n] = arg;
	fired[n]->at = now_ms();
	__atomic_store_n(&nfired, n + 1, __ATOMIC_RELEASE);
}

static void test_thousand_timers(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("many");
	nfired = 0;
	unsigned seed = 7;
	uint64_t t0 = now_ms();
	for (int i = 0; i < 1000; i++) {
		shots[i].delay = rand_r(&seed) % 100;
		cs_loop_timer_add(l, shots[i].delay, 0, fire, &shots[i]);
	}
	uint64_t spread = now_ms() - t0 + 1; /* how far add times differ */
	/* a never-due and a cancelled-before-due timer among them */
	cs_loop_timer *never = cs_loop_timer_add(l, UINT64_MAX, UINT64_MAX, fire, NULL);
	cs_loop_timer *gone = cs_loop_timer_add(l, 50, 0, fire, NULL);
	cs_loop_timer_cancel(gone);
	uint64_t end = now_ms() + 10000;
	while (__atomic_load_n(&nfired, __ATOMIC_ACQUIRE) < 1000 && now_ms() < end)
		sleep_ms(5);
	assert_int_equal(__atomic_load_n(&nfired, __ATOMIC_ACQUIRE), 1000);
	for (int i = 0; i < 1000; i++) {
		/* none early, and in due order up to the spread of add times */
		assert_true(fired[i]->at - t0 + 1 >= fired[i]->delay);
		if (i)
			assert_true(fired[i - 1]->delay <= fired[i]->delay + spread);
	}
	sleep_ms(20);
	assert_int_equal(__atomic_load_n(&nfired, __ATOMIC_ACQUIRE), 1000);
	cs_loop_timer_cancel(never);

	/* 1000 periodic timers: cancel half one by one, the rest at once */
	static tick_ctx c;
	c = (tick_ctx){0};
	cs_loop_timer *ts[1000];
	for (int i = 0; i < 1000; i++)
		ts[i] = cs_loop_timer_add(l, (uint64_t)(i % 20), 2, tick, &c);
	assert_true(wait_at_least(&c.count, 2000, 10000) >= 2000);
	for (int i = 0; i < 1000; i += 2)
		cs_loop_timer_cancel(ts[i]);
	cs_loop_cancel_timers(l);
	int after = load(&c.count);
	assert_int_equal(load(&c.in_fn), 0);
	sleep_ms(30);
	assert_int_equal(load(&c.count), after);
	cs_loop_free(l);
}

static void *cancel_all_later(void *arg)
{
	sleep_ms(20);
	cs_loop_cancel_timers(arg);
	return NULL;
}

typedef struct inside_ctx {
	cs_loop *l;
	uint64_t period;
	bool cancel_self;
	cs_loop_timer *self;
	int count;
} inside_ctx;

static void cancel_all_inside(void *arg)
{
	inside_ctx *c = arg;
	cs_loop_cancel_timers(c->l);
	if (c->cancel_self)
		cs_loop_timer_cancel(c->self);
	inc(&c->count);
}

/* Added on the loop, so the timer cannot run before `self` is set. */
static void add_inside(void *arg)
{
	inside_ctx *c = arg;
	c->self = cs_loop_timer_add(c->l, 10, c->period, cancel_all_inside, c);
}

static void test_cancel_timers_waits_for_running(void **state)
{
	(void)state;
	cs_loop *l = cs_loop_new("cancelall");
	static tick_ctx slow;
	slow = (tick_ctx){.sleep_each_ms = 100};
	static tick_ctx fast;
	fast = (tick_ctx){0};
	cs_loop_timer *ts = cs_loop_timer_add(l, 0, 1, tick, &slow);
	cs_loop_timer_add(l, 5, 1, tick, &fast); /* left for cs_loop_free */
	assert_int_equal(wait_at_least(&slow.in_fn, 1, 5000), 1);
	cs_loop_cancel_timers(l); /* slow's 100 ms run is going on: waits for it */
	assert_int_equal(load(&slow.in_fn), 0);
	assert_true(load(&slow.count) >= 1);
	int a = load(&slow.count), b = load(&fast.count);
	sleep_ms(30);
	assert_int_equal(load(&slow.count), a);
	assert_int_equal(load(&fast.count), b);
	cs_loop_timer_cancel(ts); /* handles stay valid after cancelling all */

	/* from inside a timer: no further runs of any timer; the owners may
	 * still cancel their handles, from inside fn or after */
	static inside_ctx in[3];
	in[0] = (inside_ctx){.l = l, .period = 1};
	in[1] = (inside_ctx){.l = l, .period = 1, .cancel_self = true};
	in[2] = (inside_ctx){.l = l, .period = 0}; /* one-shot: frees itself */
	for (int i = 0; i < 3; i++) {
		static tick_ctx other;
		other = (tick_ctx){0};
		cs_loop_timer *to = cs_loop_timer_add(l, 0, 1, tick, &other);
		cs_loop_call(l, add_inside, &in[i]);
		assert_int_equal(wait_at_least(&in[i].count, 1, 5000), 1);
		cs_loop_call(l, nop, NULL);
		a = load(&in[i].count), b = load(&other.count);
		sleep_ms(30);
		assert_int_equal(load(&in[i].count), a);
		assert_int_equal(load(&other.count), b);
		cs_loop_timer_cancel(to);
		if (i == 0)
			cs_loop_timer_cancel(in[i].self);
	}

	/* from another thread while the loop is idle */
	static tick_ctx p;
	p = (tick_ctx){0};
	cs_loop_timer_add(l, 0, 3, tick, &p);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, cancel_all_later, l), 0);
	pthread_join(th, NULL);
	a = load(&p.count);
	assert_true(a >= 1);
	sleep_ms(30);
	assert_int_equal(load(&p.count), a);
	cs_loop_free(l);
}

typedef struct fair_ctx {
	int gate, closures, timer_runs;
	int closures_at_timer, timer_runs_at_closure;
} fair_ctx;

static void fair_gate(void *arg)
{
	fair_ctx *f = arg;
	while (!load(&f->gate))
		sleep_ms(1);
}

static void fair_closure(void *arg)
{
	fair_ctx *f = arg;
	store(&f->timer_runs_at_closure, load(&f->timer_runs));
	inc(&f->closures);
}

static void fair_timer(void *arg)
{
	fair_ctx *f = arg;
	if (!load(&f->timer_runs))
		store(&f->closures_at_timer, load(&f->closures));
	inc(&f->timer_runs);
}

static void fair_timer_slow(void *arg)
{
	struct timespec ts = {0, 50000};
	nanosleep(&ts, NULL);
	fair_timer(arg);
}

static void test_closures_and_timers_take_turns(void **state)
{
	(void)state;
	static fair_ctx f;
	f = (fair_ctx){0};
	cs_loop *l = cs_loop_new("fair");
	/* 200 closures queued behind a gate, a timer due meanwhile: it runs
	 * before the backlog is through, not after */
	cs_loop_post(l, fair_gate, NULL, &f);
	cs_loop_timer_add(l, 0, 0, fair_timer, &f);
	for (int i = 0; i < 200; i++)
		cs_loop_post(l, fair_closure, NULL, &f);
	sleep_ms(5);
	store(&f.gate, 1);
	assert_int_equal(wait_at_least(&f.closures, 200, 10000), 200);
	assert_int_equal(load(&f.timer_runs), 1);
	assert_true(load(&f.closures_at_timer) <= 1);

	/* 200 timers, always due as their runs take longer than the period:
	 * a posted closure waits for a turn, not for all of them (nor
	 * forever) */
	f = (fair_ctx){.gate = 1};
	for (int i = 0; i < 200; i++)
		cs_loop_timer_add(l, 0, 5, fair_timer_slow, &f);
	assert_true(wait_at_least(&f.timer_runs, 400, 10000) >= 400);
	for (int i = 0; i < 20; i++) {
		int before = load(&f.timer_runs);
		cs_loop_post(l, fair_closure, NULL, &f);
		assert_int_equal(wait_at_least(&f.closures, i + 1, 5000), i + 1);
		/* the run in progress when posting, then the closure's turn */
		assert_true(load(&f.timer_runs_at_closure) - before <= 2);
	}
	cs_loop_free(l);
}

/* ---- misuse aborts with a message ---- */

static cs_loop *victim;

static void free_self(void *arg)
{
	(void)arg;
	cs_loop_free(victim);
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

static void free_from_loop(void)
{
	victim = cs_loop_new("victim");
	cs_loop_post(victim, free_self, NULL, NULL);
	sleep_ms(5000);
}

static void post_null(void)
{
	cs_loop *l = cs_loop_new("null");
	cs_loop_post(l, NULL, NULL, NULL);
}

static void timer_null(void)
{
	cs_loop *l = cs_loop_new("null");
	cs_loop_timer_add(l, 1, 1, NULL, NULL);
}

static void test_misuse_aborts(void **state)
{
	(void)state;
	assert_int_equal(child_signal(free_from_loop), SIGABRT);
	assert_int_equal(child_signal(post_null), SIGABRT);
	assert_int_equal(child_signal(timer_null), SIGABRT);
	cs_loop_timer_cancel(NULL);
	cs_loop_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_call_from_other_threads),
		cmocka_unit_test(test_call_from_loop_runs_inline),
		cmocka_unit_test(test_free_drops_queued),
		cmocka_unit_test(test_thread_name),
		cmocka_unit_test(test_oneshot_timer),
		cmocka_unit_test(test_periodic_timer_and_cancel),
		cmocka_unit_test(test_periodic_no_pileup),
		cmocka_unit_test(test_cancel_from_inside),
		cmocka_unit_test(test_cancel_races_with_run),
		cmocka_unit_test(test_thousand_timers),
		cmocka_unit_test(test_cancel_timers_waits_for_running),
		cmocka_unit_test(test_closures_and_timers_take_turns),
		cmocka_unit_test(test_misuse_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
