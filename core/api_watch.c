/* Watch streams.  Each watcher holds a cursor into the store's event
 * history; events are pulled into the socket only when the previous batch
 * has drained, so a slow client costs a cursor, not a queue.  A watcher
 * whose cursor falls out of the history gets a 410 Expired ERROR event and
 * the stream ends, as with Kubernetes' watch cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "selector.h"
#include "util.h"

#define BATCH_BYTES (64u << 10)
#define KEYLEN      1024

struct cs_watch {
	cs_watch *next, *prev;
	cs_req *r;
	cs_server *srv;
	const cs_type *t;
	char prefix[KEYLEN];
	char key[KEYLEN]; /* single-object watch, else empty */
	cs_selector *ls, *fs;
	int64_t pos;  /* next history position to look at */
	uint64_t rev; /* revision of the last event delivered */
	bool bookmarks;
	bool idle; /* drained everything; wake on the next event */
	uint64_t deadline_ns;
	uint64_t last_send_ns;
	cs_obj **init; /* synthetic ADDED events for the initial state */
	size_t ninit, init_off;
	char *batch;
	size_t blen, bcap;
	char *tmp; /* a re-typed event line */
	size_t tmp_cap;
	bool table;       /* Accept: as=Table: objects as one-row Tables */
	char include[16]; /* includeObject for Table rows */
	/* An in-process watcher that takes events parsed: the store's
	 * shared parse goes over, not a line it would parse again. */
	bool objs;
	cs_client_event *evs;
	size_t nevs, evcap, evbytes;
};

static const char *ev_names[] = {"ADDED", "MODIFIED", "DELETED"};

/* Hand the parsed events gathered so far to the sink. */
static void objs_flush(cs_watch *w)
{
	cs_stream_events(w->r, w->evs, w->nevs);
	w->nevs = 0;
	w->evbytes = 0;
}

static void batch_add(cs_watch *w, const char *s, size_t n)
{
	if (w->nevs) /* stream order: the parsed events before this line */
		objs_flush(w);
	if (w->blen + n > w->bcap) {
		w->bcap = (w->blen + n) * 2;
		w->batch = realloc(w->batch, w->bcap);
		if (!w->batch)
			abort();
	}
	memcpy(w->batch + w->blen, s, n);
	w->blen += n;
}

/* Queue the batch as one chunk.  now: also write it to the socket (used
 * outside the writable callback). */
static void flush(cs_watch *w, bool now)
{
	if (w->nevs)
		objs_flush(w);
	if (!w->blen)
		return;
	cs_stream_write(w->r, w->batch, w->blen);
	w->blen = 0;
	w->last_send_ns = cs_now_ns();
	if (now)
		cs_req_send_now(w->r);
}

static void unlink_watch(cs_watch *w)
{
	cs_server *srv = w->srv;
	if (w->prev)
		w->prev->next = w->next;
	else
		srv->watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	srv->nwatches--;
}

static void watch_free(cs_watch *w)
{
	for (size_t i = 0; i < w->nevs; i++)
		cs_json_free(w->evs[i].obj);
	free(w->evs);
	for (size_t i = w->init_off; i < w->ninit; i++)
		cs_obj_unref(w->init[i]);
	free(w->init);
	cs_selector_free(w->ls);
	cs_selector_free(w->fs);
	free(w->batch);
	free(w->tmp);
	free(w);
}

static void finish(cs_watch *w)
{
	flush(w, false);
	unlink_watch(w);
	cs_req *r = w->r;
	watch_free(w);
	cs_stream_end(r);
}

size_t cs_watch_count(cs_server *srv)
{
	return srv->nwatches;
}

static bool key_matches(const cs_watch *w, const char *key)
{
	return w->key[0] ? !strcmp(key, w->key) : !strncmp(key, w->prefix, strlen(w->prefix));
}

static bool selectors_match(const cs_watch *w, const cs_json *doc)
{
	if (cs_selector_empty(w->ls) && cs_selector_empty(w->fs))
		return true;
	return doc &&
	       cs_label_selector_match(w->ls, cs_json_path(doc, "metadata", "labels", NULL)) &&
	       cs_field_selector_match(w->fs, doc);
}

static bool wanted(const cs_watch *w, const char *key, const cs_json *doc)
{
	return key_matches(w, key) && selectors_match(w, doc);
}

struct init_ctx {
	cs_watch *w;
	size_t cap;
};

static bool init_visit(void *arg, const char *key, cs_obj *o)
{
	struct init_ctx *c = arg;
	cs_watch *w = c->w;
	if (w->key[0] && strcmp(key, w->key))
		return true;
	if (!cs_selector_empty(w->ls) || !cs_selector_empty(w->fs)) {
		char err[128];
		cs_json *d = cs_json_parse(o->json, o->len, err, sizeof(err));
		bool ok = wanted(w, key, d);
		cs_json_free(d);
		if (!ok)
			return true;
	}
	if (w->ninit == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		w->init = realloc(w->init, c->cap * sizeof(*w->init));
		if (!w->init)
			abort();
	}
	w->init[w->ninit++] = cs_obj_ref(o);
	return true;
}

/* Append {"type":TYPE,"object":OBJECT} as one event line; takes object. */
static void add_event_json(cs_watch *w, const char *type, cs_json *object)
{
	cs_json *ev = cs_json_object();
	cs_json_set(ev, "type", cs_json_string(type));
	cs_json_set(ev, "object", object);
	size_t n;
	char *line = cs_json_dump(ev, false, &n);
	cs_json_free(ev);
	batch_add(w, line, n);
	batch_add(w, "\n", 1);
	free(line);
}

static void error_event(cs_watch *w, int code, const char *reason, const char *msg)
{
	cs_status st = {0};
	cs_status_set(&st, code, reason, "%s", msg);
	add_event_json(w, "ERROR", cs_status_json(&st));
}

void cs_watch_start(cs_req *r, const cs_type *t, const char *ns, const char *name)
{
	cs_status st = {0};
	cs_watch *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->r = r;
	w->srv = r->srv;
	w->t = t;
	cs_key_prefix(w->prefix, sizeof(w->prefix), t, ns);
	if (name)
		cs_key(w->key, sizeof(w->key), t, ns, name);
	w->ls = cs_label_selector_parse(cs_req_query(r, "labelSelector"), &st);
	if (w->ls)
		w->fs = cs_field_selector_parse(cs_req_query(r, "fieldSelector"), t, &st);
	if (!w->ls || !w->fs) {
		watch_free(w);
		cs_reply_status(r, &st);
		return;
	}
	w->table = strstr(r->accept, "as=Table") != NULL;
	const char *inc = w->table ? cs_req_include_object(r, &st) : "Metadata";
	if (!inc) {
		watch_free(w);
		cs_reply_status(r, &st);
		return;
	}
	snprintf(w->include, sizeof(w->include), "%s", inc);
	w->objs = !w->table && cs_stream_takes_events(r);
	const char *b = cs_req_query(r, "allowWatchBookmarks");
	w->bookmarks = b && (!strcmp(b, "1") || !strcasecmp(b, "true"));
	const char *to = cs_req_query(r, "timeoutSeconds");
	uint64_t secs;
	if (to && *to) {
		if (!cs_parse_u64(to, &secs)) {
			watch_free(w);
			cs_reply_error(r, 400, "BadRequest",
				       "timeoutSeconds \"%s\" is not a non-negative integer", to);
			return;
		}
		w->deadline_ns = cs_now_ns() + secs * 1000000000ULL;
	}
	const char *rvs = cs_req_query(r, "resourceVersion");
	uint64_t rv = 0;
	if (rvs && *rvs && !cs_parse_u64(rvs, &rv)) {
		watch_free(w);
		cs_reply_error(r, 400, "BadRequest", "resourceVersion \"%s\" is not a revision",
			       rvs);
		return;
	}
	cs_store *s = r->srv->store;
	cs_reply_stream_begin(r, 200, "application/json");
	r->watch = w;
	if (r->wsi) {
		/* Streams live as long as the client wants. */
		cs_req_no_timeout(r);
	}
	w->next = r->srv->watches;
	if (w->next)
		w->next->prev = w;
	r->srv->watches = w;
	r->srv->nwatches++;
	w->last_send_ns = cs_now_ns();
	if (!rv) {
		/* No (or "0") resourceVersion: the current state as ADDED
		 * events, then changes. */
		struct init_ctx c = {.w = w};
		cs_store_scan(s, w->prefix, NULL, init_visit, &c);
		w->rev = cs_store_rev(s);
		w->pos = cs_store_history_seek(s, w->rev);
	} else {
		w->rev = rv;
		w->pos = cs_store_history_seek(s, rv);
		if (w->pos < 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
				 (unsigned long long)rv,
				 (unsigned long long)cs_store_oldest_rev(s) + 1);
			error_event(w, 410, "Expired", msg);
			finish(w);
			return;
		}
	}
	cs_req_want_write(r);
}

/* A watch event whose object is a meta.k8s.io Table with one row, as
 * kubectl requests for `get -w`. */
static void add_table_event(cs_watch *w, const char *type, const cs_json *doc)
{
	if (!doc)
		return;
	cs_json *items = cs_json_array();
	cs_json_push(items, cs_json_clone(doc));
	const char *rv = cs_json_str(cs_json_path(doc, "metadata", "resourceVersion", NULL));
	cs_json *tbl = cs_table_build(w->t, items, w->include, rv, NULL);
	cs_json_free(items);
	if (!tbl)
		return;
	add_event_json(w, type, tbl);
}

/* The type this watcher sees the event as, or -1 when it does not see it.
 * With a selector, Kubernetes reports an object that starts matching as
 * ADDED and one that stops matching as DELETED (carrying its new state). */
static int seen_as(const cs_watch *w, cs_event *ev)
{
	if (!key_matches(w, ev->key))
		return -1;
	if (cs_selector_empty(w->ls) && cs_selector_empty(w->fs))
		return (int)ev->type;
	/* A DELETED event's object is the final state: it matched "before". */
	bool deleted = ev->type == CS_EV_DELETED;
	bool now = !deleted && selectors_match(w, cs_event_doc(ev));
	bool before = deleted ? selectors_match(w, cs_event_doc(ev))
			      : ev->prev && selectors_match(w, cs_event_prev_doc(ev));
	if (now && before)
		return CS_EV_MODIFIED;
	if (now)
		return CS_EV_ADDED;
	if (before)
		return CS_EV_DELETED;
	return -1;
}

/* The event's line as type t. */
static const char *line_as(cs_watch *w, cs_event *ev, enum cs_event_type t, size_t *n)
{
	if (t == ev->type)
		return cs_event_line(ev, n);
	size_t need = ev->obj->len + 48;
	if (need > w->tmp_cap) {
		w->tmp_cap = need;
		w->tmp = realloc(w->tmp, need);
		if (!w->tmp)
			abort();
	}
	*n = (size_t)snprintf(w->tmp, need, "{\"type\":\"%s\",\"object\":%s}\n", ev_names[t],
			      ev->obj->json);
	return w->tmp;
}

/* Queue the event as type t, parsed; false when it has no parse (stored
 * text that is not JSON cannot happen, but a line still carries it). */
static bool objs_add(cs_watch *w, cs_event *ev, enum cs_event_type t)
{
	const cs_json *doc = cs_event_doc(ev);
	if (!doc)
		return false;
	if (w->blen) { /* stream order: lines queued before go first */
		cs_stream_write(w->r, w->batch, w->blen);
		w->blen = 0;
	}
	if (w->nevs == w->evcap) {
		w->evcap = w->evcap ? w->evcap * 2 : 64;
		w->evs = realloc(w->evs, w->evcap * sizeof(*w->evs));
		if (!w->evs)
			abort();
	}
	w->evs[w->nevs++] = (cs_client_event){.type = ev_names[t], .obj = cs_json_ref(doc)};
	w->evbytes += ev->obj->len;
	return true;
}

void cs_watch_writable(cs_req *r)
{
	cs_watch *w = r->watch;
	if (!w)
		return;
	cs_store *s = w->srv->store;
	if (w->init_off < w->ninit) {
		while (w->init_off < w->ninit && w->blen < BATCH_BYTES) {
			cs_obj *o = w->init[w->init_off++];
			if (w->table) {
				char err[128];
				cs_json *d = cs_json_parse(o->json, o->len, err, sizeof(err));
				add_table_event(w, "ADDED", d);
				cs_json_free(d);
			} else {
				batch_add(w, "{\"type\":\"ADDED\",\"object\":", 25);
				batch_add(w, o->json, o->len);
				batch_add(w, "}\n", 2);
			}
			cs_obj_unref(o);
		}
		flush(w, false);
		return;
	}
	int64_t end = cs_store_history_end(s);
	while (w->pos < end && w->blen + w->evbytes < BATCH_BYTES) {
		cs_event *ev = cs_store_history_at(s, w->pos);
		if (!ev) {
			char msg[160];
			snprintf(msg, sizeof(msg),
				 "too old resource version: %llu (%llu): the watcher fell behind "
				 "the event history",
				 (unsigned long long)w->rev,
				 (unsigned long long)cs_store_oldest_rev(s) + 1);
			error_event(w, 410, "Expired", msg);
			finish(w);
			return;
		}
		w->pos++;
		int t = seen_as(w, ev);
		if (t < 0)
			continue;
		w->rev = ev->rev;
		if (w->table) {
			add_table_event(w, ev_names[t], cs_event_doc(ev));
			continue;
		}
		if (w->objs && objs_add(w, ev, (enum cs_event_type)t))
			continue;
		size_t n;
		const char *line = line_as(w, ev, (enum cs_event_type)t, &n);
		batch_add(w, line, n);
	}
	flush(w, false);
}

bool cs_watch_more(cs_req *r)
{
	cs_watch *w = r->watch;
	if (!w)
		return false;
	bool more = w->init_off < w->ninit || w->pos < cs_store_history_end(w->srv->store);
	w->idle = !more;
	return more;
}

void cs_watch_fanout(cs_server *srv)
{
	if (!srv->fanout_pending)
		return;
	srv->fanout_pending = false;
	for (cs_watch *w = srv->watches, *nx; w; w = nx) {
		nx = w->next;
		if (!w->idle)
			continue; /* already in the writable cycle */
		cs_req *r = w->r;
		if (cs_req_blocked(r)) {
			/* A client that does not read must not make us buffer:
			 * it keeps its cursor and falls behind instead. */
			w->idle = false;
			cs_req_want_write(r);
			continue;
		}
		cs_watch_writable(r); /* may finish (and free) w */
		if (r->watch != w)
			continue;
		cs_req_send_now(r);
		if (cs_watch_more(r))
			cs_req_want_write(r);
	}
}

void cs_watch_on_event(cs_server *srv, cs_event *ev)
{
	(void)ev;
	srv->fanout_pending = true;
}

void cs_watch_closed(cs_req *r)
{
	cs_watch *w = r->watch;
	if (!w)
		return;
	unlink_watch(w);
	watch_free(w);
	r->watch = NULL;
}

size_t cs_watch_close_all(cs_server *srv)
{
	size_t n = 0;
	for (cs_watch *w = srv->watches, *nx; w; w = nx) {
		nx = w->next;
		finish(w);
		n++;
	}
	return n;
}

void cs_watch_tick(cs_server *srv)
{
	uint64_t now = cs_now_ns();
	for (cs_watch *w = srv->watches, *nx; w; w = nx) {
		nx = w->next;
		if (w->deadline_ns && now >= w->deadline_ns) {
			finish(w);
			continue;
		}
		if (w->bookmarks && w->idle && now - w->last_send_ns > 5000000000ULL) {
			char b[256];
			int n = snprintf(b, sizeof(b),
					 "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\","
					 "\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":"
					 "\"%llu\"}}}\n",
					 w->t->kind, cs_type_api_version(w->t),
					 (unsigned long long)cs_store_rev(srv->store));
			batch_add(w, b, (size_t)n);
			flush(w, true);
		}
	}
}
