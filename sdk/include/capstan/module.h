/* capstan module ABI, version 1: the module descriptor, the host services
 * table and object access.
 *
 * A module is a shared object that exports exactly one symbol,
 * `capstan_module`, a const cs_module.  capstand loads it with dlopen(),
 * checks the descriptor, validates the module's options from capstan.conf
 * and then drives it through init -> start -> stop -> fini.  Everything the
 * module may ask of the core is in the cs_host table reached through the
 * module handle (m->host); everything the core asks of the module is in the
 * descriptor and in the ops table of the module's kind (scheduler.h,
 * controller.h, runtime.h, network.h, storage.h, admission.h).
 *
 * Compatibility rules (the promise behind CS_ABI_MAJOR):
 *  - cs_host and every ops table start with their own size and only ever
 *    grow at the end.  Within one major version nothing is removed,
 *    reordered or changes meaning.
 *  - A module states the ABI minor it needs (cs_module.abi_minor).  The
 *    loader refuses a module of another major, or one that needs a newer
 *    minor than the core provides, naming the module, its file and both
 *    versions.
 *  - A module that wants to use an entry newer than the minor it declared
 *    checks CS_HOST_HAS(m->host, entry) first.  The core checks the size of
 *    a module's ops table the same way before calling an entry.
 *  - No type of a third-party library crosses this ABI: objects are opaque
 *    cs_object handles (or JSON text), everything else is plain C.
 *
 * Threads: every module has one thread of its own, "the module thread".
 * init, start, stop and fini, informer callbacks, timers and deferred calls
 * run there, one at a time, so state touched only from those callbacks needs
 * no locking.  Controller reconciles run on the controller's worker threads
 * (controller.h); the ops of the other kinds are called from the thread of
 * whoever drives them (the scheduler framework, the node agent) and say so
 * in their headers.  Every host entry may be called from any thread, except
 * where its comment says otherwise.  No module code ever runs on the API
 * server's event loop.
 *
 * Memory: a string or object the host returns is owned by the caller when
 * the comment says "owned" (release it with m->host->free / obj_free) and is
 * borrowed otherwise (valid for the duration of the callback it was passed
 * to, or as the comment says).
 */
#ifndef CAPSTAN_MODULE_H
#define CAPSTAN_MODULE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_ABI_MAJOR 1
#define CS_ABI_MINOR 1

/* First word of every descriptor: "CSM1". */
#define CS_MODULE_MAGIC 0x43534d31u

/* The descriptor is the only symbol a module exports; build the rest of the
 * module with -fvisibility=hidden (pkg-config --cflags capstan-module adds
 * it). */
#define CS_MODULE_EXPORT __attribute__((visibility("default")))

/* True when the host table h has entry `member` (see the rules above). */
#define CS_HOST_HAS(h, member)                                                                     \
	(offsetof(cs_host, member) + sizeof(((const cs_host *)0)->member) <= (h)->size)
/* Whether struct p of type T (with a leading size) is long enough to have
 * member, whatever its value: for data appended in a minor version. */
#define CS_HAS_FIELD(T, p, member)                                                                 \
	((p) && offsetof(T, member) + sizeof(((const T *)0)->member) <= (p)->size)
/* The same test as CS_HOST_HAS for an ops table of type T; also false
 * when the entry is NULL. */
#define CS_OPS_HAS(T, ops, member)                                                                 \
	((ops) && offsetof(T, member) + sizeof(((const T *)0)->member) <= (ops)->size &&           \
	 (ops)->member)

/* What a module is: decides which ops table `ops` points to and who drives
 * it. */
enum cs_module_kind {
	CS_KIND_SCHEDULER = 1,  /* scheduling-framework plugin: scheduler.h */
	CS_KIND_CONTROLLER = 2, /* reconciler fed by informers: controller.h */
	CS_KIND_RUNTIME = 3,    /* container runtime backend (CRI verbs): runtime.h */
	CS_KIND_NETWORK = 4,    /* network driver (CNI verbs): network.h */
	CS_KIND_STORAGE = 5,    /* storage provisioner (CSI verbs): storage.h */
	CS_KIND_ADMISSION = 6,  /* admission plugin (ABI 1.1): admission.h */
};

/* ---- options ----
 *
 * A module declares the options it accepts; admins set them inside the
 * module's section of capstan.conf:
 *
 *     module "ctrl-example" { enabled = true  workers = 4  label = "x" }
 *
 * The core validates them with the rest of the file (a typo or a value of
 * the wrong type is an error with FILE:LINE, also for capstand
 * --check-config) and the module reads them with the opt_* entries.  The
 * keys "enabled" and "required" belong to the host and cannot be declared. */
enum cs_opt_type {
	CS_OPT_END = 0,  /* terminates the table */
	CS_OPT_BOOL = 1, /* true/false */
	CS_OPT_INT = 2,  /* 64-bit signed integer */
	CS_OPT_FLOAT = 3,
	CS_OPT_STRING = 4,
	CS_OPT_STRING_LIST = 5, /* {"a", "b"} */
};

typedef struct cs_option {
	const char *name;      /* [a-z0-9-]+, unique within the module */
	enum cs_opt_type type; /* CS_OPT_END ends the table */
	/* Default as configuration text: "true", "42", "0.5", "text",
	 * "{\"a\", \"b\"}"; NULL means false / 0 / empty. A default that does
	 * not parse as the type makes the module fail to load. */
	const char *def;
	const char *doc; /* one line, shown by capstand --list-modules */
} cs_option;

/* ---- the descriptor ---- */

typedef struct cs_mod cs_mod;
typedef struct cs_host cs_host;

typedef struct cs_module {
	uint32_t magic;     /* CS_MODULE_MAGIC */
	uint16_t abi_major; /* CS_ABI_MAJOR the module was built against */
	uint16_t abi_minor; /* lowest minor whose host entries it needs */
	size_t size;        /* sizeof(cs_module) */
	const char *name;   /* equals the file name without ".so"; [a-z0-9-]+ */
	const char *version;
	const char *description;  /* one line */
	uint32_t kind;            /* enum cs_module_kind */
	const cs_option *options; /* NULL or terminated by {NULL, CS_OPT_END} */

	/* Lifecycle, each on the module thread, each optional (NULL).
	 * init: options are readable; allocate, create informers, queues,
	 *   metrics.  The store may not be serving yet: do not call the API.
	 *   Return 0, or -1 after logging why (an optional module is then
	 *   reported as failed; a required one stops the daemon).
	 * start: the API serves; informers start listing after start returns.
	 *   Return 0 or -1 like init.
	 * stop: stop issuing work; informers, timers and queues of the module
	 *   are already stopped when it is called.  Reconciles in progress have
	 *   finished.
	 * fini: free everything; the module is unloaded next. */
	int (*init)(cs_mod *m);
	int (*start)(cs_mod *m);
	void (*stop)(cs_mod *m);
	void (*fini)(cs_mod *m);

	/* The kind's ops table (cs_scheduler_ops, ...), which starts with its
	 * own size. */
	const void *ops;
} cs_module;

/* Fills magic, ABI version and size: `CS_MODULE_HEADER, .name = ...`. */
#define CS_MODULE_HEADER CS_MODULE_HEADER_MINOR(CS_ABI_MINOR)
/* The same for a module that also loads into cores of an older minor n:
 * it must check CS_HOST_HAS before using any entry newer than n. */
#define CS_MODULE_HEADER_MINOR(n)                                                                  \
	.magic = CS_MODULE_MAGIC, .abi_major = CS_ABI_MAJOR, .abi_minor = (n),                     \
	.size = sizeof(cs_module)

/* A loaded module instance as the module sees it.  The host allocates it;
 * only `host` is public. */
struct cs_mod {
	const cs_host *host;
};

/* ---- objects ----
 *
 * A cs_object is a JSON value: null, bool, number, string, array or map
 * (object).  Handles are opaque.  Two kinds of handles exist:
 *  - shared: objects delivered by informers, caches and API results are
 *    immutable and reference counted; the `const` in their type means it.
 *    They are safe to read from any thread.
 *  - owned: objects the module built, cloned or parsed, mutable by the
 *    thread that holds them.
 * obj_free releases either kind: it drops a reference of a shared object
 * and frees an owned one.  obj_keep turns a borrowed handle into one the
 * caller owns (a new reference of a shared object, a copy of anything
 * else).
 *
 * Paths name a value inside a map or array: "metadata.name",
 * "spec.containers[0].image", "metadata.labels.app\\.kubernetes\\.io/name"
 * (a backslash escapes '.', '[' and '\\' inside a key).  An empty path or
 * NULL names the value itself.
 *
 * Handles obtained from obj_get/obj_at point inside their object: never
 * pass them to obj_free, obj_set or obj_append (obj_keep them first). */
typedef struct cs_object cs_object;

enum cs_obj_type {
	CS_OBJ_NULL = 0,
	CS_OBJ_BOOL = 1,
	CS_OBJ_NUMBER = 2,
	CS_OBJ_STRING = 3,
	CS_OBJ_ARRAY = 4,
	CS_OBJ_MAP = 5,
};

/* Patch formats of the API (the Content-Type of a PATCH). */
enum cs_patch_type {
	CS_PATCH_MERGE = 1,     /* application/merge-patch+json (RFC 7386) */
	CS_PATCH_JSON = 2,      /* application/json-patch+json (RFC 6902) */
	CS_PATCH_STRATEGIC = 3, /* application/strategic-merge-patch+json */
};

/* ---- API results ----
 *
 * API entries return 0 on success, otherwise the HTTP status of the
 * failure (404 not found, 409 conflict or already exists, 422 invalid,
 * ...; 503 when the API cannot be reached) and fill *err when err is not
 * NULL.  Module ops use cs_error the same way to say why they failed. */
typedef struct cs_error {
	int code;          /* HTTP status; for module ops 0 or a free choice */
	char reason[64];   /* Kubernetes reason: NotFound, Conflict, ... */
	char message[448]; /* one line: what, which object, why */
} cs_error;

#define CS_NOT_FOUND   404
#define CS_CONFLICT    409
#define CS_INVALID     422
#define CS_UNAVAILABLE 503

enum cs_verb {
	CS_VERB_GET = 1,
	CS_VERB_LIST = 2,
	CS_VERB_CREATE = 3,
	CS_VERB_UPDATE = 4,
	CS_VERB_PATCH = 5,
	CS_VERB_DELETE = 6,
};

/* One API call.  `resource` is RESOURCE[.GROUP][/SUBRESOURCE] as kubectl
 * spells it: "pods", "deployments.apps", "leases.coordination.k8s.io",
 * "pods/binding", "deployments.apps/status".  Fields a verb does not use
 * are ignored. */
typedef struct cs_request {
	enum cs_verb verb;
	const char *resource;
	const char *ns;                /* namespace; NULL: cluster-scoped, or all (LIST) */
	const char *name;              /* GET, PATCH, DELETE; for CREATE/UPDATE of a
					* subresource or when NULL: body's metadata.name */
	const char *label_selector;    /* LIST, or NULL */
	const char *field_selector;    /* LIST, or NULL */
	enum cs_patch_type patch_type; /* PATCH */
	/* CREATE/UPDATE: the object; PATCH: the patch document; DELETE:
	 * DeleteOptions (propagationPolicy, preconditions) or NULL. */
	const cs_object *body;
} cs_request;

/* Completion of an asynchronous call, on the module thread.  code and err as
 * for synchronous calls; result (borrowed, NULL on failure) is the object
 * the API returned. */
typedef void (*cs_done_fn)(cs_mod *m, void *arg, int code, const cs_object *result,
			   const cs_error *err);

/* ---- informers ----
 *
 * An informer lists a resource, then watches it, and keeps a local cache
 * that is always a consistent state of the API as of some revision.
 * Callbacks run on the module thread with borrowed shared objects (obj_keep
 * to hold one longer).  After a watch ends (410, dropped connection) the
 * informer relists and reports the difference as adds, updates and deletes,
 * so a callback never misses a change of state, though it may miss
 * intermediate versions.  Every `resync` seconds (0: never) on_update is
 * called for every cached object with old == obj, for level-triggered
 * consumers. */
typedef struct cs_informer cs_informer;

typedef struct cs_informer_handlers {
	void (*on_add)(cs_mod *m, void *arg, const cs_object *obj);
	void (*on_update)(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj);
	/* obj is the last state known to the informer */
	void (*on_delete)(cs_mod *m, void *arg, const cs_object *obj);
	void *arg;
} cs_informer_handlers;

/* Visitor for cache walks; return false to stop. */
typedef bool (*cs_visit_fn)(void *arg, const cs_object *obj);

/* ---- work queues ----
 *
 * A keyed queue as in client-go: a key waits in the queue at most once, is
 * never handed to two workers at the same time, and is re-queued when it
 * was added again while being processed.  `fn` returns CS_DONE (forget the
 * key's failures), CS_RETRY (re-queue with per-key exponential backoff from
 * base_ms doubling up to max_ms), or a positive number of milliseconds to
 * re-queue after. */
typedef struct cs_queue cs_queue;
typedef int (*cs_work_fn)(cs_mod *m, void *arg, const char *key);
#define CS_DONE  0
#define CS_RETRY (-1)

/* ---- timers, metrics ---- */
typedef struct cs_timer cs_timer;
typedef void (*cs_call_fn)(cs_mod *m, void *arg);

typedef struct cs_metric cs_metric;
enum cs_metric_type {
	CS_METRIC_COUNTER = 1,   /* only grows: metric_add */
	CS_METRIC_GAUGE = 2,     /* metric_set / metric_add */
	CS_METRIC_HISTOGRAM = 3, /* metric_observe, seconds */
};

enum cs_log_level {
	CS_LOG_ERROR = 0,
	CS_LOG_WARN = 1,
	CS_LOG_INFO = 2,
	CS_LOG_DEBUG = 3,
};

/* The host services.  Append-only: see the rules at the top. */
struct cs_host {
	size_t size;        /* sizeof(cs_host) in the running core */
	uint16_t abi_major; /* of the running core */
	uint16_t abi_minor;
	const char *version; /* capstand's version */

	/* -- the module -- */
	const cs_module *(*descriptor)(cs_mod *m);
	/* Private data of the module instance. */
	void (*set_data)(cs_mod *m, void *data);
	void *(*data)(cs_mod *m);
	/* "server" or "agent": where the module runs. */
	const char *(*role)(cs_mod *m);
	/* The node this process serves (agent role), else NULL. */
	const char *(*node_name)(cs_mod *m);
	/* A directory owned by the module that survives restarts
	 * (<data-dir>/modules/<name>, mode 0700), created on first use; NULL
	 * and a log line if it cannot be created. */
	const char *(*state_dir)(cs_mod *m);

	/* -- logging: one line, tagged with the module name -- */
	void (*log)(cs_mod *m, enum cs_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	void (*vlog)(cs_mod *m, enum cs_log_level level, const char *fmt, va_list ap);
	bool (*log_enabled)(cs_mod *m, enum cs_log_level level);

	/* -- options (declared in the descriptor; any other name aborts with
	 * a message, it is a bug in the module) -- */
	bool (*opt_bool)(cs_mod *m, const char *name);
	int64_t (*opt_int)(cs_mod *m, const char *name);
	double (*opt_float)(cs_mod *m, const char *name);
	/* Strings stay valid until fini returned; never NULL. */
	const char *(*opt_str)(cs_mod *m, const char *name);
	size_t (*opt_list_len)(cs_mod *m, const char *name);
	const char *(*opt_list_at)(cs_mod *m, const char *name, size_t i);

	/* -- memory -- */
	void (*free)(void *p); /* for owned strings the host returns */

	/* -- objects (see above) -- */
	cs_object *(*obj_parse)(const char *json, size_t len, cs_error *err); /* owned */
	char *(*obj_json)(const cs_object *o, size_t *len);                   /* owned text */
	cs_object *(*obj_keep)(const cs_object *o);
	cs_object *(*obj_clone)(const cs_object *o); /* owned, mutable */
	void (*obj_free)(const cs_object *o);        /* NULL is fine */
	enum cs_obj_type (*obj_type)(const cs_object *o);
	bool (*obj_equal)(const cs_object *a, const cs_object *b);
	/* Reads: NULL / fallback when the path does not exist or the value has
	 * another type.  Returned pointers are borrowed from o. */
	const cs_object *(*obj_get)(const cs_object *o, const char *path);
	const char *(*obj_str)(const cs_object *o, const char *path);
	int64_t (*obj_int)(const cs_object *o, const char *path, int64_t fallback);
	double (*obj_num)(const cs_object *o, const char *path, double fallback);
	bool (*obj_bool)(const cs_object *o, const char *path, bool fallback);
	/* Arrays and maps: element count, element i, and for maps key i. */
	size_t (*obj_len)(const cs_object *o);
	const cs_object *(*obj_at)(const cs_object *o, size_t i);
	const char *(*obj_key_at)(const cs_object *o, size_t i);
	/* Builders (owned). */
	cs_object *(*obj_new)(enum cs_obj_type type); /* empty/zero value */
	cs_object *(*obj_new_str)(const char *s);
	cs_object *(*obj_new_int)(int64_t v);
	cs_object *(*obj_new_num)(double v); /* NULL for NaN and infinities */
	cs_object *(*obj_new_bool)(bool v);
	/* Writes into an owned object.  obj_set stores val (taking ownership,
	 * also on failure) at path, creating missing maps on the way; a
	 * "[n]" step must name an existing element or n == length (append).
	 * An empty path replaces o's own value in place.  A shared val is
	 * stored as a copy (and its reference dropped).  Return 0, or -1 when
	 * the path crosses a value that is not a map or array or is
	 * malformed, or o is shared; a failed write changes nothing. */
	int (*obj_set)(cs_object *o, const char *path, cs_object *val);
	int (*obj_set_str)(cs_object *o, const char *path, const char *s);
	int (*obj_set_int)(cs_object *o, const char *path, int64_t v);
	int (*obj_set_bool)(cs_object *o, const char *path, bool v);
	int (*obj_append)(cs_object *array, cs_object *val); /* owns val */
	/* Returns 0 if removed, -1 if there was nothing at path. */
	int (*obj_remove)(cs_object *o, const char *path);
	/* Apply a patch of the given type to an owned object (in place; the
	 * handle stays valid).  0, or -1 with err filled: 400 for a malformed
	 * patch, 422 for an inapplicable JSON patch, 415 for a strategic merge
	 * patch of an object that is not of a built-in kind. */
	int (*obj_patch)(cs_object *o, enum cs_patch_type type, const cs_object *patch,
			 cs_error *err);

	/* -- the API (same semantics as HTTP clients get: validation,
	 * defaulting, conflicts).  In a server process calls go to the
	 * in-process API; in an agent they go over HTTP to the server. -- */
	/* Synchronous: blocks the calling thread until the write is durable
	 * or failed.  *out (out may be NULL) receives the result: a shared
	 * object the caller owns a reference of (obj_free it), NULL on
	 * failure.  Never call it from code the API server runs (there is
	 * none in a module) and not before start: the API serves only then
	 * (503 before). */
	int (*call)(cs_mod *m, const cs_request *req, const cs_object **out, cs_error *err);
	/* Asynchronous: returns 0 when queued (done runs later on the module
	 * thread), or a failure code without calling done. */
	int (*call_async)(cs_mod *m, const cs_request *req, cs_done_fn done, void *arg);

	/* -- informers (create in init or start; started after start) -- */
	cs_informer *(*informer_new)(cs_mod *m, const char *resource, const char *ns,
				     const char *label_selector, const char *field_selector,
				     unsigned resync_seconds, const cs_informer_handlers *h);
	/* True once the initial list has been delivered. */
	bool (*informer_synced)(cs_informer *inf);
	/* Cached object (a new reference: obj_free it) or NULL. ns NULL for
	 * cluster-scoped resources. */
	const cs_object *(*cache_get)(cs_informer *inf, const char *ns, const char *name);
	/* Visit cached objects of a namespace (NULL: all) whose labels match
	 * label_selector (NULL: all).  Objects are borrowed for the call; do
	 * not call informer entries of the same informer from fn. Returns
	 * -1 on a malformed selector. */
	int (*cache_each)(cs_informer *inf, const char *ns, const char *label_selector,
			  cs_visit_fn fn, void *arg);
	size_t (*cache_len)(cs_informer *inf);

	/* -- work queues -- */
	/* workers threads call fn; base_ms/max_ms 0 mean 5 ms / 1000 s. */
	cs_queue *(*queue_new)(cs_mod *m, const char *name, unsigned workers, cs_work_fn fn,
			       void *arg, uint32_t base_ms, uint32_t max_ms);
	void (*queue_add)(cs_queue *q, const char *key);
	void (*queue_add_after)(cs_queue *q, const char *key, uint32_t delay_ms);
	size_t (*queue_len)(cs_queue *q);

	/* -- timers and deferred calls (module thread) -- */
	/* First call after delay_ms, then every period_ms (0: once). */
	cs_timer *(*timer_add)(cs_mod *m, uint32_t delay_ms, uint32_t period_ms, cs_call_fn fn,
			       void *arg);
	/* Cancel; fn is not running and will not run when it returns, unless
	 * called from fn itself (then: no further runs).  A one-shot timer
	 * (period 0) is gone once it ran: cancel it only before that. */
	void (*timer_cancel)(cs_timer *t);
	/* Run fn once on the module thread, soon (from any thread). */
	void (*defer)(cs_mod *m, cs_call_fn fn, void *arg);

	/* -- events: a core/v1 Event about `regarding` (any object with
	 * apiVersion, kind and metadata), sent asynchronously; repeats of the
	 * same reason and message are counted on one Event. type: "Normal" or
	 * "Warning". -- */
	void (*event)(cs_mod *m, const cs_object *regarding, const char *type, const char *reason,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

	/* -- metrics, exported at /metrics as NAME{module="<module>"}.  name:
	 * [a-zA-Z_:][a-zA-Z0-9_:]*, unique within the module.  Returns NULL
	 * (and logs) on a bad or duplicate name; the other entries accept
	 * NULL. -- */
	cs_metric *(*metric_new)(cs_mod *m, enum cs_metric_type type, const char *name,
				 const char *help);
	void (*metric_add)(cs_metric *c, double v);
	void (*metric_set)(cs_metric *c, double v);
	void (*metric_observe)(cs_metric *c, double seconds);

	/* -- other modules: the i-th loaded module of a kind (NULL past the
	 * end), so a driver module can run plugin modules (the scheduler
	 * framework runs scheduler plugins). *inst receives its handle. -- */
	const cs_module *(*module_at)(cs_mod *m, enum cs_module_kind kind, size_t i, cs_mod **inst);

	/* -- controllers (controller.h): the informers and the queue the host
	 * made for a controller module; NULL for other kinds or unknown
	 * resources -- */
	cs_informer *(*controller_informer)(cs_mod *m, const char *resource);
	cs_queue *(*controller_queue)(cs_mod *m);

	/* -- errors: format into err (NULL is fine); returns -1 -- */
	int (*errorf)(cs_error *err, int code, const char *reason, const char *fmt, ...)
		__attribute__((format(printf, 4, 5)));

	/* ---- ABI 1.1 (a module of minor 0 checks CS_HOST_HAS first) ---- */

	/* -- quantities: a Kubernetes quantity ("100m", "1.5Gi", "2e3",
	 * "64Mi") as whole units (milli false: Kubernetes' Value()) or
	 * thousandths (milli true: MilliValue()), rounded up as those are.
	 * Returns 0, or -1 when s is not a quantity or the value does not fit
	 * in int64.  Any thread. -- */
	int (*quantity)(const char *s, bool milli, int64_t *out);

	/* -- cron schedules, as a CronJob's spec.schedule and spec.timeZone:
	 * five fields with lists, ranges, steps, month and day names, the
	 * @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly and
	 * @every <duration> descriptors, a CRON_TZ=/TZ= prefix.  Stores in
	 * *next_unix the first time strictly after after_unix that schedule
	 * fires in time_zone (an IANA name; NULL: the schedule's own prefix,
	 * else the daemon's local zone, as kube-controller-manager does), and
	 * in *utc_offset (NULL is fine) the zone's offset east of UTC in
	 * seconds at that time, for formatting it as local time.  As in
	 * Kubernetes, a wall time skipped by a daylight-saving change does not
	 * fire and a repeated one fires at each occurrence.  Nothing to free;
	 * any thread.  Returns 0;
	 * CS_INVALID with err filled (Kubernetes' message) for a malformed
	 * schedule, an unknown zone, or a zone given both ways; CS_NOT_FOUND
	 * when the schedule never fires within five years ("0 0 30 2 *"). -- */
	int (*cron_next)(const char *schedule, const char *time_zone, int64_t after_unix,
			 int64_t *next_unix, int32_t *utc_offset, cs_error *err);

	/* -- discovery: the resources the API serves, read from its discovery
	 * documents (the preferred version of every group), as a shared
	 * array of maps {group ("" for core), version, resource, kind,
	 * namespaced, verbs [...]}; subresources are left out.  *out is a new
	 * reference (obj_free it).  Returns 0, or a failure code as call does.
	 * Blocks like call: not before start. -- */
	int (*discover)(cs_mod *m, const cs_object **out, cs_error *err);
};

/* ---- convenience wrappers (inline: not part of the ABI) ---- */

#define cs_mod_log(m, level, ...) ((m)->host->log((m), (level), __VA_ARGS__))

static inline int cs_api_get(cs_mod *m, const char *resource, const char *ns, const char *name,
			     const cs_object **out, cs_error *err)
{
	cs_request r = {.verb = CS_VERB_GET, .resource = resource, .ns = ns, .name = name};
	return m->host->call(m, &r, out, err);
}

static inline int cs_api_create(cs_mod *m, const char *resource, const char *ns,
				const cs_object *obj, const cs_object **out, cs_error *err)
{
	cs_request r = {.verb = CS_VERB_CREATE, .resource = resource, .ns = ns, .body = obj};
	return m->host->call(m, &r, out, err);
}

static inline int cs_api_update(cs_mod *m, const char *resource, const cs_object *obj,
				const cs_object **out, cs_error *err)
{
	cs_request r = {.verb = CS_VERB_UPDATE, .resource = resource, .body = obj};
	return m->host->call(m, &r, out, err);
}

static inline int cs_api_patch(cs_mod *m, const char *resource, const char *ns, const char *name,
			       enum cs_patch_type type, const cs_object *patch,
			       const cs_object **out, cs_error *err)
{
	cs_request r = {.verb = CS_VERB_PATCH,
			.resource = resource,
			.ns = ns,
			.name = name,
			.patch_type = type,
			.body = patch};
	return m->host->call(m, &r, out, err);
}

static inline int cs_api_delete(cs_mod *m, const char *resource, const char *ns, const char *name,
				cs_error *err)
{
	cs_request r = {.verb = CS_VERB_DELETE, .resource = resource, .ns = ns, .name = name};
	return m->host->call(m, &r, NULL, err);
}

#ifdef __cplusplus
}
#endif

#endif
