/* Mutable JSON document model used throughout the core.
 *
 * Parsing goes through yajl's event parser (so depth and size limits are
 * enforced while reading, before anything is built); output through
 * yajl_gen.  Objects keep their keys in insertion order because Kubernetes
 * clients diff what they sent against what they get back. */
#ifndef CS_JSON_H
#define CS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	CS_JSON_NULL,
	CS_JSON_BOOL,
	CS_JSON_NUMBER,
	CS_JSON_STRING,
	CS_JSON_ARRAY,
	CS_JSON_OBJECT,
} cs_json_type;

typedef struct cs_json cs_json;
struct cs_json {
	cs_json_type type;
	/* CS_JSON_SHARED: this node is the root of a shared tree, embedded in
	 * its reference-counted holder (see cs_json_share). Fits in padding:
	 * costs no memory. */
	uint8_t flags;
	union {
		bool b;
		struct {
			char *text; /* original spelling, emitted verbatim */
			bool is_int;
			int64_t i;
			double d;
		} num;
		struct {
			char *s; /* NUL-terminated; may contain NULs, see len */
			size_t len;
		} str;
		struct {
			cs_json **items;
			size_t len, cap;
		} arr;
		struct {
			/* one block, allocated and freed by json.c only */
			char **keys;
			cs_json **vals;
			size_t len, cap;
		} obj;
	} u;
};

#define CS_JSON_SHARED 0x1

/* Maximum nesting accepted by cs_json_parse; deeper input is rejected. */
#define CS_JSON_MAX_DEPTH 100

/* Parse len bytes.  On failure returns NULL and writes a one-line reason
 * (with byte offset) into err[errlen]. */
cs_json *cs_json_parse(const char *buf, size_t len, char *err, size_t errlen);

/* Serialise.  Returns malloc'd NUL-terminated text, length in *len (may be
 * NULL).  pretty: two-space indentation. */
char *cs_json_dump(const cs_json *v, bool pretty, size_t *len);
/* The same through yajl_gen: what pretty output uses, and the reference the
 * compact writer matches byte for byte. */
char *cs_json_dump_yajl(const cs_json *v, bool pretty, size_t *len);

/* Frees a tree; on the root of a shared tree, releases one reference. */
void cs_json_free(cs_json *v);
/* Frees what v owns and leaves v a null in place (its flags kept): for a
 * root embedded elsewhere.  Not for a shared root. */
void cs_json_clear(cs_json *v);
cs_json *cs_json_clone(const cs_json *v);

/* Shared trees: an immutable tree whose root lives in a reference-counted
 * holder, so that threads hold one parse instead of copies (the store's
 * parses, which in-process watchers and modules keep as their objects).
 * Nothing may change a shared tree; the reference count is atomic, and the
 * last cs_json_free frees the tree.  A shared root must not be made the
 * child of another tree (clone it). */
/* Takes doc over and returns it shared, with one reference (the caller's).
 * A shared doc is returned as is (the reference passes on). */
cs_json *cs_json_share(cs_json *doc);
/* One more reference to a shared tree; a plain tree is cloned (an owned
 * copy the caller frees). */
cs_json *cs_json_ref(const cs_json *v);
bool cs_json_is_shared(const cs_json *v);
/* References held on a shared tree, 0 for a plain one (diagnostics, tests). */
unsigned cs_json_refs(const cs_json *v);
bool cs_json_equal(const cs_json *a, const cs_json *b);
/* Equal and also serialised the same: key order and number spelling too. */
bool cs_json_identical(const cs_json *a, const cs_json *b);

/* Constructors (never return NULL: allocation failure aborts). */
cs_json *cs_json_null(void);
cs_json *cs_json_bool(bool b);
cs_json *cs_json_int(int64_t i);
cs_json *cs_json_double(double d);
cs_json *cs_json_string(const char *s);
cs_json *cs_json_stringn(const char *s, size_t n);
cs_json *cs_json_stringf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
cs_json *cs_json_object(void);
cs_json *cs_json_array(void);

/* Object access.  get returns NULL when o is not an object or key absent. */
cs_json *cs_json_get(const cs_json *o, const char *key);
/* Walk nested objects: cs_json_path(obj, "metadata", "name", NULL). */
cs_json *cs_json_path(const cs_json *o, ...) __attribute__((sentinel));
/* Set takes ownership of val and replaces (frees) an existing value. */
void cs_json_set(cs_json *o, const char *key, cs_json *val);
/* Returns the child object under key, creating an empty object (replacing a
 * non-object) when needed. */
cs_json *cs_json_obj_ensure(cs_json *o, const char *key);
/* Removes and frees; returns true if the key existed. */
bool cs_json_del(cs_json *o, const char *key);
/* Removes without freeing; returns the detached value or NULL. */
cs_json *cs_json_take(cs_json *o, const char *key);

/* Array access. */
size_t cs_json_len(const cs_json *a); /* array or object length, else 0 */
cs_json *cs_json_at(const cs_json *a, size_t i);
void cs_json_push(cs_json *a, cs_json *val);             /* takes ownership */
void cs_json_insert(cs_json *a, size_t i, cs_json *val); /* i <= len */
cs_json *cs_json_remove_at(cs_json *a, size_t i);        /* detaches */

/* Typed reads; return the fallback/NULL when the type does not match. */
const char *cs_json_str(const cs_json *v); /* NULL unless string */
const char *cs_json_get_str(const cs_json *o, const char *key);
int64_t cs_json_as_int(const cs_json *v, int64_t fallback);
bool cs_json_as_bool(const cs_json *v, bool fallback);
bool cs_json_is(const cs_json *v, cs_json_type t);

#endif
