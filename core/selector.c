/* Label and field selectors with Kubernetes' grammar, validation rules and
 * error wording (k8s.io/apimachinery labels.Parse, fields.ParseSelector,
 * metav1.LabelSelector, util/validation), so clients that print the
 * server's message see what they would see from a Kubernetes API server. */
#include "selector.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
	OP_EQ,
	OP_NE,
	OP_IN,
	OP_NOTIN,
	OP_EXISTS,
	OP_NOTEXISTS,
	OP_GT,
	OP_LT,
} sel_op;

/* A field selector label: where its value lives in the object and how a
 * missing value reads (Kubernetes formats bools and ints from Go zero
 * values, so an absent spec.unschedulable reads "false"). */
typedef struct field_def {
	const char *kind; /* NULL: every kind */
	const char *label;
	const char *path; /* dotted JSON path */
	char type;        /* 's' string, 'b' bool, 'i' integer */
} field_def;

typedef struct {
	char *key;
	sel_op op;
	char **vals;
	size_t nvals;
	const field_def *field; /* field selectors only */
} sel_req;

struct cs_selector {
	sel_req *reqs;
	size_t n, cap;
};

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static sel_req *sel_add(cs_selector *sel, const char *key, sel_op op)
{
	if (sel->n == sel->cap) {
		sel->cap = sel->cap ? sel->cap * 2 : 4;
		sel->reqs = realloc(sel->reqs, sel->cap * sizeof(*sel->reqs));
		if (!sel->reqs)
			abort();
	}
	sel_req *r = &sel->reqs[sel->n++];
	memset(r, 0, sizeof(*r));
	r->key = xstrdup(key);
	r->op = op;
	return r;
}

static void req_add_value(sel_req *r, const char *v)
{
	r->vals = realloc(r->vals, (r->nvals + 1) * sizeof(char *));
	if (!r->vals)
		abort();
	r->vals[r->nvals++] = xstrdup(v);
}

void cs_selector_free(cs_selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->n; i++) {
		free(sel->reqs[i].key);
		for (size_t j = 0; j < sel->reqs[i].nvals; j++)
			free(sel->reqs[i].vals[j]);
		free(sel->reqs[i].vals);
	}
	free(sel->reqs);
	free(sel);
}

bool cs_selector_empty(const cs_selector *sel)
{
	return !sel || sel->n == 0;
}

/* ---- validation (k8s.io/apimachinery/pkg/util/validation) ---- */

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                                  \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "   \
	"an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "  \
	"validation is '" QNAME_FMT "')"
#define LABEL_VALUE_MSG                                                                            \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "   \
	"or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "      \
	"'my_value',  or '12345', regex used for validation is '(" QNAME_FMT ")?')"
#define DNS_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS_LABEL_MSG                                                                              \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "   \
	"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "   \
	"regex used for validation is '" DNS_LABEL_FMT "')"
#define DNS_SUBDOMAIN_MSG                                                                          \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "  \
	"or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "      \
	"regex used for validation is '" DNS_LABEL_FMT "(\\." DNS_LABEL_FMT ")*')"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n) */
static bool qname_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static bool dns_label_ok(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool dns_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!dns_label_ok(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* Messages are joined with "; " as Kubernetes joins a validator's list. */
typedef struct {
	char *buf;
	size_t cap, len;
} msgbuf;

static void msg_add(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(msgbuf *m, const char *fmt, ...)
{
	if (m->len && m->len + 2 < m->cap)
		m->len += (size_t)snprintf(m->buf + m->len, m->cap - m->len, "; ");
	if (m->len >= m->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len = m->len + (size_t)n < m->cap ? m->len + (size_t)n : m->cap - 1;
}

static void subdomain_errors(msgbuf *m, const char *prefix, const char *s, size_t n)
{
	if (n > 253)
		msg_add(m, "%smust be no more than 253 characters", prefix);
	if (!dns_subdomain_ok(s, n))
		msg_add(m, "%s%s", prefix, DNS_SUBDOMAIN_MSG);
}

/* The returned messages live in per-thread buffers, one per function, valid
 * until the same function is called again on the same thread. */
const char *cs_check_label_key(const char *key)
{
	static __thread char buf[1536];
	msgbuf m = {buf, sizeof(buf), 0};
	buf[0] = '\0';
	const char *slash = strchr(key, '/');
	const char *name = key;
	if (slash && strchr(slash + 1, '/'))
		return "a qualified name " QNAME_MSG
		       " with an optional DNS subdomain prefix and '/' "
		       "(e.g. 'example.com/MyName')";
	if (slash) {
		size_t plen = (size_t)(slash - key);
		if (plen == 0)
			msg_add(&m, "prefix part must be non-empty");
		else
			subdomain_errors(&m, "prefix part ", key, plen);
		name = slash + 1;
	}
	size_t n = strlen(name);
	if (n == 0)
		msg_add(&m, "name part must be non-empty");
	else if (n > 63)
		msg_add(&m, "name part must be no more than 63 characters");
	if (!qname_ok(name, n))
		msg_add(&m, "name part " QNAME_MSG);
	return m.len ? buf : NULL;
}

const char *cs_check_label_value(const char *value)
{
	static __thread char buf[768];
	msgbuf m = {buf, sizeof(buf), 0};
	size_t n = strlen(value);
	if (n > 63)
		msg_add(&m, "must be no more than 63 characters");
	if (n && !qname_ok(value, n))
		msg_add(&m, "%s", LABEL_VALUE_MSG);
	return m.len ? buf : NULL;
}

const char *cs_check_dns1123_subdomain(const char *name)
{
	static __thread char buf[768];
	msgbuf m = {buf, sizeof(buf), 0};
	subdomain_errors(&m, "", name, strlen(name));
	return m.len ? buf : NULL;
}

const char *cs_check_dns1123_label(const char *name)
{
	static __thread char buf[768];
	msgbuf m = {buf, sizeof(buf), 0};
	size_t n = strlen(name);
	if (n > 63)
		msg_add(&m, "must be no more than 63 characters");
	if (!dns_label_ok(name, n)) {
		/* A valid subdomain that is not a valid label can only be
		 * failing on its dots (length was checked above). */
		if (dns_subdomain_ok(name, n))
			msg_add(&m, "must not contain dots");
		else
			msg_add(&m, "%s", DNS_LABEL_MSG);
	}
	return m.len ? buf : NULL;
}

/* Go's %q for the ASCII cases messages meet. */
static void quote(char *out, size_t cap, const char *s)
{
	size_t o = 0;
	if (cap < 3)
		return;
	out[o++] = '"';
	for (; *s && o + 6 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* ---- label selector query parser (labels.Parse) ---- */

typedef enum {
	T_EOS,
	T_ID,
	T_IN,
	T_NOTIN,
	T_EQ,
	T_DEQ,
	T_NE,
	T_NOT,
	T_GT,
	T_LT,
	T_OPEN,
	T_CLOSE,
	T_COMMA,
} tok_type;

typedef struct {
	tok_type t;
	char *lit;
} token;

typedef struct {
	token *toks;
	size_t n, pos;
	cs_selector *sel;
	const char *src;
	cs_status *st;
} parser;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static int symbol_token(const char *s, size_t n, tok_type *t)
{
	static const struct {
		const char *s;
		tok_type t;
	} syms[] = {
		{"!=", T_NE}, {"==", T_DEQ}, {"!", T_NOT},   {"=", T_EQ},    {">", T_GT},
		{"<", T_LT},  {"(", T_OPEN}, {")", T_CLOSE}, {",", T_COMMA},
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (strlen(syms[i].s) == n && !strncmp(syms[i].s, s, n)) {
			*t = syms[i].t;
			return 0;
		}
	return -1;
}

static void push_tok(parser *p, tok_type t, const char *s, size_t n)
{
	p->toks = realloc(p->toks, (p->n + 1) * sizeof(token));
	if (!p->toks)
		abort();
	p->toks[p->n].t = t;
	p->toks[p->n].lit = strndup(s, n);
	if (!p->toks[p->n].lit)
		abort();
	p->n++;
}

/* Splits the whole query first, as Kubernetes' lexer does: identifiers run
 * to whitespace or a special symbol; special symbols are scanned greedily
 * ("!=" rather than "!" then "="). */
static void lex(parser *p, const char *s)
{
	size_t i = 0;
	for (;;) {
		while (is_space(s[i]))
			i++;
		if (!s[i])
			break;
		size_t start = i;
		if (is_special(s[i])) {
			tok_type t = T_EOS, cand;
			size_t best = 0;
			while (is_special(s[i])) {
				if (symbol_token(s + start, i - start + 1, &cand) == 0) {
					t = cand;
					best = i - start + 1;
				} else if (best) {
					break;
				}
				i++;
			}
			i = start + best;
			push_tok(p, t, s + start, best);
			continue;
		}
		while (s[i] && !is_space(s[i]) && !is_special(s[i]))
			i++;
		size_t n = i - start;
		tok_type t = T_ID;
		if (n == 2 && !strncmp(s + start, "in", 2))
			t = T_IN;
		else if (n == 5 && !strncmp(s + start, "notin", 5))
			t = T_NOTIN;
		push_tok(p, t, s + start, n);
	}
	push_tok(p, T_EOS, "", 0);
}

/* In value position the keywords are plain identifiers ("a=in" is valid). */
static tok_type peek(parser *p, bool values, const char **lit)
{
	token *k = &p->toks[p->pos < p->n ? p->pos : p->n - 1];
	if (lit)
		*lit = k->lit;
	if (values && (k->t == T_IN || k->t == T_NOTIN))
		return T_ID;
	return k->t;
}

static tok_type next(parser *p, bool values, const char **lit)
{
	tok_type t = peek(p, values, lit);
	if (p->pos < p->n - 1)
		p->pos++;
	return t;
}

static int perr(parser *p, bool in_req, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(parser *p, bool in_req, const char *fmt, ...)
{
	char why[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	char q[256];
	quote(q, sizeof(q), p->src);
	cs_status_set(p->st, 400, "BadRequest", "invalid label selector %s: %s%s", q,
		      in_req ? "unable to parse requirement: " : "", why);
	return -1;
}

static int check_values(parser *p, sel_req *r)
{
	char q[160];
	for (size_t i = 0; i < r->nvals; i++) {
		const char *m = cs_check_label_value(r->vals[i]);
		if (m) {
			quote(q, sizeof(q), r->vals[i]);
			return perr(p, true, "values[%zu][%s]: Invalid value: %s: %s", i, r->key, q,
				    m);
		}
		if (r->op == OP_GT || r->op == OP_LT) {
			char *end;
			errno = 0;
			(void)strtoll(r->vals[i], &end, 10);
			if (errno || !*r->vals[i] || *end) {
				quote(q, sizeof(q), r->vals[i]);
				return perr(
					p, true,
					"values[%zu]: Invalid value: %s: for 'Gt', 'Lt' operators, "
					"the value must be an integer",
					i, q);
			}
		}
	}
	return 0;
}

#define BINARY_OPS "in, notin, =, ==, !=, gt, lt"

static int parse_values(parser *p, sel_req *r)
{
	const char *lit;
	if (next(p, true, &lit) != T_OPEN)
		return perr(p, true, "found '%s' expected: '('", lit);
	tok_type t = peek(p, true, &lit);
	if (t == T_CLOSE) {
		/* "()" is the set holding the empty string. */
		next(p, true, NULL);
		req_add_value(r, "");
		return 0;
	}
	if (t != T_ID && t != T_COMMA)
		return perr(p, true, "found '%s', expected: ',', ')' or identifier", lit);
	/* A comma-separated list in which empty entries stand for "". */
	bool want_value = true;
	for (;;) {
		t = next(p, true, &lit);
		if (t == T_ID) {
			req_add_value(r, lit);
			want_value = false;
			tok_type t2 = peek(p, true, &lit);
			if (t2 == T_CLOSE)
				break;
			if (t2 != T_COMMA)
				return perr(p, true, "found '%s', expected: ',' or ')'", lit);
		} else if (t == T_COMMA) {
			if (want_value)
				req_add_value(r, "");
			want_value = true;
			if (peek(p, true, NULL) == T_CLOSE) {
				req_add_value(r, "");
				break;
			}
		} else {
			return perr(p, true, "found '%s', expected: ',', or identifier", lit);
		}
	}
	next(p, true, NULL); /* the ')' seen by peek */
	return 0;
}

static int parse_requirement(parser *p)
{
	const char *lit;
	sel_op op = OP_EXISTS;
	tok_type t = next(p, true, &lit);
	if (t == T_NOT) {
		op = OP_NOTEXISTS;
		t = next(p, true, &lit);
	}
	if (t != T_ID)
		return perr(p, true, "found '%s', expected: identifier", lit);
	const char *key = lit;
	const char *m = cs_check_label_key(key);
	if (m) {
		char q[160];
		quote(q, sizeof(q), key);
		return perr(p, true, "key: Invalid value: %s: %s", q, m);
	}
	tok_type la = peek(p, true, NULL);
	if (op == OP_NOTEXISTS || la == T_EOS || la == T_COMMA) {
		sel_add(p->sel, key, op);
		return 0;
	}
	switch (next(p, false, &lit)) {
	case T_IN: op = OP_IN; break;
	case T_NOTIN: op = OP_NOTIN; break;
	case T_EQ:
	case T_DEQ: op = OP_EQ; break;
	case T_NE: op = OP_NE; break;
	case T_GT: op = OP_GT; break;
	case T_LT: op = OP_LT; break;
	default: return perr(p, true, "found '%s', expected: %s", lit, BINARY_OPS);
	}
	sel_req *r = sel_add(p->sel, key, op);
	if (op == OP_IN || op == OP_NOTIN) {
		if (parse_values(p, r) < 0)
			return -1;
	} else {
		t = peek(p, true, &lit);
		if (t == T_EOS || t == T_COMMA) {
			req_add_value(r, "");
		} else if (t == T_ID) {
			req_add_value(r, lit);
			next(p, true, NULL);
		} else {
			return perr(p, true, "found '%s', expected: identifier", lit);
		}
	}
	return check_values(p, r);
}

cs_selector *cs_label_selector_parse(const char *s, cs_status *st)
{
	cs_selector *sel = xcalloc(1, sizeof(*sel));
	if (!s)
		return sel;
	parser p = {.sel = sel, .src = s, .st = st};
	lex(&p, s);
	int rc = 0;
	const char *lit;
	for (;;) {
		tok_type t = peek(&p, true, &lit);
		if (t == T_EOS)
			break;
		if (t != T_ID && t != T_NOT) {
			rc = perr(&p, false,
				  "found '%s', expected: !, identifier, or 'end of string'", lit);
			break;
		}
		if ((rc = parse_requirement(&p)) < 0)
			break;
		t = next(&p, true, &lit);
		if (t == T_EOS)
			break;
		if (t != T_COMMA) {
			rc = perr(&p, false, "found '%s', expected: ',' or 'end of string'", lit);
			break;
		}
		t = peek(&p, true, &lit);
		if (t != T_ID && t != T_NOT) {
			rc = perr(&p, false, "found '%s', expected: identifier after ','", lit);
			break;
		}
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.toks[i].lit);
	free(p.toks);
	if (rc < 0) {
		cs_selector_free(sel);
		return NULL;
	}
	return sel;
}

/* ---- metav1.LabelSelector ---- */

typedef struct {
	cs_status *st;
	const char *path;
	size_t nerr;
	char msg[1024];
	size_t mlen;
} verr;

static void verr_add(verr *v, const char *reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void verr_add(verr *v, const char *reason, const char *field, const char *fmt, ...)
{
	char body[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	cs_status_cause(v->st, reason, field, "%s", body);
	if (v->mlen < sizeof(v->msg)) {
		int n = snprintf(v->msg + v->mlen, sizeof(v->msg) - v->mlen, "%s%s: %s",
				 v->nerr ? ", " : "", field, body);
		if (n > 0)
			v->mlen += (size_t)n;
	}
	v->nerr++;
}

static void field_name(char *out, size_t cap, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void field_name(char *out, size_t cap, const char *path, const char *fmt, ...)
{
	int n = snprintf(out, cap, "%s%s", path, *path ? "." : "");
	if (n < 0 || (size_t)n >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

static void json_brief(char *out, size_t cap, const cs_json *v)
{
	if (cs_json_is(v, CS_JSON_STRING)) {
		quote(out, cap, v->u.str.s);
		return;
	}
	char *d = cs_json_dump(v, false, NULL);
	snprintf(out, cap, "%s", d ? d : "?");
	free(d);
}

static void check_expression(verr *v, cs_selector *sel, const cs_json *e, size_t i)
{
	char f[300], q[200];
	if (!cs_json_is(e, CS_JSON_OBJECT)) {
		field_name(f, sizeof(f), v->path, "matchExpressions[%zu]", i);
		json_brief(q, sizeof(q), e);
		verr_add(v, "FieldValueInvalid", f, "Invalid value: %s: must be an object", q);
		return;
	}
	const cs_json *jk = cs_json_get(e, "key"), *jo = cs_json_get(e, "operator");
	const cs_json *jv = cs_json_get(e, "values");
	const char *key = cs_json_str(jk) ? cs_json_str(jk) : "";
	const char *ops = cs_json_str(jo) ? cs_json_str(jo) : "";
	size_t nvals = cs_json_len(jv);
	sel_op op = OP_IN;
	bool op_ok = true;
	field_name(f, sizeof(f), v->path, "matchExpressions[%zu].values", i);
	if (jv && !cs_json_is(jv, CS_JSON_ARRAY) && !cs_json_is(jv, CS_JSON_NULL)) {
		json_brief(q, sizeof(q), jv);
		verr_add(v, "FieldValueInvalid", f, "Invalid value: %s: must be a list of strings",
			 q);
		nvals = 0;
	}
	if (!strcmp(ops, "In") || !strcmp(ops, "NotIn")) {
		op = ops[0] == 'I' ? OP_IN : OP_NOTIN;
		if (nvals == 0)
			verr_add(v, "FieldValueRequired", f,
				 "Required value: must be specified when `operator` is 'In' or "
				 "'NotIn'");
	} else if (!strcmp(ops, "Exists") || !strcmp(ops, "DoesNotExist")) {
		op = ops[0] == 'E' ? OP_EXISTS : OP_NOTEXISTS;
		if (nvals > 0)
			verr_add(v, "FieldValueForbidden", f,
				 "Forbidden: may not be specified when `operator` is 'Exists' or "
				 "'DoesNotExist'");
	} else {
		op_ok = false;
		field_name(f, sizeof(f), v->path, "matchExpressions[%zu].operator", i);
		if (jo)
			json_brief(q, sizeof(q), jo);
		else
			quote(q, sizeof(q), "");
		verr_add(v, "FieldValueInvalid", f,
			 "Invalid value: %s: not a valid selector operator", q);
	}
	field_name(f, sizeof(f), v->path, "matchExpressions[%zu].key", i);
	const char *m = jk && !cs_json_str(jk) ? "must be a string" : cs_check_label_key(key);
	if (m) {
		if (jk)
			json_brief(q, sizeof(q), jk);
		else
			quote(q, sizeof(q), "");
		verr_add(v, "FieldValueInvalid", f, "Invalid value: %s: %s", q, m);
	}
	sel_req *r = op_ok && !m ? sel_add(sel, key, op) : NULL;
	for (size_t j = 0; j < nvals && cs_json_is(jv, CS_JSON_ARRAY); j++) {
		const cs_json *x = cs_json_at(jv, j);
		field_name(f, sizeof(f), v->path, "matchExpressions[%zu].values[%zu]", i, j);
		const char *vm =
			cs_json_str(x) ? cs_check_label_value(cs_json_str(x)) : "must be a string";
		if (vm) {
			json_brief(q, sizeof(q), x);
			verr_add(v, "FieldValueInvalid", f, "Invalid value: %s: %s", q, vm);
		} else if (r && (op == OP_IN || op == OP_NOTIN)) {
			req_add_value(r, cs_json_str(x));
		}
	}
}

cs_selector *cs_label_selector_from_json(const cs_json *js, const char *path, cs_status *st)
{
	cs_selector *sel = xcalloc(1, sizeof(*sel));
	if (!js || js->type == CS_JSON_NULL)
		return sel;
	verr v = {.st = st, .path = path ? path : ""};
	char f[300], q[200];
	if (!cs_json_is(js, CS_JSON_OBJECT)) {
		snprintf(f, sizeof(f), "%s", v.path);
		json_brief(q, sizeof(q), js);
		verr_add(&v, "FieldValueInvalid", f, "Invalid value: %s: must be an object", q);
		goto out;
	}
	const cs_json *ml = cs_json_get(js, "matchLabels");
	field_name(f, sizeof(f), v.path, "matchLabels");
	if (ml && !cs_json_is(ml, CS_JSON_OBJECT) && ml->type != CS_JSON_NULL) {
		json_brief(q, sizeof(q), ml);
		verr_add(&v, "FieldValueInvalid", f,
			 "Invalid value: %s: must be an object of label keys to values", q);
	}
	for (size_t i = 0; cs_json_is(ml, CS_JSON_OBJECT) && i < ml->u.obj.len; i++) {
		const char *k = ml->u.obj.keys[i];
		const cs_json *val = ml->u.obj.vals[i];
		const char *km = cs_check_label_key(k);
		const char *vm = cs_json_str(val) ? cs_check_label_value(cs_json_str(val))
						  : "must be a string";
		if (km) {
			quote(q, sizeof(q), k);
			verr_add(&v, "FieldValueInvalid", f, "Invalid value: %s: %s", q, km);
		}
		if (vm) {
			json_brief(q, sizeof(q), val);
			verr_add(&v, "FieldValueInvalid", f, "Invalid value: %s: %s", q, vm);
		}
		if (!km && !vm)
			req_add_value(sel_add(sel, k, OP_EQ), cs_json_str(val));
	}
	const cs_json *me = cs_json_get(js, "matchExpressions");
	if (me && !cs_json_is(me, CS_JSON_ARRAY) && me->type != CS_JSON_NULL) {
		field_name(f, sizeof(f), v.path, "matchExpressions");
		json_brief(q, sizeof(q), me);
		verr_add(&v, "FieldValueInvalid", f, "Invalid value: %s: must be a list", q);
	}
	for (size_t i = 0; cs_json_is(me, CS_JSON_ARRAY) && i < me->u.arr.len; i++)
		check_expression(&v, sel, me->u.arr.items[i], i);
out:
	if (v.nerr) {
		/* One error reads "field: detail"; several "[a: x, b: y]", as
		 * Kubernetes prints an aggregate. */
		if (v.nerr == 1)
			cs_status_set(st, 422, "Invalid", "%s", v.msg);
		else
			cs_status_set(st, 422, "Invalid", "[%s]", v.msg);
		cs_selector_free(sel);
		return NULL;
	}
	return sel;
}

/* ---- matching ---- */

static bool has_value(const sel_req *r, const char *v)
{
	for (size_t i = 0; i < r->nvals; i++)
		if (!strcmp(r->vals[i], v))
			return true;
	return false;
}

static bool parse_int(const char *s, long long *out)
{
	char *end;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !errno && *s && !*end;
}

/* present: the key exists; v: its value ("" when not a string). */
static bool req_match(const sel_req *r, bool present, const char *v)
{
	long long a, b;
	switch (r->op) {
	case OP_EQ:
	case OP_IN: return present && has_value(r, v);
	case OP_NE:
	case OP_NOTIN: return !present || !has_value(r, v);
	case OP_EXISTS: return present;
	case OP_NOTEXISTS: return !present;
	case OP_GT:
	case OP_LT:
		if (!present || r->nvals != 1 || !parse_int(v, &a) || !parse_int(r->vals[0], &b))
			return false;
		return r->op == OP_GT ? a > b : a < b;
	}
	return false;
}

bool cs_label_selector_match(const cs_selector *sel, const cs_json *labels)
{
	if (!sel)
		return true;
	for (size_t i = 0; i < sel->n; i++) {
		const cs_json *v = cs_json_get(labels, sel->reqs[i].key);
		const char *s = cs_json_str(v);
		if (!req_match(&sel->reqs[i], v != NULL, s ? s : ""))
			return false;
	}
	return true;
}

/* ---- field selectors (fields.ParseSelector) ---- */

/* The labels Kubernetes registers field label conversion functions for,
 * for the kinds capstan serves. */
static const field_def field_defs[] = {
	{NULL, "metadata.name", "metadata.name", 's'},
	{NULL, "metadata.namespace", "metadata.namespace", 's'},
	{"Pod", "spec.nodeName", "spec.nodeName", 's'},
	{"Pod", "spec.restartPolicy", "spec.restartPolicy", 's'},
	{"Pod", "spec.schedulerName", "spec.schedulerName", 's'},
	{"Pod", "spec.serviceAccountName", "spec.serviceAccountName", 's'},
	{"Pod", "spec.hostNetwork", "spec.hostNetwork", 'b'},
	{"Pod", "status.phase", "status.phase", 's'},
	{"Pod", "status.podIP", "status.podIP", 's'},
	{"Pod", "status.nominatedNodeName", "status.nominatedNodeName", 's'},
	{"Node", "spec.unschedulable", "spec.unschedulable", 'b'},
	{"Namespace", "status.phase", "status.phase", 's'},
	{"Secret", "type", "type", 's'},
	{"Service", "spec.type", "spec.type", 's'},
	{"Service", "spec.clusterIP", "spec.clusterIP", 's'},
	{"ReplicaSet", "status.replicas", "status.replicas", 'i'},
	{"Job", "status.successful", "status.successful", 'i'},
	{"Event", "involvedObject.kind", "involvedObject.kind", 's'},
	{"Event", "involvedObject.namespace", "involvedObject.namespace", 's'},
	{"Event", "involvedObject.name", "involvedObject.name", 's'},
	{"Event", "involvedObject.uid", "involvedObject.uid", 's'},
	{"Event", "involvedObject.apiVersion", "involvedObject.apiVersion", 's'},
	{"Event", "involvedObject.resourceVersion", "involvedObject.resourceVersion", 's'},
	{"Event", "involvedObject.fieldPath", "involvedObject.fieldPath", 's'},
	{"Event", "reason", "reason", 's'},
	{"Event", "reportingComponent", "reportingComponent", 's'},
	{"Event", "source", "source.component", 's'},
	{"Event", "type", "type", 's'},
};

/* Without a kind every label some kind supports is accepted. */
static const field_def *field_lookup(const char *label, const cs_type *t)
{
	/* Node and Namespace register their own conversion, which leaves out
	 * metadata.namespace; every other kind accepts both metadata fields. */
	if (t && !strcmp(label, "metadata.namespace") &&
	    (!strcmp(t->kind, "Node") || !strcmp(t->kind, "Namespace")))
		return NULL;
	for (size_t i = 0; i < sizeof(field_defs) / sizeof(field_defs[0]); i++) {
		const field_def *d = &field_defs[i];
		if (strcmp(d->label, label))
			continue;
		if (!t || !d->kind || !strcmp(d->kind, t->kind))
			return d;
	}
	return NULL;
}

/* Unescapes a field selector value: "\\", "\," and "\=" stand for
 * themselves; a bare ',' or '=' or any other escape is an error. */
static int unescape_value(const char *s, size_t n, char *out, cs_status *st)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			if (i + 1 == n)
				return cs_status_set(
					st, 400, "BadRequest",
					"invalid field selector: invalid escape sequence: \\");
			c = s[++i];
			if (c != '\\' && c != ',' && c != '=')
				return cs_status_set(
					st, 400, "BadRequest",
					"invalid field selector: invalid escape sequence: "
					"\\%c",
					c);
		} else if (c == ',' || c == '=') {
			return cs_status_set(
				st, 400, "BadRequest",
				"invalid field selector: unescaped character in value: %c", c);
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int field_term(cs_selector *sel, const char *src, const char *term, const cs_type *t,
		      cs_status *st)
{
	/* The first operator wins, "!=" and "==" before "=", so a value may
	 * not hold an unescaped '='. */
	size_t n = strlen(term), i, oplen = 0;
	sel_op op = OP_EQ;
	for (i = 0; i < n; i++) {
		if (!strncmp(term + i, "!=", 2)) {
			op = OP_NE;
			oplen = 2;
		} else if (!strncmp(term + i, "==", 2)) {
			oplen = 2;
		} else if (term[i] == '=') {
			oplen = 1;
		}
		if (oplen)
			break;
	}
	if (!oplen)
		return cs_status_set(st, 400, "BadRequest",
				     "invalid selector: '%s'; can't understand '%s'", src, term);
	char *lhs = strndup(term, i);
	char *rhs = malloc(n - i - oplen + 1);
	if (!lhs || !rhs)
		abort();
	int rc = unescape_value(term + i + oplen, n - i - oplen, rhs, st);
	const field_def *d = rc ? NULL : field_lookup(lhs, t);
	if (!rc && !d)
		rc = cs_status_set(st, 400, "BadRequest", "field label not supported: %s", lhs);
	if (!rc) {
		sel_req *r = sel_add(sel, lhs, op);
		r->field = d;
		req_add_value(r, rhs);
	}
	free(lhs);
	free(rhs);
	return rc;
}

cs_selector *cs_field_selector_parse(const char *s, const cs_type *t, cs_status *st)
{
	cs_selector *sel = xcalloc(1, sizeof(*sel));
	if (!s || !*s)
		return sel;
	/* Terms split at commas that are not backslash-escaped. */
	size_t n = strlen(s), start = 0;
	bool esc = false;
	char *term = malloc(n + 1);
	if (!term)
		abort();
	for (size_t i = 0; i <= n; i++) {
		if (i < n && esc) {
			esc = false;
			continue;
		}
		if (i < n && s[i] == '\\') {
			esc = true;
			continue;
		}
		if (i < n && s[i] != ',')
			continue;
		memcpy(term, s + start, i - start);
		term[i - start] = '\0';
		start = i + 1;
		if (term[0] && field_term(sel, s, term, t, st) < 0) {
			free(term);
			cs_selector_free(sel);
			return NULL;
		}
	}
	free(term);
	return sel;
}

/* The field's value as Kubernetes formats it for matching. */
static const char *field_value(const field_def *d, const cs_json *obj, char *buf, size_t cap)
{
	char seg[128];
	const char *p = d->path;
	const cs_json *v = obj;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
		v = cs_json_get(v, seg);
		p += n + (dot ? 1 : 0);
	}
	if (v && v->type == CS_JSON_STRING)
		return v->u.str.s;
	if (v && v->type == CS_JSON_BOOL)
		return v->u.b ? "true" : "false";
	if (v && v->type == CS_JSON_NUMBER) {
		snprintf(buf, cap, "%s", v->u.num.text);
		return buf;
	}
	return d->type == 'b' ? "false" : d->type == 'i' ? "0" : "";
}

bool cs_field_selector_match(const cs_selector *sel, const cs_json *obj)
{
	if (!sel)
		return true;
	char buf[64];
	for (size_t i = 0; i < sel->n; i++) {
		const sel_req *r = &sel->reqs[i];
		if (!r->field)
			continue;
		bool eq = !strcmp(field_value(r->field, obj, buf, sizeof(buf)), r->vals[0]);
		if (r->op == OP_NE ? eq : !eq)
			return false;
	}
	return true;
}
