#include "yamlconv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cliutil.h"

/* An alias copies its anchor's tree; cap the total so a few lines of
 * "billion laughs" cannot exhaust memory. */
#define ALIAS_NODE_LIMIT 1000000

#define TAG_PREFIX "tag:yaml.org,2002:"

/* ------------------------------------------------------------------ */
/* Scalar resolution                                                   */

static bool is_one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(s, *words, len))
			return true;
	return false;
}

static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
/* YAML 1.1 booleans other readers (go-yaml v2 among them) still honour. */
static const char *const yaml11_bool_words[] = {"y",  "Y",   "yes", "Yes", "YES", "n",
						"N",  "no",  "No",  "NO",  "on",  "On",
						"ON", "off", "Off", "OFF", NULL};

static bool all_digits(const char *s, int (*ok)(int))
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!ok((unsigned char)*s))
			return false;
	return true;
}

static int is_octal_digit(int c)
{
	return c >= '0' && c <= '7';
}

/* Plain scalars at least this long are strings, never numbers. */
#define YAML_NUMBER_MAX 72

static bool match_float(const char *s)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	bool mant = false, dot = false, exp = false;
	while (isdigit((unsigned char)*p))
		p++, mant = true;
	if (*p == '.') {
		dot = true;
		p++;
		bool frac = false;
		while (isdigit((unsigned char)*p))
			p++, frac = true;
		/* ".5" and "1." are floats, a lone "." is not */
		mant = mant || frac;
	}
	if (!mant)
		return false;
	if (*p == 'e' || *p == 'E') {
		exp = true;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return !*p && (dot || exp);
}

/* The JSON spelling of a YAML float: no '+', digits on both sides of the
 * point, no leading zeros. */
static void json_float_text(const char *s, char *out)
{
	char *o = out;
	if (*s == '+')
		s++;
	if (*s == '-')
		*o++ = *s++;
	while (s[0] == '0' && isdigit((unsigned char)s[1]))
		s++;
	if (*s == '.')
		*o++ = '0';
	while (isdigit((unsigned char)*s))
		*o++ = *s++;
	bool point = false;
	if (*s == '.') {
		s++;
		if (isdigit((unsigned char)*s)) {
			*o++ = '.';
			point = true;
			while (isdigit((unsigned char)*s))
				*o++ = *s++;
		}
	}
	if (!point && !*s) {
		/* "99999999999999999999." (a float too large to print as an
		 * integer) must keep a fraction: bare digits beyond 64 bits
		 * read back as a string. */
		*o++ = '.';
		*o++ = '0';
	}
	while (*s)
		*o++ = *s++;
	*o = '\0';
}

static cs_json *resolve_number(const char *s)
{
	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	int base = 0;
	const char *digits = p;
	if (p[0] == '0' && p[1] == 'x' && all_digits(p + 2, isxdigit)) {
		base = 16;
		digits = p + 2;
	} else if (p[0] == '0' && p[1] == 'o' && all_digits(p + 2, is_octal_digit)) {
		base = 8;
		digits = p + 2;
	} else if (all_digits(p, isdigit)) {
		/* 0123 is octal to YAML 1.1 and decimal to 1.2: a string is the
		 * only reading that cannot silently change a value. */
		if (p[0] == '0' && p[1])
			return NULL;
		base = 10;
	}
	if (base) {
		errno = 0;
		char *end;
		unsigned long long u = strtoull(digits, &end, base);
		if (errno == ERANGE || *end || u > (unsigned long long)INT64_MAX + (neg ? 1 : 0))
			return NULL;
		int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
		return cs_json_int(v);
	}
	if (!match_float(s))
		return NULL;
	double d = strtod(s, NULL);
	if (!isfinite(d))
		return NULL;
	/* kubectl's decoder goes through float64 and prints 1.0 as 1. */
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return cs_json_int((int64_t)d);
	char text[80];
	json_float_text(s, text);
	/* Normalising may lengthen it ("1." -> "1.0"): a spelling longer than
	 * plain scalars resolve (see cs_ctl_yaml_resolve_plain) would read
	 * back as a string, so such a value is a string from the start. */
	if (strlen(text) >= YAML_NUMBER_MAX)
		return NULL;
	char err[64];
	cs_json *n = cs_json_parse(text, strlen(text), err, sizeof(err));
	if (n && n->type == CS_JSON_NUMBER)
		return n;
	cs_json_free(n);
	return cs_json_double(d);
}

cs_json *cs_ctl_yaml_resolve_plain(const char *s, size_t len)
{
	if (len == 0 || is_one_of(s, len, null_words))
		return cs_json_null();
	if (is_one_of(s, len, true_words))
		return cs_json_bool(true);
	if (is_one_of(s, len, false_words))
		return cs_json_bool(false);
	char buf[YAML_NUMBER_MAX];
	if (len < sizeof(buf) && !memchr(s, '\0', len)) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		cs_json *n = resolve_number(buf);
		if (n)
			return n;
	}
	return cs_json_stringn(s, len);
}

static bool numeric_looking(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && s[i] == '.')
		i++;
	if (i >= len || !isdigit((unsigned char)s[i]))
		return false;
	for (; i < len; i++)
		if (!strchr("0123456789_:.+-eExXoObBabcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

int cs_ctl_yaml_needs_quotes(const char *s, size_t len)
{
	if (len == 0)
		return 1;
	cs_json *v = cs_ctl_yaml_resolve_plain(s, len);
	bool other = v->type != CS_JSON_STRING;
	cs_json_free(v);
	if (other || is_one_of(s, len, yaml11_bool_words) || numeric_looking(s, len))
		return 1;
	static const char *const special[] = {"<<",    "=",     ".inf",  ".Inf",  ".INF",
					      "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
					      "-.INF", ".nan",  ".NaN",  ".NAN",  NULL};
	if (is_one_of(s, len, special))
		return 1;
	/* Timestamps ("2024-01-02", "2024-01-02T03:04:05Z") are a type of
	 * their own to YAML 1.1 readers. */
	if (len >= 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-')
		return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */

struct anchor {
	char *name;
	cs_json *val;
	size_t nodes;
	int height; /* nesting of val: an alias adds it where it stands */
};

struct yparse {
	yaml_parser_t parser;
	char *err;
	size_t errlen;
	struct anchor *anchors;
	size_t nanchors, cap;
	size_t alias_nodes;
};

static size_t count_nodes(const cs_json *v)
{
	size_t n = 1;
	if (v->type == CS_JSON_ARRAY)
		for (size_t i = 0; i < v->u.arr.len; i++)
			n += count_nodes(v->u.arr.items[i]);
	else if (v->type == CS_JSON_OBJECT)
		for (size_t i = 0; i < v->u.obj.len; i++)
			n += count_nodes(v->u.obj.vals[i]);
	return n;
}

static int height(const cs_json *v)
{
	int h = 0;
	if (v->type != CS_JSON_ARRAY && v->type != CS_JSON_OBJECT)
		return 0;
	for (size_t i = 0; i < cs_json_len(v); i++) {
		int c = height(v->type == CS_JSON_ARRAY ? v->u.arr.items[i] : v->u.obj.vals[i]);
		if (c > h)
			h = c;
	}
	return h + 1;
}

static int fail_at(struct yparse *p, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct yparse *p, yaml_mark_t m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "line %zu, column %zu: %s", m.line + 1, m.column + 1, msg);
	return -1;
}

static int next_event(struct yparse *p, yaml_event_t *ev)
{
	if (yaml_parser_parse(&p->parser, ev))
		return 0;
	const yaml_parser_t *y = &p->parser;
	const char *problem = y->problem ? y->problem : "malformed YAML";
	if (y->context)
		snprintf(p->err, p->errlen, "line %zu, column %zu: %s %s", y->problem_mark.line + 1,
			 y->problem_mark.column + 1, problem, y->context);
	else
		snprintf(p->err, p->errlen, "line %zu, column %zu: %s", y->problem_mark.line + 1,
			 y->problem_mark.column + 1, problem);
	return -1;
}

static void add_anchor(struct yparse *p, const char *name, const cs_json *v)
{
	if (p->nanchors == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->anchors = cs_ctl_xrealloc(p->anchors, p->cap * sizeof(*p->anchors));
	}
	struct anchor *a = &p->anchors[p->nanchors++];
	a->name = cs_ctl_xstrdup(name);
	a->val = cs_json_clone(v);
	a->nodes = count_nodes(v);
	a->height = height(v);
}

static cs_json *scalar_value(struct yparse *p, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!tag)
		return plain ? cs_ctl_yaml_resolve_plain(s, len) : cs_json_stringn(s, len);
	if (!strcmp(tag, "!")) /* the non-specific tag: "! 12" is a string */
		return cs_json_stringn(s, len);
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
		/* A local tag (!foo) means nothing to JSON: read the text as is. */
		return plain ? cs_ctl_yaml_resolve_plain(s, len) : cs_json_stringn(s, len);
	const char *t = tag + strlen(TAG_PREFIX);
	if (!strcmp(t, "str") || !strcmp(t, "binary") || !strcmp(t, "timestamp"))
		return cs_json_stringn(s, len);
	cs_json *v = cs_ctl_yaml_resolve_plain(s, len);
	bool ok = (!strcmp(t, "null") && v->type == CS_JSON_NULL) ||
		  (!strcmp(t, "bool") && v->type == CS_JSON_BOOL) ||
		  (!strcmp(t, "int") && v->type == CS_JSON_NUMBER && v->u.num.is_int) ||
		  (!strcmp(t, "float") && v->type == CS_JSON_NUMBER);
	if (!ok) {
		cs_json_free(v);
		fail_at(p, ev->start_mark, "cannot read \"%.200s\" as !!%s", s, t);
		return NULL;
	}
	return v;
}

static cs_json *parse_node(struct yparse *p, yaml_event_t *ev, int depth);

/* "<<: *base" and "<<: [*a, *b]": keys the mapping does not set itself
 * come from the sources, earlier sources first. */
static void apply_merges(cs_json *obj, const cs_json *sources)
{
	for (size_t i = 0; i < cs_json_len(sources); i++) {
		const cs_json *src = cs_json_at(sources, i);
		for (size_t k = 0; k < src->u.obj.len; k++)
			if (!cs_json_get(obj, src->u.obj.keys[k]))
				cs_json_set(obj, src->u.obj.keys[k],
					    cs_json_clone(src->u.obj.vals[k]));
	}
}

static int add_merge_source(struct yparse *p, cs_json *sources, cs_json *val, yaml_mark_t m)
{
	if (val->type == CS_JSON_OBJECT) {
		cs_json_push(sources, val);
		return 0;
	}
	if (val->type == CS_JSON_ARRAY) {
		for (size_t i = 0; i < val->u.arr.len; i++)
			if (val->u.arr.items[i]->type != CS_JSON_OBJECT)
				goto bad;
		while (cs_json_len(val))
			cs_json_push(sources, cs_json_remove_at(val, 0));
		cs_json_free(val);
		return 0;
	}
bad:
	cs_json_free(val);
	return fail_at(p, m,
		       "the value of a merge key (<<) must be a mapping or a list of "
		       "mappings");
}

static cs_json *parse_mapping(struct yparse *p, int depth)
{
	cs_json *obj = cs_json_object();
	cs_json *merges = cs_json_array();
	for (;;) {
		yaml_event_t kev;
		if (next_event(p, &kev) < 0)
			goto fail;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		yaml_mark_t km = kev.start_mark;
		if (kev.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&kev);
			fail_at(p, km, "mapping keys must be scalars (JSON has only string keys)");
			goto fail;
		}
		const char *ks = (const char *)kev.data.scalar.value;
		size_t klen = kev.data.scalar.length;
		if (memchr(ks, '\0', klen)) {
			yaml_event_delete(&kev);
			fail_at(p, km, "mapping key contains a NUL character");
			goto fail;
		}
		char *key = strndup(ks, klen);
		if (!key)
			abort();
		bool is_merge = kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				!kev.data.scalar.tag && !strcmp(key, "<<");
		yaml_event_delete(&kev);

		yaml_event_t vev;
		cs_json *val = NULL;
		if (next_event(p, &vev) == 0)
			val = parse_node(p, &vev, depth + 1);
		if (!val) {
			free(key);
			goto fail;
		}
		if (is_merge) {
			free(key);
			if (add_merge_source(p, merges, val, km) < 0)
				goto fail;
			continue;
		}
		if (cs_json_get(obj, key)) {
			fail_at(p, km, "mapping key \"%.200s\" already defined", key);
			cs_json_free(val);
			free(key);
			goto fail;
		}
		cs_json_set(obj, key, val);
		free(key);
	}
	apply_merges(obj, merges);
	cs_json_free(merges);
	return obj;
fail:
	cs_json_free(merges);
	cs_json_free(obj);
	return NULL;
}

static cs_json *parse_sequence(struct yparse *p, int depth)
{
	cs_json *arr = cs_json_array();
	for (;;) {
		yaml_event_t ev;
		if (next_event(p, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		cs_json *item = parse_node(p, &ev, depth + 1);
		if (!item)
			goto fail;
		cs_json_push(arr, item);
	}
fail:
	cs_json_free(arr);
	return NULL;
}

static cs_json *expand_alias(struct yparse *p, const yaml_event_t *ev, int depth)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = p->nanchors; i-- > 0;) {
		struct anchor *a = &p->anchors[i];
		if (strcmp(a->name, name) != 0)
			continue;
		if (depth + a->height > CS_JSON_MAX_DEPTH) {
			fail_at(p, ev->start_mark,
				"nesting deeper than %d levels (through alias "
				"\"%.200s\")",
				CS_JSON_MAX_DEPTH, name);
			return NULL;
		}
		p->alias_nodes += a->nodes;
		if (p->alias_nodes > ALIAS_NODE_LIMIT) {
			fail_at(p, ev->start_mark, "aliases expand to more than %d values",
				ALIAS_NODE_LIMIT);
			return NULL;
		}
		return cs_json_clone(a->val);
	}
	fail_at(p, ev->start_mark, "unknown anchor \"%.200s\"", name);
	return NULL;
}

/* Consumes *ev (the node's first event) and everything up to its end. */
static cs_json *parse_node(struct yparse *p, yaml_event_t *ev, int depth)
{
	cs_json *v = NULL;
	char *anchor = NULL;
	/* depth: the collections around this node; one more is too many. */
	if (depth >= CS_JSON_MAX_DEPTH &&
	    (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT)) {
		fail_at(p, ev->start_mark, "nesting deeper than %d levels", CS_JSON_MAX_DEPTH);
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			anchor = cs_ctl_xstrdup((const char *)ev->data.scalar.anchor);
		v = scalar_value(p, ev);
		yaml_event_delete(ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor)
			anchor = cs_ctl_xstrdup((const char *)ev->data.sequence_start.anchor);
		yaml_event_delete(ev);
		v = parse_sequence(p, depth);
		break;
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor)
			anchor = cs_ctl_xstrdup((const char *)ev->data.mapping_start.anchor);
		yaml_event_delete(ev);
		v = parse_mapping(p, depth);
		break;
	case YAML_ALIAS_EVENT:
		v = expand_alias(p, ev, depth);
		yaml_event_delete(ev);
		break;
	default:
		fail_at(p, ev->start_mark, "unexpected YAML event %d", (int)ev->type);
		yaml_event_delete(ev);
		break;
	}
	if (v && anchor)
		add_anchor(p, anchor, v);
	free(anchor);
	return v;
}

static void drop_anchors(struct yparse *p)
{
	for (size_t i = 0; i < p->nanchors; i++) {
		free(p->anchors[i].name);
		cs_json_free(p->anchors[i].val);
	}
	p->nanchors = 0;
}

cs_json *cs_ctl_yaml_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct yparse p = {.err = err, .errlen = errlen};
	cs_json *docs = cs_json_array();
	if (!yaml_parser_initialize(&p.parser))
		abort();
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		if (next_event(&p, &ev) < 0)
			goto fail;
		yaml_event_type_t type = ev.type;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type != YAML_DOCUMENT_START_EVENT)
			continue; /* STREAM_START */
		if (next_event(&p, &ev) < 0)
			goto fail;
		cs_json *doc = parse_node(&p, &ev, 0);
		if (!doc)
			goto fail;
		/* Anchors do not reach across documents. */
		drop_anchors(&p);
		if (next_event(&p, &ev) < 0) {
			cs_json_free(doc);
			goto fail;
		}
		yaml_event_delete(&ev); /* DOCUMENT_END */
		if (doc->type == CS_JSON_NULL)
			cs_json_free(doc);
		else
			cs_json_push(docs, doc);
	}
	drop_anchors(&p);
	free(p.anchors);
	yaml_parser_delete(&p.parser);
	return docs;
fail:
	drop_anchors(&p);
	free(p.anchors);
	yaml_parser_delete(&p.parser);
	cs_json_free(docs);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Emitter                                                             */

static int write_cb(void *data, unsigned char *buf, size_t size)
{
	cs_ctl_sb_addn(data, (const char *)buf, size);
	return 1;
}

struct yemit {
	yaml_emitter_t e;
	char *err;
	size_t errlen;
};

static int emit_event(struct yemit *y, yaml_event_t *ev)
{
	if (yaml_emitter_emit(&y->e, ev))
		return 0;
	snprintf(y->err, y->errlen, "cannot write YAML: %s",
		 y->e.problem ? y->e.problem : "emitter error");
	return -1;
}

static int emit_scalar(struct yemit *y, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1,
					  style)) {
		snprintf(y->err, y->errlen,
			 "cannot write YAML: string \"%.60s\" is not valid UTF-8", s);
		return -1;
	}
	return emit_event(y, &ev);
}

static int emit_string(struct yemit *y, const char *s, size_t len)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	if (cs_ctl_yaml_needs_quotes(s, len))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (memchr(s, '\n', len))
		style = YAML_LITERAL_SCALAR_STYLE;
	return emit_scalar(y, s, len, style);
}

static int emit_value(struct yemit *y, const cs_json *v)
{
	yaml_event_t ev;
	switch (v->type) {
	case CS_JSON_NULL: return emit_scalar(y, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	case CS_JSON_BOOL:
		return emit_scalar(y, v->u.b ? "true" : "false", v->u.b ? 4 : 5,
				   YAML_PLAIN_SCALAR_STYLE);
	case CS_JSON_NUMBER:
		return emit_scalar(y, v->u.num.text, strlen(v->u.num.text),
				   YAML_PLAIN_SCALAR_STYLE);
	case CS_JSON_STRING: return emit_string(y, v->u.str.s, v->u.str.len);
	case CS_JSON_ARRAY:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     v->u.arr.len ? YAML_BLOCK_SEQUENCE_STYLE
								  : YAML_FLOW_SEQUENCE_STYLE);
		if (emit_event(y, &ev) < 0)
			return -1;
		for (size_t i = 0; i < v->u.arr.len; i++)
			if (emit_value(y, v->u.arr.items[i]) < 0)
				return -1;
		yaml_sequence_end_event_initialize(&ev);
		return emit_event(y, &ev);
	case CS_JSON_OBJECT:
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    v->u.obj.len ? YAML_BLOCK_MAPPING_STYLE
								 : YAML_FLOW_MAPPING_STYLE);
		if (emit_event(y, &ev) < 0)
			return -1;
		for (size_t i = 0; i < v->u.obj.len; i++) {
			const char *k = v->u.obj.keys[i];
			if (emit_string(y, k, strlen(k)) < 0 || emit_value(y, v->u.obj.vals[i]) < 0)
				return -1;
		}
		yaml_mapping_end_event_initialize(&ev);
		return emit_event(y, &ev);
	}
	return -1;
}

char *cs_ctl_yaml_emit(const cs_json *v, char *err, size_t errlen)
{
	struct yemit y = {.err = err, .errlen = errlen};
	cs_ctl_sb out = {0};
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&y.e))
		abort();
	yaml_emitter_set_output(&y.e, write_cb, &out);
	yaml_emitter_set_unicode(&y.e, 1);
	yaml_emitter_set_indent(&y.e, 2);
	/* Never fold long values: they are meant to be read and grepped. */
	yaml_emitter_set_width(&y.e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	int rc = emit_event(&y, &ev);
	if (rc == 0) {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
		rc = emit_event(&y, &ev);
	}
	if (rc == 0)
		rc = emit_value(&y, v);
	if (rc == 0) {
		yaml_document_end_event_initialize(&ev, 1);
		rc = emit_event(&y, &ev);
	}
	if (rc == 0) {
		yaml_stream_end_event_initialize(&ev);
		rc = emit_event(&y, &ev);
	}
	yaml_emitter_delete(&y.e);
	if (rc < 0) {
		cs_ctl_sb_free(&out);
		return NULL;
	}
	return cs_ctl_sb_take(&out);
}
