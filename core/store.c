/* leveldb-backed object store with an in-memory index of every visible
 * object, a group-committing writer thread and a watch history ring. */
#include "store.h"

#include <errno.h>
#include <leveldb/c.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

#define SKIP_MAX 24
#define KEY_OBJ  'o'
static const char META_REV[] = "m/rev";

/* ---- objects ---- */

cs_obj *cs_obj_new(const char *json, size_t len, uint64_t rev)
{
	cs_obj *o = malloc(sizeof(*o) + len + 1);
	if (!o)
		abort();
	o->refs = 1;
	o->rev = rev;
	o->deleted = false;
	o->len = len;
	o->doc = NULL;
	memcpy(o->json, json, len);
	o->json[len] = '\0';
	return o;
}

/* Objects are shared between the loop thread and the commit thread. */
cs_obj *cs_obj_ref(cs_obj *o)
{
	if (o)
		__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
	return o;
}

void cs_obj_unref(cs_obj *o)
{
	if (o && __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		cs_json_free(o->doc);
		free(o);
	}
}

/* The stored text parsed, as a shared tree (NULL if it is not JSON). */
static cs_json *parse_shared(const cs_obj *o)
{
	char err[128];
	return cs_json_share(cs_json_parse(o->json, o->len, err, sizeof(err)));
}

const cs_json *cs_obj_doc(cs_obj *o)
{
	if (!o->doc)
		o->doc = parse_shared(o);
	return o->doc;
}

static const char *ev_names[] = {"ADDED", "MODIFIED", "DELETED"};

const char *cs_event_line(cs_event *ev, size_t *len)
{
	if (!ev->line) {
		/* {"type":"T","object":OBJ}\n, assembled without snprintf. */
		const char *t = ev_names[ev->type];
		size_t tl = strlen(t), n = 0;
		ev->line = malloc(strlen("{\"type\":\"\",\"object\":}\n") + tl + ev->obj->len + 1);
		if (!ev->line)
			abort();
		memcpy(ev->line + n, "{\"type\":\"", 9);
		n += 9;
		memcpy(ev->line + n, t, tl);
		n += tl;
		memcpy(ev->line + n, "\",\"object\":", 11);
		n += 11;
		memcpy(ev->line + n, ev->obj->json, ev->obj->len);
		n += ev->obj->len;
		memcpy(ev->line + n, "}\n", 3); /* with the NUL */
		ev->line_len = n + 2;
	}
	*len = ev->line_len;
	return ev->line;
}

/* Both docs reuse the object's own parse when something on the loop thread
 * made one (cs_obj_doc: an update parses the object it replaces), so a
 * selector watch does not parse each version again. */
const cs_json *cs_event_doc(cs_event *ev)
{
	if (ev->obj->doc)
		return ev->obj->doc;
	if (!ev->doc)
		ev->doc = parse_shared(ev->obj);
	return ev->doc;
}

const cs_json *cs_event_prev_doc(cs_event *ev)
{
	if (!ev->prev)
		return NULL;
	if (ev->prev->doc)
		return ev->prev->doc;
	if (!ev->prev_doc)
		ev->prev_doc = parse_shared(ev->prev);
	return ev->prev_doc;
}

static void event_free(cs_event *ev)
{
	if (!ev)
		return;
	cs_json_free(ev->reap_doc);
	cs_json_free(ev->doc);
	cs_json_free(ev->prev_doc);
	cs_obj_unref(ev->prev);
	free(ev->key);
	free(ev->line);
	cs_obj_unref(ev->obj);
	free(ev);
}

/* ---- records: hash for lookups, skiplist for ordered scans ---- */

struct rec {
	char *key;
	size_t keylen;
	cs_obj *visible; /* durable version readers see */
	cs_obj *latest;  /* newest version incl. in-flight writes; NULL if deleted */
	uint64_t latest_rev;
	unsigned pending; /* writes in flight */
	struct rec *hnext;
	int level;
	struct rec *next[];
};

struct wop {
	struct wop *next;
	struct rec *rec;
	cs_obj *obj;
	bool del;
	enum cs_event_type type;
	cs_store_done_fn done;
	void *arg;
};

struct cs_store {
	leveldb_t *db;
	leveldb_options_t *opts;
	leveldb_writeoptions_t *wopts;
	leveldb_readoptions_t *ropts;
	cs_store_opts o;

	struct rec **buckets;
	size_t nbuckets, nrecs, nvisible;
	struct rec *head; /* skiplist sentinel */
	int level;
	uint64_t rnd;

	uint64_t rev;      /* last durable revision */
	uint64_t next_rev; /* next revision to hand out */

	/* Watch history ring. */
	cs_event **ring;
	size_t ring_cap;
	int64_t hist_end;       /* position one past the newest */
	uint64_t hist_base_rev; /* every event after this revision is retained */

	/* Queue to the commit thread, and results back. */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wop *q_head, **q_tail;
	struct wop *d_head, **d_tail;
	bool stopping;

	/* Evicted events on their way to the reaper thread. */
	pthread_t reaper;
	pthread_mutex_t rmu;
	pthread_cond_t rcv;
	cs_event *reap;    /* handed over, linked by reap_next */
	cs_event *evicted; /* this dispatch's, not yet handed over */
	bool reap_stop;

	cs_store_stats stats;
};

static uint64_t hash_key(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct rec *rec_find(cs_store *s, const char *key)
{
	size_t n = strlen(key);
	for (struct rec *r = s->buckets[hash_key(key, n) & (s->nbuckets - 1)]; r; r = r->hnext)
		if (r->keylen == n && memcmp(r->key, key, n) == 0)
			return r;
	return NULL;
}

static void hash_grow(cs_store *s)
{
	size_t nb = s->nbuckets * 2;
	struct rec **b = calloc(nb, sizeof(*b));
	if (!b)
		abort();
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct rec *r = s->buckets[i], *nx;
		for (; r; r = nx) {
			nx = r->hnext;
			size_t j = hash_key(r->key, r->keylen) & (nb - 1);
			r->hnext = b[j];
			b[j] = r;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

static int random_level(cs_store *s)
{
	int l = 1;
	/* xorshift64: cheap, and quality does not matter for a skiplist. */
	uint64_t x = s->rnd;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	s->rnd = x;
	while (l < SKIP_MAX && (x & 3) == 0) {
		l++;
		x >>= 2;
	}
	return l;
}

/* Fill update[] with the last node before key at every level. */
static struct rec *skip_seek(cs_store *s, const char *key, struct rec **update)
{
	struct rec *x = s->head;
	for (int i = s->level - 1; i >= 0; i--) {
		while (x->next[i] && strcmp(x->next[i]->key, key) < 0)
			x = x->next[i];
		if (update)
			update[i] = x;
	}
	return x->next[0];
}

static struct rec *rec_insert(cs_store *s, const char *key)
{
	struct rec *update[SKIP_MAX];
	skip_seek(s, key, update);
	int lvl = random_level(s);
	for (int i = s->level; i < lvl; i++)
		update[i] = s->head;
	if (lvl > s->level)
		s->level = lvl;
	size_t n = strlen(key);
	struct rec *r = calloc(1, sizeof(*r) + sizeof(struct rec *) * (size_t)lvl);
	if (!r)
		abort();
	r->key = strndup(key, n);
	r->keylen = n;
	r->level = lvl;
	for (int i = 0; i < lvl; i++) {
		r->next[i] = update[i]->next[i];
		update[i]->next[i] = r;
	}
	size_t b = hash_key(key, n) & (s->nbuckets - 1);
	r->hnext = s->buckets[b];
	s->buckets[b] = r;
	if (++s->nrecs > s->nbuckets)
		hash_grow(s);
	return r;
}

static void rec_remove(cs_store *s, struct rec *r)
{
	struct rec *update[SKIP_MAX];
	skip_seek(s, r->key, update);
	for (int i = 0; i < r->level; i++)
		if (update[i]->next[i] == r)
			update[i]->next[i] = r->next[i];
	while (s->level > 1 && !s->head->next[s->level - 1])
		s->level--;
	struct rec **pp = &s->buckets[hash_key(r->key, r->keylen) & (s->nbuckets - 1)];
	while (*pp != r)
		pp = &(*pp)->hnext;
	*pp = r->hnext;
	s->nrecs--;
	cs_obj_unref(r->visible);
	cs_obj_unref(r->latest);
	free(r->key);
	free(r);
}

/* ---- commit thread ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void put_u64(unsigned char *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)v;
}

static uint64_t get_u64(const unsigned char *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

static void *commit_main(void *arg)
{
	cs_store *s = arg;
	leveldb_writebatch_t *wb = leveldb_writebatch_create();
	char *kbuf = NULL, *vbuf = NULL;
	size_t kcap = 0, vcap = 0;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->q_head && !s->stopping)
			pthread_cond_wait(&s->cv, &s->mu);
		struct wop *list = s->q_head;
		s->q_head = NULL;
		s->q_tail = &s->q_head;
		bool stop = s->stopping;
		pthread_mutex_unlock(&s->mu);
		if (!list && stop)
			break;

		leveldb_writebatch_clear(wb);
		uint64_t last = 0;
		size_t n = 0;
		struct wop *tail = NULL;
		for (struct wop *w = list; w; w = w->next) {
			size_t kl = w->rec->keylen + 1;
			if (kl > kcap) {
				kcap = kl * 2;
				kbuf = realloc(kbuf, kcap);
			}
			kbuf[0] = KEY_OBJ;
			memcpy(kbuf + 1, w->rec->key, w->rec->keylen);
			if (w->del) {
				leveldb_writebatch_delete(wb, kbuf, kl);
			} else {
				size_t vl = 8 + w->obj->len;
				if (vl > vcap) {
					vcap = vl * 2;
					vbuf = realloc(vbuf, vcap);
				}
				put_u64((unsigned char *)vbuf, w->obj->rev);
				memcpy(vbuf + 8, w->obj->json, w->obj->len);
				leveldb_writebatch_put(wb, kbuf, kl, vbuf, vl);
			}
			last = w->obj->rev;
			n++;
			tail = w;
		}
		unsigned char rb[8];
		put_u64(rb, last);
		leveldb_writebatch_put(wb, META_REV, sizeof(META_REV) - 1, (char *)rb, 8);

		char *err = NULL;
		uint64_t t0 = now_ns();
		leveldb_write(s->db, s->wopts, wb, &err);
		uint64_t dt = now_ns() - t0;
		if (err) {
			/* A failed sync leaves the on-disk state unknown; retrying
			 * fsync is not safe (the kernel may have dropped the dirty
			 * pages), so stop rather than acknowledge anything. */
			cs_log(CS_LOG_ERROR,
			       "store: synced write of %zu objects failed: %s; "
			       "stopping to avoid acknowledging lost writes",
			       n, err);
			abort();
		}

		pthread_mutex_lock(&s->mu);
		s->stats.batches++;
		s->stats.writes += n;
		s->stats.sync_ns_total += dt;
		int b = 0;
		for (uint64_t lim = 100000; b < 15 && dt >= lim; lim *= 2)
			b++;
		s->stats.sync_hist[b]++;
		*s->d_tail = list;
		s->d_tail = &tail->next;
		pthread_mutex_unlock(&s->mu);
		if (s->o.wake)
			s->o.wake(s->o.wake_arg);
	}
	leveldb_writebatch_destroy(wb);
	free(kbuf);
	free(vbuf);
	return NULL;
}

/* ---- history ---- */

static void history_push(cs_store *s, cs_event *ev)
{
	size_t slot = (size_t)(s->hist_end % (int64_t)s->ring_cap);
	cs_event *old = s->ring[slot];
	if (old) {
		s->hist_base_rev = old->rev;
		/* A live object's parse (given by its writer or cached by a
		 * reader) goes with its event: past the history, parsed
		 * copies of every object would cost several times the store.
		 * Detached here, where readers are; freed by the reaper. */
		old->reap_doc = old->obj->doc;
		old->obj->doc = NULL;
		old->reap_next = s->evicted;
		s->evicted = old;
	}
	s->ring[slot] = ev;
	s->hist_end++;
}

/* Hand this dispatch's evicted events to the reaper (one wake-up). */
static void reap_handover(cs_store *s)
{
	if (!s->evicted)
		return;
	cs_event *last = s->evicted;
	while (last->reap_next)
		last = last->reap_next;
	pthread_mutex_lock(&s->rmu);
	last->reap_next = s->reap;
	s->reap = s->evicted;
	pthread_cond_signal(&s->rcv);
	pthread_mutex_unlock(&s->rmu);
	s->evicted = NULL;
}

/* Everything an evicted event holds is its own, or objects whose counts are
 * atomic: an object freed here has no other reference, so no reader. */
static void *reaper_main(void *arg)
{
	cs_store *s = arg;
	pthread_mutex_lock(&s->rmu);
	for (;;) {
		while (!s->reap && !s->reap_stop)
			pthread_cond_wait(&s->rcv, &s->rmu);
		cs_event *list = s->reap;
		s->reap = NULL;
		if (!list && s->reap_stop)
			break;
		pthread_mutex_unlock(&s->rmu);
		for (cs_event *ev = list, *nx; ev; ev = nx) {
			nx = ev->reap_next;
			event_free(ev);
		}
		pthread_mutex_lock(&s->rmu);
	}
	pthread_mutex_unlock(&s->rmu);
	return NULL;
}

int64_t cs_store_history_end(const cs_store *s)
{
	return s->hist_end;
}

static int64_t hist_start(const cs_store *s)
{
	return s->hist_end > (int64_t)s->ring_cap ? s->hist_end - (int64_t)s->ring_cap : 0;
}

cs_event *cs_store_history_at(cs_store *s, int64_t pos)
{
	if (pos < hist_start(s) || pos >= s->hist_end)
		return NULL;
	return s->ring[pos % (int64_t)s->ring_cap];
}

int64_t cs_store_history_seek(cs_store *s, uint64_t rev)
{
	if (rev < s->hist_base_rev)
		return -1;
	int64_t lo = hist_start(s), hi = s->hist_end;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (cs_store_history_at(s, mid)->rev <= rev)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t cs_store_oldest_rev(const cs_store *s)
{
	return s->hist_base_rev;
}

/* ---- open / close ---- */

static int load(cs_store *s, char *err, size_t errlen)
{
	char *lerr = NULL;
	size_t vl;
	char *v = leveldb_get(s->db, s->ropts, META_REV, sizeof(META_REV) - 1, &vl, &lerr);
	if (lerr) {
		snprintf(err, errlen, "reading the store revision: %s", lerr);
		leveldb_free(lerr);
		return -1;
	}
	if (v) {
		if (vl != 8) {
			snprintf(err, errlen,
				 "store revision record is %zu bytes, expected 8: the "
				 "data directory is corrupt",
				 vl);
			leveldb_free(v);
			return -1;
		}
		s->rev = get_u64((unsigned char *)v);
		leveldb_free(v);
	}
	leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->ropts);
	char pfx = KEY_OBJ;
	for (leveldb_iter_seek(it, &pfx, 1); leveldb_iter_valid(it); leveldb_iter_next(it)) {
		size_t kl;
		const char *k = leveldb_iter_key(it, &kl);
		if (kl < 1 || k[0] != KEY_OBJ)
			break;
		const char *val = leveldb_iter_value(it, &vl);
		if (vl < 8) {
			snprintf(err, errlen, "object record %.*s is truncated (%zu bytes)",
				 (int)kl - 1, k + 1, vl);
			leveldb_iter_destroy(it);
			return -1;
		}
		char key[kl];
		memcpy(key, k + 1, kl - 1);
		key[kl - 1] = '\0';
		uint64_t rev = get_u64((const unsigned char *)val);
		struct rec *r = rec_insert(s, key);
		r->visible = cs_obj_new(val + 8, vl - 8, rev);
		r->latest = cs_obj_ref(r->visible);
		r->latest_rev = rev;
		s->nvisible++;
		if (rev > s->rev) {
			snprintf(err, errlen,
				 "object %s has revision %llu beyond the store revision "
				 "%llu: the data directory is corrupt",
				 key, (unsigned long long)rev, (unsigned long long)s->rev);
			leveldb_iter_destroy(it);
			return -1;
		}
	}
	leveldb_iter_get_error(it, &lerr);
	leveldb_iter_destroy(it);
	if (lerr) {
		snprintf(err, errlen, "scanning the store: %s", lerr);
		leveldb_free(lerr);
		return -1;
	}
	return 0;
}

int cs_store_open(cs_store **out, const char *dir, const cs_store_opts *opts, char *err,
		  size_t errlen)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/store", dir);

	cs_store *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->o = *opts;
	if (!s->o.history)
		s->o.history = 10000;
	s->opts = leveldb_options_create();
	leveldb_options_set_create_if_missing(s->opts, 1);
	leveldb_options_set_compression(s->opts, leveldb_snappy_compression);
	leveldb_options_set_write_buffer_size(s->opts, 16 << 20);
	s->wopts = leveldb_writeoptions_create();
	leveldb_writeoptions_set_sync(s->wopts, opts->sync);
	s->ropts = leveldb_readoptions_create();
	leveldb_readoptions_set_fill_cache(s->ropts, 0);

	char *lerr = NULL;
	s->db = leveldb_open(s->opts, path, &lerr);
	if (lerr) {
		snprintf(err, errlen, "cannot open leveldb store at %s: %s", path, lerr);
		leveldb_free(lerr);
		leveldb_options_destroy(s->opts);
		leveldb_writeoptions_destroy(s->wopts);
		leveldb_readoptions_destroy(s->ropts);
		free(s);
		return -1;
	}
	s->nbuckets = 1024;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	s->head = calloc(1, sizeof(struct rec) + sizeof(struct rec *) * SKIP_MAX);
	s->head->key = strdup("");
	s->level = 1;
	s->rnd = 0x9E3779B97F4A7C15ULL ^ (uint64_t)time(NULL);
	s->ring_cap = s->o.history;
	s->ring = calloc(s->ring_cap, sizeof(*s->ring));
	s->q_tail = &s->q_head;
	s->d_tail = &s->d_head;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_mutex_init(&s->rmu, NULL);
	pthread_cond_init(&s->rcv, NULL);

	if (load(s, err, errlen) < 0) {
		cs_store_close(s);
		return -1;
	}
	s->next_rev = s->rev + 1;
	s->hist_base_rev = s->rev;
	int rc = pthread_create(&s->reaper, NULL, reaper_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the store reaper thread: %s", strerror(rc));
		s->reaper = 0;
		cs_store_close(s);
		return -1;
	}
	rc = pthread_create(&s->thread, NULL, commit_main, s);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the store commit thread: %s", strerror(rc));
		s->thread = 0;
		cs_store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void cs_store_close(cs_store *s)
{
	if (!s)
		return;
	if (s->thread) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		cs_store_dispatch(s);
	}
	if (s->reaper) {
		pthread_mutex_lock(&s->rmu);
		s->reap_stop = true;
		pthread_cond_signal(&s->rcv);
		pthread_mutex_unlock(&s->rmu);
		pthread_join(s->reaper, NULL);
	}
	for (size_t i = 0; i < s->ring_cap; i++)
		event_free(s->ring[i]);
	free(s->ring);
	if (s->head) {
		struct rec *r = s->head->next[0], *nx;
		for (; r; r = nx) {
			nx = r->next[0];
			cs_obj_unref(r->visible);
			cs_obj_unref(r->latest);
			free(r->key);
			free(r);
		}
		free(s->head->key);
		free(s->head);
	}
	free(s->buckets);
	if (s->db)
		leveldb_close(s->db);
	leveldb_options_destroy(s->opts);
	leveldb_writeoptions_destroy(s->wopts);
	leveldb_readoptions_destroy(s->ropts);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->rmu);
	pthread_cond_destroy(&s->rcv);
	free(s);
}

/* ---- reads ---- */

uint64_t cs_store_rev(const cs_store *s)
{
	return s->rev;
}
uint64_t cs_store_next_rev(const cs_store *s)
{
	return s->next_rev;
}

cs_obj *cs_store_get(cs_store *s, const char *key)
{
	struct rec *r = rec_find(s, key);
	return r ? r->visible : NULL;
}

cs_obj *cs_store_get_latest(cs_store *s, const char *key)
{
	struct rec *r = rec_find(s, key);
	return r ? r->latest : NULL;
}

void cs_store_scan(cs_store *s, const char *prefix, const char *after, cs_store_visit_fn fn,
		   void *arg)
{
	size_t pl = strlen(prefix);
	struct rec *r;
	if (after && strncmp(after, prefix, pl) == 0) {
		r = skip_seek(s, after, NULL);
		if (r && strcmp(r->key, after) == 0)
			r = r->next[0];
	} else {
		r = skip_seek(s, prefix, NULL);
	}
	for (; r && strncmp(r->key, prefix, pl) == 0; r = r->next[0]) {
		if (r->visible && !fn(arg, r->key, r->visible))
			break;
	}
}

size_t cs_store_count(cs_store *s, const char *prefix)
{
	size_t pl = strlen(prefix), n = 0;
	for (struct rec *r = skip_seek(s, prefix, NULL); r && strncmp(r->key, prefix, pl) == 0;
	     r = r->next[0])
		n += r->visible != NULL;
	return n;
}

/* ---- writes ---- */

static int enqueue(cs_store *s, const char *key, const char *json, size_t len, cs_json *doc,
		   uint64_t rev, uint64_t expect_rev, bool del, cs_store_done_fn done, void *arg)
{
	if (rev != s->next_rev) {
		cs_log(CS_LOG_ERROR, "store: write of %s at revision %llu, expected %llu", key,
		       (unsigned long long)rev, (unsigned long long)s->next_rev);
		return -EINVAL;
	}
	struct rec *r = rec_find(s, key);
	uint64_t cur = r && r->latest ? r->latest_rev : 0;
	if (del && cur == 0)
		return -ENOENT;
	if (cur != expect_rev)
		return expect_rev == 0 ? -EEXIST : -ESTALE;
	if (!r)
		r = rec_insert(s, key);

	struct wop *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->rec = r;
	w->obj = cs_obj_new(json, len, rev);
	w->obj->deleted = del;
	w->obj->doc = cs_json_share(doc);
	w->del = del;
	w->type = del ? CS_EV_DELETED : (cur ? CS_EV_MODIFIED : CS_EV_ADDED);
	w->done = done;
	w->arg = arg;

	cs_obj_unref(r->latest);
	r->latest = del ? NULL : cs_obj_ref(w->obj);
	r->latest_rev = del ? 0 : rev;
	r->pending++;
	s->next_rev++;

	pthread_mutex_lock(&s->mu);
	*s->q_tail = w;
	s->q_tail = &w->next;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int enqueue_doc(cs_store *s, const char *key, const char *json, size_t len, cs_json *doc,
		       uint64_t rev, uint64_t expect_rev, bool del, cs_store_done_fn done,
		       void *arg)
{
	int rc = enqueue(s, key, json, len, doc, rev, expect_rev, del, done, arg);
	if (rc < 0)
		cs_json_free(doc);
	return rc;
}

int cs_store_put(cs_store *s, const char *key, const char *json, size_t len, uint64_t rev,
		 uint64_t expect_rev, cs_store_done_fn done, void *arg)
{
	return enqueue(s, key, json, len, NULL, rev, expect_rev, false, done, arg);
}

int cs_store_put_doc(cs_store *s, const char *key, const char *json, size_t len, cs_json *doc,
		     uint64_t rev, uint64_t expect_rev, cs_store_done_fn done, void *arg)
{
	return enqueue_doc(s, key, json, len, doc, rev, expect_rev, false, done, arg);
}

int cs_store_delete(cs_store *s, const char *key, const char *json, size_t len, uint64_t rev,
		    uint64_t expect_rev, cs_store_done_fn done, void *arg)
{
	return enqueue(s, key, json, len, NULL, rev, expect_rev, true, done, arg);
}

int cs_store_delete_doc(cs_store *s, const char *key, const char *json, size_t len, cs_json *doc,
			uint64_t rev, uint64_t expect_rev, cs_store_done_fn done, void *arg)
{
	return enqueue_doc(s, key, json, len, doc, rev, expect_rev, true, done, arg);
}

void cs_store_dispatch(cs_store *s)
{
	pthread_mutex_lock(&s->mu);
	struct wop *list = s->d_head;
	s->d_head = NULL;
	s->d_tail = &s->d_head;
	pthread_mutex_unlock(&s->mu);

	for (struct wop *w = list, *nx; w; w = nx) {
		nx = w->next;
		struct rec *r = w->rec;
		r->pending--;
		if (r->visible)
			s->nvisible--;
		cs_obj *prev = r->visible; /* the event keeps this reference */
		r->visible = w->del ? NULL : cs_obj_ref(w->obj);
		if (r->visible)
			s->nvisible++;
		s->rev = w->obj->rev;

		cs_event *ev = calloc(1, sizeof(*ev));
		if (!ev)
			abort();
		ev->type = w->type;
		ev->rev = w->obj->rev;
		ev->key = strndup(r->key, r->keylen);
		ev->obj = w->obj; /* the event takes the queue's reference */
		ev->prev = prev;
		history_push(s, ev);
		if (!r->visible && !r->pending)
			rec_remove(s, r);
		if (s->o.on_event)
			s->o.on_event(s->o.event_arg, ev);
		if (w->done)
			w->done(w->arg, 0, ev->rev);
		free(w);
	}
	reap_handover(s);
}

void cs_store_stats_get(cs_store *s, cs_store_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->stats;
	pthread_mutex_unlock(&s->mu);
	st->objects = s->nvisible;
}
