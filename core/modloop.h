/* The module thread: one thread per loaded module that runs the module's
 * callbacks (lifecycle, informer events, timers, deferred calls, async API
 * completions) one at a time, in the order they were posted.
 *
 * Every function may be called from any thread unless it says otherwise. */
#ifndef CS_MODLOOP_H
#define CS_MODLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cs_loop cs_loop;
typedef struct cs_loop_timer cs_loop_timer;
typedef void (*cs_loop_fn)(void *arg);

/* Start a loop thread named "m:<name>" (truncated to the kernel's 15
 * characters).  Aborts if the thread cannot be created. */
cs_loop *cs_loop_new(const char *name);

/* Queue fn(arg) to run on the loop (FIFO).  drop (may be NULL) is called
 * instead of fn when the loop is freed before fn ran, to release arg. */
void cs_loop_post(cs_loop *l, cs_loop_fn fn, cs_loop_fn drop, void *arg);

/* Run fn(arg) on the loop and wait until it returned.  Called on the
 * loop's own thread it runs fn directly. */
void cs_loop_call(cs_loop *l, cs_loop_fn fn, void *arg);

/* True when called on l's thread. */
bool cs_loop_is_current(const cs_loop *l);

/* Timers run on the loop: first after delay_ms, then every period_ms
 * (0: once; a one-shot timer frees itself after running, do not cancel it
 * afterwards).  Periodic runs do not pile up: a run that falls behind is
 * skipped, the next is scheduled from now. */
cs_loop_timer *cs_loop_timer_add(cs_loop *l, uint64_t delay_ms, uint64_t period_ms, cs_loop_fn fn,
				 void *arg);
/* Cancel and free.  When it returns, fn is not running and will not run
 * again; from inside fn itself it just prevents further runs. */
void cs_loop_timer_cancel(cs_loop_timer *t);

/* Cancel every timer of the loop (module stop).  Handles stay valid:
 * cs_loop_timer_cancel on one frees it, cs_loop_free frees the rest. */
void cs_loop_cancel_timers(cs_loop *l);

/* Closures and timer runs so far (for tests and /metrics). */
uint64_t cs_loop_runs(const cs_loop *l);

/* Stop the thread after the closure running now, call `drop` for what is
 * still queued, free every timer and the loop.  Not from the loop's own
 * thread. */
void cs_loop_free(cs_loop *l);

#endif
