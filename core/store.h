/* The object store: the only way to the data.
 *
 * Semantics follow etcd's: one global revision; every write gets the next
 * revision; an object's resourceVersion is the revision of its last write;
 * watchers replay a bounded in-memory history and get 410 Gone beyond it.
 *
 * Threading: every cs_store_* call is made from the API event loop thread.
 * Durability work (the synced leveldb WriteBatch) runs on the store's own
 * commit thread, which group-commits everything queued while the previous
 * sync ran.  When a batch is durable the store calls the `wake` hook (from
 * the commit thread); the loop then calls cs_store_dispatch(), which makes
 * the writes visible, appends watch events and runs completion callbacks, in
 * revision order.
 *
 * Events evicted from the watch history are freed on a third thread, the
 * reaper: releasing a parsed object is hundreds of free() calls the loop
 * need not wait for.
 *
 * Reads see only durable ("visible") versions; writers validate against the
 * latest version, including writes still being synced, so compare-and-swap
 * is exact. */
#ifndef CS_STORE_H
#define CS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* One immutable version of one object: its JSON text.  Reference counted
 * because the map, the watch history and in-flight responses share it. */
typedef struct cs_obj {
	unsigned refs;
	uint64_t rev; /* revision of this write */
	bool deleted; /* tombstone: json is the object's final state */
	size_t len;
	cs_json *doc; /* parsed form (a shared tree, json.h), cached on demand
		       * (loop thread only) */
	char json[];  /* NUL-terminated */
} cs_obj;

cs_obj *cs_obj_new(const char *json, size_t len, uint64_t rev);
cs_obj *cs_obj_ref(cs_obj *o);
void cs_obj_unref(cs_obj *o);
/* Parsed form (cached); NULL only if the stored text is not JSON.
 * Borrowed: valid until the caller returns to the event loop (the store
 * drops a cached parse when the object's event leaves the watch history,
 * to bound the memory parsed copies take); cs_json_ref() to keep it.  The
 * store's parses are shared trees: never changed, whoever holds them. */
const cs_json *cs_obj_doc(cs_obj *o);

enum cs_event_type { CS_EV_ADDED, CS_EV_MODIFIED, CS_EV_DELETED };

typedef struct cs_event {
	enum cs_event_type type;
	uint64_t rev;
	char *key;
	cs_obj *obj;  /* new state; for DELETED the final state */
	cs_obj *prev; /* state before this write (NULL for ADDED), so
		       * filtered watches can tell objects entering and
		       * leaving their selector */
	char *line;   /* cached {"type":..,"object":..}\n, built on demand */
	size_t line_len;
	cs_json *doc; /* parsed object, cached while the event is in history */
	cs_json *prev_doc;
	/* store-internal: the release of an evicted event */
	cs_json *reap_doc;
	struct cs_event *reap_next;
} cs_event;

/* Parsed object of an event (cached with the event, not the object, so
 * that selector filtering does not pin parsed copies of live objects). */
const cs_json *cs_event_doc(cs_event *ev);
/* Parsed previous state, or NULL. */
const cs_json *cs_event_prev_doc(cs_event *ev);

/* Build (once) and return the watch line for an event. */
const char *cs_event_line(cs_event *ev, size_t *len);

typedef struct cs_store cs_store;

typedef struct cs_store_opts {
	bool sync;               /* fsync every batch (default true) */
	size_t history;          /* watch history events kept in memory */
	void (*wake)(void *arg); /* called from the commit thread */
	void *wake_arg;
	/* called on the loop thread for each committed event, in order */
	void (*on_event)(void *arg, cs_event *ev);
	void *event_arg;
} cs_store_opts;

int cs_store_open(cs_store **out, const char *dir, const cs_store_opts *opts, char *err,
		  size_t errlen);
/* Flushes queued writes, stops the commit thread and closes leveldb. */
void cs_store_close(cs_store *s);

/* Revision of the last durable write. */
uint64_t cs_store_rev(const cs_store *s);
/* The revision the next cs_store_put/delete will be assigned. */
uint64_t cs_store_next_rev(const cs_store *s);
/* Oldest revision still replayable from the watch history (watch from an
 * older revision is 410 Gone). */
uint64_t cs_store_oldest_rev(const cs_store *s);

/* Visible (durable) version, or NULL.  Borrowed: valid until the caller
 * returns to the event loop; cs_obj_ref() to keep it. */
cs_obj *cs_store_get(cs_store *s, const char *key);
/* Latest version including writes being synced, for compare-and-swap. */
cs_obj *cs_store_get_latest(cs_store *s, const char *key);

/* Visit visible objects whose key starts with prefix, in key order,
 * starting strictly after `after` (NULL: from the start).  Stop when fn
 * returns false. */
typedef bool (*cs_store_visit_fn)(void *arg, const char *key, cs_obj *o);
void cs_store_scan(cs_store *s, const char *prefix, const char *after, cs_store_visit_fn fn,
		   void *arg);
/* Number of visible objects under prefix. */
size_t cs_store_count(cs_store *s, const char *prefix);

/* Completion of a write: err 0 when durable, else a negative errno and
 * the write was not applied. Runs on the loop thread. */
typedef void (*cs_store_done_fn)(void *arg, int err, uint64_t rev);

/* Queue a put.  expect_rev: the latest version's revision the caller based
 * the write on (0: the key must not exist).  rev must equal
 * cs_store_next_rev() (it is embedded in the JSON as resourceVersion).
 * Returns 0, or -EEXIST / -ESTALE (compare failed: nothing queued). */
int cs_store_put(cs_store *s, const char *key, const char *json, size_t len, uint64_t rev,
		 uint64_t expect_rev, cs_store_done_fn done, void *arg);
/* cs_store_put with the parsed form of json (exactly what parsing json
 * yields, e.g. the tree json was serialised from), taken in every case: the
 * new version starts with its parse cached, so the watch fan-out and the
 * next update of the object do not parse the text again. */
int cs_store_put_doc(cs_store *s, const char *key, const char *json, size_t len, cs_json *doc,
		     uint64_t rev, uint64_t expect_rev, cs_store_done_fn done, void *arg);
/* Queue a delete; json is the object's final state for the DELETED event
 * (with resourceVersion = rev).  Returns 0, -ENOENT or -ESTALE. */
int cs_store_delete(cs_store *s, const char *key, const char *json, size_t len, uint64_t rev,
		    uint64_t expect_rev, cs_store_done_fn done, void *arg);
/* cs_store_delete with the parsed final state (see cs_store_put_doc). */
int cs_store_delete_doc(cs_store *s, const char *key, const char *json, size_t len, cs_json *doc,
			uint64_t rev, uint64_t expect_rev, cs_store_done_fn done, void *arg);

/* Run on the loop thread after `wake`: publish durable writes. */
void cs_store_dispatch(cs_store *s);

/* Watch history access: events with revision > rev, oldest first.  Returns
 * the number copied into out (up to max), -1 if rev is older than the
 * history holds (410 Gone).  A watcher keeps a cursor = last revision seen. */
/* Position of the first event with revision > rev, or -1 when rev is too old. */
int64_t cs_store_history_seek(cs_store *s, uint64_t rev);
/* Event at a history position (positions grow forever; NULL when evicted or
 * not yet written). */
cs_event *cs_store_history_at(cs_store *s, int64_t pos);
/* Position one past the newest event. */
int64_t cs_store_history_end(const cs_store *s);

/* Figures for /metrics. */
typedef struct cs_store_stats {
	uint64_t batches, writes, sync_ns_total;
	uint64_t sync_hist[16]; /* bucket i: sync took < 2^i * 100us */
	size_t objects;
} cs_store_stats;
void cs_store_stats_get(cs_store *s, cs_store_stats *st);

#endif
