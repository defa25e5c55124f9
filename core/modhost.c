/* The host table: the services every module reaches through m->host. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cron.h"
#include "log.h"
#include "modhost.h"
#include "quantity.h"
#include "modobj.h"

/* ---- the module ---- */

static const cs_module *h_descriptor(cs_mod *m)
{
	return cs_modinst_of(m)->desc;
}

static void h_set_data(cs_mod *m, void *data)
{
	cs_modinst_of(m)->data = data;
}

static void *h_data(cs_mod *m)
{
	return cs_modinst_of(m)->data;
}

static const char *h_role(cs_mod *m)
{
	return cs_modinst_of(m)->env->role;
}

static const char *h_node_name(cs_mod *m)
{
	return cs_modinst_of(m)->env->node_name;
}

static const char *h_state_dir(cs_mod *m)
{
	cs_modinst *mi = cs_modinst_of(m);
	pthread_mutex_lock(&mi->mu);
	if (!mi->state_dir_ok) {
		char base[PATH_MAX];
		snprintf(base, sizeof(base), "%s/modules", mi->env->data_dir);
		if ((size_t)snprintf(mi->state_dir, sizeof(mi->state_dir), "%.*s/%s",
				     (int)(sizeof(base) - 80), base,
				     mi->name) >= sizeof(mi->state_dir))
			cs_log(CS_LOG_ERROR, "module %s: state directory path too long", mi->name);
		else if ((mkdir(mi->env->data_dir, 0700) && errno != EEXIST) ||
			 (mkdir(base, 0700) && errno != EEXIST) ||
			 (mkdir(mi->state_dir, 0700) && errno != EEXIST))
			cs_log(CS_LOG_ERROR, "module %s: cannot create its state directory %s: %m",
			       mi->name, mi->state_dir);
		else
			mi->state_dir_ok = true;
	}
	bool ok = mi->state_dir_ok;
	pthread_mutex_unlock(&mi->mu);
	return ok ? mi->state_dir : NULL;
}

/* ---- logging ---- */

static void h_vlog(cs_mod *m, enum cs_log_level level, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	cs_log(level, "module %s: %s", cs_modinst_of(m)->name, msg);
}

static void h_log(cs_mod *m, enum cs_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	h_vlog(m, level, fmt, ap);
	va_end(ap);
}

static bool h_log_enabled(cs_mod *m, enum cs_log_level level)
{
	(void)m;
	return cs_log_enabled(level);
}

/* ---- options ---- */

/* Reading an option the module did not declare is a bug in the module:
 * say which and stop, rather than hand back a made-up value. */
static const cs_modcfg *opt_check(cs_mod *m, const char *name, enum cs_opt_type t)
{
	cs_modinst *mi = cs_modinst_of(m);
	if (!mi->opts || !name || !cs_modcfg_has(mi->opts, name, t)) {
		cs_log(CS_LOG_ERROR,
		       "module %s reads option \"%s\" as a %d, which it did not declare so "
		       "(a bug in the module)",
		       mi->name, name ? name : "(null)", (int)t);
		abort();
	}
	return mi->opts;
}

static bool h_opt_bool(cs_mod *m, const char *name)
{
	return cs_modcfg_bool(opt_check(m, name, CS_OPT_BOOL), name);
}

static int64_t h_opt_int(cs_mod *m, const char *name)
{
	return cs_modcfg_int(opt_check(m, name, CS_OPT_INT), name);
}

static double h_opt_float(cs_mod *m, const char *name)
{
	return cs_modcfg_float(opt_check(m, name, CS_OPT_FLOAT), name);
}

static const char *h_opt_str(cs_mod *m, const char *name)
{
	return cs_modcfg_str(opt_check(m, name, CS_OPT_STRING), name);
}

static size_t h_opt_list_len(cs_mod *m, const char *name)
{
	return cs_modcfg_list_len(opt_check(m, name, CS_OPT_STRING_LIST), name);
}

static const char *h_opt_list_at(cs_mod *m, const char *name, size_t i)
{
	return cs_modcfg_list_at(opt_check(m, name, CS_OPT_STRING_LIST), name, i);
}

/* ---- informers ---- */

static cs_informer *h_informer_new(cs_mod *m, const char *resource, const char *ns,
				   const char *lsel, const char *fsel, unsigned resync,
				   const cs_informer_handlers *h)
{
	return cs_informer_new(m, resource, ns, lsel, fsel, resync, h);
}

/* ---- work queues: a cs_wq bound to its module ---- */

struct cs_queue {
	cs_queue *next;
	cs_modinst *mi;
	cs_wq *wq;
	cs_work_fn fn;
	void *arg;
	bool started;
};

static int queue_run(void *arg, const char *key)
{
	cs_queue *q = arg;
	return q->fn(&q->mi->pub, q->arg, key);
}

static cs_queue *h_queue_new(cs_mod *m, const char *name, unsigned workers, cs_work_fn fn,
			     void *arg, uint32_t base_ms, uint32_t max_ms)
{
	cs_modinst *mi = cs_modinst_of(m);
	if (!fn) {
		cs_mod_log(m, CS_LOG_ERROR, "queue %s: no work function", name ? name : "");
		return NULL;
	}
	cs_queue *q = calloc(1, sizeof(*q));
	if (!q)
		abort();
	char qn[96];
	snprintf(qn, sizeof(qn), "%s/%s", mi->name, name ? name : "queue");
	q->mi = mi;
	q->fn = fn;
	q->arg = arg;
	q->wq = cs_wq_new(qn, workers, queue_run, q, base_ms, max_ms);
	pthread_mutex_lock(&mi->mu);
	q->next = mi->queues;
	mi->queues = q;
	bool running = mi->running;
	if (running)
		q->started = true;
	pthread_mutex_unlock(&mi->mu);
	if (running)
		cs_wq_start(q->wq);
	return q;
}

void cs_queues_start(cs_modinst *mi)
{
	pthread_mutex_lock(&mi->mu);
	for (cs_queue *q = mi->queues; q; q = q->next)
		if (!q->started) {
			q->started = true;
			cs_wq_start(q->wq);
		}
	pthread_mutex_unlock(&mi->mu);
}

void cs_queues_shutdown(cs_modinst *mi)
{
	pthread_mutex_lock(&mi->mu);
	cs_queue *list = mi->queues;
	pthread_mutex_unlock(&mi->mu);
	/* Waits for running work; later adds are ignored. */
	for (cs_queue *q = list; q; q = q->next)
		cs_wq_shutdown(q->wq);
}

void cs_queues_stop(cs_modinst *mi)
{
	cs_queues_shutdown(mi);
	pthread_mutex_lock(&mi->mu);
	cs_queue *list = mi->queues;
	mi->queues = NULL;
	mi->ctrl_queue = NULL;
	pthread_mutex_unlock(&mi->mu);
	for (cs_queue *q = list, *nx; q; q = nx) {
		nx = q->next;
		cs_wq_free(q->wq);
		free(q);
	}
}

static void h_queue_add(cs_queue *q, const char *key)
{
	if (q && key)
		cs_wq_add(q->wq, key);
}

static void h_queue_add_after(cs_queue *q, const char *key, uint32_t ms)
{
	if (q && key)
		cs_wq_add_after(q->wq, key, ms);
}

static size_t h_queue_len(cs_queue *q)
{
	return q ? cs_wq_len(q->wq) : 0;
}

/* ---- timers and deferred calls ---- */

struct cs_timer {
	cs_timer *next, *prev; /* the module's timers (mi->mu) */
	cs_modinst *mi;
	cs_loop_timer *t;
	cs_call_fn fn;
	void *arg;
	bool once;
	bool running;   /* fn runs now (module thread) */
	bool cancelled; /* cancelled from inside fn: freed when it returns */
};

static void timer_unlink(cs_timer *t)
{
	cs_modinst *mi = t->mi;
	pthread_mutex_lock(&mi->mu);
	if (t->prev)
		t->prev->next = t->next;
	else
		mi->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&mi->mu);
}

static void timer_run(void *p)
{
	cs_timer *t = p;
	t->running = true;
	t->fn(&t->mi->pub, t->arg);
	t->running = false;
	/* The loop frees a one-shot timer after this run, and a periodic one
	 * cancelled from inside fn; the wrapper goes with it. */
	if (t->once || t->cancelled) {
		timer_unlink(t);
		free(t);
	}
}

void cs_timers_free(cs_modinst *mi)
{
	/* The loop is gone: what is left never ran or was never cancelled. */
	for (cs_timer *t = mi->timers, *nx; t; t = nx) {
		nx = t->next;
		free(t);
	}
	mi->timers = NULL;
}

static cs_timer *h_timer_add(cs_mod *m, uint32_t delay_ms, uint32_t period_ms, cs_call_fn fn,
			     void *arg)
{
	if (!fn)
		return NULL;
	cs_timer *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	t->mi = cs_modinst_of(m);
	t->fn = fn;
	t->arg = arg;
	t->once = !period_ms;
	pthread_mutex_lock(&t->mi->mu);
	t->next = t->mi->timers;
	if (t->next)
		t->next->prev = t;
	t->mi->timers = t;
	pthread_mutex_unlock(&t->mi->mu);
	t->t = cs_loop_timer_add(t->mi->loop, delay_ms, period_ms, timer_run, t);
	return t;
}

static void h_timer_cancel(cs_timer *t)
{
	if (!t)
		return;
	if (t->running && cs_loop_is_current(t->mi->loop)) {
		/* From inside fn: no further runs; timer_run frees. */
		if (!t->cancelled && !t->once)
			cs_loop_timer_cancel(t->t);
		t->cancelled = true;
		return;
	}
	cs_loop_timer_cancel(t->t);
	timer_unlink(t);
	free(t);
}

struct deferred {
	cs_modinst *mi;
	cs_call_fn fn;
	void *arg;
};

static void defer_run(void *p)
{
	struct deferred *d = p;
	d->fn(&d->mi->pub, d->arg);
	free(d);
}

static void h_defer(cs_mod *m, cs_call_fn fn, void *arg)
{
	struct deferred *d = malloc(sizeof(*d));
	if (!d)
		abort();
	*d = (struct deferred){cs_modinst_of(m), fn, arg};
	cs_loop_post(d->mi->loop, defer_run, free, d);
}

/* ---- other modules, controllers ---- */

static int h_quantity(const char *s, bool milli, int64_t *out)
{
	long double v;
	if (cs_quantity_parse(s, &v) < 0)
		return -1;
	if (milli)
		v *= 1000;
	v = ceill(v);
	/* 2^63 is exact in long double; anything at or beyond it is out. */
	if (v >= 9223372036854775808.0L || v < -9223372036854775808.0L)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static const cs_module *h_module_at(cs_mod *m, enum cs_module_kind kind, size_t i, cs_mod **inst)
{
	atomic_store(&cs_modinst_of(m)->uses_modules, true);
	return cs_modhost_kind_at(cs_modinst_of(m)->host, kind, i, inst);
}

static cs_informer *h_controller_informer(cs_mod *m, const char *resource)
{
	cs_modinst *mi = cs_modinst_of(m);
	for (size_t i = 0; resource && i < mi->nctrl_inf; i++)
		if (!strcmp(cs_informer_resource(mi->ctrl_inf[i]), resource))
			return mi->ctrl_inf[i];
	return NULL;
}

static cs_queue *h_controller_queue(cs_mod *m)
{
	return cs_modinst_of(m)->ctrl_queue;
}

static cs_host g_host;

/* ---- cron schedules ---- */

static int h_cron_next(const char *schedule, const char *time_zone, int64_t after_unix,
		       int64_t *next_unix, int32_t *utc_offset, cs_error *err)
{
	char msg[sizeof(err->message)];
	int64_t next = -1;
	int32_t off = 0;
	int rc = cs_cron_next_in(schedule ? schedule : "", time_zone, after_unix, &next, &off, msg,
				 sizeof(msg));
	if (rc) {
		int code = rc < 0 ? CS_INVALID : CS_NOT_FOUND;
		g_host.errorf(err, code, rc < 0 ? "Invalid" : "NotFound", "%s", msg);
		return code;
	}
	if (next_unix)
		*next_unix = next;
	if (utc_offset)
		*utc_offset = off;
	return 0;
}

static void host_init(void);

const cs_host *cs_host_table(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, host_init);
	return &g_host;
}

static void host_init(void)
{
	cs_host *h = &g_host;
	h->size = sizeof(*h);
	h->abi_major = CS_ABI_MAJOR;
	h->abi_minor = CS_ABI_MINOR;
	h->version = CS_VERSION;
	h->descriptor = h_descriptor;
	h->set_data = h_set_data;
	h->data = h_data;
	h->role = h_role;
	h->node_name = h_node_name;
	h->state_dir = h_state_dir;
	h->log = h_log;
	h->vlog = h_vlog;
	h->log_enabled = h_log_enabled;
	h->opt_bool = h_opt_bool;
	h->opt_int = h_opt_int;
	h->opt_float = h_opt_float;
	h->opt_str = h_opt_str;
	h->opt_list_len = h_opt_list_len;
	h->opt_list_at = h_opt_list_at;
	cs_modobj_fill(h);
	h->call = cs_modapi_call;
	h->call_async = cs_modapi_call_async;
	h->informer_new = h_informer_new;
	h->informer_synced = cs_informer_synced;
	h->cache_get = cs_informer_get;
	h->cache_each = cs_informer_each;
	h->cache_len = cs_informer_len;
	h->queue_new = h_queue_new;
	h->queue_add = h_queue_add;
	h->queue_add_after = h_queue_add_after;
	h->queue_len = h_queue_len;
	h->timer_add = h_timer_add;
	h->timer_cancel = h_timer_cancel;
	h->defer = h_defer;
	h->event = cs_modapi_event;
	h->metric_new = cs_modmetric_new;
	h->metric_add = cs_modmetric_add;
	h->metric_set = cs_modmetric_set;
	h->metric_observe = cs_modmetric_observe;
	h->module_at = h_module_at;
	h->controller_informer = h_controller_informer;
	h->controller_queue = h_controller_queue;
	h->quantity = h_quantity;
	h->cron_next = h_cron_next;
	h->discover = cs_modapi_discover;
}
