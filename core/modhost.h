/* Internals shared by the module host's files: the loader (module.c), the
 * host table (modhost.c), API calls (modapi.c), informers (informer.c) and
 * module metrics (modmetrics.c). */
#ifndef CS_MODHOST_H
#define CS_MODHOST_H

#include <capstan/module.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include "client.h"
#include "config.h"
#include "modloop.h"
#include "module.h"
#include "types.h"
#include "workqueue.h"

typedef struct cs_modinst cs_modinst;

/* One module instance; modules see only `pub`. */
struct cs_modinst {
	cs_mod pub; /* first */
	cs_modhost *host;
	const cs_module *desc;
	char name[64];
	cs_modcfg *opts;
	cs_loop *loop;
	void *data;
	cs_client *api;
	const cs_modenv *env;
	char state_dir[PATH_MAX];
	bool state_dir_ok;

	pthread_mutex_t mu; /* the lists below */
	cs_informer *informers;
	cs_queue *queues;
	cs_metric *metrics;
	cs_timer *timers;
	atomic_bool stopping;     /* no new async work is started */
	bool running;             /* informers started (guarded by mu) */
	atomic_bool uses_modules; /* called module_at: a driver of other modules */

	/* controllers: the host-made informers (primary first) and queue */
	cs_informer *ctrl_inf[16];
	size_t nctrl_inf;
	cs_queue *ctrl_queue;

	/* Transport requests whose answer will be posted to the loop: the
	 * loop outlives them (cs_modinst_hold / cs_modinst_release). */
	pthread_cond_t idle;
	unsigned inflight;

	/* events: recent (involved uid, reason, message) -> Event name, count */
	struct cs_evrec *events;
};

static inline cs_modinst *cs_modinst_of(cs_mod *m)
{
	return (cs_modinst *)m;
}

/* A transport request that will post to mi->loop is in flight. */
static inline void cs_modinst_hold(cs_modinst *mi)
{
	pthread_mutex_lock(&mi->mu);
	mi->inflight++;
	pthread_mutex_unlock(&mi->mu);
}

static inline void cs_modinst_release(cs_modinst *mi)
{
	pthread_mutex_lock(&mi->mu);
	if (--mi->inflight == 0)
		pthread_cond_broadcast(&mi->idle);
	pthread_mutex_unlock(&mi->mu);
}

/* modhost.c: the host table every module gets. */
const cs_host *cs_host_table(void);
/* module.c: the i-th running module of a kind. */
const cs_module *cs_modhost_kind_at(cs_modhost *h, enum cs_module_kind kind, size_t i,
				    cs_mod **inst);

/* modapi.c */
int cs_modapi_call(cs_mod *m, const cs_request *req, const cs_object **out, cs_error *err);
int cs_modapi_call_async(cs_mod *m, const cs_request *req, cs_done_fn done, void *arg);
/* Build "/api/v1/namespaces/NS/pods" (+"/NAME", "/SUB") for resource
 * RESOURCE[.GROUP][/SUB]; -1 with err for an unknown resource. */
int cs_modapi_path(const char *resource, const char *ns, const char *name, char *buf, size_t n,
		   const cs_type **type, cs_error *err);
/* Turn a response into result or error (code 0: unreachable). */
int cs_modapi_result(int code, const char *body, size_t len, const cs_object **out, cs_error *err);
/* cs_host.discover (core/moddiscover.c). */
int cs_modapi_discover(cs_mod *m, const cs_object **out, cs_error *err);
void cs_modapi_event(cs_mod *m, const cs_object *regarding, const char *type, const char *reason,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void cs_modapi_events_free(cs_modinst *mi);

/* informer.c */
cs_informer *cs_informer_new(cs_mod *m, const char *resource, const char *ns, const char *lsel,
			     const char *fsel, unsigned resync, const cs_informer_handlers *h);
bool cs_informer_synced(cs_informer *inf);
/* Informers of mi that have not listed yet (any thread); the first one's
 * resource goes to first[n]. */
size_t cs_informers_unsynced(cs_modinst *mi, char *first, size_t n);
const cs_object *cs_informer_get(cs_informer *inf, const char *ns, const char *name);
int cs_informer_each(cs_informer *inf, const char *ns, const char *lsel, cs_visit_fn fn, void *arg);
size_t cs_informer_len(cs_informer *inf);
const char *cs_informer_resource(const cs_informer *inf);
/* Module thread: start listing/watching every informer of the module. */
void cs_informers_start(cs_modinst *mi);
/* Module thread: stop them (no callback after it returns), then free. */
void cs_informers_stop(cs_modinst *mi);

/* Queues (modhost.c) */
void cs_queues_start(cs_modinst *mi);
/* Wait for running work and take no more; the queues stay allocated. */
void cs_queues_shutdown(cs_modinst *mi);
void cs_queues_stop(cs_modinst *mi);
/* Timer wrappers left when the module's loop was freed. */
void cs_timers_free(cs_modinst *mi);

/* modmetrics.c */
cs_metric *cs_modmetric_new(cs_mod *m, enum cs_metric_type type, const char *name,
			    const char *help);
void cs_modmetric_add(cs_metric *c, double v);
void cs_modmetric_set(cs_metric *c, double v);
void cs_modmetric_observe(cs_metric *c, double v);
void cs_modmetrics_free(cs_modinst *mi);
/* Append every module metric in the Prometheus text format. */
struct cs_strbuf;
void cs_modmetrics_render(void (*emit)(void *arg, const char *text, size_t len), void *arg);

#endif
