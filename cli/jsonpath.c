#include "jsonpath.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set of nodes found by a path; the pointers borrow from the data. */
typedef struct nodes {
	const cs_json **v;
	size_t n, cap;
} nodes;

static void add(nodes *ns, const cs_json *v)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = cs_ctl_xrealloc(ns->v, ns->cap * sizeof(*ns->v));
	}
	ns->v[ns->n++] = v;
}

struct jp {
	const cs_json *root;
	char *err;
	size_t errlen;
};

static int jp_fail(struct jp *j, const char *what, const char *where, size_t n)
{
	snprintf(j->err, j->errlen, "%s in jsonpath at \"%.*s\"", what, (int)(n > 60 ? 60 : n),
		 where);
	return -1;
}

/* End of a quoted string starting at q (the quote); NULL if unterminated. */
static const char *skip_quoted(const char *q, const char *end)
{
	char quote = *q;
	for (const char *p = q + 1; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == quote)
			return p + 1;
	}
	return NULL;
}

/* Matching close bracket for open at p, skipping quoted text. */
static const char *match_close(const char *p, const char *end, char open, char close)
{
	int depth = 0;
	while (p < end) {
		if (*p == '"' || *p == '\'') {
			p = skip_quoted(p, end);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == open)
			depth++;
		else if (*p == close && --depth == 0)
			return p;
		p++;
	}
	return NULL;
}

static char *unquote(const char *q, const char *end)
{
	cs_ctl_sb b = {0};
	for (const char *p = q + 1; p < end - 1; p++) {
		if (*p == '\\' && p + 1 < end - 1) {
			p++;
			switch (*p) {
			case 'n': cs_ctl_sb_addc(&b, '\n'); break;
			case 't': cs_ctl_sb_addc(&b, '\t'); break;
			case 'r': cs_ctl_sb_addc(&b, '\r'); break;
			default: cs_ctl_sb_addc(&b, *p); break;
			}
		} else {
			cs_ctl_sb_addc(&b, *p);
		}
	}
	return cs_ctl_sb_take(&b);
}

static void collect_recursive(const cs_json *v, const char *name, nodes *out)
{
	if (v->type == CS_JSON_OBJECT) {
		const cs_json *hit = cs_json_get(v, name);
		if (hit)
			add(out, hit);
		for (size_t i = 0; i < v->u.obj.len; i++)
			collect_recursive(v->u.obj.vals[i], name, out);
	} else if (v->type == CS_JSON_ARRAY) {
		for (size_t i = 0; i < v->u.arr.len; i++)
			collect_recursive(v->u.arr.items[i], name, out);
	}
}

static int eval(struct jp *j, const char *p, const char *end, const cs_json *cur, nodes *out);

static int compare(const cs_json *left, const char *op, const char *lit, const char *lend)
{
	int c;
	if (*lit == '"' || *lit == '\'') {
		if (left->type != CS_JSON_STRING)
			return 0;
		char *s = unquote(lit, lend);
		c = strcmp(left->u.str.s, s);
		free(s);
	} else if ((size_t)(lend - lit) == 4 && !strncmp(lit, "true", 4)) {
		if (left->type != CS_JSON_BOOL)
			return 0;
		c = left->u.b ? 0 : -1;
	} else if ((size_t)(lend - lit) == 5 && !strncmp(lit, "false", 5)) {
		if (left->type != CS_JSON_BOOL)
			return 0;
		c = left->u.b ? 1 : 0;
	} else {
		if (left->type != CS_JSON_NUMBER)
			return 0;
		char num[64];
		snprintf(num, sizeof(num), "%.*s", (int)(lend - lit), lit);
		double d = strtod(num, NULL);
		c = left->u.num.d < d ? -1 : left->u.num.d > d ? 1 : 0;
	}
	if (!strcmp(op, "=="))
		return c == 0;
	if (!strcmp(op, "!="))
		return c != 0;
	if (!strcmp(op, "<"))
		return c < 0;
	if (!strcmp(op, "<="))
		return c <= 0;
	if (!strcmp(op, ">"))
		return c > 0;
	return c >= 0;
}

/* [?(@.path OP literal)] over the elements of each node. */
static int filter(struct jp *j, const char *f, const char *fend, const nodes *in, nodes *out)
{
	if (fend - f < 3 || f[1] != '(' || fend[-1] != ')')
		return jp_fail(j, "malformed filter", f, (size_t)(fend - f));
	f += 2;
	fend--;
	static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", NULL};
	const char *opat = NULL, *op = NULL;
	for (const char *p = f; p < fend && !opat; p++) {
		if (*p == '"' || *p == '\'') {
			const char *q = skip_quoted(p, fend);
			if (!q)
				return jp_fail(j, "unterminated string", p, (size_t)(fend - p));
			p = q - 1;
			continue;
		}
		for (size_t k = 0; ops[k]; k++)
			if (!strncmp(p, ops[k], strlen(ops[k]))) {
				opat = p;
				op = ops[k];
				break;
			}
	}
	const char *lend = opat ? opat : fend;
	while (lend > f && isspace((unsigned char)lend[-1]))
		lend--;
	const char *lit = NULL, *litend = fend;
	if (opat) {
		lit = opat + strlen(op);
		while (lit < fend && isspace((unsigned char)*lit))
			lit++;
		while (litend > lit && isspace((unsigned char)litend[-1]))
			litend--;
		if (lit == litend)
			return jp_fail(j, "filter without a value", f, (size_t)(fend - f));
	}
	for (size_t i = 0; i < in->n; i++) {
		const cs_json *arr = in->v[i];
		if (arr->type != CS_JSON_ARRAY)
			continue;
		for (size_t k = 0; k < arr->u.arr.len; k++) {
			const cs_json *e = arr->u.arr.items[k];
			nodes left = {0};
			if (eval(j, f, lend, e, &left) < 0) {
				free(left.v);
				return -1;
			}
			bool keep = opat ? left.n && compare(left.v[0], op, lit, litend)
					 : left.n && left.v[0]->type != CS_JSON_NULL &&
						    !(left.v[0]->type == CS_JSON_BOOL &&
						      !left.v[0]->u.b);
			free(left.v);
			if (keep)
				add(out, e);
		}
	}
	return 0;
}

static void index_step(const nodes *in, long a, long b, bool slice, nodes *out)
{
	for (size_t i = 0; i < in->n; i++) {
		const cs_json *arr = in->v[i];
		if (arr->type != CS_JSON_ARRAY)
			continue;
		long len = (long)arr->u.arr.len;
		long from = a < 0 ? a + len : a;
		if (!slice) {
			if (from >= 0 && from < len)
				add(out, arr->u.arr.items[from]);
			continue;
		}
		long to = b == LONG_MAX ? len : b < 0 ? b + len : b;
		if (from < 0)
			from = 0;
		if (to > len)
			to = len;
		for (long k = from; k < to; k++)
			add(out, arr->u.arr.items[k]);
	}
}

static int bracket(struct jp *j, const char *b, const char *bend, const nodes *in, nodes *out)
{
	while (b < bend && isspace((unsigned char)*b))
		b++;
	while (bend > b && isspace((unsigned char)bend[-1]))
		bend--;
	if (b == bend)
		return jp_fail(j, "empty brackets", b, 0);
	if (*b == '*' && bend - b == 1) {
		for (size_t i = 0; i < in->n; i++) {
			const cs_json *v = in->v[i];
			if (v->type == CS_JSON_ARRAY)
				for (size_t k = 0; k < v->u.arr.len; k++)
					add(out, v->u.arr.items[k]);
			else if (v->type == CS_JSON_OBJECT)
				for (size_t k = 0; k < v->u.obj.len; k++)
					add(out, v->u.obj.vals[k]);
		}
		return 0;
	}
	if (*b == '?')
		return filter(j, b, bend, in, out);
	if (*b == '\'' || *b == '"') {
		const char *q = skip_quoted(b, bend);
		if (q != bend)
			return jp_fail(j, "malformed quoted key", b, (size_t)(bend - b));
		char *key = unquote(b, bend);
		for (size_t i = 0; i < in->n; i++) {
			const cs_json *hit = cs_json_get(in->v[i], key);
			if (hit)
				add(out, hit);
		}
		free(key);
		return 0;
	}
	char spec[64];
	if ((size_t)(bend - b) >= sizeof(spec))
		return jp_fail(j, "malformed index", b, (size_t)(bend - b));
	snprintf(spec, sizeof(spec), "%.*s", (int)(bend - b), b);
	char *colon = strchr(spec, ':'), *e;
	long lo = 0, hi = LONG_MAX;
	if (colon) {
		*colon = '\0';
		if (*spec && (lo = strtol(spec, &e, 10), *e))
			return jp_fail(j, "malformed slice", b, (size_t)(bend - b));
		if (colon[1] && (hi = strtol(colon + 1, &e, 10), *e))
			return jp_fail(j, "malformed slice", b, (size_t)(bend - b));
		index_step(in, lo, hi, true, out);
		return 0;
	}
	lo = strtol(spec, &e, 10);
	if (*e || !*spec)
		return jp_fail(j, "malformed index", b, (size_t)(bend - b));
	index_step(in, lo, 0, false, out);
	return 0;
}

static const char *read_name(const char *p, const char *end, cs_ctl_sb *name)
{
	while (p < end && *p != '.' && *p != '[') {
		if (*p == '\\' && p + 1 < end)
			p++;
		cs_ctl_sb_addc(name, *p++);
	}
	return p;
}

static int eval(struct jp *j, const char *p, const char *end, const cs_json *cur, nodes *out)
{
	nodes set = {0};
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && *p == '$') {
		cur = j->root;
		p++;
	} else if (p < end && *p == '@') {
		p++;
	}
	add(&set, cur);
	while (p < end) {
		nodes next = {0};
		int rc = 0;
		if (p[0] == '.' && p + 1 < end && p[1] == '.') {
			cs_ctl_sb name = {0};
			p = read_name(p + 2, end, &name);
			for (size_t i = 0; i < set.n; i++)
				collect_recursive(set.v[i], name.s ? name.s : "", &next);
			cs_ctl_sb_free(&name);
		} else if (*p == '[') {
			const char *close = match_close(p, end, '[', ']');
			if (!close) {
				rc = jp_fail(j, "unclosed bracket", p, (size_t)(end - p));
			} else {
				rc = bracket(j, p + 1, close, &set, &next);
				p = close + 1;
			}
		} else {
			if (*p == '.')
				p++;
			if (p < end && *p == '*') {
				static const char star[] = "*";
				p++;
				rc = bracket(j, star, star + 1, &set, &next);
			} else if (p < end && *p != '[' && *p != '.') {
				cs_ctl_sb name = {0};
				p = read_name(p, end, &name);
				for (size_t i = 0; i < set.n; i++) {
					const cs_json *hit = cs_json_get(set.v[i], name.s);
					if (hit)
						add(&next, hit);
				}
				cs_ctl_sb_free(&name);
			} else {
				/* "." alone: the current node itself */
				for (size_t i = 0; i < set.n; i++)
					add(&next, set.v[i]);
			}
		}
		free(set.v);
		set = next;
		if (rc < 0) {
			free(set.v);
			return -1;
		}
	}
	for (size_t i = 0; i < set.n; i++)
		add(out, set.v[i]);
	free(set.v);
	return 0;
}

static void print_value(const cs_json *v, cs_ctl_sb *out)
{
	if (v->type == CS_JSON_STRING) {
		cs_ctl_sb_addn(out, v->u.str.s, v->u.str.len);
		return;
	}
	size_t n;
	char *s = cs_json_dump(v, false, &n);
	cs_ctl_sb_addn(out, s, n);
	free(s);
}

/* The next {...} action at or after p: returns its start, sets *aend to
 * just after the closing brace; NULL if there is none. */
static const char *next_action(struct jp *j, const char *p, const char *end, const char **aend,
			       int *err)
{
	const char *open = memchr(p, '{', (size_t)(end - p));
	*err = 0;
	if (!open)
		return NULL;
	const char *close = match_close(open, end, '{', '}');
	if (!close) {
		*err = jp_fail(j, "unclosed action", open, (size_t)(end - open));
		return NULL;
	}
	*aend = close + 1;
	return open;
}

static bool is_word(const char *s, const char *e, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(e - s) >= n && !strncmp(s, w, n) &&
	       ((size_t)(e - s) == n || isspace((unsigned char)s[n]));
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

static int render(struct jp *j, const char *p, const char *end, const cs_json *cur, cs_ctl_sb *out)
{
	while (p < end) {
		const char *aend;
		int err;
		const char *open = next_action(j, p, end, &aend, &err);
		if (err)
			return -1;
		if (!open) {
			cs_ctl_sb_addn(out, p, (size_t)(end - p));
			return 0;
		}
		cs_ctl_sb_addn(out, p, (size_t)(open - p));
		const char *s = open + 1, *e = aend - 1;
		trim(&s, &e);
		if (is_word(s, e, "end"))
			return jp_fail(j, "{end} without {range}", open, (size_t)(aend - open));
		if (s < e && (*s == '"' || *s == '\'')) {
			if (skip_quoted(s, e) != e)
				return jp_fail(j, "malformed string", s, (size_t)(e - s));
			char *lit = unquote(s, e);
			cs_ctl_sb_add(out, lit);
			free(lit);
			p = aend;
			continue;
		}
		if (!is_word(s, e, "range")) {
			nodes res = {0};
			if (eval(j, s, e, cur, &res) < 0) {
				free(res.v);
				return -1;
			}
			for (size_t i = 0; i < res.n; i++) {
				if (i)
					cs_ctl_sb_addc(out, ' ');
				print_value(res.v[i], out);
			}
			free(res.v);
			p = aend;
			continue;
		}
		/* {range PATH} BODY {end}, ranges nest */
		const char *body = aend, *q = aend, *body_end = NULL, *after = NULL;
		int depth = 1;
		while (!body_end) {
			const char *a2end;
			const char *o2 = next_action(j, q, end, &a2end, &err);
			if (err)
				return -1;
			if (!o2)
				return jp_fail(j, "{range} without {end}", open,
					       (size_t)(aend - open));
			const char *s2 = o2 + 1, *e2 = a2end - 1;
			trim(&s2, &e2);
			if (is_word(s2, e2, "range"))
				depth++;
			else if (is_word(s2, e2, "end") && --depth == 0) {
				body_end = o2;
				after = a2end;
			}
			q = a2end;
		}
		nodes res = {0};
		if (eval(j, s + 5, e, cur, &res) < 0) {
			free(res.v);
			return -1;
		}
		/* One array result iterates over its elements. */
		if (res.n == 1 && res.v[0]->type == CS_JSON_ARRAY) {
			const cs_json *arr = res.v[0];
			res.n = 0;
			for (size_t i = 0; i < arr->u.arr.len; i++)
				add(&res, arr->u.arr.items[i]);
		}
		for (size_t i = 0; i < res.n; i++) {
			if (render(j, body, body_end, res.v[i], out) < 0) {
				free(res.v);
				return -1;
			}
		}
		free(res.v);
		p = after;
	}
	return 0;
}

int cs_ctl_jsonpath(const char *tmpl, const cs_json *data, cs_ctl_sb *out, char *err, size_t errlen)
{
	struct jp j = {.root = data, .err = err, .errlen = errlen};
	return render(&j, tmpl, tmpl + strlen(tmpl), data, out);
}
