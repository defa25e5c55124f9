/* The three patch formats of the Kubernetes API: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902) and strategic merge patch.  JSON and strategic
 * patches work on a copy and swap it in only on success, so a rejected patch
 * never leaves a half-applied object behind. */
#include "patch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static cs_json **obj_slot(cs_json *o, const char *key)
{
	if (!cs_json_is(o, CS_JSON_OBJECT))
		return NULL;
	for (size_t i = 0; i < o->u.obj.len; i++)
		if (!strcmp(o->u.obj.keys[i], key))
			return &o->u.obj.vals[i];
	return NULL;
}

static void obj_clear(cs_json *o)
{
	while (o->u.obj.len)
		cs_json_del(o, o->u.obj.keys[o->u.obj.len - 1]);
}

static void arr_clear(cs_json *a)
{
	while (a->u.arr.len)
		cs_json_free(cs_json_remove_at(a, a->u.arr.len - 1));
}

/* Compact JSON for messages, truncated to fit. */
static const char *brief(const cs_json *v, char *buf, size_t cap)
{
	char *d = cs_json_dump(v, false, NULL);
	size_t n = d ? strlen(d) : 0;
	if (n >= cap && cap > 4)
		snprintf(buf, cap, "%.*s...", (int)(cap - 4), d);
	else
		snprintf(buf, cap, "%s", d ? d : "?");
	free(d);
	return buf;
}

/* ---- RFC 7386 ---- */

/* Consumes target, returns the patched value. */
static cs_json *merge_apply(cs_json *target, const cs_json *patch)
{
	if (!cs_json_is(patch, CS_JSON_OBJECT)) {
		cs_json_free(target);
		return cs_json_clone(patch);
	}
	if (!cs_json_is(target, CS_JSON_OBJECT)) {
		cs_json_free(target);
		target = cs_json_object();
	}
	for (size_t i = 0; i < patch->u.obj.len; i++) {
		const char *k = patch->u.obj.keys[i];
		const cs_json *v = patch->u.obj.vals[i];
		if (v->type == CS_JSON_NULL) {
			cs_json_del(target, k);
			continue;
		}
		cs_json **s = obj_slot(target, k);
		if (s)
			*s = merge_apply(*s, v);
		else
			cs_json_set(target, k, merge_apply(NULL, v));
	}
	return target;
}

int cs_patch_merge(cs_json **target, const cs_json *patch, cs_status *st)
{
	if (!target || !patch)
		return cs_status_set(st, 400, "BadRequest", "merge patch: no patch document");
	*target = merge_apply(*target, patch);
	return 0;
}

static cs_json *diff_obj(const cs_json *from, const cs_json *to)
{
	cs_json *p = cs_json_object();
	for (size_t i = 0; i < to->u.obj.len; i++) {
		const char *k = to->u.obj.keys[i];
		const cs_json *tv = to->u.obj.vals[i];
		const cs_json *fv = cs_json_get(from, k);
		if (!fv) {
			/* A null for an absent key would change nothing. */
			if (tv->type != CS_JSON_NULL)
				cs_json_set(p, k, cs_json_clone(tv));
		} else if (fv->type == CS_JSON_OBJECT && tv->type == CS_JSON_OBJECT) {
			cs_json *sub = diff_obj(fv, tv);
			if (sub->u.obj.len)
				cs_json_set(p, k, sub);
			else
				cs_json_free(sub);
		} else if (!cs_json_equal(fv, tv)) {
			/* Objects inside a replacing value merge into nothing,
			 * which is the same as taking them whole. */
			cs_json_set(p, k, cs_json_clone(tv));
		}
	}
	for (size_t i = 0; i < from->u.obj.len; i++)
		if (!cs_json_get(to, from->u.obj.keys[i]))
			cs_json_set(p, from->u.obj.keys[i], cs_json_null());
	return p;
}

cs_json *cs_patch_merge_diff(const cs_json *from, const cs_json *to)
{
	if (!to)
		return cs_json_object();
	/* Anything but object-to-object can only be said by replacing, even
	 * when nothing changes: an empty object patch would turn a scalar or
	 * array target into {}. */
	if (!cs_json_is(from, CS_JSON_OBJECT) || !cs_json_is(to, CS_JSON_OBJECT))
		return cs_json_clone(to);
	return diff_obj(from, to);
}

/* ---- RFC 6902 / RFC 6901 ---- */

typedef struct {
	char **tok;
	size_t n;
} jptr;

static void jptr_free(jptr *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->tok[i]);
	free(p->tok);
	p->tok = NULL;
	p->n = 0;
}

/* Splits "/a/b~1c" into unescaped reference tokens. */
static int jptr_parse(const char *s, jptr *p, char *why, size_t whylen)
{
	p->tok = NULL;
	p->n = 0;
	if (!*s)
		return 0;
	if (*s != '/') {
		snprintf(why, whylen, "JSON pointer must be empty or start with '/'");
		return -1;
	}
	while (*s == '/') {
		s++;
		size_t len = strcspn(s, "/");
		char *t = malloc(len + 1), *o = t;
		if (!t)
			abort();
		for (size_t i = 0; i < len; i++) {
			if (s[i] != '~') {
				*o++ = s[i];
				continue;
			}
			if (i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1')) {
				*o++ = s[++i] == '0' ? '~' : '/';
				continue;
			}
			snprintf(why, whylen,
				 "invalid escape in JSON pointer: '~' must be followed "
				 "by '0' or '1'");
			free(t);
			jptr_free(p);
			return -1;
		}
		*o = '\0';
		p->tok = realloc(p->tok, (p->n + 1) * sizeof(char *));
		if (!p->tok)
			abort();
		p->tok[p->n++] = t;
		s += len;
	}
	return 0;
}

/* RFC 6901 array index: "0" or digits without a leading zero. */
static bool parse_index(const char *t, size_t *out)
{
	size_t v = 0;
	if (!*t || (t[0] == '0' && t[1]))
		return false;
	for (; *t; t++) {
		if (*t < '0' || *t > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*t - '0');
	}
	*out = v;
	return true;
}

/* Location of an existing value: the slot holding it, or NULL with why. */
static cs_json **jp_slot(cs_json **root, const jptr *p, size_t depth, char *why, size_t whylen)
{
	cs_json **cur = root;
	for (size_t i = 0; i < depth; i++) {
		cs_json *c = *cur;
		const char *t = p->tok[i];
		size_t idx;
		if (c->type == CS_JSON_OBJECT) {
			cur = obj_slot(c, t);
			if (!cur) {
				snprintf(why, whylen, "member \"%s\" not found", t);
				return NULL;
			}
		} else if (c->type == CS_JSON_ARRAY) {
			if (!parse_index(t, &idx) || idx >= c->u.arr.len) {
				snprintf(why, whylen,
					 "array index \"%s\" out of range (length %zu)", t,
					 c->u.arr.len);
				return NULL;
			}
			cur = &c->u.arr.items[idx];
		} else {
			snprintf(why, whylen, "cannot look up \"%s\" in a scalar", t);
			return NULL;
		}
	}
	return cur;
}

/* Nesting of v: containers on the longest path down (scalars: 0). */
static size_t height(const cs_json *v)
{
	size_t h = 0, n = cs_json_len(v);
	if (v->type != CS_JSON_ARRAY && v->type != CS_JSON_OBJECT)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t c = height(v->type == CS_JSON_ARRAY ? v->u.arr.items[i] : v->u.obj.vals[i]);
		if (c > h)
			h = c;
	}
	return h + 1;
}

/* Memory a value takes, roughly: what a copy of it costs. */
static size_t approx_size(const cs_json *v)
{
	size_t n = sizeof(*v);
	switch (v->type) {
	case CS_JSON_NUMBER: return n + strlen(v->u.num.text);
	case CS_JSON_STRING: return n + v->u.str.len;
	case CS_JSON_ARRAY:
		for (size_t i = 0; i < v->u.arr.len; i++)
			n += sizeof(cs_json *) + approx_size(v->u.arr.items[i]);
		return n;
	case CS_JSON_OBJECT:
		for (size_t i = 0; i < v->u.obj.len; i++)
			n += 2 * sizeof(void *) + strlen(v->u.obj.keys[i]) +
			     approx_size(v->u.obj.vals[i]);
		return n;
	default: return n;
	}
}

/* The document may not nest deeper than a parser accepts: deeper trees
 * could be neither stored nor read back (and "copy" could otherwise double
 * the depth with each operation). */
static bool too_deep(const jptr *p, const cs_json *val, char *why, size_t whylen)
{
	if (p->n + height(val) <= CS_JSON_MAX_DEPTH)
		return false;
	snprintf(why, whylen, "the result would nest deeper than %d levels", CS_JSON_MAX_DEPTH);
	return true;
}

/* Takes val. */
static int jp_add(cs_json **root, const jptr *p, cs_json *val, char *why, size_t whylen)
{
	if (too_deep(p, val, why, whylen)) {
		cs_json_free(val);
		return -1;
	}
	if (p->n == 0) {
		cs_json_free(*root);
		*root = val;
		return 0;
	}
	cs_json **ps = jp_slot(root, p, p->n - 1, why, whylen);
	const char *last = p->tok[p->n - 1];
	size_t idx;
	if (ps && (*ps)->type == CS_JSON_OBJECT) {
		cs_json_set(*ps, last, val);
		return 0;
	}
	if (ps && (*ps)->type == CS_JSON_ARRAY) {
		cs_json *a = *ps;
		if (!strcmp(last, "-")) {
			cs_json_push(a, val);
			return 0;
		}
		if (parse_index(last, &idx) && idx <= a->u.arr.len) {
			cs_json_insert(a, idx, val);
			return 0;
		}
		snprintf(why, whylen, "array index \"%s\" out of range (length %zu)", last,
			 a->u.arr.len);
	} else if (ps) {
		snprintf(why, whylen, "parent is not an object or array");
	}
	cs_json_free(val);
	return -1;
}

/* Detaches the value at p; NULL with why when it does not exist. */
static cs_json *jp_take(cs_json **root, const jptr *p, char *why, size_t whylen)
{
	if (p->n == 0) {
		snprintf(why, whylen, "cannot remove the whole document");
		return NULL;
	}
	cs_json **ps = jp_slot(root, p, p->n - 1, why, whylen);
	const char *last = p->tok[p->n - 1];
	size_t idx;
	if (!ps)
		return NULL;
	if ((*ps)->type == CS_JSON_OBJECT) {
		cs_json *v = cs_json_take(*ps, last);
		if (!v)
			snprintf(why, whylen, "member \"%s\" not found", last);
		return v;
	}
	if ((*ps)->type == CS_JSON_ARRAY && parse_index(last, &idx) && idx < (*ps)->u.arr.len)
		return cs_json_remove_at(*ps, idx);
	snprintf(why, whylen, "array index \"%s\" out of range (length %zu)", last,
		 cs_json_len(*ps));
	return NULL;
}

static bool jptr_is_prefix(const jptr *a, const jptr *b)
{
	if (a->n > b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->tok[i], b->tok[i]))
			return false;
	return true;
}

typedef enum { OP_ADD, OP_REMOVE, OP_REPLACE, OP_MOVE, OP_COPY, OP_TEST } jp_opcode;

static const char *const op_names[] = {"add", "remove", "replace", "move", "copy", "test"};

typedef struct {
	jp_opcode op;
	const char *path, *from;
	const cs_json *value;
} jp_op;

/* Structural checks for every operation before any is applied, so a
 * malformed patch is a 400 whatever the document holds. */
static int jp_decode(const cs_json *patch, jp_op *ops, cs_status *st)
{
	char why[160];
	for (size_t i = 0; i < patch->u.arr.len; i++) {
		const cs_json *o = patch->u.arr.items[i];
		jp_op *op = &ops[i];
		if (!cs_json_is(o, CS_JSON_OBJECT))
			return cs_status_set(st, 400, "BadRequest",
					     "json patch operation %zu is not a JSON object", i);
		const char *name = cs_json_get_str(o, "op");
		if (!name)
			return cs_status_set(st, 400, "BadRequest",
					     "json patch operation %zu: missing \"op\"", i);
		size_t k;
		for (k = 0; k < 6 && strcmp(name, op_names[k]); k++)
			;
		if (k == 6)
			return cs_status_set(
				st, 400, "BadRequest",
				"json patch operation %zu: unknown op \"%s\" (want add, "
				"remove, replace, move, copy or test)",
				i, name);
		op->op = (jp_opcode)k;
		op->path = cs_json_get_str(o, "path");
		if (!op->path)
			return cs_status_set(
				st, 400, "BadRequest",
				"json patch operation %zu (%s): missing \"path\" string", i, name);
		op->value = cs_json_get(o, "value");
		if (!op->value && (k == OP_ADD || k == OP_REPLACE || k == OP_TEST))
			return cs_status_set(st, 400, "BadRequest",
					     "json patch operation %zu (%s %s): missing \"value\"",
					     i, name, op->path);
		op->from = k == OP_MOVE || k == OP_COPY ? cs_json_get_str(o, "from") : NULL;
		if (!op->from && (k == OP_MOVE || k == OP_COPY))
			return cs_status_set(
				st, 400, "BadRequest",
				"json patch operation %zu (%s %s): missing \"from\" string", i,
				name, op->path);
		jptr p;
		const char *bad = op->path;
		int rc = jptr_parse(op->path, &p, why, sizeof(why));
		jptr_free(&p);
		if (rc == 0 && op->from) {
			bad = op->from;
			rc = jptr_parse(op->from, &p, why, sizeof(why));
			jptr_free(&p);
		}
		if (rc < 0)
			return cs_status_set(
				st, 400, "BadRequest",
				"json patch operation %zu (%s): invalid pointer \"%s\": %s", i,
				name, bad, why);
	}
	return 0;
}

/* "copy" is the one operation that lets a patch outgrow its own text: each
 * may double the document.  Cap what the copies of one patch may add, as
 * json-patch's AccumulatedCopySizeLimit does. */
#define JP_COPY_LIMIT (8u << 20)

static int jp_apply(cs_json **doc, const jp_op *op, size_t i, size_t *copied, cs_status *st)
{
	char why[200] = "";
	jptr path, from = {0};
	cs_json **s;
	cs_json *v;
	int rc = -1;
	jptr_parse(op->path, &path, why, sizeof(why));
	if (op->from)
		jptr_parse(op->from, &from, why, sizeof(why));
	switch (op->op) {
	case OP_ADD: rc = jp_add(doc, &path, cs_json_clone(op->value), why, sizeof(why)); break;
	case OP_REMOVE:
		v = jp_take(doc, &path, why, sizeof(why));
		rc = v ? 0 : -1;
		cs_json_free(v);
		break;
	case OP_REPLACE:
		s = jp_slot(doc, &path, path.n, why, sizeof(why));
		if (s && !too_deep(&path, op->value, why, sizeof(why))) {
			cs_json_free(*s);
			*s = cs_json_clone(op->value);
			rc = 0;
		}
		break;
	case OP_TEST:
		s = jp_slot(doc, &path, path.n, why, sizeof(why));
		if (s && !cs_json_equal(*s, op->value))
			snprintf(why, sizeof(why), "test failed: value differs");
		else if (s)
			rc = 0;
		break;
	case OP_COPY:
		s = jp_slot(doc, &from, from.n, why, sizeof(why));
		if (s && (*copied += approx_size(*s)) > JP_COPY_LIMIT)
			snprintf(why, sizeof(why),
				 "the copies of this patch would add more than %u bytes",
				 JP_COPY_LIMIT);
		else if (s)
			rc = jp_add(doc, &path, cs_json_clone(*s), why, sizeof(why));
		break;
	case OP_MOVE:
		if (jptr_is_prefix(&from, &path) && from.n < path.n) {
			snprintf(why, sizeof(why),
				 "cannot move \"%s\" into one of its own children", op->from);
		} else if (from.n == path.n && jptr_is_prefix(&from, &path)) {
			rc = jp_slot(doc, &from, from.n, why, sizeof(why)) ? 0 : -1;
		} else if ((v = jp_take(doc, &from, why, sizeof(why)))) {
			rc = jp_add(doc, &path, v, why, sizeof(why));
		}
		break;
	}
	jptr_free(&path);
	jptr_free(&from);
	if (rc < 0) {
		const char *where = op->op == OP_COPY || op->op == OP_MOVE ? op->from : op->path;
		if (op->op == OP_TEST && strncmp(why, "test failed", 11) == 0)
			return cs_status_set(
				st, 422, "Invalid",
				"json patch operation %zu: testing value %s failed: %s", i,
				op->path, why);
		return cs_status_set(st, 422, "Invalid",
				     "json patch operation %zu (%s %s) does not apply: %s%s: %s", i,
				     op_names[op->op], op->path,
				     op->op == OP_COPY || op->op == OP_MOVE ? "from " : "", where,
				     why);
	}
	return 0;
}

int cs_patch_json(cs_json **target, const cs_json *patch, cs_status *st)
{
	if (!cs_json_is(patch, CS_JSON_ARRAY))
		return cs_status_set(st, 400, "BadRequest",
				     "json patch must be a JSON array of operations");
	jp_op *ops = calloc(patch->u.arr.len + 1, sizeof(*ops));
	if (!ops)
		abort();
	int rc = jp_decode(patch, ops, st);
	cs_json *doc = *target ? cs_json_clone(*target) : cs_json_null();
	size_t copied = 0;
	for (size_t i = 0; rc == 0 && i < patch->u.arr.len; i++)
		rc = jp_apply(&doc, &ops[i], i, &copied, st);
	free(ops);
	if (rc < 0) {
		cs_json_free(doc);
		return -1;
	}
	cs_json_free(*target);
	*target = doc;
	return 0;
}

/* ---- strategic merge patch ---- */

/* Which lists merge, and by what key, comes from the Go struct tags of the
 * Kubernetes API types (patchStrategy "merge", patchMergeKey).  A list is
 * identified by its field name and the field name of the object holding
 * it (for list items: the list's field name), which is enough to tell a
 * container's ports (containerPort) from a Service's (port).  An empty key
 * marks a list of scalars merged as a set.  Lists not listed are atomic:
 * the patch replaces them. */
typedef struct {
	const char *parent; /* "*": any */
	const char *field;
	const char *key;
} merge_rule;

static const merge_rule merge_rules[] = {
	{"*", "containers", "name"},
	{"*", "initContainers", "name"},
	{"*", "ephemeralContainers", "name"},
	{"containers", "ports", "containerPort"},
	{"initContainers", "ports", "containerPort"},
	{"ephemeralContainers", "ports", "containerPort"},
	{"containers", "env", "name"},
	{"initContainers", "env", "name"},
	{"ephemeralContainers", "env", "name"},
	{"containers", "volumeMounts", "mountPath"},
	{"initContainers", "volumeMounts", "mountPath"},
	{"ephemeralContainers", "volumeMounts", "mountPath"},
	{"containers", "volumeDevices", "devicePath"},
	{"initContainers", "volumeDevices", "devicePath"},
	{"ephemeralContainers", "volumeDevices", "devicePath"},
	{"spec", "ports", "port"}, /* ServiceSpec */
	{"spec", "volumes", "name"},
	{"spec", "imagePullSecrets", "name"},
	{"spec", "hostAliases", "ip"},
	{"spec", "topologySpreadConstraints", "topologyKey"},
	{"spec", "resourceClaims", "name"},
	{"spec", "schedulingGates", "name"},
	{"spec", "podCIDRs", ""}, /* NodeSpec */
	{"status", "conditions", "type"},
	{"status", "addresses", "type"}, /* NodeStatus */
	{"status", "podIPs", "ip"},
	{"status", "hostIPs", "ip"},
	{"status", "resourceClaimStatuses", "name"},
	{"metadata", "ownerReferences", "uid"},
	{"metadata", "finalizers", ""},
	{"", "secrets", "name"}, /* ServiceAccount */
};

#define DIRECTIVE     "$patch"
#define RETAIN_KEYS   "$retainKeys"
#define ORDER_PREFIX  "$setElementOrder/"
#define DELETE_PREFIX "$deleteFromPrimitiveList/"

typedef struct {
	bool typed; /* known kind: use merge_rules */
	cs_status *st;
	char path[512];
	size_t plen;
} smp;

static const char *list_key(const smp *c, const char *parent, const char *field)
{
	if (!c->typed)
		return NULL;
	for (size_t i = 0; i < sizeof(merge_rules) / sizeof(merge_rules[0]); i++) {
		const merge_rule *r = &merge_rules[i];
		if (!strcmp(r->field, field) &&
		    (!strcmp(r->parent, "*") || !strcmp(r->parent, parent)))
			return r->key;
	}
	return NULL;
}

static bool has_prefix(const char *s, const char *pre)
{
	return !strncmp(s, pre, strlen(pre));
}

static bool is_directive_key(const char *k)
{
	return !strcmp(k, DIRECTIVE) || !strcmp(k, RETAIN_KEYS) || has_prefix(k, ORDER_PREFIX) ||
	       has_prefix(k, DELETE_PREFIX);
}

static size_t path_push(smp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(smp *c, const char *fmt, ...)
{
	size_t old = c->plen;
	if (c->plen >= sizeof(c->path) - 1)
		return old;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen = c->plen + (size_t)n < sizeof(c->path) ? c->plen + (size_t)n
								: sizeof(c->path) - 1;
	return old;
}

static void path_pop(smp *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static int smp_fail(smp *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int smp_fail(smp *c, int code, const char *fmt, ...)
{
	char why[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cs_status_set(c->st, code, code == 422 ? "Invalid" : "BadRequest",
			     "strategic merge patch: %s%s%s", c->path, c->plen ? ": " : "", why);
}

/* Patch content with nothing to merge into, cleaned the way Kubernetes
 * does before storing it: nulls dropped (they delete nothing), directive
 * keys dropped, list items carrying "$patch" dropped.  A map carrying
 * "$patch": "delete" (or an unknown directive) is dropped entirely (NULL);
 * "replace" and "merge" keep the map's own content. */
static cs_json *smp_clean(const cs_json *v)
{
	if (v->type == CS_JSON_OBJECT) {
		const char *d = cs_json_get_str(v, DIRECTIVE);
		if (cs_json_get(v, DIRECTIVE) &&
		    (!d || (strcmp(d, "replace") && strcmp(d, "merge"))))
			return NULL;
		cs_json *o = cs_json_object();
		for (size_t i = 0; i < v->u.obj.len; i++) {
			const cs_json *x = v->u.obj.vals[i];
			if (is_directive_key(v->u.obj.keys[i]) || x->type == CS_JSON_NULL)
				continue;
			cs_json *cx = smp_clean(x);
			if (cx)
				cs_json_set(o, v->u.obj.keys[i], cx);
		}
		return o;
	}
	if (v->type == CS_JSON_ARRAY) {
		cs_json *a = cs_json_array();
		for (size_t i = 0; i < v->u.arr.len; i++) {
			const cs_json *x = v->u.arr.items[i];
			if (cs_json_get(x, DIRECTIVE))
				continue;
			cs_json *cx = smp_clean(x);
			if (cx)
				cs_json_push(a, cx);
		}
		return a;
	}
	return cs_json_clone(v);
}

/* The identity of a list item: its merge key value, or the item itself for
 * scalars and lists without a key. */
static const cs_json *item_id(const cs_json *item, const char *key)
{
	return key && *key ? cs_json_get(item, key) : item;
}

static ssize_t list_index(cs_json *const *items, size_t n, const cs_json *item, const char *key)
{
	const cs_json *id = item_id(item, key);
	if (!id)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const cs_json *x = item_id(items[i], key);
		if (x && cs_json_equal(x, id))
			return (ssize_t)i;
	}
	return -1;
}

/* Stable sort by position in order[]; items not found keep their relative
 * order after the found ones. */
static void sort_by_order(cs_json **v, size_t n, cs_json *const *order, size_t norder,
			  const char *key)
{
	for (size_t i = 1; i < n; i++) {
		cs_json *x = v[i];
		ssize_t xi = list_index(order, norder, x, key);
		size_t xr = xi < 0 ? SIZE_MAX : (size_t)xi;
		size_t j = i;
		while (j > 0) {
			ssize_t pi = list_index(order, norder, v[j - 1], key);
			if ((pi < 0 ? SIZE_MAX : (size_t)pi) <= xr)
				break;
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Rebuilds the order of list `a` the way Kubernetes does after a merge:
 * items named in patch_order come in that order, the others (server-only)
 * keep their order in server_order, and the two runs are interleaved by
 * their positions in server_order, a patch item winning ties and unknowns.
 * So an untouched item stays next to its old neighbours. */
static void normalize_order(cs_json *a, cs_json *const *patch_order, size_t npatch,
			    cs_json *const *server_order, size_t nserver, const char *key)
{
	size_t n = a->u.arr.len, np = 0, ns = 0;
	if (n < 2)
		return;
	cs_json **pi = malloc(n * sizeof(*pi)), **so = malloc(n * sizeof(*so));
	if (!pi || !so)
		abort();
	for (size_t i = 0; i < n; i++) {
		cs_json *x = a->u.arr.items[i];
		if (list_index(patch_order, npatch, x, key) >= 0)
			pi[np++] = x;
		else
			so[ns++] = x;
	}
	sort_by_order(pi, np, patch_order, npatch, key);
	sort_by_order(so, ns, server_order, nserver, key);
	size_t i = 0, j = 0;
	for (size_t k = 0; k < n; k++) {
		bool left = false;
		if (i < ns && j >= np) {
			left = true;
		} else if (i < ns && j < np) {
			ssize_t li = list_index(server_order, nserver, so[i], key);
			ssize_t ri = list_index(server_order, nserver, pi[j], key);
			left = li >= 0 && ri >= 0 && li < ri;
		}
		a->u.arr.items[k] = left ? so[i++] : pi[j++];
	}
	free(pi);
	free(so);
}

static int smp_map(smp *c, cs_json *orig, const cs_json *patch, const char *field);

/* All items of both lists must have one JSON type, and not be lists. */
static int check_element_types(smp *c, const cs_json *a, const cs_json *b, cs_json_type *out)
{
	int t = -1;
	const cs_json *lists[2] = {a, b};
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->u.arr.len; i++) {
			cs_json_type it = lists[l]->u.arr.items[i]->type;
			if (it == CS_JSON_ARRAY)
				return smp_fail(c, 422, "lists of lists are not supported");
			if (t >= 0 && (cs_json_type)t != it)
				return smp_fail(c, 400, "list element types are not identical");
			t = (int)it;
		}
	*out = t < 0 ? CS_JSON_NULL : (cs_json_type)t;
	return 0;
}

/* Merges patch into the list orig (in place) by merge key `key` ("" for a
 * set of scalars). */
static int smp_merge_list(smp *c, cs_json *orig, const cs_json *patch, const char *key,
			  const char *field)
{
	cs_json_type et = CS_JSON_NULL;
	char b1[200], b2[200];
	if (orig->u.arr.len == 0 && patch->u.arr.len == 0)
		return 0;
	if (check_element_types(c, orig, patch, &et) < 0)
		return -1;
	if (et != CS_JSON_OBJECT) {
		/* Union, first occurrence first, then Kubernetes' ordering. */
		for (size_t i = 0; i < orig->u.arr.len;) {
			if (list_index(orig->u.arr.items, i, orig->u.arr.items[i], NULL) >= 0)
				cs_json_free(cs_json_remove_at(orig, i));
			else
				i++;
		}
		size_t nserver = orig->u.arr.len;
		cs_json **server = malloc((nserver + 1) * sizeof(*server));
		if (!server)
			abort();
		memcpy(server, orig->u.arr.items, nserver * sizeof(*server));
		for (size_t i = 0; i < patch->u.arr.len; i++) {
			const cs_json *x = patch->u.arr.items[i];
			if (list_index(orig->u.arr.items, orig->u.arr.len, x, NULL) < 0)
				cs_json_push(orig, cs_json_clone(x));
		}
		normalize_order(orig, patch->u.arr.items, patch->u.arr.len, server, nserver, NULL);
		free(server);
		return 0;
	}
	if (!key || !*key)
		return smp_fail(c, 400, "cannot merge lists of objects without a merge key");

	/* Directive items first: deletions by key, and the replace marker. */
	const cs_json **plain = malloc((patch->u.arr.len + 1) * sizeof(*plain));
	size_t nplain = 0;
	bool replace = false;
	int rc = 0;
	if (!plain)
		abort();
	for (size_t i = 0; i < patch->u.arr.len && rc == 0; i++) {
		const cs_json *x = patch->u.arr.items[i];
		const cs_json *d = cs_json_get(x, DIRECTIVE);
		const char *ds = cs_json_str(d);
		if (!d) {
			plain[nplain++] = x;
		} else if (ds && !strcmp(ds, "delete")) {
			const cs_json *id = cs_json_get(x, key);
			if (!id) {
				rc = smp_fail(c, 400,
					      "map: %s does not contain declared merge key: %s",
					      brief(x, b1, sizeof(b1)), key);
				break;
			}
			for (size_t j = 0; j < orig->u.arr.len;) {
				const cs_json *oid = cs_json_get(orig->u.arr.items[j], key);
				if (oid && cs_json_equal(oid, id))
					cs_json_free(cs_json_remove_at(orig, j));
				else
					j++;
			}
		} else if (ds && !strcmp(ds, "replace")) {
			replace = true;
		} else if (ds && !strcmp(ds, "merge")) {
			rc = smp_fail(c, 400, "merging lists cannot yet be specified in the patch");
		} else {
			rc = smp_fail(c, 400, "unknown patch type: %s in map: %s",
				      brief(d, b1, sizeof(b1)), brief(x, b2, sizeof(b2)));
		}
	}
	if (rc == 0 && replace) {
		arr_clear(orig);
		for (size_t i = 0; i < nplain; i++)
			cs_json_push(orig, smp_clean(plain[i]));
	}
	if (rc < 0 || replace) {
		free(plain);
		return rc;
	}

	size_t nserver = orig->u.arr.len;
	cs_json **server = malloc((nserver + 1) * sizeof(*server));
	if (!server)
		abort();
	memcpy(server, orig->u.arr.items, nserver * sizeof(*server));
	for (size_t i = 0; i < nplain && rc == 0; i++) {
		const cs_json *x = plain[i];
		if (!cs_json_get(x, key)) {
			rc = smp_fail(c, 400, "map: %s does not contain declared merge key: %s",
				      brief(x, b1, sizeof(b1)), key);
			break;
		}
		ssize_t at = list_index(orig->u.arr.items, orig->u.arr.len, x, key);
		if (at < 0) {
			cs_json_push(orig, smp_clean(x));
			continue;
		}
		size_t mark = path_push(c, "[%zd]", at);
		rc = smp_map(c, orig->u.arr.items[at], x, field);
		path_pop(c, mark);
	}
	if (rc == 0)
		normalize_order(orig, (cs_json *const *)plain, nplain, server, nserver, key);
	free(server);
	free(plain);
	return rc;
}

/* Merges the patch list for field into *slot, or replaces it when the field
 * is not a merging list. */
static int smp_list(smp *c, cs_json **slot, const cs_json *patch, const char *parent,
		    const char *field)
{
	const char *key = list_key(c, parent, field);
	if (!key) {
		cs_json_free(*slot);
		*slot = smp_clean(patch);
		return 0;
	}
	return smp_merge_list(c, *slot, patch, key, field);
}

/* The $setElementOrder order list must name the patch list's items (other
 * than directive items) in the same relative order. */
static int check_order_list(smp *c, const cs_json *plist, const cs_json *order, const char *key,
			    const char *field)
{
	size_t pi = 0, oi = 0, np = cs_json_len(plist), no = cs_json_len(order);
	char b1[200], b2[200];
	if (!np || !no)
		return 0;
	while (pi < np && oi < no) {
		const cs_json *p = plist->u.arr.items[pi], *o = order->u.arr.items[oi];
		if (cs_json_get(p, DIRECTIVE)) {
			pi++;
			continue;
		}
		const cs_json *pid = item_id(p, key), *oid = item_id(o, key);
		if (!pid || !oid)
			return smp_fail(c, 400, "map: %s does not contain declared merge key: %s",
					brief(pid ? o : p, b1, sizeof(b1)), key);
		if (cs_json_equal(pid, oid))
			pi++;
		oi++;
	}
	while (pi < np && cs_json_get(plist->u.arr.items[pi], DIRECTIVE))
		pi++;
	if (pi < np)
		return smp_fail(c, 400, "the order in patch list %s doesn't match %s%s list %s",
				brief(plist, b1, sizeof(b1)), ORDER_PREFIX, field,
				brief(order, b2, sizeof(b2)));
	return 0;
}

/* "$setElementOrder/<field>": merge the list (if patched) and order the
 * result: listed items as listed, the rest where they were. */
static int smp_order(smp *c, cs_json *orig, const char *field, const cs_json *order,
		     const cs_json *plist, const char *parent)
{
	if (!cs_json_is(order, CS_JSON_ARRAY))
		return smp_fail(c, 400,
				"invalid patch format of setElementOrder list: %s%s is not "
				"a list",
				ORDER_PREFIX, field);
	cs_json **os = obj_slot(orig, field);
	if (os && (*os)->type != CS_JSON_ARRAY)
		return smp_fail(c, 400, "%s%s given but %s is not a list in the object",
				ORDER_PREFIX, field, field);
	if (plist && plist->type != CS_JSON_ARRAY)
		return smp_fail(c, 400, "%s%s given but %s is not a list in the patch",
				ORDER_PREFIX, field, field);
	const char *key = list_key(c, parent, field);
	if (check_order_list(c, plist, order, key, field) < 0)
		return -1;
	if (!os && !plist)
		return 0;
	cs_json *before = os ? cs_json_clone(*os) : cs_json_array();
	int rc = 0;
	if (os && plist) {
		size_t mark = path_push(c, "%s%s", c->plen ? "." : "", field);
		rc = smp_list(c, os, plist, parent, field);
		path_pop(c, mark);
	} else if (plist) {
		cs_json_set(orig, field, smp_clean(plist));
		os = obj_slot(orig, field);
	}
	if (rc == 0)
		normalize_order(*os, order->u.arr.items, order->u.arr.len, before->u.arr.items,
				before->u.arr.len, key);
	cs_json_free(before);
	return rc;
}

static bool in_list(const cs_json *list, const char *s)
{
	for (size_t i = 0; i < list->u.arr.len; i++) {
		const char *x = cs_json_str(list->u.arr.items[i]);
		if (x && !strcmp(x, s))
			return true;
	}
	return false;
}

/* "$retainKeys": keep only the listed fields of the object; every field
 * the patch sets must be listed. */
static int smp_retain(smp *c, cs_json *orig, const cs_json *patch, const cs_json *keep)
{
	if (!cs_json_is(keep, CS_JSON_ARRAY))
		return smp_fail(c, 400, "invalid patch format of retainKeys: %s must be a list",
				RETAIN_KEYS);
	for (size_t i = 0; i < patch->u.obj.len; i++) {
		const char *k = patch->u.obj.keys[i];
		if (patch->u.obj.vals[i]->type == CS_JSON_NULL || is_directive_key(k))
			continue;
		if (!in_list(keep, k))
			return smp_fail(c, 400,
					"invalid patch format of retainKeys: field \"%s\" is "
					"set but not listed in %s",
					k, RETAIN_KEYS);
	}
	for (size_t i = orig->u.obj.len; i-- > 0;)
		if (!in_list(keep, orig->u.obj.keys[i]))
			cs_json_del(orig, orig->u.obj.keys[i]);
	return 0;
}

static void delete_from_list(cs_json *list, const cs_json *drop)
{
	for (size_t i = 0; i < list->u.arr.len;) {
		if (list_index(drop->u.arr.items, drop->u.arr.len, list->u.arr.items[i], NULL) >= 0)
			cs_json_free(cs_json_remove_at(list, i));
		else
			i++;
	}
}

/* Merges the patch object into orig in place.  field: the name orig lives
 * under (for list items, the list's name), which selects the merge rules
 * of its lists. */
static int smp_map(smp *c, cs_json *orig, const cs_json *patch, const char *field)
{
	char b1[200];
	const cs_json *d = cs_json_get(patch, DIRECTIVE);
	if (d) {
		const char *ds = cs_json_str(d);
		if (ds && !strcmp(ds, "replace")) {
			cs_json *rep = smp_clean(patch);
			obj_clear(orig);
			for (size_t i = 0; i < rep->u.obj.len; i++)
				cs_json_set(orig, rep->u.obj.keys[i],
					    cs_json_clone(rep->u.obj.vals[i]));
			cs_json_free(rep);
			return 0;
		}
		if (ds && !strcmp(ds, "delete")) {
			obj_clear(orig);
			return 0;
		}
		/* "merge" is what happens anyway. */
		if (!ds || strcmp(ds, "merge"))
			return smp_fail(c, 400, "unknown patch type: %s in map",
					brief(d, b1, sizeof(b1)));
	}
	const cs_json *keep = cs_json_get(patch, RETAIN_KEYS);
	if (keep && smp_retain(c, orig, patch, keep) < 0)
		return -1;

	size_t n = patch->u.obj.len;
	bool *done = calloc(n + 1, sizeof(bool));
	if (!done)
		abort();
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *k = patch->u.obj.keys[i];
		if (!has_prefix(k, ORDER_PREFIX))
			continue;
		const char *lf = k + strlen(ORDER_PREFIX);
		const cs_json *plist = NULL;
		for (size_t j = 0; j < n; j++)
			if (!strcmp(patch->u.obj.keys[j], lf)) {
				plist = patch->u.obj.vals[j];
				done[j] = true;
			}
		rc = smp_order(c, orig, lf, patch->u.obj.vals[i], plist, field);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *k = patch->u.obj.keys[i];
		const cs_json *v = patch->u.obj.vals[i];
		if (done[i] || !strcmp(k, DIRECTIVE) || !strcmp(k, RETAIN_KEYS) ||
		    has_prefix(k, ORDER_PREFIX))
			continue;
		if (has_prefix(k, DELETE_PREFIX)) {
			const char *lf = k + strlen(DELETE_PREFIX);
			cs_json *list = cs_json_get(orig, lf);
			if (!cs_json_is(v, CS_JSON_ARRAY))
				rc = smp_fail(c, 400,
					      "invalid patch format of primitive list: %s "
					      "must be a list",
					      k);
			else if (cs_json_is(list, CS_JSON_ARRAY))
				delete_from_list(list, v);
			continue;
		}
		if (v->type == CS_JSON_NULL) {
			cs_json_del(orig, k);
			continue;
		}
		cs_json **s = obj_slot(orig, k);
		if (!s || (*s)->type != v->type ||
		    (v->type != CS_JSON_OBJECT && v->type != CS_JSON_ARRAY)) {
			cs_json *cv = smp_clean(v);
			if (cv)
				cs_json_set(orig, k, cv);
			else
				cs_json_del(orig, k);
			continue;
		}
		size_t mark = path_push(c, "%s%s", c->plen ? "." : "", k);
		if (v->type == CS_JSON_OBJECT)
			rc = smp_map(c, *s, v, k);
		else
			rc = smp_list(c, s, v, field, k);
		path_pop(c, mark);
	}
	free(done);
	return rc;
}

int cs_patch_strategic(cs_json **target, const cs_json *patch, const cs_type *t, cs_status *st)
{
	if (!cs_json_is(patch, CS_JSON_OBJECT))
		return cs_status_set(st, 400, "BadRequest",
				     "strategic merge patch must be a JSON object");
	cs_json *work =
		cs_json_is(*target, CS_JSON_OBJECT) ? cs_json_clone(*target) : cs_json_object();
	smp c = {.typed = t != NULL, .st = st};
	if (smp_map(&c, work, patch, "") < 0) {
		cs_json_free(work);
		return -1;
	}
	cs_json_free(*target);
	*target = work;
	return 0;
}
