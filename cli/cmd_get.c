/* capctl get: tables from the server's Table responses, objects as
 * json/yaml/name/jsonpath, and -w watches. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"
#include "target.h"

#define GET_FORMATS                                                                                \
	(CS_OUT_TABLE | CS_OUT_WIDE | CS_OUT_JSON | CS_OUT_YAML | CS_OUT_NAME | CS_OUT_JSONPATH)

static bool is_table_fmt(const cs_ctl_out *o)
{
	return o->fmt == CS_OUT_TABLE || o->fmt == CS_OUT_WIDE;
}

static void table_opts(cs_ctl *c, const cs_type *t, const cs_ctl_out *o, const char *prefix,
		       cs_ctl_table_opts *to)
{
	memset(to, 0, sizeof(*to));
	to->wide = o->fmt == CS_OUT_WIDE;
	to->no_headers = c->o.no_headers;
	to->with_namespace = c->o.all_namespaces && t->namespaced;
	to->with_event = c->o.output_watch_events;
	to->show_labels = c->o.show_labels;
	to->label_columns = &c->o.label_columns;
	to->name_prefix = prefix;
}

/* Adds a response body to the table: the server's Table, or (from a
 * server that ignored as=Table) a Table built here from the object(s). */
static int add_body(cs_ctl_table *tp, const cs_type *t, const cs_json *body, const char *event)
{
	const char *kind = cs_json_get_str(body, "kind");
	if (kind && !strcmp(kind, "Table"))
		return cs_ctl_table_add(tp, body, event) < 0 ? -1 : 0;
	cs_json *items;
	if (cs_json_is(cs_json_get(body, "items"), CS_JSON_ARRAY)) {
		items = cs_json_clone(cs_json_get(body, "items"));
	} else {
		items = cs_json_array();
		cs_json_push(items, cs_json_clone(body));
	}
	cs_json *table = cs_table_build(t, items, "Metadata", NULL, NULL);
	cs_json_free(items);
	int rc = table ? cs_ctl_table_add(tp, table, event) : -1;
	cs_json_free(table);
	return rc < 0 ? -1 : 0;
}

static int add_page(const cs_type *t, cs_json *body, void *tp)
{
	return add_body(tp, t, body, NULL);
}

/* Lists t into the table page by page; *rv gets the list's version. */
static int list_table(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		      cs_ctl_table *tp, char **rv)
{
	return cs_ctl_list_pages(c, t, ns, extra_fields, CS_CTL_ACCEPT_TABLE, add_page, tp, rv);
}

static int get_table_row(cs_ctl *c, const cs_ctl_target *tg, cs_ctl_table *tp)
{
	char *path = cs_ctl_path(tg->t, tg->ns, tg->name, NULL);
	cs_ctl_resp r;
	int rc = cs_ctl_call(c, "GET", path, CS_CTL_ACCEPT_TABLE, NULL, NULL, &r);
	free(path);
	if (rc < 0)
		return 1;
	int ret = 0;
	if (!cs_ctl_ok(&r)) {
		if (!(r.code == 404 && c->o.ignore_not_found)) {
			cs_ctl_print_error(&r);
			ret = 1;
		}
	} else if (add_body(tp, tg->t, r.obj, NULL) < 0) {
		ret = cs_ctl_fail("unexpected answer for %s \"%s\": %.200s", tg->t->resource,
				  tg->name, r.raw ? r.raw : "");
	}
	cs_ctl_resp_free(&r);
	return ret;
}

static void no_resources(cs_ctl *c, const cs_ctl_targets *ts)
{
	bool namespaced = false;
	for (size_t i = 0; i < ts->n; i++)
		namespaced |= ts->v[i].t->namespaced;
	if (namespaced && !c->o.all_namespaces)
		fprintf(stderr, "No resources found in %s namespace.\n", c->namespace);
	else
		fprintf(stderr, "No resources found\n");
}

static int get_tables(cs_ctl *c, const cs_ctl_targets *ts, const cs_ctl_out *o)
{
	bool multi_kind = false;
	for (size_t i = 1; i < ts->n; i++)
		multi_kind |= ts->v[i].t != ts->v[0].t;
	int rc = 0;
	size_t printed = 0, i = 0;
	bool any_list = false;
	while (i < ts->n) {
		const cs_type *t = ts->v[i].t;
		char prefix[160] = "";
		if (multi_kind) {
			cs_ctl_kind_ref(t, prefix, sizeof(prefix) - 1);
			strcat(prefix, "/");
		}
		cs_ctl_table_opts to;
		table_opts(c, t, o, multi_kind ? prefix : NULL, &to);
		cs_ctl_table tp;
		cs_ctl_table_init(&tp, &to);
		for (; i < ts->n && ts->v[i].t == t; i++) {
			const cs_ctl_target *tg = &ts->v[i];
			if (!tg->name) {
				any_list = true;
				rc |= list_table(c, t, tg->ns, NULL, &tp, NULL);
			} else {
				rc |= get_table_row(c, tg, &tp);
			}
		}
		if (tp.total) {
			if (printed++)
				fputc('\n', c->out);
			cs_ctl_table_flush(&tp, c->out);
		}
		cs_ctl_table_free(&tp);
	}
	if (!printed && !rc && any_list)
		no_resources(c, ts);
	return rc;
}

static int get_objects(cs_ctl *c, const cs_ctl_targets *ts, cs_ctl_out *o)
{
	int rc = 0;
	cs_json *items = cs_json_array();
	bool any_list = false;
	for (size_t i = 0; i < ts->n; i++) {
		const cs_ctl_target *tg = &ts->v[i];
		if (!tg->name) {
			any_list = true;
			rc |= cs_ctl_list(c, tg->t, tg->ns, NULL, items, NULL);
			continue;
		}
		cs_json *obj;
		int g = cs_ctl_get(c, tg->t, tg->ns, tg->name, c->o.ignore_not_found, &obj);
		if (g == 0)
			cs_json_push(items, obj);
		else if (!(g == 404 && c->o.ignore_not_found))
			rc = 1;
	}
	bool single = ts->n == 1 && ts->v[0].name;
	if (o->fmt == CS_OUT_NAME) {
		for (size_t i = 0; i < cs_json_len(items); i++)
			rc |= cs_ctl_print_obj(c->out, cs_json_at(items, i), o) ? 1 : 0;
		if (!cs_json_len(items) && any_list && !rc)
			no_resources(c, ts);
	} else if (single) {
		if (cs_json_len(items))
			rc |= cs_ctl_print_obj(c->out, cs_json_at(items, 0), o) ? 1 : 0;
	} else if (!(rc && !cs_json_len(items))) {
		cs_json *list = cs_ctl_list_wrap(items);
		items = NULL;
		rc |= cs_ctl_print_obj(c->out, list, o) ? 1 : 0;
		cs_json_free(list);
	}
	cs_json_free(items);
	return rc;
}

/* ---- watch ---- */

struct watch {
	cs_ctl *c;
	const cs_type *t;
	cs_ctl_out *o;
	cs_ctl_table *tp;
	char *rv;
	size_t events; /* lines seen on the current stream */
	int failed;
};

static int on_event(const char *line, size_t len, void *arg)
{
	struct watch *w = arg;
	char err[256];
	w->events++;
	cs_json *ev = cs_json_parse(line, len, err, sizeof(err));
	const char *type = cs_json_get_str(ev, "type");
	cs_json *obj = cs_json_get(ev, "object");
	if (!type || !cs_json_is(obj, CS_JSON_OBJECT)) {
		cs_ctl_fail("malformed watch event: %s", ev ? "no type or object" : err);
		cs_json_free(ev);
		w->failed = 1;
		return 1;
	}
	if (!strcmp(type, "ERROR")) {
		char *msg = cs_ctl_error_text(cs_json_as_int(cs_json_get(obj, "code"), 500), obj,
					      NULL, NULL);
		fprintf(stderr, "%s\n", msg);
		free(msg);
		cs_json_free(ev);
		w->failed = 1;
		return 1;
	}
	const char *rv = cs_json_str(cs_json_path(obj, "metadata", "resourceVersion", NULL));
	if (rv && *rv) {
		free(w->rv);
		w->rv = cs_ctl_xstrdup(rv);
	}
	if (!strcmp(type, "BOOKMARK")) {
		cs_json_free(ev);
		return 0;
	}
	int rc = 0;
	if (w->tp) {
		if (add_body(w->tp, w->t, obj, type) < 0)
			rc = cs_ctl_fail("cannot print %s watch event as a table", w->t->resource);
		else
			cs_ctl_table_flush(w->tp, w->c->out);
	} else {
		if (!cs_json_get(obj, "kind")) {
			cs_json_set(obj, "kind", cs_json_string(w->t->kind));
			cs_json_set(obj, "apiVersion", cs_json_string(cs_type_api_version(w->t)));
		}
		rc = cs_ctl_print_obj(w->c->out, obj, w->o) ? 1 : 0;
	}
	cs_json_free(ev);
	if (rc)
		w->failed = 1;
	return rc;
}

static int watch(cs_ctl *c, const cs_ctl_target *tg, cs_ctl_out *o)
{
	const cs_type *t = tg->t;
	char *name_sel = tg->name ? cs_ctl_xasprintf("metadata.name=%s", tg->name) : NULL;
	struct watch w = {.c = c, .t = t, .o = o};
	cs_ctl_table tp;
	bool table = is_table_fmt(o);
	if (table) {
		cs_ctl_table_opts to;
		table_opts(c, t, o, NULL, &to);
		cs_ctl_table_init(&tp, &to);
		w.tp = &tp;
	}
	int rc;
	if (table && !c->o.watch_only) {
		rc = list_table(c, t, tg->ns, name_sel, &tp, &w.rv);
		cs_ctl_table_flush(&tp, c->out);
	} else {
		cs_json *items = cs_json_array();
		rc = cs_ctl_list(c, t, tg->ns, name_sel, items, &w.rv);
		for (size_t i = 0; !rc && !c->o.watch_only && i < cs_json_len(items); i++)
			rc = cs_ctl_print_obj(c->out, cs_json_at(items, i), o) ? 1 : 0;
		cs_json_free(items);
	}
	while (rc == 0) {
		char *path = cs_ctl_list_path(c, t, tg->ns, name_sel, 0, NULL);
		cs_ctl_sb b = {0};
		cs_ctl_sb_add(&b, path);
		free(path);
		cs_ctl_query(&b, "watch", "1");
		if (w.rv && *w.rv)
			cs_ctl_query(&b, "resourceVersion", w.rv);
		cs_ctl_query(&b, "allowWatchBookmarks", "true");
		cs_ctl_http_resp r;
		char err[512];
		w.events = 0;
		int s = cs_ctl_http_stream(c->http, b.s, "application/json", on_event, &w, &r, err,
					   sizeof(err));
		cs_ctl_sb_free(&b);
		if (s < 0) {
			fprintf(stderr, "%s\n", err);
			rc = 1;
		} else if (r.code < 200 || r.code > 299) {
			char perr[64];
			cs_json *body =
				r.len ? cs_json_parse(r.body, r.len, perr, sizeof(perr)) : NULL;
			char *msg = cs_ctl_error_text(r.code, body, r.body, NULL);
			fprintf(stderr, "%s\n", msg);
			free(msg);
			cs_json_free(body);
			rc = 1;
		} else if (w.failed) {
			rc = 1;
		}
		/* A stream the server closed cleanly (its watch timeout) is
		 * resumed from the last version seen, as kubectl does; one
		 * that ended at once is not retried in a tight loop. */
		cs_ctl_http_resp_free(&r);
		if (rc == 0 && !w.events)
			sleep(1);
	}
	if (table)
		cs_ctl_table_free(&tp);
	free(w.rv);
	free(name_sel);
	return rc;
}

int cs_ctl_cmd_get(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, GET_FORMATS, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	if (!c->nargs && !c->o.filenames.n) {
		cs_ctl_out_free(&o);
		return cs_ctl_fail("you must specify the type of resource to get. Use \"capctl "
				   "api-resources\" for a complete list of supported resources.");
	}
	if (c->o.watch_only)
		c->o.watch = true;
	cs_ctl_targets ts;
	int rc = cs_ctl_targets_get(c, c->args, c->nargs, &ts);
	if (rc == 0 && c->o.watch) {
		if (ts.n != 1)
			rc = cs_ctl_fail("watch is only supported on individual resources and "
					 "resource collections, but %zu resources were found",
					 ts.n);
		else
			rc = watch(c, &ts.v[0], &o);
	} else if (rc == 0) {
		rc = is_table_fmt(&o) ? get_tables(c, &ts, &o) : get_objects(c, &ts, &o);
	}
	cs_ctl_targets_free(&ts);
	cs_ctl_out_free(&o);
	return rc;
}
