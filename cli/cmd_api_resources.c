/* capctl api-resources and api-versions, from the server's discovery
 * documents (/api, /api/v1, /apis, /apis/GROUP/VERSION). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"

static cs_json *discover(cs_ctl *c, const char *path, int *rc)
{
	cs_ctl_resp r;
	if (cs_ctl_call(c, "GET", path, NULL, NULL, NULL, &r) < 0) {
		*rc = 1;
		return NULL;
	}
	cs_json *body = NULL;
	if (cs_ctl_ok(&r) && cs_json_is(r.obj, CS_JSON_OBJECT)) {
		body = r.obj;
		r.obj = NULL;
	} else {
		cs_ctl_print_error(&r);
		*rc = 1;
	}
	cs_ctl_resp_free(&r);
	return body;
}

/* Every group version the server serves, preferred versions only when
 * preferred_only. Returns an array of strings ("v1", "apps/v1"). */
static cs_json *group_versions(cs_ctl *c, bool preferred_only, int *rc)
{
	cs_json *out = cs_json_array();
	cs_json *core = discover(c, "/api", rc);
	const cs_json *vs = cs_json_get(core, "versions");
	for (size_t i = 0; i < cs_json_len(vs); i++) {
		const char *v = cs_json_str(cs_json_at(vs, i));
		if (v)
			cs_json_push(out, cs_json_string(v));
		if (preferred_only)
			break;
	}
	cs_json_free(core);
	if (*rc)
		return out;
	cs_json *groups = discover(c, "/apis", rc);
	const cs_json *gl = cs_json_get(groups, "groups");
	for (size_t i = 0; i < cs_json_len(gl); i++) {
		const cs_json *g = cs_json_at(gl, i);
		if (preferred_only) {
			const char *gv = cs_json_str(
				cs_json_path(g, "preferredVersion", "groupVersion", NULL));
			if (!gv)
				gv = cs_json_get_str(cs_json_at(cs_json_get(g, "versions"), 0),
						     "groupVersion");
			if (gv)
				cs_json_push(out, cs_json_string(gv));
			continue;
		}
		const cs_json *gvs = cs_json_get(g, "versions");
		for (size_t k = 0; k < cs_json_len(gvs); k++) {
			const char *gv = cs_json_get_str(cs_json_at(gvs, k), "groupVersion");
			if (gv)
				cs_json_push(out, cs_json_string(gv));
		}
	}
	cs_json_free(groups);
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cs_ctl_cmd_api_versions(cs_ctl *c)
{
	int rc = 0;
	cs_json *gvs = group_versions(c, false, &rc);
	size_t n = cs_json_len(gvs);
	const char **v = cs_ctl_xmalloc((n ? n : 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = cs_json_str(cs_json_at(gvs, i));
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; rc == 0 && i < n; i++)
		fprintf(c->out, "%s\n", v[i]);
	free(v);
	cs_json_free(gvs);
	return rc;
}

typedef struct res_row {
	char *group, *name, *cells[6]; /* NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS */
} res_row;

static int cmp_rows(const void *a, const void *b)
{
	const res_row *x = a, *y = b;
	int g = strcmp(x->group, y->group);
	return g ? g : strcmp(x->name, y->name);
}

static char *joined(const cs_json *arr, const char *sep)
{
	cs_ctl_sb b = {0};
	for (size_t i = 0; i < cs_json_len(arr); i++) {
		const char *s = cs_json_str(cs_json_at(arr, i));
		if (s)
			cs_ctl_sb_printf(&b, "%s%s", b.len ? sep : "", s);
	}
	return cs_ctl_sb_take(&b);
}

int cs_ctl_cmd_api_resources(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, CS_OUT_WIDE | CS_OUT_NAME, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	cs_ctl_out_free(&o);
	const char *nsf = c->o.namespaced;
	if (nsf && strcmp(nsf, "true") && strcmp(nsf, "false"))
		return cs_ctl_fail(
			"invalid argument \"%s\" for \"--namespaced\" flag: want true or "
			"false",
			nsf);
	int rc = 0;
	cs_json *gvs = group_versions(c, true, &rc);
	res_row *rows = NULL;
	size_t n = 0;
	for (size_t i = 0; rc == 0 && i < cs_json_len(gvs); i++) {
		const char *gv = cs_json_str(cs_json_at(gvs, i));
		const char *slash = strchr(gv, '/');
		char *group = slash ? strndup(gv, (size_t)(slash - gv)) : cs_ctl_xstrdup("");
		if (c->o.api_group && strcmp(c->o.api_group, group) != 0) {
			free(group);
			continue;
		}
		char *path = cs_ctl_xasprintf(slash ? "/apis/%s" : "/api/%s", gv);
		cs_json *list = discover(c, path, &rc);
		free(path);
		const cs_json *res = cs_json_get(list, "resources");
		for (size_t k = 0; k < cs_json_len(res); k++) {
			const cs_json *r = cs_json_at(res, k);
			const char *name = cs_json_get_str(r, "name");
			bool namespaced = cs_json_as_bool(cs_json_get(r, "namespaced"), false);
			if (!name || strchr(name, '/'))
				continue; /* subresources are not types */
			if (nsf && namespaced != !strcmp(nsf, "true"))
				continue;
			rows = cs_ctl_xrealloc(rows, (n + 1) * sizeof(*rows));
			res_row *row = &rows[n++];
			row->group = cs_ctl_xstrdup(group);
			row->name = cs_ctl_xstrdup(name);
			row->cells[0] = cs_ctl_xstrdup(name);
			row->cells[1] = joined(cs_json_get(r, "shortNames"), ",");
			row->cells[2] = cs_ctl_xstrdup(gv);
			row->cells[3] = cs_ctl_xstrdup(namespaced ? "true" : "false");
			const char *kind = cs_json_get_str(r, "kind");
			row->cells[4] = cs_ctl_xstrdup(kind ? kind : "");
			char *verbs = joined(cs_json_get(r, "verbs"), " ");
			row->cells[5] = cs_ctl_xasprintf("[%s]", verbs);
			free(verbs);
		}
		cs_json_free(list);
		free(group);
	}
	cs_json_free(gvs);
	if (rows)
		qsort(rows, n, sizeof(*rows), cmp_rows);
	if (rc == 0 && o.fmt == CS_OUT_NAME) {
		for (size_t i = 0; i < n; i++)
			fprintf(c->out, "%s%s%s\n", rows[i].name, rows[i].group[0] ? "." : "",
				rows[i].group);
	} else if (rc == 0) {
		/* Reuse the get table layout through a synthetic Table. */
		static const char *const heads[6] = {"Name",       "ShortNames", "APIVersion",
						     "Namespaced", "Kind",       "Verbs"};
		cs_json *table = cs_json_object();
		cs_json_set(table, "kind", cs_json_string("Table"));
		cs_json *defs = cs_json_array();
		for (int k = 0; k < 6; k++) {
			cs_json *d = cs_json_object();
			cs_json_set(d, "name", cs_json_string(heads[k]));
			cs_json_set(d, "priority", cs_json_int(k == 5 ? 1 : 0));
			cs_json_push(defs, d);
		}
		cs_json_set(table, "columnDefinitions", defs);
		cs_json *jrows = cs_json_array();
		for (size_t i = 0; i < n; i++) {
			cs_json *cells = cs_json_array();
			for (int k = 0; k < 6; k++)
				cs_json_push(cells, cs_json_string(rows[i].cells[k]));
			cs_json *row = cs_json_object();
			cs_json_set(row, "cells", cells);
			cs_json_push(jrows, row);
		}
		cs_json_set(table, "rows", jrows);
		cs_ctl_table_opts to = {.wide = o.fmt == CS_OUT_WIDE,
					.no_headers = c->o.no_headers};
		cs_ctl_table tp;
		cs_ctl_table_init(&tp, &to);
		cs_ctl_table_add(&tp, table, NULL);
		cs_ctl_table_flush(&tp, c->out);
		cs_ctl_table_free(&tp);
		cs_json_free(table);
	}
	for (size_t i = 0; i < n; i++) {
		free(rows[i].group);
		free(rows[i].name);
		for (int k = 0; k < 6; k++)
			free(rows[i].cells[k]);
	}
	free(rows);
	return rc;
}
