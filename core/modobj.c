/* cs_object for modules: handles are cs_json nodes (see modobj.h).  Shared
 * objects are shared cs_json trees (json.h), so handing an informer's
 * object to a module costs one atomic increment, not a copy. */
#include "modobj.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "patch.h"
#include "types.h"

#define J(o)   ((cs_json *)(o))
#define OBJ(j) ((cs_object *)(j))

static bool is_shared(const cs_json *v)
{
	return cs_json_is_shared(v);
}

/* Move the contents of heap node src into dst (whose own contents are
 * already gone) and free the emptied src node. */
static void move_into(cs_json *dst, cs_json *src)
{
	uint8_t flags = dst->flags;
	*dst = *src;
	dst->flags = flags;
	free(src);
}

const cs_object *cs_modobj_share(cs_json *doc)
{
	return OBJ(cs_json_share(doc));
}

unsigned cs_modobj_refs(const cs_object *o)
{
	return cs_json_refs(J(o));
}

/* ---- text helpers ---- */

/* Copy src into dst[cap] as one line, cutting at a UTF-8 character
 * boundary so a truncated message is still valid UTF-8 in a Status. */
static void copy_line(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src ? src : "", cap - 1);
	if (src && src[n])
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static int mod_errorf(cs_error *err, int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int mod_errorf(cs_error *err, int code, const char *reason, const char *fmt, ...)
{
	if (!err)
		return -1;
	/* Twice the room, so copy_line sees where the text goes on. */
	char buf[sizeof(err->message) * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	err->code = code;
	copy_line(err->reason, sizeof(err->reason), reason);
	copy_line(err->message, sizeof(err->message), buf);
	return -1;
}

void cs_modobj_error_from_status(cs_error *err, const cs_status *st)
{
	if (!err || !st)
		return;
	err->code = st->code;
	copy_line(err->reason, sizeof(err->reason), st->reason);
	copy_line(err->message, sizeof(err->message), st->message);
}

/* ---- paths ----
 *
 * A path is a sequence of steps: a key (backslash escapes '.', '[' and
 * '\\'), or an index "[n]".  Keys after the first step follow a '.'. */

typedef enum { STEP_END, STEP_KEY, STEP_INDEX, STEP_BAD } step_kind;

typedef struct {
	step_kind kind;
	const char *key; /* escaped spelling inside the path */
	size_t klen;
	size_t idx;
} step;

static step_kind parse_key(const char **pp, step *s)
{
	const char *p = *pp;
	s->key = p;
	while (*p && *p != '.' && *p != '[') {
		if (*p == '\\') {
			if (p[1] != '.' && p[1] != '[' && p[1] != '\\')
				return s->kind = STEP_BAD;
			p++;
		}
		p++;
	}
	s->klen = (size_t)(p - s->key);
	*pp = p;
	return s->kind = s->klen ? STEP_KEY : STEP_BAD;
}

static step_kind parse_index(const char **pp, step *s)
{
	const char *p = *pp + 1; /* past '[' */
	size_t n = 0;
	if (*p < '0' || *p > '9')
		return s->kind = STEP_BAD;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (SIZE_MAX - 9) / 10)
			return s->kind = STEP_BAD;
		n = n * 10 + (size_t)(*p - '0');
	}
	if (*p != ']')
		return s->kind = STEP_BAD;
	s->idx = n;
	*pp = p + 1;
	return s->kind = STEP_INDEX;
}

/* Parse the step at *pp; first: the path's first step (no leading '.'). */
static step_kind next_step(const char **pp, bool first, step *s)
{
	const char *p = *pp;
	if (!first) {
		if (!*p)
			return s->kind = STEP_END;
		if (*p == '.') {
			*pp = p + 1;
			return parse_key(pp, s);
		}
		if (*p != '[')
			return s->kind = STEP_BAD;
	}
	return *p == '[' ? parse_index(pp, s) : parse_key(pp, s);
}

static bool path_empty(const char *path)
{
	return !path || !*path;
}

/* Are all steps from p on keys, up to the end of the path? */
static bool rest_all_keys(const char *p)
{
	step s;
	step_kind k;
	while ((k = next_step(&p, false, &s)) == STEP_KEY)
		;
	return k == STEP_END;
}

static bool path_valid(const char *p)
{
	step s;
	step_kind k = next_step(&p, true, &s);
	while (k == STEP_KEY || k == STEP_INDEX)
		k = next_step(&p, false, &s);
	return k == STEP_END;
}

/* Map key == escaped path key? */
static bool key_eq(const char *k, const char *esc, size_t len)
{
	for (size_t i = 0; i < len; i++, k++) {
		if (esc[i] == '\\')
			i++;
		if (*k != esc[i])
			return false;
	}
	return *k == '\0';
}

static char *key_dup(const step *s)
{
	char *d = malloc(s->klen + 1), *o = d;
	if (!d) {
		fprintf(stderr, "capstan: out of memory copying a key\n");
		abort();
	}
	for (size_t i = 0; i < s->klen; i++) {
		if (s->key[i] == '\\')
			i++;
		*o++ = s->key[i];
	}
	*o = '\0';
	return d;
}

static ssize_t key_find(const cs_json *m, const step *s)
{
	for (size_t i = 0; i < m->u.obj.len; i++)
		if (key_eq(m->u.obj.keys[i], s->key, s->klen))
			return (ssize_t)i;
	return -1;
}

/* One step down, or NULL when it does not exist or types do not fit. */
static cs_json *descend(const cs_json *cur, const step *s)
{
	if (s->kind == STEP_KEY && cs_json_is(cur, CS_JSON_OBJECT)) {
		ssize_t i = key_find(cur, s);
		return i < 0 ? NULL : cur->u.obj.vals[i];
	}
	if (s->kind == STEP_INDEX && cs_json_is(cur, CS_JSON_ARRAY) && s->idx < cur->u.arr.len)
		return cur->u.arr.items[s->idx];
	return NULL;
}

static cs_json *walk(const cs_json *o, const char *path)
{
	if (!o || path_empty(path))
		return (cs_json *)o;
	step s;
	cs_json *cur = (cs_json *)o;
	for (step_kind k = next_step(&path, true, &s); k != STEP_END;
	     k = next_step(&path, false, &s))
		if (k == STEP_BAD || !(cur = descend(cur, &s)))
			return NULL;
	return cur;
}

/* ---- lifetime ---- */

static void obj_free(const cs_object *o)
{
	cs_json_free(J(o)); /* a shared object: one reference */
}

static cs_object *obj_keep(const cs_object *o)
{
	return OBJ(cs_json_ref(J(o)));
}

static cs_object *obj_clone(const cs_object *o)
{
	return OBJ(cs_json_clone(J(o))); /* new nodes: flags cleared */
}

/* A value handed over to be stored in a tree must be a plain heap tree: a
 * shared root lives inside its holder, so store a copy and drop the
 * reference. */
static cs_json *take_owned(cs_object *val)
{
	if (!is_shared(J(val)))
		return J(val);
	cs_json *c = cs_json_clone(J(val));
	obj_free(val);
	return c;
}

static cs_object *obj_parse(const char *json, size_t len, cs_error *err)
{
	char msg[256];
	if (!json) {
		mod_errorf(err, 400, "BadRequest", "cannot parse object: no JSON text");
		return NULL;
	}
	cs_json *v = cs_json_parse(json, len, msg, sizeof(msg));
	if (!v)
		mod_errorf(err, 400, "BadRequest", "cannot parse object: %s", msg);
	return OBJ(v);
}

const cs_object *cs_modobj_share_text(const char *json, size_t len, cs_error *err)
{
	cs_object *o = obj_parse(json, len, err);
	return o ? cs_modobj_share(J(o)) : NULL;
}

static char *obj_json(const cs_object *o, size_t *len)
{
	return cs_json_dump(J(o), false, len);
}

/* ---- reads ---- */

static enum cs_obj_type obj_type(const cs_object *o)
{
	switch (o ? J(o)->type : CS_JSON_NULL) {
	case CS_JSON_BOOL: return CS_OBJ_BOOL;
	case CS_JSON_NUMBER: return CS_OBJ_NUMBER;
	case CS_JSON_STRING: return CS_OBJ_STRING;
	case CS_JSON_ARRAY: return CS_OBJ_ARRAY;
	case CS_JSON_OBJECT: return CS_OBJ_MAP;
	default: return CS_OBJ_NULL;
	}
}

static bool obj_equal(const cs_object *a, const cs_object *b)
{
	return cs_json_equal(J(a), J(b));
}

static const cs_object *obj_get(const cs_object *o, const char *path)
{
	return OBJ(walk(J(o), path));
}

static const char *obj_str(const cs_object *o, const char *path)
{
	return cs_json_str(walk(J(o), path));
}

static int64_t obj_int(const cs_object *o, const char *path, int64_t fallback)
{
	const cs_json *v = walk(J(o), path);
	if (!cs_json_is(v, CS_JSON_NUMBER))
		return fallback;
	if (v->u.num.is_int)
		return v->u.num.i;
	/* 3.0 is the integer 3; 3.5, 1e300 and NaN have no int64 value. */
	double d = v->u.num.d;
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || (double)(int64_t)d != d)
		return fallback;
	return (int64_t)d;
}

static double obj_num(const cs_object *o, const char *path, double fallback)
{
	const cs_json *v = walk(J(o), path);
	return cs_json_is(v, CS_JSON_NUMBER) ? v->u.num.d : fallback;
}

static bool obj_bool(const cs_object *o, const char *path, bool fallback)
{
	return cs_json_as_bool(walk(J(o), path), fallback);
}

static size_t obj_len(const cs_object *o)
{
	return cs_json_len(J(o));
}

static const cs_object *obj_at(const cs_object *o, size_t i)
{
	const cs_json *v = J(o);
	if (cs_json_is(v, CS_JSON_OBJECT))
		return i < v->u.obj.len ? OBJ(v->u.obj.vals[i]) : NULL;
	return OBJ(cs_json_at(v, i));
}

static const char *obj_key_at(const cs_object *o, size_t i)
{
	const cs_json *v = J(o);
	return cs_json_is(v, CS_JSON_OBJECT) && i < v->u.obj.len ? v->u.obj.keys[i] : NULL;
}

/* ---- builders ---- */

static cs_object *obj_new(enum cs_obj_type type)
{
	switch (type) {
	case CS_OBJ_NULL: return OBJ(cs_json_null());
	case CS_OBJ_BOOL: return OBJ(cs_json_bool(false));
	case CS_OBJ_NUMBER: return OBJ(cs_json_int(0));
	case CS_OBJ_STRING: return OBJ(cs_json_string(""));
	case CS_OBJ_ARRAY: return OBJ(cs_json_array());
	case CS_OBJ_MAP: return OBJ(cs_json_object());
	}
	return NULL;
}

static cs_object *obj_new_str(const char *s)
{
	return s ? OBJ(cs_json_string(s)) : NULL;
}

static cs_object *obj_new_int(int64_t v)
{
	return OBJ(cs_json_int(v));
}

/* JSON has no NaN or infinity: such a value could never be sent. */
static cs_object *obj_new_num(double v)
{
	return isfinite(v) ? OBJ(cs_json_double(v)) : NULL;
}

static cs_object *obj_new_bool(bool v)
{
	return OBJ(cs_json_bool(v));
}

/* ---- writes ---- */

static bool writable(const cs_json *o)
{
	return o && !is_shared(o);
}

/* Store val (owned) as the final step s of cur; -1 leaves val to the caller. */
static int store(cs_json *cur, const step *s, cs_json *val)
{
	if (s->kind == STEP_KEY && cs_json_is(cur, CS_JSON_OBJECT)) {
		ssize_t i = key_find(cur, s);
		if (i >= 0) {
			cs_json_free(cur->u.obj.vals[i]);
			cur->u.obj.vals[i] = val;
		} else {
			char *k = key_dup(s);
			cs_json_set(cur, k, val);
			free(k);
		}
		return 0;
	}
	if (s->kind != STEP_INDEX || !cs_json_is(cur, CS_JSON_ARRAY) || s->idx > cur->u.arr.len)
		return -1;
	if (s->idx == cur->u.arr.len) {
		cs_json_push(cur, val);
	} else {
		cs_json_free(cur->u.arr.items[s->idx]);
		cur->u.arr.items[s->idx] = val;
	}
	return 0;
}

static int set_path(cs_json *cur, const char *path, cs_json *val)
{
	step s, next;
	next_step(&path, true, &s);
	for (;;) {
		const char *after = path;
		if (next_step(&path, false, &next) == STEP_END)
			return store(cur, &s, val);
		cs_json *child = descend(cur, &s);
		if (!child) {
			/* Only missing map keys are made, and only when every
			 * step from here on is a key: an index into a map made
			 * on the way would fail after the tree had changed. */
			if (s.kind != STEP_KEY || !cs_json_is(cur, CS_JSON_OBJECT) ||
			    !rest_all_keys(after))
				return -1;
			child = cs_json_object();
			store(cur, &s, child);
		}
		cur = child;
		s = next;
	}
}

static int obj_set(cs_object *o, const char *path, cs_object *val)
{
	cs_json *v = take_owned(val);
	if (!v)
		return -1;
	cs_json *root = J(o);
	if (!writable(root) || (!path_empty(path) && !path_valid(path))) {
		cs_json_free(v);
		return -1;
	}
	if (path_empty(path)) {
		cs_json_clear(root);
		move_into(root, v);
		return 0;
	}
	if (set_path(root, path, v) < 0) {
		cs_json_free(v);
		return -1;
	}
	return 0;
}

static int obj_set_str(cs_object *o, const char *path, const char *s)
{
	return obj_set(o, path, obj_new_str(s));
}

static int obj_set_int(cs_object *o, const char *path, int64_t v)
{
	return obj_set(o, path, obj_new_int(v));
}

static int obj_set_bool(cs_object *o, const char *path, bool v)
{
	return obj_set(o, path, obj_new_bool(v));
}

static int obj_append(cs_object *array, cs_object *val)
{
	cs_json *v = take_owned(val), *a = J(array);
	if (!v)
		return -1;
	if (!writable(a) || !cs_json_is(a, CS_JSON_ARRAY)) {
		cs_json_free(v);
		return -1;
	}
	cs_json_push(a, v);
	return 0;
}

static int obj_remove(cs_object *o, const char *path)
{
	cs_json *cur = J(o);
	if (!writable(cur) || path_empty(path) || !path_valid(path))
		return -1;
	step s, next;
	next_step(&path, true, &s);
	while (next_step(&path, false, &next) != STEP_END) {
		if (!(cur = descend(cur, &s)))
			return -1;
		s = next;
	}
	if (s.kind == STEP_INDEX) {
		cs_json *v = cs_json_remove_at(cur, s.idx);
		cs_json_free(v);
		return v ? 0 : -1;
	}
	ssize_t i = cs_json_is(cur, CS_JSON_OBJECT) ? key_find(cur, &s) : -1;
	if (i < 0)
		return -1;
	cs_json_free(cs_json_take(cur, cur->u.obj.keys[i]));
	return 0;
}

/* ---- patches ---- */

static bool contains(const cs_json *tree, const cs_json *node)
{
	if (tree == node)
		return true;
	size_t n = cs_json_len(tree);
	for (size_t i = 0; i < n; i++) {
		const cs_json *c =
			tree->type == CS_JSON_ARRAY ? tree->u.arr.items[i] : tree->u.obj.vals[i];
		if (contains(c, node))
			return true;
	}
	return false;
}

static int obj_patch(cs_object *o, enum cs_patch_type type, const cs_object *patch, cs_error *err)
{
	cs_json *root = J(o);
	if (!root)
		return mod_errorf(err, 400, "BadRequest", "obj_patch: no object to patch");
	if (is_shared(root))
		return mod_errorf(err, 400, "BadRequest",
				  "obj_patch: the object is shared and immutable; patch an "
				  "obj_clone of it");
	if (!patch)
		return mod_errorf(err, 400, "BadRequest", "obj_patch: no patch document");
	const cs_type *t = NULL;
	if (type == CS_PATCH_STRATEGIC) {
		const char *av = cs_json_get_str(root, "apiVersion");
		const char *kind = cs_json_get_str(root, "kind");
		if (!(t = cs_type_by_kind(av, kind)))
			return mod_errorf(err, 415, "UnsupportedMediaType",
					  "strategic merge patch needs a built-in kind, not "
					  "apiVersion %s kind %s; use a merge or JSON patch",
					  av ? av : "(none)", kind ? kind : "(none)");
	} else if (type != CS_PATCH_MERGE && type != CS_PATCH_JSON) {
		return mod_errorf(err, 415, "UnsupportedMediaType",
				  "obj_patch: unknown patch type %d", (int)type);
	}
	/* The patch functions may free and replace the root, and a merge
	 * patch edits the target while reading the patch: never let the
	 * patch be a part of what changes. */
	cs_json *own = contains(root, J(patch)) ? cs_json_clone(J(patch)) : NULL;
	const cs_json *p = own ? own : J(patch);
	/* The handle must stay the same node: patch a heap node holding the
	 * contents, then move the result back. */
	cs_json *work = cs_json_null();
	*work = *root;
	cs_status st = {0};
	int rc = type == CS_PATCH_MERGE  ? cs_patch_merge(&work, p, &st)
		 : type == CS_PATCH_JSON ? cs_patch_json(&work, p, &st)
					 : cs_patch_strategic(&work, p, t, &st);
	move_into(root, work);
	cs_json_free(own);
	if (rc < 0) {
		cs_modobj_error_from_status(err, &st);
		return -1;
	}
	return 0;
}

void cs_modobj_fill(cs_host *h)
{
	h->free = free;
	h->errorf = mod_errorf;
	h->obj_parse = obj_parse;
	h->obj_json = obj_json;
	h->obj_keep = obj_keep;
	h->obj_clone = obj_clone;
	h->obj_free = obj_free;
	h->obj_type = obj_type;
	h->obj_equal = obj_equal;
	h->obj_get = obj_get;
	h->obj_str = obj_str;
	h->obj_int = obj_int;
	h->obj_num = obj_num;
	h->obj_bool = obj_bool;
	h->obj_len = obj_len;
	h->obj_at = obj_at;
	h->obj_key_at = obj_key_at;
	h->obj_new = obj_new;
	h->obj_new_str = obj_new_str;
	h->obj_new_int = obj_new_int;
	h->obj_new_num = obj_new_num;
	h->obj_new_bool = obj_new_bool;
	h->obj_set = obj_set;
	h->obj_set_str = obj_set_str;
	h->obj_set_int = obj_set_int;
	h->obj_set_bool = obj_set_bool;
	h->obj_append = obj_append;
	h->obj_remove = obj_remove;
	h->obj_patch = obj_patch;
}
