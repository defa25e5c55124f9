/* Validation of API objects, with Kubernetes' field paths, error types and
 * messages (k8s.io/apimachinery field.Error), so clients that parse or show
 * them behave as against a real API server.  This file holds the error
 * collector, the checks shared by every kind, object metadata, the
 * dispatch on kind and the small core/v1 kinds; pods live in
 * validate_pod.c, workloads in validate_apps.c. */
#include "validate_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quantity.h"
#include "selector.h"

/* ---- error collector ---- */

/* Validation builds a path for nearly every field it visits, valid or not:
 * the formats used (%s and %zu) are expanded here, as vsnprintf would, at a
 * fraction of its cost; anything else goes to vsnprintf. */
const char *cs_vpath(char *buf, const char *fmt, ...)
{
	const size_t max = CS_VPATH - 1;
	size_t n = 0;
	va_list ap;
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			if (n < max)
				buf[n++] = *f;
		} else if (f[1] == 's') {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s && n < max; s++)
				buf[n++] = *s;
			f++;
		} else if (f[1] == 'z' && f[2] == 'u') {
			size_t v = va_arg(ap, size_t);
			char d[24];
			int k = 0;
			do
				d[k++] = (char)('0' + v % 10);
			while ((v /= 10));
			while (k && n < max)
				buf[n++] = d[--k];
			f += 2;
		} else {
			va_end(ap);
			va_start(ap, fmt);
			vsnprintf(buf, CS_VPATH, fmt, ap);
			va_end(ap);
			return buf;
		}
	}
	va_end(ap);
	buf[n] = '\0';
	return buf;
}

static void add(cs_vctx *v, const char *reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(cs_vctx *v, const char *reason, const char *field, const char *fmt, ...)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->errs = realloc(v->errs, v->cap * sizeof(*v->errs));
		if (!v->errs)
			abort();
	}
	cs_verr *e = &v->errs[v->len++];
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&e->body, fmt, ap) < 0 || !(e->field = strdup(field)))
		abort();
	va_end(ap);
	e->reason = reason;
}

/* ": detail" suffix, or nothing. */
#define DETAIL(d) (d) && *(d) ? ": " : "", (d) ? (d) : ""

/* Go's %q: enough of it for the strings users put in manifests. */
static char *go_quote(const char *s, size_t len)
{
	char *out = malloc(len * 4 + 3);
	if (!out)
		abort();
	char *o = out;
	*o++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			*o++ = '\\';
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				o += sprintf(o, "\\x%02x", c);
			else
				*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static char *render(const cs_json *val)
{
	if (!val || val->type == CS_JSON_NULL)
		return strdup("null");
	switch (val->type) {
	case CS_JSON_STRING: return go_quote(val->u.str.s, val->u.str.len);
	case CS_JSON_NUMBER: return strdup(val->u.num.text);
	case CS_JSON_BOOL: return strdup(val->u.b ? "true" : "false");
	default: break;
	}
	/* A whole object in a message is for orientation only; cap it so the
	 * detail after it survives in a cause. */
	char *d = cs_json_dump(val, false, NULL);
	if (d && strlen(d) > 120)
		strcpy(d + 117, "...");
	return d;
}

void cs_v_required(cs_vctx *v, const char *field, const char *detail)
{
	add(v, "FieldValueRequired", field, "Required value%s%s", DETAIL(detail));
}

void cs_v_invalid_raw(cs_vctx *v, const char *field, const char *value, const char *detail)
{
	add(v, "FieldValueInvalid", field, "Invalid value: %s%s%s", value, DETAIL(detail));
}

void cs_v_invalid(cs_vctx *v, const char *field, const cs_json *value, const char *detail)
{
	char *r = render(value);
	cs_v_invalid_raw(v, field, r, detail);
	free(r);
}

void cs_v_invalid_s(cs_vctx *v, const char *field, const char *value, const char *detail)
{
	char *q = go_quote(value, strlen(value));
	cs_v_invalid_raw(v, field, q, detail);
	free(q);
}

void cs_v_invalid_i(cs_vctx *v, const char *field, int64_t value, const char *detail)
{
	add(v, "FieldValueInvalid", field, "Invalid value: %lld%s%s", (long long)value,
	    DETAIL(detail));
}

void cs_v_invalid_novalue(cs_vctx *v, const char *field, const char *detail)
{
	add(v, "FieldValueInvalid", field, "Invalid value%s%s", DETAIL(detail));
}

void cs_v_unsupported(cs_vctx *v, const char *field, const char *value, const char *const *valid)
{
	char list[512] = "";
	size_t off = 0;
	for (size_t i = 0; valid[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"", i ? ", " : "",
					valid[i]);
	char *q = go_quote(value, strlen(value));
	add(v, "FieldValueNotSupported", field, "Unsupported value: %s: supported values: %s", q,
	    list);
	free(q);
}

void cs_v_duplicate_s(cs_vctx *v, const char *field, const char *value)
{
	char *q = go_quote(value, strlen(value));
	add(v, "FieldValueDuplicate", field, "Duplicate value: %s", q);
	free(q);
}

void cs_v_forbidden(cs_vctx *v, const char *field, const char *detail)
{
	add(v, "FieldValueForbidden", field, "Forbidden%s%s", DETAIL(detail));
}

void cs_v_too_long(cs_vctx *v, const char *field, long max)
{
	add(v, "FieldValueTooLong", field, "Too long: must have at most %ld bytes", max);
}

void cs_v_not_found_s(cs_vctx *v, const char *field, const char *value)
{
	char *q = go_quote(value, strlen(value));
	add(v, "FieldValueNotFound", field, "Not found: %s", q);
	free(q);
}

void cs_v_type(cs_vctx *v, const char *field, const cs_json *value, const char *want)
{
	char *r = render(value);
	add(v, "FieldValueTypeInvalid", field, "Invalid value: %s: must be of type %s", r, want);
	free(r);
}

/* ---- typed access ---- */

bool cs_v_present(const cs_json *o, const char *key)
{
	const cs_json *m = cs_json_get(o, key);
	return m && m->type != CS_JSON_NULL;
}

static const cs_json *typed(cs_vctx *v, const cs_json *o, const char *parent, const char *key,
			    cs_json_type t, const char *want)
{
	const cs_json *m = cs_json_get(o, key);
	if (!m || m->type == CS_JSON_NULL)
		return NULL;
	if (m->type == t && (t != CS_JSON_NUMBER || m->u.num.is_int))
		return m;
	char p[CS_VPATH];
	cs_v_type(v, parent && *parent ? cs_vpath(p, "%s.%s", parent, key) : key, m, want);
	return NULL;
}

const char *cs_v_str(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	return cs_json_str(typed(v, o, parent, key, CS_JSON_STRING, "string"));
}

bool cs_v_int(cs_vctx *v, const cs_json *o, const char *parent, const char *key, int64_t *out)
{
	const cs_json *m = typed(v, o, parent, key, CS_JSON_NUMBER, "integer");
	if (m)
		*out = m->u.num.i;
	return m != NULL;
}

bool cs_v_bool(cs_vctx *v, const cs_json *o, const char *parent, const char *key, bool *out)
{
	const cs_json *m = typed(v, o, parent, key, CS_JSON_BOOL, "boolean");
	if (m)
		*out = m->u.b;
	return m != NULL;
}

const cs_json *cs_v_obj(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	return typed(v, o, parent, key, CS_JSON_OBJECT, "object");
}

const cs_json *cs_v_arr(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	return typed(v, o, parent, key, CS_JSON_ARRAY, "array");
}

/* ---- shared checks ---- */

#define MAX_LEN_MSG(n) "must be no more than " #n " characters"

const char *cs_check_dns1035_label(const char *s)
{
	size_t n = strlen(s);
	if (n > 63)
		return MAX_LEN_MSG(63);
	bool ok = n > 0 && islower((unsigned char)s[0]) && s[0] >= 'a' &&
		  (isdigit((unsigned char)s[n - 1]) || (s[n - 1] >= 'a' && s[n - 1] <= 'z'));
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
	if (ok)
		return NULL;
	return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
	       "with an alphabetic character, and end with an alphanumeric character (e.g. "
	       "'my-name',  or 'abc-123', regex used for validation is "
	       "'[a-z]([-a-z0-9]*[a-z0-9])?')";
}

/* "." and ".." would escape the directory a key becomes a file in. */
static const char *chdir_prefix(const char *s)
{
	if (!strcmp(s, "."))
		return "must not be '.'";
	if (!strcmp(s, ".."))
		return "must not be '..'";
	if (!strncmp(s, "..", 2))
		return "must not start with '..'";
	return NULL;
}

static bool in_set(char c, const char *extra)
{
	return isalnum((unsigned char)c) || (c && strchr(extra, c));
}

const char *cs_check_env_var_name(const char *s)
{
	bool ok = *s && !isdigit((unsigned char)s[0]);
	for (const char *p = s; ok && *p; p++)
		ok = in_set(*p, "-._") && (unsigned char)*p < 0x80;
	if (!ok)
		return "a valid environment variable name must consist of alphabetic characters, "
		       "digits, '_', '-', or '.', and must not start with a digit (e.g. "
		       "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
		       "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
	return chdir_prefix(s);
}

const char *cs_check_config_key(const char *s)
{
	if (strlen(s) > 253)
		return MAX_LEN_MSG(253);
	bool ok = *s;
	for (const char *p = s; ok && *p; p++)
		ok = in_set(*p, "-._") && (unsigned char)*p < 0x80;
	if (!ok)
		return "a valid config key must consist of alphanumeric characters, '-', '_' or "
		       "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
		       "validation is '[-._a-zA-Z0-9]+')";
	return chdir_prefix(s);
}

void cs_v_port_name(cs_vctx *v, const char *field, const char *name)
{
	size_t n = strlen(name);
	bool charset = n > 0, letter = false;
	for (const char *p = name; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			letter = true;
		else if (!(*p >= '0' && *p <= '9') && *p != '-')
			charset = false;
	}
	if (n > 15)
		cs_v_invalid_s(v, field, name, MAX_LEN_MSG(15));
	if (!charset)
		cs_v_invalid_s(
			v, field, name,
			"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
	if (!letter)
		cs_v_invalid_s(v, field, name, "must contain at least one letter (a-z)");
	if (strstr(name, "--"))
		cs_v_invalid_s(v, field, name, "must not contain consecutive hyphens");
	if (n && (name[0] == '-' || name[n - 1] == '-'))
		cs_v_invalid_s(v, field, name, "must not begin or end with a hyphen");
}

#define PORT_RANGE_MSG "must be between 1 and 65535, inclusive"

void cs_v_port_num(cs_vctx *v, const char *field, int64_t port)
{
	if (port < 1 || port > 65535)
		cs_v_invalid_i(v, field, port, PORT_RANGE_MSG);
}

void cs_v_port_num_or_name(cs_vctx *v, const char *field, const cs_json *value)
{
	if (cs_json_is(value, CS_JSON_STRING))
		cs_v_port_name(v, field, value->u.str.s);
	else if (cs_json_is(value, CS_JSON_NUMBER) && value->u.num.is_int)
		cs_v_port_num(v, field, value->u.num.i);
	else if (value && value->type != CS_JSON_NULL)
		cs_v_type(v, field, value, "integer or string");
}

void cs_v_nonneg(cs_vctx *v, const char *field, int64_t n)
{
	if (n < 0)
		cs_v_invalid_i(v, field, n, "must be greater than or equal to 0");
}

bool cs_v_is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

#define IP_MSG "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

/* validateNonSpecialIP: addresses that make no sense as endpoints. */
static void v_non_special_ip(cs_vctx *v, const char *field, const char *ip)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, ip, a) == 1) {
		if (!a[0] && !a[1] && !a[2] && !a[3])
			cs_v_invalid_s(v, field, ip, "may not be unspecified (0.0.0.0)");
		else if (a[0] == 127)
			cs_v_invalid_s(v, field, ip,
				       "may not be in the loopback range (127.0.0.0/8)");
		else if (a[0] == 169 && a[1] == 254)
			cs_v_invalid_s(v, field, ip,
				       "may not be in the link-local range (169.254.0.0/16)");
		else if (a[0] == 224 && !a[1] && !a[2])
			cs_v_invalid_s(v, field, ip,
				       "may not be in the link-local multicast range "
				       "(224.0.0.0/24)");
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char zero[16], loop[16] = {[15] = 1};
		if (!memcmp(a, zero, 16))
			cs_v_invalid_s(v, field, ip, "may not be unspecified (::)");
		else if (!memcmp(a, loop, 16))
			cs_v_invalid_s(v, field, ip, "may not be in the loopback range (::1/128)");
		else if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
			cs_v_invalid_s(v, field, ip,
				       "may not be in the link-local range (fe80::/10)");
	}
}

void cs_v_labels(cs_vctx *v, const cs_json *labels, const char *field)
{
	if (!labels || labels->type == CS_JSON_NULL)
		return;
	if (labels->type != CS_JSON_OBJECT) {
		cs_v_type(v, field, labels, "object");
		return;
	}
	for (size_t i = 0; i < labels->u.obj.len; i++) {
		const char *k = labels->u.obj.keys[i];
		const cs_json *val = labels->u.obj.vals[i];
		const char *msg = cs_check_label_key(k);
		if (msg)
			cs_v_invalid_s(v, field, k, msg);
		if (!cs_json_is(val, CS_JSON_STRING)) {
			char p[CS_VPATH];
			cs_v_type(v, cs_vpath(p, "%s[%s]", field, k), val, "string");
		} else if ((msg = cs_check_label_value(val->u.str.s))) {
			cs_v_invalid_s(v, field, val->u.str.s, msg);
		}
	}
}

#define ANNOTATIONS_MAX (256 * 1024)

void cs_v_annotations(cs_vctx *v, const cs_json *ann, const char *field)
{
	if (!ann || ann->type == CS_JSON_NULL)
		return;
	if (ann->type != CS_JSON_OBJECT) {
		cs_v_type(v, field, ann, "object");
		return;
	}
	size_t total = 0;
	for (size_t i = 0; i < ann->u.obj.len; i++) {
		const char *k = ann->u.obj.keys[i];
		const cs_json *val = ann->u.obj.vals[i];
		/* Kubernetes accepts upper case in annotation keys. */
		char *lower = strdup(k);
		if (!lower)
			abort();
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *msg = cs_check_label_key(lower);
		free(lower);
		if (msg)
			cs_v_invalid_s(v, field, k, msg);
		total += strlen(k);
		if (cs_json_is(val, CS_JSON_STRING)) {
			total += val->u.str.len;
		} else {
			char p[CS_VPATH];
			cs_v_type(v, cs_vpath(p, "%s[%s]", field, k), val, "string");
		}
	}
	if (total > ANNOTATIONS_MAX)
		cs_v_too_long(v, field, ANNOTATIONS_MAX);
}

/* The static spelling of a cause reason copied from a cs_status. */
static const char *static_reason(const char *r)
{
	static const char *const known[] = {"FieldValueRequired",     "FieldValueInvalid",
					    "FieldValueNotSupported", "FieldValueDuplicate",
					    "FieldValueForbidden",    "FieldValueTooLong",
					    "FieldValueTooMany",      "FieldValueTypeInvalid",
					    "FieldValueNotFound",     NULL};
	for (size_t k = 0; known[k]; k++)
		if (!strcmp(known[k], r))
			return known[k];
	return "FieldValueInvalid";
}

cs_selector *cs_v_selector(cs_vctx *v, const cs_json *sel, const char *field)
{
	cs_status st;
	memset(&st, 0, sizeof(st));
	cs_selector *s = cs_label_selector_from_json(sel, field, &st);
	if (s)
		return s;
	for (size_t i = 0; i < st.ncauses; i++)
		add(v, static_reason(st.causes[i].reason), st.causes[i].field, "%s",
		    st.causes[i].message);
	if (!st.ncauses)
		cs_v_invalid(v, field, sel, st.message[0] ? st.message : "invalid label selector");
	return NULL;
}

/* ---- Go renderings for messages that print Go values ---- */

typedef struct {
	char *s;
	size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *t;
	va_start(ap, fmt);
	int n = vasprintf(&t, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
	memcpy(b->s + b->len, t, (size_t)n + 1);
	b->len += (size_t)n;
	free(t);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sb_go_map(sbuf *b, const cs_json *m)
{
	if (!cs_json_is(m, CS_JSON_OBJECT)) {
		sb_add(b, "map[string]string(nil)");
		return;
	}
	/* fmt prints maps with sorted keys. */
	size_t n = m->u.obj.len;
	char **keys = malloc((n ? n : 1) * sizeof(*keys));
	if (!keys)
		abort();
	memcpy(keys, m->u.obj.keys, n * sizeof(*keys));
	qsort(keys, n, sizeof(*keys), cmp_str);
	sb_add(b, "map[string]string{");
	for (size_t i = 0; i < n; i++) {
		const char *val = cs_json_get_str(m, keys[i]);
		char *qk = go_quote(keys[i], strlen(keys[i]));
		char *qv = go_quote(val ? val : "", val ? strlen(val) : 0);
		sb_add(b, "%s%s:%s", i ? ", " : "", qk, qv);
		free(qk);
		free(qv);
	}
	sb_add(b, "}");
	free(keys);
}

char *cs_v_go_labels(const cs_json *labels)
{
	sbuf b = {0};
	sb_go_map(&b, labels);
	return b.s;
}

char *cs_v_go_selector(const cs_json *sel)
{
	sbuf b = {0};
	sb_add(&b, "v1.LabelSelector{MatchLabels:");
	sb_go_map(&b, cs_json_get(sel, "matchLabels"));
	sb_add(&b, ", MatchExpressions:");
	const cs_json *ex = cs_json_get(sel, "matchExpressions");
	if (!cs_json_is(ex, CS_JSON_ARRAY)) {
		sb_add(&b, "[]v1.LabelSelectorRequirement(nil)}");
		return b.s;
	}
	sb_add(&b, "[]v1.LabelSelectorRequirement{");
	for (size_t i = 0; i < cs_json_len(ex); i++) {
		const cs_json *r = cs_json_at(ex, i);
		const char *k = cs_json_get_str(r, "key"), *op = cs_json_get_str(r, "operator");
		char *qk = go_quote(k ? k : "", k ? strlen(k) : 0);
		char *qo = go_quote(op ? op : "", op ? strlen(op) : 0);
		sb_add(&b,
		       "%sv1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:", i ? ", " : "",
		       qk, qo);
		free(qk);
		free(qo);
		const cs_json *vals = cs_json_get(r, "values");
		if (!cs_json_is(vals, CS_JSON_ARRAY)) {
			sb_add(&b, "[]string(nil)}");
			continue;
		}
		sb_add(&b, "[]string{");
		for (size_t j = 0; j < cs_json_len(vals); j++) {
			const char *s = cs_json_str(cs_json_at(vals, j));
			char *q = go_quote(s ? s : "", s ? strlen(s) : 0);
			sb_add(&b, "%s%s", j ? ", " : "", q);
			free(q);
		}
		sb_add(&b, "}}");
	}
	sb_add(&b, "}}");
	return b.s;
}

bool cs_v_quantity(cs_vctx *v, const cs_json *q, const char *field, long double *out)
{
	const char *text = NULL;
	if (cs_json_is(q, CS_JSON_STRING))
		text = q->u.str.s;
	else if (cs_json_is(q, CS_JSON_NUMBER))
		text = q->u.num.text;
	if (!text) {
		if (q && q->type != CS_JSON_NULL)
			cs_v_type(v, field, q, "string");
		return false;
	}
	if (cs_quantity_parse(text, out) < 0) {
		cs_v_invalid_s(v, field, text, CS_QUANTITY_SYNTAX_MSG);
		return false;
	}
	return true;
}

/* ---- object metadata ---- */

typedef const char *(*name_check_fn)(const char *);

/* The name used for generation may end in '-' (a suffix follows). */
static const char *check_prefix(name_check_fn fn, const char *prefix)
{
	size_t n = strlen(prefix);
	if (n > 1 && prefix[n - 1] == '-') {
		char *masked = strdup(prefix);
		if (!masked)
			abort();
		masked[n - 1] = 'a';
		const char *msg = fn(masked);
		free(masked);
		return msg;
	}
	return fn(prefix);
}

static const char *const std_finalizers[] = {"kubernetes", "orphan", "foregroundDeletion", NULL};

static void v_finalizers(cs_vctx *v, const cs_json *fins, const char *field)
{
	if (!fins || fins->type == CS_JSON_NULL)
		return;
	if (fins->type != CS_JSON_ARRAY) {
		cs_v_type(v, field, fins, "array");
		return;
	}
	bool orphan = false, foreground = false;
	for (size_t i = 0; i < cs_json_len(fins); i++) {
		const cs_json *f = cs_json_at(fins, i);
		char p[CS_VPATH];
		if (!cs_json_is(f, CS_JSON_STRING)) {
			cs_v_type(v, cs_vpath(p, "%s[%zu]", field, i), f, "string");
			continue;
		}
		const char *s = f->u.str.s;
		const char *msg = cs_check_label_key(s);
		if (msg) {
			cs_v_invalid_s(v, field, s, msg);
			continue;
		}
		bool std = false;
		for (size_t k = 0; std_finalizers[k]; k++)
			std = std || !strcmp(s, std_finalizers[k]);
		if (!strchr(s, '/') && !std)
			cs_v_invalid_s(v, field, s,
				       "name is neither a standard finalizer name nor is "
				       "it fully qualified");
		orphan = orphan || !strcmp(s, "orphan");
		foreground = foreground || !strcmp(s, "foregroundDeletion");
	}
	if (orphan && foreground)
		cs_v_invalid(v, field, fins,
			     "finalizer orphan and foregroundDeletion cannot be both set");
}

static void v_owner_refs(cs_vctx *v, const cs_json *refs, const char *field)
{
	if (!refs || refs->type == CS_JSON_NULL)
		return;
	if (refs->type != CS_JSON_ARRAY) {
		cs_v_type(v, field, refs, "array");
		return;
	}
	size_t controllers = 0;
	char p[CS_VPATH], q[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(refs); i++) {
		const cs_json *r = cs_json_at(refs, i);
		cs_vpath(p, "%s[%zu]", field, i);
		if (!cs_json_is(r, CS_JSON_OBJECT)) {
			cs_v_type(v, p, r, "object");
			continue;
		}
		static const struct {
			const char *key, *msg;
		} req[] = {{"apiVersion", "version must not be empty"},
			   {"kind", "kind must not be empty"},
			   {"name", "name must not be empty"},
			   {"uid", "uid must not be empty"}};
		for (size_t k = 0; k < 4; k++) {
			const char *s = cs_v_str(v, r, p, req[k].key);
			if (!s || !*s)
				cs_v_invalid_s(v, cs_vpath(q, "%s.%s", p, req[k].key), s ? s : "",
					       req[k].msg);
		}
		bool ctl = false;
		if (cs_v_bool(v, r, p, "controller", &ctl) && ctl)
			controllers++;
	}
	if (controllers > 1)
		cs_v_invalid(v, field, refs, "Only one reference can have Controller set to true");
}

static void v_meta(cs_vctx *v, const cs_json *obj, name_check_fn name_fn)
{
	const cs_json *meta = cs_json_get(obj, "metadata");
	if (!cs_json_is(meta, CS_JSON_OBJECT)) {
		cs_v_required(v, "metadata", "");
		return;
	}
	const char *name = cs_v_str(v, meta, "metadata", "name");
	const char *gen = cs_v_str(v, meta, "metadata", "generateName");
	const char *msg;
	if (gen && *gen && (msg = check_prefix(name_fn, gen)))
		cs_v_invalid_s(v, "metadata.generateName", gen, msg);
	if (name && *name) {
		if ((msg = name_fn(name)))
			cs_v_invalid_s(v, "metadata.name", name, msg);
	} else if (!gen || !*gen) {
		cs_v_required(v, "metadata.name", "name or generateName is required");
	}
	cs_v_labels(v, cs_json_get(meta, "labels"), "metadata.labels");
	cs_v_annotations(v, cs_json_get(meta, "annotations"), "metadata.annotations");
	v_finalizers(v, cs_json_get(meta, "finalizers"), "metadata.finalizers");
	v_owner_refs(v, cs_json_get(meta, "ownerReferences"), "metadata.ownerReferences");
}

/* ---- small core/v1 kinds ---- */

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};

bool cs_v_one_of(const char *s, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

void cs_v_enum(cs_vctx *v, const cs_json *o, const char *parent, const char *key,
	       const char *const *valid, bool required)
{
	char p[CS_VPATH];
	cs_vpath(p, "%s%s%s", parent, *parent ? "." : "", key);
	const char *s = cs_v_str(v, o, parent, key);
	if (!s || !*s) {
		/* A wrong type was already reported by cs_v_str. */
		if (required && !(cs_v_present(o, key) && !s))
			cs_v_required(v, p, "");
		return;
	}
	if (!cs_v_one_of(s, valid))
		cs_v_unsupported(v, p, s, valid);
}

#define one_of cs_v_one_of
#define v_enum cs_v_enum

static void v_protocol(cs_vctx *v, const cs_json *port, const char *parent)
{
	v_enum(v, port, parent, "protocol", protocols, true);
}

static void v_namespace(cs_vctx *v, const cs_json *obj)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	const cs_json *fins = spec ? cs_json_get(spec, "finalizers") : NULL;
	v_finalizers(v, fins, "spec.finalizers");
	const cs_json *status = cs_v_obj(v, obj, "", "status");
	static const char *const phases[] = {"Active", "Terminating", NULL};
	if (status)
		v_enum(v, status, "status", "phase", phases, false);
}

static void v_taints(cs_vctx *v, const cs_json *taints, const char *field)
{
	static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
	char p[CS_VPATH], q[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(taints); i++) {
		const cs_json *t = cs_json_at(taints, i);
		cs_vpath(p, "%s[%zu]", field, i);
		if (!cs_json_is(t, CS_JSON_OBJECT)) {
			cs_v_type(v, p, t, "object");
			continue;
		}
		const char *key = cs_v_str(v, t, p, "key");
		const char *msg;
		cs_vpath(q, "%s.key", p);
		if (!key || !*key)
			cs_v_invalid_s(v, q, "", "name part must be non-empty");
		else if ((msg = cs_check_label_key(key)))
			cs_v_invalid_s(v, q, key, msg);
		const char *val = cs_v_str(v, t, p, "value");
		if (val && (msg = cs_check_label_value(val)))
			cs_v_invalid_s(v, cs_vpath(q, "%s.value", p), val, msg);
		v_enum(v, t, p, "effect", effects, true);
		/* Unique by key and effect. */
		const char *eff = cs_json_get_str(t, "effect");
		for (size_t j = 0; key && eff && j < i; j++) {
			const cs_json *o = cs_json_at(taints, j);
			const char *ok = cs_json_get_str(o, "key"),
				   *oe = cs_json_get_str(o, "effect");
			if (ok && oe && !strcmp(ok, key) && !strcmp(oe, eff)) {
				char *r = render(t);
				add(v, "FieldValueDuplicate", p,
				    "Duplicate value: %s: taints must be "
				    "unique by key and effect pair",
				    r);
				free(r);
				break;
			}
		}
	}
}

static void v_resource_list(cs_vctx *v, const cs_json *list, const char *field)
{
	if (!list || list->type == CS_JSON_NULL)
		return;
	if (list->type != CS_JSON_OBJECT) {
		cs_v_type(v, field, list, "object");
		return;
	}
	char p[CS_VPATH];
	for (size_t i = 0; i < list->u.obj.len; i++) {
		long double q;
		cs_vpath(p, "%s[%s]", field, list->u.obj.keys[i]);
		if (cs_v_quantity(v, list->u.obj.vals[i], p, &q) && q < 0)
			cs_v_invalid(v, p, list->u.obj.vals[i],
				     "must be greater than or equal to 0");
	}
}

static void v_node(cs_vctx *v, const cs_json *obj)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	if (spec) {
		const cs_json *taints = cs_v_arr(v, spec, "spec", "taints");
		v_taints(v, taints, "spec.taints");
		bool b;
		cs_v_bool(v, spec, "spec", "unschedulable", &b);
		const char *cidr = cs_v_str(v, spec, "spec", "podCIDR");
		if (cidr && *cidr) {
			char ip[64];
			const char *slash = strchr(cidr, '/');
			size_t n = slash ? (size_t)(slash - cidr) : 0;
			char *end = NULL;
			long bits = slash ? strtol(slash + 1, &end, 10) : -1;
			bool ok = slash && n < sizeof(ip) && end && !*end && slash[1] && bits >= 0;
			if (ok) {
				memcpy(ip, cidr, n);
				ip[n] = '\0';
				ok = cs_v_is_ip(ip) && bits <= (strchr(ip, ':') ? 128 : 32);
			}
			if (!ok)
				cs_v_invalid_s(v, "spec.podCIDR", cidr,
					       "must be a valid CIDR value, "
					       "(e.g. 10.9.8.0/24 or 2001:db8::/64)");
		}
	}
	const cs_json *status = cs_v_obj(v, obj, "", "status");
	if (status) {
		v_resource_list(v, cs_v_obj(v, status, "status", "capacity"), "status.capacity");
		v_resource_list(v, cs_v_obj(v, status, "status", "allocatable"),
				"status.allocatable");
	}
}

static void v_service_port(cs_vctx *v, const cs_json *sp, const char *p, bool require_name,
			   const cs_json *ports, size_t idx)
{
	char q[CS_VPATH];
	const char *name = cs_v_str(v, sp, p, "name");
	const char *msg;
	cs_vpath(q, "%s.name", p);
	if (require_name && (!name || !*name)) {
		cs_v_required(v, q, "");
	} else if (name && *name) {
		if ((msg = cs_check_dns1123_label(name)))
			cs_v_invalid_s(v, q, name, msg);
		for (size_t j = 0; j < idx; j++) {
			const char *o = cs_json_get_str(cs_json_at(ports, j), "name");
			if (o && !strcmp(o, name)) {
				cs_v_duplicate_s(v, q, name);
				break;
			}
		}
	}
	int64_t port = 0;
	if (!cs_v_int(v, sp, p, "port", &port) && !cs_v_present(sp, "port"))
		cs_v_invalid_i(v, cs_vpath(q, "%s.port", p), 0, PORT_RANGE_MSG);
	else if (cs_json_is(cs_json_get(sp, "port"), CS_JSON_NUMBER))
		cs_v_port_num(v, cs_vpath(q, "%s.port", p), port);
	v_protocol(v, sp, p);
	cs_v_port_num_or_name(v, cs_vpath(q, "%s.targetPort", p), cs_json_get(sp, "targetPort"));
	int64_t np;
	if (cs_v_int(v, sp, p, "nodePort", &np) && np != 0)
		cs_v_port_num(v, cs_vpath(q, "%s.nodePort", p), np);
}

static void v_service(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	if (!spec) {
		cs_v_required(v, "spec.ports", "");
		return;
	}
	static const char *const types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
					    NULL};
	static const char *const affinities[] = {"ClientIP", "None", NULL};
	static const char *const policies[] = {"Cluster", "Local", NULL};
	const char *type = cs_v_str(v, spec, "spec", "type");
	const char *cip = cs_v_str(v, spec, "spec", "clusterIP");
	const cs_json *ports = cs_v_arr(v, spec, "spec", "ports");
	bool headless = cip && !strcmp(cip, "None");
	bool extname = type && !strcmp(type, "ExternalName");
	char p[CS_VPATH], q[CS_VPATH];

	if (!cs_json_len(ports) && !headless && !extname)
		cs_v_required(v, "spec.ports", "");
	if (type && !strcmp(type, "LoadBalancer") && headless)
		cs_v_invalid_s(v, "spec.clusterIP", cip,
			       "may not be set to 'None' for LoadBalancer services");
	if (type && !strcmp(type, "NodePort") && headless)
		cs_v_invalid_s(v, "spec.clusterIP", cip,
			       "may not be set to 'None' for NodePort services");
	if (extname) {
		if (cip && *cip)
			cs_v_forbidden(v, "spec.clusterIP",
				       "must be empty for ExternalName services");
		const char *en = cs_v_str(v, spec, "spec", "externalName");
		if (en && *en) {
			/* A trailing dot marks the CNAME fully qualified. */
			char *cname = strdup(en);
			if (!cname)
				abort();
			size_t n = strlen(cname);
			if (n > 1 && cname[n - 1] == '.')
				cname[n - 1] = '\0';
			const char *msg = cs_check_dns1123_subdomain(cname);
			if (msg)
				cs_v_invalid_s(v, "spec.externalName", en, msg);
			free(cname);
		} else {
			cs_v_required(v, "spec.externalName", "");
		}
	}
	for (size_t i = 0; i < cs_json_len(ports); i++) {
		const cs_json *sp = cs_json_at(ports, i);
		cs_vpath(p, "spec.ports[%zu]", i);
		if (!cs_json_is(sp, CS_JSON_OBJECT)) {
			cs_v_type(v, p, sp, "object");
			continue;
		}
		v_service_port(v, sp, p, cs_json_len(ports) > 1, ports, i);
		if (type && !strcmp(type, "ClusterIP") &&
		    cs_json_as_int(cs_json_get(sp, "nodePort"), 0))
			cs_v_forbidden(v, cs_vpath(q, "%s.nodePort", p),
				       "may not be used when `type` is 'ClusterIP'");
		/* Unique by (protocol, port) and by (protocol, nodePort). */
		const char *proto = cs_json_get_str(sp, "protocol");
		int64_t port = cs_json_as_int(cs_json_get(sp, "port"), 0);
		int64_t np = cs_json_as_int(cs_json_get(sp, "nodePort"), 0);
		for (size_t j = 0; j < i; j++) {
			const cs_json *o = cs_json_at(ports, j);
			const char *op = cs_json_get_str(o, "protocol");
			if (!proto || !op || strcmp(proto, op))
				continue;
			if (np && cs_json_as_int(cs_json_get(o, "nodePort"), 0) == np) {
				add(v, "FieldValueDuplicate", cs_vpath(q, "%s.nodePort", p),
				    "Duplicate value: %lld", (long long)np);
			}
			if (cs_json_as_int(cs_json_get(o, "port"), 0) == port) {
				add(v, "FieldValueDuplicate", p,
				    "Duplicate value: core.ServicePort{Name:\"\", Protocol:\"%s\", "
				    "AppProtocol:(*string)(nil), Port:%lld, TargetPort:intstr."
				    "IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
				    proto, (long long)port);
			}
		}
	}
	cs_v_labels(v, cs_v_obj(v, spec, "spec", "selector"), "spec.selector");
	v_enum(v, spec, "spec", "sessionAffinity", affinities, true);
	const char *aff = cs_json_get_str(spec, "sessionAffinity");
	const cs_json *affcfg = cs_v_obj(v, spec, "spec", "sessionAffinityConfig");
	if (aff && !strcmp(aff, "ClientIP")) {
		const cs_json *cfg = cs_json_get(affcfg, "clientIP");
		int64_t to;
		if (!affcfg)
			cs_v_required(v, "spec.sessionAffinityConfig",
				      "when session affinity type is ClientIP");
		else if (!cfg)
			cs_v_required(v, "spec.sessionAffinityConfig.clientIP",
				      "when session affinity type is ClientIP");
		else if (cs_v_int(v, cfg, "spec.sessionAffinityConfig.clientIP", "timeoutSeconds",
				  &to) &&
			 (to <= 0 || to > 86400))
			cs_v_invalid_i(v, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", to,
				       "must be greater than 0 and less than 86400");
	} else if (aff && !strcmp(aff, "None") && affcfg) {
		cs_v_forbidden(v, "spec.sessionAffinityConfig",
			       "must not be set when session affinity is None");
	}
	if (cip && *cip && !headless && !cs_v_is_ip(cip))
		cs_v_invalid_s(v, "spec.clusterIP", cip,
			       "must be empty, 'None', or a valid IP address");
	const cs_json *ext = cs_v_arr(v, spec, "spec", "externalIPs");
	for (size_t i = 0; i < cs_json_len(ext); i++) {
		const char *ip = cs_json_str(cs_json_at(ext, i));
		cs_vpath(p, "spec.externalIPs[%zu]", i);
		if (!ip)
			cs_v_type(v, p, cs_json_at(ext, i), "string");
		else if (!cs_v_is_ip(ip))
			cs_v_invalid_s(v, p, ip, IP_MSG);
		else
			v_non_special_ip(v, p, ip);
	}
	if (!type || !*type) {
		if (!cs_v_present(spec, "type"))
			cs_v_required(v, "spec.type", "");
	} else if (!one_of(type, types)) {
		cs_v_unsupported(v, "spec.type", type, types);
	}
	const char *etp = cs_v_str(v, spec, "spec", "externalTrafficPolicy");
	if (etp && *etp) {
		if (!type || (strcmp(type, "NodePort") && strcmp(type, "LoadBalancer")))
			cs_v_invalid_s(v, "spec.externalTrafficPolicy", etp,
				       "ExternalTrafficPolicy can only be set on NodePort and "
				       "LoadBalancer service");
		else if (!one_of(etp, policies))
			cs_v_invalid_s(v, "spec.externalTrafficPolicy", etp,
				       "ExternalTrafficPolicy must be empty, Cluster or Local");
	}
	v_enum(v, spec, "spec", "internalTrafficPolicy", policies, false);

	if (old && !extname) {
		const char *otype = cs_json_get_str(cs_json_get(old, "spec"), "type");
		const char *ocip = cs_json_get_str(cs_json_get(old, "spec"), "clusterIP");
		if ((!otype || strcmp(otype, "ExternalName")) && ocip && *ocip &&
		    (!cip || strcmp(cip, ocip)))
			cs_v_invalid_s(v, "spec.clusterIP", cip ? cip : "", "field is immutable");
	}
}

static void v_endpoint_address(cs_vctx *v, const cs_json *a, const char *p)
{
	char q[CS_VPATH];
	if (!cs_json_is(a, CS_JSON_OBJECT)) {
		cs_v_type(v, p, a, "object");
		return;
	}
	size_t before = v->len;
	const char *ip = cs_v_str(v, a, p, "ip");
	const char *msg;
	if (!ip || !cs_v_is_ip(ip))
		cs_v_invalid_s(v, cs_vpath(q, "%s.ip", p), ip ? ip : "", IP_MSG);
	const char *host = cs_v_str(v, a, p, "hostname");
	if (host && *host && (msg = cs_check_dns1123_label(host)))
		cs_v_invalid_s(v, cs_vpath(q, "%s.hostname", p), host, msg);
	const char *node = cs_v_str(v, a, p, "nodeName");
	if (node && (msg = cs_check_dns1123_subdomain(node)))
		cs_v_invalid_s(v, cs_vpath(q, "%s.nodeName", p), node, msg);
	if (v->len == before)
		v_non_special_ip(v, cs_vpath(q, "%s.ip", p), ip);
}

static void v_endpoints(cs_vctx *v, const cs_json *obj)
{
	const cs_json *subsets = cs_v_arr(v, obj, "", "subsets");
	char p[CS_VPATH], q[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(subsets); i++) {
		const cs_json *ss = cs_json_at(subsets, i);
		cs_vpath(p, "subsets[%zu]", i);
		if (!cs_json_is(ss, CS_JSON_OBJECT)) {
			cs_v_type(v, p, ss, "object");
			continue;
		}
		const cs_json *addrs = cs_v_arr(v, ss, p, "addresses");
		const cs_json *nr = cs_v_arr(v, ss, p, "notReadyAddresses");
		const cs_json *ports = cs_v_arr(v, ss, p, "ports");
		if (!cs_json_len(addrs) && !cs_json_len(nr))
			cs_v_required(v, p, "must specify `addresses` or `notReadyAddresses`");
		for (size_t j = 0; j < cs_json_len(addrs); j++)
			v_endpoint_address(v, cs_json_at(addrs, j),
					   cs_vpath(q, "%s.addresses[%zu]", p, j));
		for (size_t j = 0; j < cs_json_len(nr); j++)
			v_endpoint_address(v, cs_json_at(nr, j),
					   cs_vpath(q, "%s.notReadyAddresses[%zu]", p, j));
		for (size_t j = 0; j < cs_json_len(ports); j++) {
			const cs_json *pt = cs_json_at(ports, j);
			char pp[CS_VPATH];
			cs_vpath(pp, "%s.ports[%zu]", p, j);
			if (!cs_json_is(pt, CS_JSON_OBJECT)) {
				cs_v_type(v, pp, pt, "object");
				continue;
			}
			const char *name = cs_v_str(v, pt, pp, "name");
			const char *msg;
			cs_vpath(q, "%s.name", pp);
			if (cs_json_len(ports) > 1 && (!name || !*name))
				cs_v_required(v, q, "");
			else if (name && *name && (msg = cs_check_dns1123_label(name)))
				cs_v_invalid_s(v, q, name, msg);
			int64_t port = 0;
			cs_v_int(v, pt, pp, "port", &port);
			cs_v_port_num(v, cs_vpath(q, "%s.port", pp), port);
			v_protocol(v, pt, pp);
		}
	}
}

#define DATA_MAX (1024 * 1024)

/* Go's base64.StdEncoding.DecodeString, as encoding/json decodes []byte:
 * padding required, CR and LF skipped.  False with the offset Go reports. */
static bool b64_check(const char *s, size_t n, size_t *bad, size_t *dlen)
{
	size_t i = 0;
	*dlen = 0;
	for (;;) {
		size_t j;
		for (j = 0; j < 4; j++) {
			while (i < n && (s[i] == '\n' || s[i] == '\r'))
				i++;
			if (i == n) {
				if (j == 0)
					return true;
				*bad = i - j;
				return false;
			}
			char c = s[i++];
			if (isalnum((unsigned char)c) || c == '+' || c == '/')
				continue;
			if (c != '=' || j < 2) {
				*bad = i - 1;
				return false;
			}
			if (j == 2) {
				while (i < n && (s[i] == '\n' || s[i] == '\r'))
					i++;
				if (i == n || s[i] != '=') {
					*bad = i == n ? n : i - 1;
					return false;
				}
				i++;
			}
			while (i < n && (s[i] == '\n' || s[i] == '\r'))
				i++;
			if (i < n) {
				*bad = i;
				return false;
			}
			*dlen += j - 1;
			return true;
		}
		*dlen += 3;
	}
}

/* Keys of data/binaryData/stringData maps; returns total value bytes. */
static size_t v_data_keys(cs_vctx *v, const cs_json *data, const char *field, bool base64)
{
	size_t total = 0;
	char p[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(data); i++) {
		const char *k = data->u.obj.keys[i];
		const cs_json *val = data->u.obj.vals[i];
		const char *msg = cs_check_config_key(k);
		cs_vpath(p, "%s[%s]", field, k);
		if (msg)
			cs_v_invalid_s(v, p, k, msg);
		if (!cs_json_is(val, CS_JSON_STRING)) {
			if (val->type != CS_JSON_NULL)
				cs_v_type(v, p, val, "string");
			continue;
		}
		if (!base64) {
			total += val->u.str.len;
			continue;
		}
		size_t bad, dlen;
		if (!b64_check(val->u.str.s, val->u.str.len, &bad, &dlen)) {
			char d[96];
			snprintf(d, sizeof(d), "illegal base64 data at input byte %zu", bad);
			cs_v_invalid_novalue(v, p, d);
		}
		total += dlen;
	}
	return total;
}

static void v_immutable_data(cs_vctx *v, const cs_json *obj, const cs_json *old,
			     const char *const *fields)
{
	if (!old || !cs_json_as_bool(cs_json_get(old, "immutable"), false))
		return;
	if (!cs_json_as_bool(cs_json_get(obj, "immutable"), false))
		cs_v_forbidden(v, "immutable", "field is immutable when `immutable` is set");
	for (size_t i = 0; fields[i]; i++) {
		const cs_json *a = cs_json_get(obj, fields[i]), *b = cs_json_get(old, fields[i]);
		bool ea = !cs_json_len(a), eb = !cs_json_len(b);
		if (!(ea && eb) && !cs_json_equal(a, b))
			cs_v_forbidden(v, fields[i], "field is immutable when `immutable` is set");
	}
}

static void v_configmap(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	const cs_json *data = cs_v_obj(v, obj, "", "data");
	const cs_json *bin = cs_v_obj(v, obj, "", "binaryData");
	bool b;
	cs_v_bool(v, obj, "", "immutable", &b);
	size_t total = v_data_keys(v, data, "data", false);
	total += v_data_keys(v, bin, "binaryData", true);
	char p[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(data); i++)
		if (cs_json_get(bin, data->u.obj.keys[i]))
			cs_v_invalid_s(v, cs_vpath(p, "data[%s]", data->u.obj.keys[i]),
				       data->u.obj.keys[i],
				       "duplicate of key present in binaryData");
	if (total > DATA_MAX)
		cs_v_too_long(v, "", DATA_MAX);
	static const char *const fields[] = {"data", "binaryData", NULL};
	v_immutable_data(v, obj, old, fields);
}

static void v_secret(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	const cs_json *data = cs_v_obj(v, obj, "", "data");
	const cs_json *sdata = cs_v_obj(v, obj, "", "stringData");
	const char *type = cs_v_str(v, obj, "", "type");
	bool b;
	cs_v_bool(v, obj, "", "immutable", &b);
	size_t total =
		v_data_keys(v, data, "data", true) + v_data_keys(v, sdata, "stringData", false);
	if (total > DATA_MAX)
		cs_v_too_long(v, "data", DATA_MAX);
	/* Keys a typed secret must carry (in data or, before merge, stringData). */
	static const struct {
		const char *type, *keys[3];
	} need[] = {
		{"kubernetes.io/dockercfg", {".dockercfg"}},
		{"kubernetes.io/dockerconfigjson", {".dockerconfigjson"}},
		{"kubernetes.io/ssh-auth", {"ssh-privatekey"}},
		{"kubernetes.io/tls", {"tls.crt", "tls.key"}},
	};
	char p[CS_VPATH];
	for (size_t i = 0; type && i < sizeof(need) / sizeof(need[0]); i++) {
		if (strcmp(type, need[i].type))
			continue;
		for (size_t k = 0; k < 3 && need[i].keys[k]; k++)
			if (!cs_json_get(data, need[i].keys[k]) &&
			    !cs_json_get(sdata, need[i].keys[k]))
				cs_v_required(v, cs_vpath(p, "data[%s]", need[i].keys[k]), "");
	}
	if (type && !strcmp(type, "kubernetes.io/service-account-token") &&
	    !cs_json_path(obj, "metadata", "annotations", "kubernetes.io/service-account.name",
			  NULL))
		cs_v_required(v, "metadata.annotations[kubernetes.io/service-account.name]", "");
	if (type && !strcmp(type, "kubernetes.io/basic-auth") && !cs_json_get(data, "username") &&
	    !cs_json_get(data, "password") && !cs_json_get(sdata, "username") &&
	    !cs_json_get(sdata, "password"))
		cs_v_required(v, "data[username]", "");
	if (old) {
		const char *otype = cs_json_get_str(old, "type");
		if (otype && type && strcmp(otype, type))
			cs_v_invalid_s(v, "type", type, "field is immutable");
	}
	static const char *const fields[] = {"data", NULL};
	v_immutable_data(v, obj, old, fields);
}

static void v_event(cs_vctx *v, const cs_json *obj)
{
	const cs_json *io = cs_v_obj(v, obj, "", "involvedObject");
	const char *ns = cs_json_get_str(cs_json_get(obj, "metadata"), "namespace");
	const char *ions = io ? cs_v_str(v, io, "involvedObject", "namespace") : NULL;
	if (!io)
		cs_v_required(v, "involvedObject", "");
	else if (ions && *ions && (!ns || strcmp(ns, ions)))
		cs_v_invalid_s(v, "involvedObject.namespace", ions,
			       "does not match event.namespace");
	static const char *const types[] = {"Normal", "Warning", NULL};
	const char *type = cs_v_str(v, obj, "", "type");
	if (type && *type && !one_of(type, types))
		cs_v_unsupported(v, "type", type, types);
	int64_t count;
	if (cs_v_int(v, obj, "", "count", &count))
		cs_v_nonneg(v, "count", count);
	const char *reason = cs_v_str(v, obj, "", "reason");
	if (reason && strlen(reason) > 128)
		add(v, "FieldValueTooLong", "reason", "Too long: may not be longer than 128");
	cs_v_str(v, obj, "", "message");
}

static void v_serviceaccount(cs_vctx *v, const cs_json *obj)
{
	static const char *const lists[] = {"secrets", "imagePullSecrets"};
	char p[CS_VPATH];
	for (size_t l = 0; l < 2; l++) {
		const cs_json *a = cs_v_arr(v, obj, "", lists[l]);
		for (size_t i = 0; i < cs_json_len(a); i++) {
			const cs_json *ref = cs_json_at(a, i);
			cs_vpath(p, "%s[%zu]", lists[l], i);
			if (!cs_json_is(ref, CS_JSON_OBJECT))
				cs_v_type(v, p, ref, "object");
			else
				cs_v_str(v, ref, p, "name");
		}
	}
	bool b;
	cs_v_bool(v, obj, "", "automountServiceAccountToken", &b);
}

static const char *const access_modes[] = {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
					   "ReadWriteOncePod", NULL};

static void v_access_modes(cs_vctx *v, const cs_json *modes, const char *field, bool required)
{
	if (!cs_json_len(modes)) {
		if (required)
			cs_v_required(v, field, "at least 1 access mode is required");
		return;
	}
	bool rwop = false;
	for (size_t i = 0; i < cs_json_len(modes); i++) {
		const cs_json *m = cs_json_at(modes, i);
		char p[CS_VPATH];
		if (!cs_json_is(m, CS_JSON_STRING))
			cs_v_type(v, cs_vpath(p, "%s[%zu]", field, i), m, "string");
		else if (!one_of(m->u.str.s, access_modes))
			cs_v_unsupported(v, field, m->u.str.s, access_modes);
		else if (!strcmp(m->u.str.s, "ReadWriteOncePod"))
			rwop = true;
	}
	if (rwop && cs_json_len(modes) > 1)
		cs_v_forbidden(v, field, "may not use ReadWriteOncePod with other access modes");
}

static const char *const volume_modes[] = {"Block", "Filesystem", NULL};

static void v_pv(cs_vctx *v, const cs_json *obj)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	static const char *const sources[] = {"hostPath",
					      "local",
					      "nfs",
					      "csi",
					      "iscsi",
					      "fc",
					      "rbd",
					      "cephfs",
					      "cinder",
					      "glusterfs",
					      "flexVolume",
					      "azureFile",
					      "azureDisk",
					      "gcePersistentDisk",
					      "awsElasticBlockStore",
					      "vsphereVolume",
					      "quobyte",
					      "portworxVolume",
					      "scaleIO",
					      "storageos",
					      "photonPersistentDisk",
					      "flocker",
					      NULL};
	static const char *const reclaim[] = {"Delete", "Recycle", "Retain", NULL};
	v_access_modes(v, spec ? cs_v_arr(v, spec, "spec", "accessModes") : NULL,
		       "spec.accessModes", true);
	const cs_json *cap = spec ? cs_v_obj(v, spec, "spec", "capacity") : NULL;
	if (!cs_json_len(cap)) {
		cs_v_required(v, "spec.capacity", "");
	} else {
		if (!cs_json_get(cap, "storage") || cs_json_len(cap) > 1) {
			char *r = cs_json_dump(cap, false, NULL);
			add(v, "FieldValueNotSupported", "spec.capacity",
			    "Unsupported value: %s: supported values: \"storage\"", r);
			free(r);
		}
		v_resource_list(v, cap, "spec.capacity");
	}
	size_t nsrc = 0;
	char p[CS_VPATH];
	for (size_t i = 0; spec && sources[i]; i++) {
		if (!cs_v_present(spec, sources[i]))
			continue;
		if (++nsrc > 1)
			cs_v_forbidden(v, cs_vpath(p, "spec.%s", sources[i]),
				       "may not specify more than 1 volume type");
	}
	if (!nsrc)
		cs_v_required(v, "spec", "must specify a volume type");
	const cs_json *hp = spec ? cs_v_obj(v, spec, "spec", "hostPath") : NULL;
	const char *path = hp ? cs_v_str(v, hp, "spec.hostPath", "path") : NULL;
	if (hp && (!path || !*path))
		cs_v_required(v, "spec.hostPath.path", "");
	const cs_json *local = spec ? cs_v_obj(v, spec, "spec", "local") : NULL;
	const char *lpath = local ? cs_v_str(v, local, "spec.local", "path") : NULL;
	if (local && (!lpath || !*lpath))
		cs_v_required(v, "spec.local.path", "");
	if (local && !cs_v_present(spec, "nodeAffinity"))
		cs_v_required(v, "spec.nodeAffinity", "Local volume requires node affinity");
	if (spec) {
		v_enum(v, spec, "spec", "persistentVolumeReclaimPolicy", reclaim, false);
		v_enum(v, spec, "spec", "volumeMode", volume_modes, false);
		const char *sc = cs_v_str(v, spec, "spec", "storageClassName");
		const char *msg;
		if (sc && *sc && (msg = cs_check_dns1123_subdomain(sc)))
			cs_v_invalid_s(v, "spec.storageClassName", sc, msg);
	}
}

void cs_v_pvc_spec(cs_vctx *v, const cs_json *spec, const char *path)
{
	char p[CS_VPATH];
	if (!spec) {
		cs_v_required(v, cs_vpath(p, "%s.accessModes", path),
			      "at least 1 access mode is required");
		cs_v_required(v, cs_vpath(p, "%s.resources[storage]", path), "");
		return;
	}
	v_access_modes(v, cs_v_arr(v, spec, path, "accessModes"),
		       cs_vpath(p, "%s.accessModes", path), true);
	const cs_json *res = cs_v_obj(v, spec, path, "resources");
	cs_vpath(p, "%s.resources", path);
	const cs_json *req = res ? cs_v_obj(v, res, p, "requests") : NULL;
	const cs_json *storage = cs_json_get(req, "storage");
	cs_vpath(p, "%s.resources[storage]", path);
	long double q;
	if (!storage)
		cs_v_required(v, p, "");
	else if (cs_v_quantity(v, storage, p, &q) && q <= 0)
		cs_v_invalid(v, p, storage, "must be greater than zero");
	if (res) {
		char rp[CS_VPATH];
		v_resource_list(v, cs_v_obj(v, res, cs_vpath(rp, "%s.resources", path), "limits"),
				cs_vpath(p, "%s.resources.limits", path));
	}
	v_enum(v, spec, path, "volumeMode", volume_modes, false);
	const char *sc = cs_v_str(v, spec, path, "storageClassName");
	const char *msg;
	if (sc && *sc && (msg = cs_check_dns1123_subdomain(sc)))
		cs_v_invalid_s(v, cs_vpath(p, "%s.storageClassName", path), sc, msg);
	if (cs_v_present(spec, "selector")) {
		cs_selector *s = cs_v_selector(v, cs_json_get(spec, "selector"),
					       cs_vpath(p, "%s.selector", path));
		if (s)
			cs_selector_free(s);
	}
}

static void v_pvc(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	cs_v_pvc_spec(v, spec, "spec");
	if (!old || !spec)
		return;
	/* Only the storage request may change (grow) once created, and a
	 * volumeName may be set when the claim binds. */
	const cs_json *ospec = cs_json_get(old, "spec");
	cs_json *a = cs_json_clone(spec), *b = cs_json_clone(ospec);
	cs_json_del(a, "resources");
	cs_json_del(b, "resources");
	const char *ovn = cs_json_get_str(ospec, "volumeName");
	if (!ovn || !*ovn) {
		cs_json_del(a, "volumeName");
		cs_json_del(b, "volumeName");
	}
	if (!cs_json_equal(a, b))
		cs_v_forbidden(v, "spec",
			       "spec is immutable after creation except "
			       "resources.requests for bound claims");
	cs_json_free(a);
	cs_json_free(b);
	long double nq, oq;
	const cs_json *ns = cs_json_path(spec, "resources", "requests", "storage", NULL);
	const cs_json *os = cs_json_path(ospec, "resources", "requests", "storage", NULL);
	const char *nt = cs_json_str(ns), *ot = cs_json_str(os);
	if (nt && ot && !cs_quantity_parse(nt, &nq) && !cs_quantity_parse(ot, &oq) && nq < oq)
		cs_v_forbidden(v, "spec.resources.requests.storage",
			       "field can not be less than previous value");
}

static void v_storageclass(cs_vctx *v, const cs_json *obj, const cs_json *old)
{
	static const char *const reclaim[] = {"Delete", "Retain", NULL};
	static const char *const binding[] = {"Immediate", "WaitForFirstConsumer", NULL};
	const char *prov = cs_v_str(v, obj, "", "provisioner");
	if (!prov || !*prov) {
		cs_v_required(v, "provisioner", "");
	} else {
		char *lower = strdup(prov);
		if (!lower)
			abort();
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *msg = cs_check_label_key(lower);
		if (msg)
			cs_v_invalid_s(v, "provisioner", prov, msg);
		free(lower);
	}
	const cs_json *params = cs_v_obj(v, obj, "", "parameters");
	size_t total = 0;
	for (size_t i = 0; i < cs_json_len(params); i++) {
		const cs_json *val = params->u.obj.vals[i];
		char p[CS_VPATH];
		if (!cs_json_is(val, CS_JSON_STRING))
			cs_v_type(v, cs_vpath(p, "parameters[%s]", params->u.obj.keys[i]), val,
				  "string");
		else
			total += strlen(params->u.obj.keys[i]) + val->u.str.len;
	}
	if (cs_json_len(params) > 512)
		cs_v_invalid_s(v, "parameters", "Provisioner Parameters exceeded max allowed",
			       "must have at most 512 items");
	if (total > 256 * 1024)
		cs_v_too_long(v, "parameters", 256 * 1024);
	const char *rp = cs_v_str(v, obj, "", "reclaimPolicy");
	if (rp && !one_of(rp, reclaim))
		cs_v_unsupported(v, "reclaimPolicy", rp, reclaim);
	const char *vbm = cs_v_str(v, obj, "", "volumeBindingMode");
	if (!vbm && !cs_v_present(obj, "volumeBindingMode"))
		cs_v_required(v, "volumeBindingMode", "");
	else if (vbm && !one_of(vbm, binding))
		cs_v_unsupported(v, "volumeBindingMode", vbm, binding);
	bool b;
	cs_v_bool(v, obj, "", "allowVolumeExpansion", &b);
	if (!old)
		return;
	static const char *const fixed[] = {"parameters", "provisioner", "reclaimPolicy", NULL};
	for (size_t i = 0; fixed[i]; i++) {
		if (!cs_json_equal(cs_json_get(obj, fixed[i]), cs_json_get(old, fixed[i]))) {
			char d[64];
			snprintf(d, sizeof(d), "updates to %s are forbidden.", fixed[i]);
			cs_v_forbidden(v, fixed[i], d);
		}
	}
	const cs_json *ovbm = cs_json_get(old, "volumeBindingMode");
	if (!cs_json_equal(cs_json_get(obj, "volumeBindingMode"), ovbm))
		cs_v_invalid(v, "volumeBindingMode", cs_json_get(obj, "volumeBindingMode"),
			     "field is immutable");
}

/* metav1.MicroTime / Time: RFC 3339 with optional fraction. */
static bool is_rfc3339(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return false;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z')
		return !p[1];
	return (*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	       isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
	       isdigit((unsigned char)p[5]) && !p[6];
}

static void v_lease(cs_vctx *v, const cs_json *obj)
{
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	if (!spec)
		return;
	int64_t n;
	if (cs_v_int(v, spec, "spec", "leaseDurationSeconds", &n) && n <= 0)
		cs_v_invalid_i(v, "spec.leaseDurationSeconds", n, "must be greater than 0");
	if (cs_v_int(v, spec, "spec", "leaseTransitions", &n))
		cs_v_nonneg(v, "spec.leaseTransitions", n);
	cs_v_str(v, spec, "spec", "holderIdentity");
	static const char *const times[] = {"acquireTime", "renewTime"};
	char p[CS_VPATH];
	for (size_t i = 0; i < 2; i++) {
		const char *t = cs_v_str(v, spec, "spec", times[i]);
		if (t && !is_rfc3339(t))
			cs_v_invalid_s(
				v, cs_vpath(p, "spec.%s", times[i]), t,
				"must be an RFC 3339 timestamp (e.g. 2006-01-02T15:04:05.000000Z)");
	}
}

/* ---- dispatch ---- */

static name_check_fn name_check_for(const char *kind)
{
	if (!strcmp(kind, "Namespace"))
		return cs_check_dns1123_label;
	if (!strcmp(kind, "Service"))
		return cs_check_dns1035_label;
	return cs_check_dns1123_subdomain;
}

/* spec_kept: a pod's spec is the stored one and needs no validation. */
static void v_kind(cs_vctx *v, const cs_type *t, const cs_json *obj, const cs_json *old,
		   bool spec_kept)
{
	const char *k = t->kind;
	if (!strcmp(k, "Namespace"))
		v_namespace(v, obj);
	else if (!strcmp(k, "Pod")) {
		const cs_json *spec = cs_v_obj(v, obj, "", "spec");
		if (spec_kept)
			return;
		cs_v_pod_spec(v, spec, "spec", NULL);
		if (old && spec)
			cs_v_pod_update(v, spec, cs_json_get(old, "spec"));
	} else if (!strcmp(k, "Node"))
		v_node(v, obj);
	else if (!strcmp(k, "Service"))
		v_service(v, obj, old);
	else if (!strcmp(k, "Endpoints"))
		v_endpoints(v, obj);
	else if (!strcmp(k, "ConfigMap"))
		v_configmap(v, obj, old);
	else if (!strcmp(k, "Secret"))
		v_secret(v, obj, old);
	else if (!strcmp(k, "Event"))
		v_event(v, obj);
	else if (!strcmp(k, "ServiceAccount"))
		v_serviceaccount(v, obj);
	else if (!strcmp(k, "PersistentVolume"))
		v_pv(v, obj);
	else if (!strcmp(k, "PersistentVolumeClaim"))
		v_pvc(v, obj, old);
	else if (!strcmp(k, "StorageClass"))
		v_storageclass(v, obj, old);
	else if (!strcmp(k, "Lease"))
		v_lease(v, obj);
	else if (!strcmp(k, "PriorityClass"))
		cs_v_priorityclass(v, obj, old);
	else if (!strcmp(k, "ResourceQuota"))
		cs_v_resourcequota(v, obj);
	else if (!strcmp(k, "LimitRange"))
		cs_v_limitrange(v, obj);
	else if (!strcmp(k, "ControllerRevision"))
		cs_v_controllerrevision(v, obj, old);
	else
		cs_v_workload(v, t, obj, old);
}

/* Aggregate as field.ErrorList.ToAggregate() does: drop repeats, one
 * error bare, several in brackets joined by ", ". */
static void finish(cs_vctx *v, const cs_type *t, const cs_json *obj, cs_status *st)
{
	const char *name = cs_json_get_str(cs_json_get(obj, "metadata"), "name");
	memset(st, 0, sizeof(*st));
	st->code = 422;
	snprintf(st->reason, sizeof(st->reason), "Invalid");
	snprintf(st->kind, sizeof(st->kind), "%s", t->kind);
	snprintf(st->group, sizeof(st->group), "%s", t->group);
	snprintf(st->name, sizeof(st->name), "%s", name ? name : "");
	sbuf msg = {0};
	size_t shown = 0;
	for (size_t i = 0; i < v->len; i++) {
		cs_verr *e = &v->errs[i];
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(e->field, v->errs[j].field) &&
			      !strcmp(e->body, v->errs[j].body);
		if (dup)
			continue;
		sb_add(&msg, "%s%s%s%s", shown ? ", " : "", e->field, *e->field ? ": " : "",
		       e->body);
		shown++;
		if (st->ncauses < CS_STATUS_MAX_CAUSES)
			cs_status_cause(st, e->reason, e->field, "%s", e->body);
	}
	char gk[160];
	if (t->group[0])
		snprintf(gk, sizeof(gk), "%s.%s", t->kind, t->group);
	else
		snprintf(gk, sizeof(gk), "%s", t->kind);
	snprintf(st->message, sizeof(st->message), "%s \"%s\" is invalid: %s%s%s", gk,
		 name ? name : "", shown > 1 ? "[" : "", msg.s, shown > 1 ? "]" : "");
	free(msg.s);
}

int cs_type_validate(const cs_type *t, const cs_json *obj, const cs_json *old, cs_status *st)
{
	return cs_type_validate_sub(t, obj, old, NULL, st);
}

int cs_type_validate_sub(const cs_type *t, const cs_json *obj, const cs_json *old, const char *sub,
			 cs_status *st)
{
	bool spec_kept = old && sub && (!strcmp(sub, "status") || !strcmp(sub, "binding")) &&
			 !strcmp(t->kind, "Pod") &&
			 cs_json_identical(cs_json_get(obj, "spec"), cs_json_get(old, "spec"));
	cs_vctx v = {0};
	v_meta(&v, obj, name_check_for(t->kind));
	if (!strcmp(t->kind, "CronJob")) {
		const char *name = cs_json_get_str(cs_json_get(obj, "metadata"), "name");
		/* Leaves room for the 11-character suffix of the Jobs it creates. */
		if (name && strlen(name) > 52)
			cs_v_invalid_s(&v, "metadata.name", name,
				       "must be no more than 52 characters");
	}
	v_kind(&v, t, obj, old, spec_kept);
	if (!v.len)
		return 0;
	finish(&v, t, obj, st);
	for (size_t i = 0; i < v.len; i++) {
		free(v.errs[i].field);
		free(v.errs[i].body);
	}
	free(v.errs);
	return -1;
}
