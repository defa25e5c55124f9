#include "printer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"
#include "cliutil.h"
#include "jsonpath.h"
#include "yamlconv.h"

enum { COL_NAMESPACE = -1, COL_EVENT = -2, COL_LABELS = -3, COL_LABEL0 = -10 };

static const struct {
	const char *name;
	cs_ctl_fmt fmt;
} formats[] = {
	{"json", CS_OUT_JSON}, {"jsonpath", CS_OUT_JSONPATH}, {"name", CS_OUT_NAME},
	{"wide", CS_OUT_WIDE}, {"yaml", CS_OUT_YAML},
};

int cs_ctl_out_parse(const char *spec, unsigned allowed, cs_ctl_out *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->fmt = CS_OUT_TABLE;
	if (!spec || !*spec)
		return 0;
	cs_ctl_fmt fmt = 0;
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strlen(formats[i].name) == n && !strncmp(spec, formats[i].name, n))
			fmt = formats[i].fmt;
	if (fmt && (fmt & allowed) && (fmt == CS_OUT_JSONPATH) == (eq != NULL)) {
		o->fmt = fmt;
		if (eq) {
			const char *t = eq + 1;
			size_t tl = strlen(t);
			/* -o "jsonpath='{.a}'": the quotes belong to the shell habit */
			if (tl >= 2 && (t[0] == '\'' || t[0] == '"') && t[tl - 1] == t[0]) {
				t++;
				tl -= 2;
			}
			o->tmpl = strndup(t, tl);
			if (!o->tmpl)
				abort();
		}
		return 0;
	}
	if (fmt == CS_OUT_JSONPATH && (allowed & CS_OUT_JSONPATH) && !eq) {
		snprintf(err, errlen, "template format specified but no template given");
		return -1;
	}
	cs_ctl_sb b = {0};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!(formats[i].fmt & allowed))
			continue;
		if (b.len)
			cs_ctl_sb_addc(&b, ',');
		cs_ctl_sb_add(&b, formats[i].name);
	}
	snprintf(err, errlen,
		 "unable to match a printer suitable for the output format \"%s\", allowed "
		 "formats are: %s",
		 spec, b.s ? b.s : "");
	cs_ctl_sb_free(&b);
	return -1;
}

void cs_ctl_out_free(cs_ctl_out *o)
{
	free(o->tmpl);
	o->tmpl = NULL;
}

cs_json *cs_ctl_list_wrap(cs_json *items)
{
	cs_json *list = cs_json_object();
	cs_json_set(list, "apiVersion", cs_json_string("v1"));
	cs_json_set(list, "items", items);
	cs_json_set(list, "kind", cs_json_string("List"));
	cs_json *meta = cs_json_obj_ensure(list, "metadata");
	cs_json_set(meta, "resourceVersion", cs_json_string(""));
	return list;
}

/* kubectl's -o json layout: four spaces, "{}" and "[]" for empty ones. */
static void json_pretty(cs_ctl_sb *b, const cs_json *v, int indent)
{
	if (v->type == CS_JSON_ARRAY || v->type == CS_JSON_OBJECT) {
		bool obj = v->type == CS_JSON_OBJECT;
		size_t n = obj ? v->u.obj.len : v->u.arr.len;
		if (!n) {
			cs_ctl_sb_add(b, obj ? "{}" : "[]");
			return;
		}
		cs_ctl_sb_addc(b, obj ? '{' : '[');
		for (size_t i = 0; i < n; i++) {
			cs_ctl_sb_printf(b, "%s\n%*s", i ? "," : "", (indent + 1) * 4, "");
			if (obj) {
				cs_json *k = cs_json_string(v->u.obj.keys[i]);
				json_pretty(b, k, 0);
				cs_json_free(k);
				cs_ctl_sb_add(b, ": ");
			}
			json_pretty(b, obj ? v->u.obj.vals[i] : v->u.arr.items[i], indent + 1);
		}
		cs_ctl_sb_printf(b, "\n%*s%c", indent * 4, "", obj ? '}' : ']');
		return;
	}
	size_t len;
	char *s = cs_json_dump(v, false, &len);
	cs_ctl_sb_addn(b, s, len);
	free(s);
}

int cs_ctl_print_obj(FILE *f, const cs_json *obj, cs_ctl_out *o)
{
	char err[512];
	cs_ctl_sb b = {0};
	int rc = 0;
	switch (o->fmt) {
	case CS_OUT_JSON:
		json_pretty(&b, obj, 0);
		cs_ctl_sb_addc(&b, '\n');
		break;
	case CS_OUT_YAML: {
		char *y = cs_ctl_yaml_emit(obj, err, sizeof(err));
		if (!y) {
			rc = cs_ctl_fail("%s", err);
			break;
		}
		if (o->count)
			cs_ctl_sb_add(&b, "---\n");
		cs_ctl_sb_add(&b, y);
		free(y);
		break;
	}
	case CS_OUT_JSONPATH:
		if (cs_ctl_jsonpath(o->tmpl, obj, &b, err, sizeof(err)) < 0)
			rc = cs_ctl_fail("error executing jsonpath \"%s\": %s", o->tmpl, err);
		break;
	default: {
		char *ref = cs_ctl_obj_ref(obj);
		cs_ctl_sb_printf(&b, "%s\n", ref);
		free(ref);
		break;
	}
	}
	if (rc == 0 && b.len) {
		fwrite(b.s, 1, b.len, f);
		fflush(f);
	}
	cs_ctl_sb_free(&b);
	o->count++;
	return rc ? -1 : 0;
}

char *cs_ctl_cell_text(const cs_json *cell)
{
	if (!cell || cell->type == CS_JSON_NULL)
		return cs_ctl_xstrdup("<none>");
	if (cell->type == CS_JSON_STRING)
		return cs_ctl_xstrdup(cell->u.str.s);
	if (cell->type == CS_JSON_NUMBER)
		return cs_ctl_xstrdup(cell->u.num.text);
	if (cell->type == CS_JSON_BOOL)
		return cs_ctl_xstrdup(cell->u.b ? "true" : "false");
	return cs_json_dump(cell, false, NULL);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *cs_ctl_format_labels(const cs_json *labels)
{
	size_t n = labels && labels->type == CS_JSON_OBJECT ? labels->u.obj.len : 0;
	if (!n)
		return cs_ctl_xstrdup("<none>");
	const char **keys = cs_ctl_xmalloc(n * sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = labels->u.obj.keys[i];
	qsort(keys, n, sizeof(*keys), cmp_keys);
	cs_ctl_sb b = {0};
	for (size_t i = 0; i < n; i++) {
		const char *v = cs_json_get_str(labels, keys[i]);
		cs_ctl_sb_printf(&b, "%s%s=%s", i ? "," : "", keys[i], v ? v : "");
	}
	free(keys);
	return cs_ctl_sb_take(&b);
}

void cs_ctl_table_init(cs_ctl_table *tp, const cs_ctl_table_opts *opts)
{
	memset(tp, 0, sizeof(*tp));
	tp->opts = *opts;
	tp->name_cell = -1;
}

static void add_col(cs_ctl_table *tp, const char *header, int src)
{
	tp->headers = cs_ctl_xrealloc(tp->headers, (tp->ncols + 1) * sizeof(*tp->headers));
	tp->src = cs_ctl_xrealloc(tp->src, (tp->ncols + 1) * sizeof(*tp->src));
	tp->width = cs_ctl_xrealloc(tp->width, (tp->ncols + 1) * sizeof(*tp->width));
	char *h = cs_ctl_xstrdup(header);
	for (char *p = h; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	tp->headers[tp->ncols] = h;
	tp->src[tp->ncols] = src;
	tp->width[tp->ncols] = 0;
	tp->ncols++;
}

static int set_columns(cs_ctl_table *tp, const cs_json *defs)
{
	if (!cs_json_is(defs, CS_JSON_ARRAY) || !cs_json_len(defs))
		return -1;
	if (tp->opts.with_event) {
		add_col(tp, "EVENT", COL_EVENT);
		/* room for the longest event name from the start */
		tp->width[tp->ncols - 1] = strlen("MODIFIED");
	}
	if (tp->opts.with_namespace)
		add_col(tp, "NAMESPACE", COL_NAMESPACE);
	for (size_t i = 0; i < cs_json_len(defs); i++) {
		const cs_json *d = cs_json_at(defs, i);
		const char *name = cs_json_get_str(d, "name");
		const char *format = cs_json_get_str(d, "format");
		if (tp->name_cell < 0 &&
		    ((format && !strcmp(format, "name")) || (name && !strcmp(name, "Name"))))
			tp->name_cell = (int)i;
		if (cs_json_as_int(cs_json_get(d, "priority"), 0) > 0 && !tp->opts.wide)
			continue;
		add_col(tp, name ? name : "", (int)i);
	}
	const cs_ctl_strv *lc = tp->opts.label_columns;
	for (size_t i = 0; lc && i < lc->n; i++) {
		/* kubectl heads a label column with the key's last segment */
		const char *slash = strrchr(lc->v[i], '/');
		add_col(tp, slash ? slash + 1 : lc->v[i], COL_LABEL0 - (int)i);
	}
	if (tp->opts.show_labels)
		add_col(tp, "LABELS", COL_LABELS);
	tp->columns_set = true;
	return 0;
}

static char *cell_for(const cs_ctl_table *tp, int src, const cs_json *row, const char *event)
{
	const cs_json *meta = cs_json_path(row, "object", "metadata", NULL);
	if (src == COL_EVENT)
		return cs_ctl_xstrdup(event ? event : "");
	if (src == COL_NAMESPACE) {
		const char *ns = cs_json_get_str(meta, "namespace");
		return cs_ctl_xstrdup(ns ? ns : "");
	}
	if (src == COL_LABELS)
		return cs_ctl_format_labels(cs_json_get(meta, "labels"));
	if (src <= COL_LABEL0) {
		const char *key = tp->opts.label_columns->v[COL_LABEL0 - src];
		const char *v = cs_json_get_str(cs_json_get(meta, "labels"), key);
		return cs_ctl_xstrdup(v ? v : "");
	}
	const cs_json *cells = cs_json_get(row, "cells");
	char *text = cs_ctl_cell_text(cs_json_at(cells, (size_t)src));
	if (src == tp->name_cell && tp->opts.name_prefix) {
		char *p = cs_ctl_xasprintf("%s%s", tp->opts.name_prefix, text);
		free(text);
		text = p;
	}
	return text;
}

int cs_ctl_table_add(cs_ctl_table *tp, const cs_json *table, const char *event)
{
	const char *kind = cs_json_get_str(table, "kind");
	if (!kind || strcmp(kind, "Table") != 0)
		return -1;
	if (!tp->columns_set && set_columns(tp, cs_json_get(table, "columnDefinitions")) < 0)
		return -1;
	const cs_json *rows = cs_json_get(table, "rows");
	size_t n = cs_json_len(rows);
	for (size_t r = 0; r < n; r++) {
		const cs_json *row = cs_json_at(rows, r);
		char **cells = cs_ctl_xmalloc(tp->ncols * sizeof(*cells));
		for (size_t c = 0; c < tp->ncols; c++)
			cells[c] = cell_for(tp, tp->src[c], row, event);
		if (tp->nrows == tp->cap) {
			tp->cap = tp->cap ? tp->cap * 2 : 16;
			tp->rows = cs_ctl_xrealloc(tp->rows, tp->cap * sizeof(*tp->rows));
		}
		tp->rows[tp->nrows++] = cells;
	}
	tp->total += n;
	return (int)n;
}

/* Display width: code points, as Go's tabwriter counts. */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void print_line(const cs_ctl_table *tp, FILE *f, char *const *cells)
{
	for (size_t c = 0; c < tp->ncols; c++) {
		fputs(cells[c], f);
		if (c + 1 == tp->ncols)
			break;
		size_t w = tp->width[c] + 3 < 6 ? 6 : tp->width[c] + 3;
		for (size_t k = text_width(cells[c]); k < w; k++)
			fputc(' ', f);
	}
	fputc('\n', f);
}

void cs_ctl_table_flush(cs_ctl_table *tp, FILE *f)
{
	if (!tp->columns_set)
		return;
	/* No header without rows: a watch on an empty list shows nothing
	 * until its first event, then header and row laid out together. */
	if (!tp->nrows)
		return;
	bool header = !tp->header_done && !tp->opts.no_headers;
	for (size_t c = 0; c < tp->ncols; c++) {
		if (header && text_width(tp->headers[c]) > tp->width[c])
			tp->width[c] = text_width(tp->headers[c]);
		for (size_t r = 0; r < tp->nrows; r++)
			if (text_width(tp->rows[r][c]) > tp->width[c])
				tp->width[c] = text_width(tp->rows[r][c]);
	}
	if (header)
		print_line(tp, f, tp->headers);
	tp->header_done = true;
	for (size_t r = 0; r < tp->nrows; r++) {
		print_line(tp, f, tp->rows[r]);
		for (size_t c = 0; c < tp->ncols; c++)
			free(tp->rows[r][c]);
		free(tp->rows[r]);
	}
	tp->nrows = 0;
	fflush(f);
}

void cs_ctl_table_free(cs_ctl_table *tp)
{
	for (size_t r = 0; r < tp->nrows; r++) {
		for (size_t c = 0; c < tp->ncols; c++)
			free(tp->rows[r][c]);
		free(tp->rows[r]);
	}
	free(tp->rows);
	for (size_t c = 0; c < tp->ncols; c++)
		free(tp->headers[c]);
	free(tp->headers);
	free(tp->src);
	free(tp->width);
	memset(tp, 0, sizeof(*tp));
}

int cs_ctl_report(FILE *f, cs_ctl_out *o, const cs_json *obj, const char *verb)
{
	if (o->fmt != CS_OUT_TABLE)
		return cs_ctl_print_obj(f, obj, o) ? 1 : 0;
	char *ref = cs_ctl_obj_ref(obj);
	fprintf(f, "%s %s\n", ref, verb);
	fflush(f);
	free(ref);
	return 0;
}
