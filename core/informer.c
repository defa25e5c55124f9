/* Informers: list + watch + local cache for modules.
 *
 * All cache changes and handler calls happen on the module thread, in the
 * order the server sent them; the transport thread only cuts the stream
 * into lines and posts them.  Readers on other threads (reconcile workers)
 * take the cache's read lock.  Every post carries the stream's epoch, so
 * lines of a stream that was replaced or stopped are dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "modhost.h"
#include "modobj.h"
#include "selector.h"
#include "types.h"

struct entry {
	struct entry *next;
	char *key; /* "ns/name" or "name" */
	const cs_object *obj;
	bool seen; /* relist bookkeeping */
};

struct cs_informer {
	cs_modinst *mi;
	cs_informer *next; /* the module's list */
	char *resource, *ns, *lsel, *fsel;
	unsigned resync;
	cs_informer_handlers h;
	char path[1024]; /* collection path */

	pthread_rwlock_t lock; /* the table */
	struct entry **tab;
	size_t cap, len;

	/* module thread only */
	char rv[32];
	atomic_bool synced;
	bool started, stopped;
	unsigned epoch;
	cs_client_stream *stream;
	cs_loop_timer *resync_timer, *retry_timer;
	unsigned failures;
	atomic_int refs;

	struct sctx *sctx; /* of the current stream */
};

/* One watch stream: the transport thread cuts its bytes into lines. */
struct sctx {
	cs_informer *inf;
	unsigned epoch;
	char *part; /* the partial line */
	size_t plen, pcap;
};

static void inf_unref(cs_informer *inf);
static void list_start(cs_informer *inf);
static void stream_stop(cs_informer *inf);
static void inf_start_post(void *arg);

/* ---- the table ---- */

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct entry *tab_find(cs_informer *inf, const char *key)
{
	if (!inf->cap)
		return NULL;
	for (struct entry *e = inf->tab[hash(key) & (inf->cap - 1)]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

static void tab_grow(cs_informer *inf)
{
	size_t cap = inf->cap ? inf->cap * 2 : 64;
	struct entry **t = calloc(cap, sizeof(*t));
	if (!t)
		abort();
	for (size_t i = 0; i < inf->cap; i++)
		for (struct entry *e = inf->tab[i], *nx; e; e = nx) {
			nx = e->next;
			size_t b = hash(e->key) & (cap - 1);
			e->next = t[b];
			t[b] = e;
		}
	free(inf->tab);
	inf->tab = t;
	inf->cap = cap;
}

/* Insert or replace (write lock held); returns the previous object (the
 * caller releases it) and sets *added. */
static const cs_object *tab_put(cs_informer *inf, const char *key, const cs_object *obj)
{
	struct entry *e = tab_find(inf, key);
	if (e) {
		const cs_object *old = e->obj;
		e->obj = obj;
		e->seen = true;
		return old;
	}
	if (inf->len + 1 > inf->cap * 3 / 4)
		tab_grow(inf);
	e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->key = strdup(key);
	e->obj = obj;
	e->seen = true;
	size_t b = hash(key) & (inf->cap - 1);
	e->next = inf->tab[b];
	inf->tab[b] = e;
	inf->len++;
	return NULL;
}

static const cs_object *tab_del(cs_informer *inf, const char *key)
{
	if (!inf->cap)
		return NULL;
	for (struct entry **pp = &inf->tab[hash(key) & (inf->cap - 1)]; *pp; pp = &(*pp)->next) {
		struct entry *e = *pp;
		if (strcmp(e->key, key))
			continue;
		*pp = e->next;
		const cs_object *o = e->obj;
		free(e->key);
		free(e);
		inf->len--;
		return o;
	}
	return NULL;
}

static bool obj_key(const cs_object *o, char *buf, size_t n)
{
	const cs_json *md = cs_json_get(cs_modobj_json(o), "metadata");
	const char *name = cs_json_get_str(md, "name");
	const char *ns = cs_json_get_str(md, "namespace");
	if (!name)
		return false;
	if (ns && *ns)
		snprintf(buf, n, "%s/%s", ns, name);
	else
		snprintf(buf, n, "%s", name);
	return true;
}

static const char *obj_rv(const cs_object *o)
{
	return cs_json_str(cs_json_path(cs_modobj_json(o), "metadata", "resourceVersion", NULL));
}

/* ---- applying changes (module thread) ---- */

static void apply(cs_informer *inf, const char *type, const cs_object *obj)
{
	char key[512];
	const cs_host *H = cs_host_table();
	if (!obj_key(obj, key, sizeof(key))) {
		H->obj_free(obj);
		return;
	}
	const char *rv = obj_rv(obj);
	if (rv)
		snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
	cs_mod *m = &inf->mi->pub;
	if (!strcmp(type, "DELETED")) {
		pthread_rwlock_wrlock(&inf->lock);
		const cs_object *old = tab_del(inf, key);
		pthread_rwlock_unlock(&inf->lock);
		if (inf->h.on_delete)
			inf->h.on_delete(m, inf->h.arg, old ? old : obj);
		H->obj_free(old);
		H->obj_free(obj);
		return;
	}
	pthread_rwlock_wrlock(&inf->lock);
	const cs_object *old = tab_put(inf, key, obj);
	pthread_rwlock_unlock(&inf->lock);
	if (!old) {
		if (inf->h.on_add)
			inf->h.on_add(m, inf->h.arg, obj);
	} else {
		if (inf->h.on_update)
			inf->h.on_update(m, inf->h.arg, old, obj);
		H->obj_free(old);
	}
}

struct post {
	cs_informer *inf;
	unsigned epoch;
	int kind; /* 0 line, 1 list response, 2 stream end, 3 parsed events */
	int code;
	char *text;
	size_t len;
	cs_client_event *evs; /* kind 3: n of them, objects not yet applied */
	size_t nevs;
};

static void post_drop(void *p)
{
	struct post *q = p;
	inf_unref(q->inf);
	free(q->text);
	for (size_t i = 0; i < q->nevs; i++)
		cs_json_free(q->evs[i].obj);
	free(q->evs);
	free(q);
}

static void retry_later(cs_informer *inf);

static void watch_start(cs_informer *inf);

static void on_line(cs_informer *inf, const char *text, size_t len)
{
	char e[128];
	cs_json *ev = cs_json_parse(text, len, e, sizeof(e));
	const char *type = cs_json_get_str(ev, "type");
	cs_json *obj = ev ? cs_json_take(ev, "object") : NULL;
	if (!type || !obj) {
		cs_log(CS_LOG_WARN, "module %s: informer %s: unreadable watch event: %s",
		       inf->mi->name, inf->resource, ev ? "no type/object" : e);
		cs_json_free(obj);
		cs_json_free(ev);
		return;
	}
	if (!strcmp(type, "ERROR")) {
		int64_t code = cs_json_as_int(cs_json_get(obj, "code"), 0);
		cs_log(code == 410 ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "module %s: informer %s: watch error %lld: %s; listing again", inf->mi->name,
		       inf->resource, (long long)code, cs_json_get_str(obj, "message"));
		/* Whatever it was, a fresh list brings the cache back to the
		 * server's state. */
		inf->epoch++;
		stream_stop(inf);
		inf->rv[0] = '\0';
		list_start(inf);
	} else if (!strcmp(type, "BOOKMARK")) {
		const char *rv =
			cs_json_str(cs_json_path(obj, "metadata", "resourceVersion", NULL));
		if (rv)
			snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
	} else {
		apply(inf, type, cs_modobj_share(obj));
		obj = NULL;
	}
	cs_json_free(obj);
	cs_json_free(ev);
}

static void on_list(cs_informer *inf, int code, const char *text, size_t len)
{
	const cs_host *H = cs_host_table();
	const cs_object *list = NULL;
	cs_error err;
	if (cs_modapi_result(code, text, len, &list, &err)) {
		cs_log(CS_LOG_WARN, "module %s: informer %s: list failed: %s", inf->mi->name,
		       inf->resource, err.message);
		retry_later(inf);
		return;
	}
	inf->failures = 0;
	pthread_rwlock_wrlock(&inf->lock);
	for (size_t i = 0; i < inf->cap; i++)
		for (struct entry *e = inf->tab[i]; e; e = e->next)
			e->seen = false;
	pthread_rwlock_unlock(&inf->lock);
	const cs_object *items = H->obj_get(list, "items");
	for (size_t i = 0; i < H->obj_len(items); i++) {
		const cs_object *it = H->obj_at(items, i);
		char key[512];
		if (!obj_key(it, key, sizeof(key)))
			continue;
		pthread_rwlock_rdlock(&inf->lock);
		struct entry *e = tab_find(inf, key);
		bool same = e && e->obj && obj_rv(e->obj) && obj_rv(it) &&
			    !strcmp(obj_rv(e->obj), obj_rv(it));
		if (e)
			e->seen = true;
		pthread_rwlock_unlock(&inf->lock);
		if (same)
			continue;
		/* Items are shared through their list: give each its own. */
		apply(inf, "MODIFIED", cs_modobj_share(cs_json_clone(cs_modobj_json(it))));
	}
	/* Gone while we were not watching. */
	for (;;) {
		const cs_object *gone = NULL;
		pthread_rwlock_rdlock(&inf->lock);
		for (size_t i = 0; i < inf->cap && !gone; i++)
			for (struct entry *e = inf->tab[i]; e && !gone; e = e->next)
				if (!e->seen)
					gone = H->obj_keep(e->obj);
		pthread_rwlock_unlock(&inf->lock);
		if (!gone)
			break;
		apply(inf, "DELETED", gone);
	}
	const char *rv = H->obj_str(list, "metadata.resourceVersion");
	snprintf(inf->rv, sizeof(inf->rv), "%s", rv ? rv : "");
	H->obj_free(list);
	atomic_store(&inf->synced, true);
	watch_start(inf);
}

static void post_run(void *p)
{
	struct post *q = p;
	cs_informer *inf = q->inf;
	if (!inf->stopped && q->epoch == inf->epoch) {
		if (q->kind == 0) {
			on_line(inf, q->text, q->len);
		} else if (q->kind == 3) {
			/* The server's own parse: no text to read again. */
			for (size_t i = 0; i < q->nevs && !inf->stopped && q->epoch == inf->epoch;
			     i++) {
				cs_json *obj = q->evs[i].obj;
				q->evs[i].obj = NULL;
				apply(inf, q->evs[i].type, cs_modobj_share(obj));
			}
		} else if (q->kind == 1) {
			on_list(inf, q->code, q->text, q->len);
		} else {
			/* The stream ended: resume from the last revision, or
			 * list again after a failure. */
			stream_stop(inf);
			inf->epoch++;
			if (q->code == 200)
				watch_start(inf);
			else if (q->code == 410)
				list_start(inf);
			else
				retry_later(inf);
		}
	}
	post_drop(q);
}

/* To the module thread; q's text or events go with it. */
static void post_send(struct post q)
{
	struct post *p = malloc(sizeof(*p));
	if (!p)
		abort();
	*p = q;
	atomic_fetch_add(&q.inf->refs, 1);
	cs_loop_post(q.inf->mi->loop, post_run, post_drop, p);
}

static void post(cs_informer *inf, unsigned epoch, int kind, int code, char *text, size_t len)
{
	post_send((struct post){
		.inf = inf, .epoch = epoch, .kind = kind, .code = code, .text = text, .len = len});
}

/* ---- transport callbacks ---- */

struct req {
	cs_informer *inf;
	unsigned epoch;
};

static void list_done(void *arg, int code, char *body, size_t len)
{
	struct req *r = arg;
	cs_modinst *mi = r->inf->mi;
	post(r->inf, r->epoch, 1, code, body, len);
	inf_unref(r->inf);
	free(r);
	cs_modinst_release(mi);
}

static void stream_data(void *arg, const char *data, size_t len)
{
	struct sctx *inf = arg;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (inf->plen + n + 1 > inf->pcap) {
			inf->pcap = (inf->plen + n + 1) * 2;
			inf->part = realloc(inf->part, inf->pcap);
			if (!inf->part)
				abort();
		}
		memcpy(inf->part + inf->plen, p, n);
		inf->plen += n;
		if (!nl)
			break;
		if (inf->plen) {
			char *line = malloc(inf->plen + 1);
			if (!line)
				abort();
			memcpy(line, inf->part, inf->plen);
			line[inf->plen] = '\0';
			post(inf->inf, inf->epoch, 0, 0, line, inf->plen);
		}
		inf->plen = 0;
		p = nl + 1;
	}
}

/* Transport thread: one post for the whole batch. */
static void stream_events(void *arg, cs_client_event *ev, size_t n)
{
	struct sctx *sc = arg;
	cs_client_event *copy = malloc(n * sizeof(*copy));
	if (!copy)
		abort();
	memcpy(copy, ev, n * sizeof(*copy));
	post_send((struct post){
		.inf = sc->inf, .epoch = sc->epoch, .kind = 3, .evs = copy, .nevs = n});
}

static void stream_end(void *arg, int code, const char *body, size_t len)
{
	struct sctx *sc = arg;
	char *copy = strndup(body, len);
	post(sc->inf, sc->epoch, 2, code, copy, len);
}

/* Module thread: end the current stream; no callback runs after this. */
static void stream_stop(cs_informer *inf)
{
	if (!inf->stream)
		return;
	inf->mi->api->ops->stream_cancel(inf->stream);
	inf->stream = NULL;
	free(inf->sctx->part);
	free(inf->sctx);
	inf->sctx = NULL;
	inf_unref(inf);
}

/* ---- list and watch (module thread) ---- */

/* Append &labelSelector=..&fieldSelector=.. (URL-encoded). */
static int add_selectors(const cs_informer *inf, char *pq, size_t n, int k, char sep)
{
	const char *keys[2] = {"labelSelector", "fieldSelector"};
	const char *vals[2] = {inf->lsel, inf->fsel};
	for (int i = 0; i < 2; i++) {
		if (!vals[i] || !*vals[i])
			continue;
		k += snprintf(pq + k, n - (size_t)k, "%c%s=", sep, keys[i]);
		for (const char *c = vals[i]; *c && (size_t)k + 4 < n; c++) {
			bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				     (*c >= '0' && *c <= '9') || strchr("-_.~=!,()/", *c);
			k += plain ? snprintf(pq + k, n - (size_t)k, "%c", *c)
				   : snprintf(pq + k, n - (size_t)k, "%%%02X", (unsigned char)*c);
		}
		sep = '&';
	}
	return k;
}

static void list_start(cs_informer *inf)
{
	if (inf->stopped)
		return;
	char pq[2048];
	int k = snprintf(pq, sizeof(pq), "%s", inf->path);
	add_selectors(inf, pq, sizeof(pq), k, '?');
	struct req *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->inf = inf;
	r->epoch = inf->epoch;
	atomic_fetch_add(&inf->refs, 1);
	cs_modinst_hold(inf->mi);
	inf->mi->api->ops->request(inf->mi->api, "GET", pq, NULL, NULL, 0, list_done, r);
}

static void watch_start(cs_informer *inf)
{
	if (inf->stopped)
		return;
	char pq[2100];
	int k = snprintf(pq, sizeof(pq), "%s?watch=1&allowWatchBookmarks=true&resourceVersion=%s",
			 inf->path, inf->rv[0] ? inf->rv : "0");
	add_selectors(inf, pq, sizeof(pq), k, '&');
	struct sctx *sc = calloc(1, sizeof(*sc));
	if (!sc)
		abort();
	sc->inf = inf;
	sc->epoch = inf->epoch;
	atomic_fetch_add(&inf->refs, 1);
	const struct cs_client_ops *ops = inf->mi->api->ops;
	inf->stream = ops->stream_events
			      ? ops->stream_events(inf->mi->api, pq, stream_data, stream_events,
						   stream_end, sc)
			      : ops->stream(inf->mi->api, pq, stream_data, stream_end, sc);
	if (!inf->stream) {
		free(sc);
		inf_unref(inf);
		retry_later(inf);
		return;
	}
	inf->sctx = sc;
}

static void retry_fire(void *arg)
{
	cs_informer *inf = arg;
	inf->retry_timer = NULL; /* one-shot timers free themselves */
	inf->epoch++;
	list_start(inf);
}

static void retry_later(cs_informer *inf)
{
	if (inf->stopped || inf->retry_timer)
		return;
	/* 100 ms doubling to 10 s: a restarting server is found quickly, a
	 * dead one is not hammered. */
	unsigned ms = 100u << (inf->failures < 7 ? inf->failures : 7);
	if (ms > 10000)
		ms = 10000;
	inf->failures++;
	inf->retry_timer = cs_loop_timer_add(inf->mi->loop, ms, 0, retry_fire, inf);
}

static bool resync_visit(void *arg, const cs_object *o)
{
	cs_informer *inf = arg;
	inf->h.on_update(&inf->mi->pub, inf->h.arg, o, o);
	return true;
}

static void resync_fire(void *arg)
{
	cs_informer *inf = arg;
	if (inf->stopped || !inf->h.on_update || !atomic_load(&inf->synced))
		return;
	/* Handlers may read the cache: visit a snapshot of references. */
	const cs_host *H = cs_host_table();
	pthread_rwlock_rdlock(&inf->lock);
	size_t n = inf->len, k = 0;
	const cs_object **snap = malloc((n ? n : 1) * sizeof(*snap));
	if (!snap)
		abort();
	for (size_t i = 0; i < inf->cap; i++)
		for (struct entry *e = inf->tab[i]; e && k < n; e = e->next)
			snap[k++] = H->obj_keep(e->obj);
	pthread_rwlock_unlock(&inf->lock);
	for (size_t i = 0; i < k; i++) {
		resync_visit(inf, snap[i]);
		H->obj_free(snap[i]);
	}
	free(snap);
}

/* ---- public (host table) ---- */

cs_informer *cs_informer_new(cs_mod *m, const char *resource, const char *ns, const char *lsel,
			     const char *fsel, unsigned resync, const cs_informer_handlers *h)
{
	cs_modinst *mi = cs_modinst_of(m);
	cs_error err;
	char path[1024];
	const cs_type *t;
	if (cs_modapi_path(resource, ns, NULL, path, sizeof(path), &t, &err) < 0) {
		cs_mod_log(m, CS_LOG_ERROR, "informer for \"%s\": %s", resource ? resource : "",
			   err.message);
		return NULL;
	}
	if (strchr(resource, '/')) {
		cs_mod_log(m, CS_LOG_ERROR, "informer for \"%s\": subresources cannot be watched",
			   resource);
		return NULL;
	}
	cs_status st = {0};
	cs_selector *sel = lsel && *lsel ? cs_label_selector_parse(lsel, &st) : NULL;
	if (lsel && *lsel && !sel) {
		cs_mod_log(m, CS_LOG_ERROR, "informer for %s: label selector \"%s\": %s", resource,
			   lsel, st.message);
		return NULL;
	}
	cs_selector_free(sel);
	cs_informer *inf = calloc(1, sizeof(*inf));
	if (!inf)
		abort();
	inf->mi = mi;
	inf->resource = strdup(resource);
	inf->ns = ns ? strdup(ns) : NULL;
	inf->lsel = lsel ? strdup(lsel) : NULL;
	inf->fsel = fsel ? strdup(fsel) : NULL;
	inf->resync = resync;
	if (h)
		inf->h = *h;
	snprintf(inf->path, sizeof(inf->path), "%s", path);
	pthread_rwlock_init(&inf->lock, NULL);
	atomic_init(&inf->refs, 1);
	pthread_mutex_lock(&mi->mu);
	inf->next = mi->informers;
	mi->informers = inf;
	bool running = mi->running;
	pthread_mutex_unlock(&mi->mu);
	/* Made after start: it starts at once, on the module thread. */
	if (running)
		cs_loop_post(mi->loop, inf_start_post, NULL, inf);
	return inf;
}

static void inf_start(cs_informer *inf);
static void inf_start_post(void *arg)
{
	inf_start(arg);
}

static void inf_start(cs_informer *inf)
{
	if (inf->started || inf->stopped)
		return;
	inf->started = true;
	if (!inf->mi->api) {
		cs_log(CS_LOG_ERROR, "module %s: informer %s: this process has no API",
		       inf->mi->name, inf->resource);
		return;
	}
	list_start(inf);
	if (inf->resync)
		inf->resync_timer = cs_loop_timer_add(inf->mi->loop, inf->resync * 1000ULL,
						      inf->resync * 1000ULL, resync_fire, inf);
}

void cs_informers_start(cs_modinst *mi)
{
	pthread_mutex_lock(&mi->mu);
	cs_informer *list = mi->informers;
	mi->running = true;
	pthread_mutex_unlock(&mi->mu);
	for (cs_informer *inf = list; inf; inf = inf->next)
		inf_start(inf);
}

static void inf_unref(cs_informer *inf)
{
	if (atomic_fetch_sub(&inf->refs, 1) != 1)
		return;
	const cs_host *H = cs_host_table();
	for (size_t i = 0; i < inf->cap; i++)
		for (struct entry *e = inf->tab[i], *nx; e; e = nx) {
			nx = e->next;
			H->obj_free(e->obj);
			free(e->key);
			free(e);
		}
	free(inf->tab);
	pthread_rwlock_destroy(&inf->lock);
	free(inf->resource);
	free(inf->ns);
	free(inf->lsel);
	free(inf->fsel);
	free(inf);
}

void cs_informers_stop(cs_modinst *mi)
{
	pthread_mutex_lock(&mi->mu);
	cs_informer *list = mi->informers;
	mi->informers = NULL;
	mi->running = false;
	pthread_mutex_unlock(&mi->mu);
	for (cs_informer *inf = list, *nx; inf; inf = nx) {
		nx = inf->next;
		inf->stopped = true;
		inf->epoch++;
		stream_stop(inf);
		if (inf->resync_timer)
			cs_loop_timer_cancel(inf->resync_timer);
		if (inf->retry_timer)
			cs_loop_timer_cancel(inf->retry_timer);
		inf->resync_timer = inf->retry_timer = NULL;
		/* Posts and list requests in flight hold references. */
		inf_unref(inf);
	}
}

size_t cs_informers_unsynced(cs_modinst *mi, char *first, size_t n)
{
	size_t k = 0;
	pthread_mutex_lock(&mi->mu);
	for (cs_informer *inf = mi->informers; inf; inf = inf->next)
		if (!atomic_load(&inf->synced) && k++ == 0)
			snprintf(first, n, "%s", inf->resource);
	pthread_mutex_unlock(&mi->mu);
	return k;
}

bool cs_informer_synced(cs_informer *inf)
{
	return inf && atomic_load(&inf->synced);
}

const cs_object *cs_informer_get(cs_informer *inf, const char *ns, const char *name)
{
	if (!inf || !name)
		return NULL;
	char key[512];
	if (ns && *ns)
		snprintf(key, sizeof(key), "%s/%s", ns, name);
	else
		snprintf(key, sizeof(key), "%s", name);
	pthread_rwlock_rdlock(&inf->lock);
	struct entry *e = tab_find(inf, key);
	const cs_object *o = e ? cs_host_table()->obj_keep(e->obj) : NULL;
	pthread_rwlock_unlock(&inf->lock);
	return o;
}

int cs_informer_each(cs_informer *inf, const char *ns, const char *lsel, cs_visit_fn fn, void *arg)
{
	if (!inf)
		return -1;
	cs_status st = {0};
	cs_selector *sel = NULL;
	if (lsel && *lsel && !(sel = cs_label_selector_parse(lsel, &st)))
		return -1;
	pthread_rwlock_rdlock(&inf->lock);
	bool go = true;
	for (size_t i = 0; i < inf->cap && go; i++)
		for (struct entry *e = inf->tab[i]; e && go; e = e->next) {
			const cs_json *md = cs_json_get(cs_modobj_json(e->obj), "metadata");
			if (ns && *ns) {
				const char *ons = cs_json_get_str(md, "namespace");
				if (!ons || strcmp(ons, ns))
					continue;
			}
			if (sel && !cs_label_selector_match(sel, cs_json_get(md, "labels")))
				continue;
			go = fn(arg, e->obj);
		}
	pthread_rwlock_unlock(&inf->lock);
	cs_selector_free(sel);
	return 0;
}

size_t cs_informer_len(cs_informer *inf)
{
	if (!inf)
		return 0;
	pthread_rwlock_rdlock(&inf->lock);
	size_t n = inf->len;
	pthread_rwlock_unlock(&inf->lock);
	return n;
}

const char *cs_informer_resource(const cs_informer *inf)
{
	return inf->resource;
}
