/* Helpers of Kubernetes' deployment utilities: selectors, annotations,
 * maxSurge / maxUnavailable, the pod-template-hash and conditions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dep.h"

const char *dp_deployment_owner(const cs_host *h, const cs_object *obj)
{
	const cs_object *ref = ck_controller_ref(h, obj);
	return ck_str_is(h->obj_str(ref, "kind"), "Deployment") ? h->obj_str(ref, "uid") : NULL;
}

const char *dp_annotation(const cs_host *h, const cs_object *obj, const char *key)
{
	return ck_label(h, h->obj_get(obj, "metadata.annotations"), key);
}

void dp_key_path(const char *prefix, const char *key, char *buf, size_t n)
{
	size_t o = (size_t)snprintf(buf, n, "%s.", prefix);
	for (const char *k = key; *k && o + 2 < n; k++) {
		if (*k == '.' || *k == '[' || *k == '\\')
			buf[o++] = '\\';
		buf[o++] = *k;
	}
	buf[o < n ? o : n - 1] = 0;
}

int64_t dp_annotation_int(const cs_host *h, const cs_object *obj, const char *key)
{
	const char *s = dp_annotation(h, obj, key);
	char *end;
	if (!s || !*s)
		return -1;
	long long v = strtoll(s, &end, 10);
	return *end || v < 0 ? -1 : v;
}

bool dp_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels, bool *bad)
{
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	*bad = h->obj_type(sel) != CS_OBJ_MAP || (ml && h->obj_type(ml) != CS_OBJ_MAP) ||
	       (me && h->obj_type(me) != CS_OBJ_ARRAY) || h->obj_len(ml) + h->obj_len(me) == 0;
	if (*bad)
		return false;
	for (size_t i = 0; i < h->obj_len(ml); i++) {
		const char *want = h->obj_str(h->obj_at(ml, i), NULL);
		const char *have = ck_label(h, labels, h->obj_key_at(ml, i));
		if (!want || !have || strcmp(want, have))
			return false;
	}
	for (size_t i = 0; i < h->obj_len(me); i++) {
		const cs_object *e = h->obj_at(me, i);
		const char *key = h->obj_str(e, "key"), *op = h->obj_str(e, "operator");
		const cs_object *values = h->obj_get(e, "values");
		const char *v = key ? ck_label(h, labels, key) : NULL;
		bool in = false;
		for (size_t j = 0; v && j < h->obj_len(values); j++)
			in |= ck_str_is(h->obj_str(h->obj_at(values, j), NULL), v);
		bool ok;
		if (!key || !op)
			return !(*bad = true);
		if (ck_str_is(op, "In"))
			ok = in;
		else if (ck_str_is(op, "NotIn"))
			ok = !in;
		else if (ck_str_is(op, "Exists"))
			ok = v != NULL;
		else if (ck_str_is(op, "DoesNotExist"))
			ok = v == NULL;
		else
			return !(*bad = true);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- strategy arithmetic ---- */

int64_t dp_scaled(const cs_host *h, const cs_object *v, int64_t total, bool round_up)
{
	if (h->obj_type(v) == CS_OBJ_NUMBER)
		return h->obj_int(v, NULL, 0);
	const char *s = h->obj_type(v) == CS_OBJ_STRING ? h->obj_str(v, NULL) : NULL;
	if (!s)
		return 0;
	char *end;
	long long pct = strtoll(s, &end, 10);
	if (end == s || strcmp(end, "%"))
		return 0; /* validation refuses anything else */
	long long num = pct * total;
	return round_up ? (num + 99) / 100 : num / 100;
}

bool dp_is_rolling(const cs_host *h, const cs_object *d)
{
	const char *t = h->obj_str(d, "spec.strategy.type");
	return !t || ck_str_is(t, "RollingUpdate");
}

bool dp_is_recreate(const cs_host *h, const cs_object *d)
{
	return ck_str_is(h->obj_str(d, "spec.strategy.type"), "Recreate");
}

int64_t dp_replicas(const cs_host *h, const cs_object *o)
{
	return h->obj_int(o, "spec.replicas", 1);
}

/* ResolveFenceposts: surge rounds up, unavailable down, and both 0 means
 * one unavailable (validation refuses it, old objects may hold it). */
static void fenceposts(const cs_host *h, const cs_object *d, int64_t *surge, int64_t *unavail)
{
	int64_t want = dp_replicas(h, d);
	const cs_object *ms = h->obj_get(d, "spec.strategy.rollingUpdate.maxSurge");
	const cs_object *mu = h->obj_get(d, "spec.strategy.rollingUpdate.maxUnavailable");
	*surge = ms ? dp_scaled(h, ms, want, true) : (want * 25 + 99) / 100;
	*unavail = mu ? dp_scaled(h, mu, want, false) : want * 25 / 100;
	if (*surge == 0 && *unavail == 0)
		*unavail = 1;
}

int64_t dp_max_surge(const cs_host *h, const cs_object *d)
{
	if (!dp_is_rolling(h, d))
		return 0;
	int64_t s, u;
	fenceposts(h, d, &s, &u);
	return s;
}

int64_t dp_max_unavailable(const cs_host *h, const cs_object *d)
{
	int64_t want = dp_replicas(h, d);
	if (!dp_is_rolling(h, d) || want == 0)
		return 0;
	int64_t s, u;
	fenceposts(h, d, &s, &u);
	return u > want ? want : u;
}

/* ---- the pod-template-hash ---- */

typedef struct buf {
	char *s;
	size_t len, cap;
	bool oom;
} buf;

static void add(buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap * 2 : 1024;
		while (c < b->len + n + 1)
			c *= 2;
		char *p = realloc(b->s, c);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p, b->cap = c;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static int key_cmp(const void *a, const void *b)
{
	/* a and b point at struct ent, whose first member is the key */
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON with map keys sorted, so that equal templates hash equally however
 * their keys were ordered. */
static void canon(const cs_host *h, const cs_object *o, buf *b)
{
	enum cs_obj_type t = h->obj_type(o);
	if (t == CS_OBJ_ARRAY) {
		add(b, "[", 1);
		for (size_t i = 0; i < h->obj_len(o); i++) {
			if (i)
				add(b, ",", 1);
			canon(h, h->obj_at(o, i), b);
		}
		add(b, "]", 1);
		return;
	}
	if (t != CS_OBJ_MAP) {
		size_t n;
		char *s = h->obj_json(o, &n);
		if (!s)
			b->oom = true;
		else
			add(b, s, n);
		h->free(s);
		return;
	}
	size_t n = h->obj_len(o);
	struct ent {
		const char *k;
		size_t i;
	} *e = calloc(n ? n : 1, sizeof(*e));
	if (!e) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		e[i] = (struct ent){h->obj_key_at(o, i), i};
	qsort(e, n, sizeof(*e), key_cmp);
	add(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		cs_object *k = h->obj_new_str(e[i].k);
		if (i)
			add(b, ",", 1);
		canon(h, k, b);
		h->obj_free(k);
		add(b, ":", 1);
		canon(h, h->obj_at(o, e[i].i), b);
	}
	add(b, "}", 1);
	free(e);
}

int dp_template_hash(const cs_host *h, const cs_object *tmpl, const cs_object *collision, char *out,
		     size_t n)
{
	buf b = {0};
	canon(h, tmpl, &b);
	if (b.oom) {
		free(b.s);
		return -1;
	}
	uint32_t x = 2166136261u;
	for (size_t i = 0; i < b.len; i++)
		x = (x ^ (unsigned char)b.s[i]) * 16777619u;
	free(b.s);
	if (h->obj_type(collision) == CS_OBJ_NUMBER) {
		/* As Kubernetes: the count's 4 little-endian bytes in an 8-byte
		 * buffer. */
		uint32_t c = (uint32_t)h->obj_int(collision, NULL, 0);
		unsigned char bytes[8] = {c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, c >> 24};
		for (size_t i = 0; i < sizeof(bytes); i++)
			x = (x ^ bytes[i]) * 16777619u;
	}
	/* rand.SafeEncodeString(fmt.Sprint(hash)): no vowels, no look-alikes. */
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	char dec[16];
	int k = snprintf(dec, sizeof(dec), "%u", x);
	if ((size_t)k >= n)
		return -1;
	for (int i = 0; i < k; i++)
		out[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
	out[k] = 0;
	return 0;
}

bool dp_template_equal(const cs_host *h, const cs_object *a, const cs_object *b)
{
	cs_object *ca = h->obj_clone(a), *cb = h->obj_clone(b);
	char path[128];
	dp_key_path("metadata.labels", DP_HASH_LABEL, path, sizeof(path));
	bool eq = false;
	if (ca && cb) {
		h->obj_remove(ca, path);
		h->obj_remove(cb, path);
		eq = h->obj_equal(ca, cb);
	}
	h->obj_free(ca);
	h->obj_free(cb);
	return eq;
}

/* ---- conditions ---- */

static int cond_index(const cs_host *h, const cs_object *status, const char *type)
{
	const cs_object *conds = h->obj_get(status, "conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++)
		if (ck_str_is(h->obj_str(h->obj_at(conds, i), "type"), type))
			return (int)i;
	return -1;
}

const cs_object *dp_cond_get(const cs_host *h, const cs_object *status, const char *type)
{
	int i = cond_index(h, status, type);
	return i < 0 ? NULL : h->obj_at(h->obj_get(status, "conditions"), (size_t)i);
}

void dp_cond_remove(const cs_host *h, cs_object *status, const char *type)
{
	int i = cond_index(h, status, type);
	if (i < 0)
		return;
	char path[48];
	snprintf(path, sizeof(path), "conditions[%d]", i);
	h->obj_remove(status, path);
}

int dp_cond_put(const cs_host *h, cs_object *status, const char *type, const char *st,
		const char *reason, const char *msg, bool force)
{
	const cs_object *cur = dp_cond_get(h, status, type);
	if (!force && cur && ck_str_is(h->obj_str(cur, "status"), st) &&
	    ck_str_is(h->obj_str(cur, "reason"), reason))
		return 0;
	char now[32];
	ck_rfc3339_now(now, sizeof(now));
	const char *since = now;
	char kept[64] = "";
	if (cur && ck_str_is(h->obj_str(cur, "status"), st) &&
	    h->obj_str(cur, "lastTransitionTime")) {
		snprintf(kept, sizeof(kept), "%s", h->obj_str(cur, "lastTransitionTime"));
		since = kept;
	}
	cs_object *c = h->obj_new(CS_OBJ_MAP);
	if (!c || h->obj_set_str(c, "type", type) || h->obj_set_str(c, "status", st) ||
	    h->obj_set_str(c, "lastUpdateTime", now) ||
	    h->obj_set_str(c, "lastTransitionTime", since) || h->obj_set_str(c, "reason", reason) ||
	    h->obj_set_str(c, "message", msg)) {
		h->obj_free(c);
		return -1;
	}
	dp_cond_remove(h, status, type);
	const cs_object *conds = h->obj_get(status, "conditions");
	if (h->obj_type(conds) != CS_OBJ_ARRAY &&
	    h->obj_set(status, "conditions", h->obj_new(CS_OBJ_ARRAY))) {
		h->obj_free(c);
		return -1;
	}
	char path[48];
	snprintf(path, sizeof(path), "conditions[%zu]",
		 h->obj_len(h->obj_get(status, "conditions")));
	return h->obj_set(status, path, c);
}

int dp_cond_set(const cs_host *h, cs_object *status, const char *type, const char *st,
		const char *reason, const char *msg)
{
	return dp_cond_put(h, status, type, st, reason, msg, false);
}
