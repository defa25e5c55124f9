#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "target.h"

int cs_ctl_call(cs_ctl *c, const char *method, const char *path, const char *accept,
		const char *content_type, const cs_json *body, cs_ctl_resp *r)
{
	memset(r, 0, sizeof(*r));
	char *text = NULL;
	size_t len = 0;
	if (body)
		text = cs_json_dump(body, false, &len);
	cs_ctl_http_resp hr;
	char err[512];
	int rc = cs_ctl_http_request(c->http, method, path, accept, content_type, text, len, &hr,
				     err, sizeof(err));
	free(text);
	if (rc < 0) {
		cs_ctl_http_resp_free(&hr);
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	r->code = hr.code;
	r->raw = hr.body;
	if (hr.len) {
		char perr[128];
		r->obj = cs_json_parse(hr.body, hr.len, perr, sizeof(perr));
	}
	return 0;
}

bool cs_ctl_ok(const cs_ctl_resp *r)
{
	return r->code >= 200 && r->code <= 299;
}

void cs_ctl_resp_free(cs_ctl_resp *r)
{
	cs_json_free(r->obj);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

static bool is_status(const cs_json *body)
{
	const char *kind = cs_json_get_str(body, "kind");
	return kind && !strcmp(kind, "Status");
}

const char *cs_ctl_reason(const cs_ctl_resp *r)
{
	const char *reason = is_status(r->obj) ? cs_json_get_str(r->obj, "reason") : NULL;
	return reason && *reason ? reason : cs_ctl_reason_for_code(r->code);
}

void cs_ctl_print_error(const cs_ctl_resp *r)
{
	cs_ctl_print_error_ctx(r, NULL);
}

void cs_ctl_print_error_ctx(const cs_ctl_resp *r, const char *ctx)
{
	char *s = cs_ctl_error_text(r->code, r->obj, r->raw, ctx);
	fprintf(stderr, "%s\n", s);
	free(s);
}

const char *cs_ctl_ns_for(cs_ctl *c, const cs_type *t)
{
	if (!t->namespaced)
		return NULL;
	if (c->o.all_namespaces)
		return NULL;
	return c->namespace;
}

const cs_type *cs_ctl_resolve_type(const char *name)
{
	const cs_type *t = cs_type_resolve(name);
	if (!t)
		cs_ctl_fail("the server doesn't have a resource type \"%s\"", name);
	return t;
}

static void fill_type_meta(cs_json *item, const cs_type *t)
{
	/* List items come without kind/apiVersion; -o yaml users expect them. */
	if (!cs_json_get(item, "apiVersion") || !cs_json_get(item, "kind")) {
		cs_json *copy = cs_json_object();
		cs_json_set(copy, "apiVersion", cs_json_string(cs_type_api_version(t)));
		cs_json_set(copy, "kind", cs_json_string(t->kind));
		for (size_t i = 0; i < item->u.obj.len; i++)
			if (strcmp(item->u.obj.keys[i], "apiVersion") &&
			    strcmp(item->u.obj.keys[i], "kind"))
				cs_json_set(copy, item->u.obj.keys[i],
					    cs_json_clone(item->u.obj.vals[i]));
		/* swap contents so the caller's pointer stays valid */
		cs_json tmp = *item;
		*item = *copy;
		*copy = tmp;
		cs_json_free(copy);
	}
}

char *cs_ctl_list_path(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		       long limit, const char *cont)
{
	char *base = cs_ctl_path(t, ns, NULL, NULL);
	cs_ctl_sb b = {0};
	cs_ctl_sb_add(&b, base);
	free(base);
	if (c->o.selector && *c->o.selector)
		cs_ctl_query(&b, "labelSelector", c->o.selector);
	const char *fs = c->o.field_selector && *c->o.field_selector ? c->o.field_selector : NULL;
	if (fs && extra_fields) {
		char *both = cs_ctl_xasprintf("%s,%s", fs, extra_fields);
		cs_ctl_query(&b, "fieldSelector", both);
		free(both);
	} else if (fs || extra_fields) {
		cs_ctl_query(&b, "fieldSelector", fs ? fs : extra_fields);
	}
	if (limit > 0) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", limit);
		cs_ctl_query(&b, "limit", n);
	}
	if (cont && *cont)
		cs_ctl_query(&b, "continue", cont);
	return cs_ctl_sb_take(&b);
}

int cs_ctl_list_pages(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		      const char *accept, cs_ctl_page_fn fn, void *arg, char **rv)
{
	char *cont = NULL;
	if (rv)
		*rv = NULL;
	do {
		char *path = cs_ctl_list_path(c, t, ns, extra_fields, c->o.chunk_size, cont);
		cs_ctl_resp r;
		int rc = cs_ctl_call(c, "GET", path, accept, NULL, NULL, &r);
		free(path);
		free(cont);
		cont = NULL;
		if (rc < 0)
			return 1;
		if (!cs_ctl_ok(&r)) {
			cs_ctl_print_error(&r);
			cs_ctl_resp_free(&r);
			return 1;
		}
		if (fn(t, r.obj, arg) < 0) {
			cs_ctl_fail("unexpected answer listing %s: %.200s", t->resource,
				    r.raw ? r.raw : "");
			cs_ctl_resp_free(&r);
			return 1;
		}
		const char *next = cs_json_str(cs_json_path(r.obj, "metadata", "continue", NULL));
		if (next && *next)
			cont = cs_ctl_xstrdup(next);
		const char *lrv =
			cs_json_str(cs_json_path(r.obj, "metadata", "resourceVersion", NULL));
		if (rv && lrv) {
			free(*rv);
			*rv = cs_ctl_xstrdup(lrv);
		}
		cs_ctl_resp_free(&r);
	} while (cont);
	return 0;
}

/* Moves a page's items to the array arg, typed as cs_ctl_get types them. */
static int take_items(const cs_type *t, cs_json *body, void *arg)
{
	cs_json *got = cs_json_get(body, "items");
	if (!cs_json_is(got, CS_JSON_ARRAY))
		return -1;
	while (cs_json_len(got)) {
		cs_json *item = cs_json_remove_at(got, 0);
		if (item->type == CS_JSON_OBJECT)
			fill_type_meta(item, t);
		cs_json_push(arg, item);
	}
	return 0;
}

int cs_ctl_list(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		cs_json *items, char **rv)
{
	return cs_ctl_list_pages(c, t, ns, extra_fields, NULL, take_items, items, rv);
}

int cs_ctl_get(cs_ctl *c, const cs_type *t, const char *ns, const char *name, bool quiet_404,
	       cs_json **obj)
{
	*obj = NULL;
	char *path = cs_ctl_path(t, ns, name, NULL);
	cs_ctl_resp r;
	int rc = cs_ctl_call(c, "GET", path, NULL, NULL, NULL, &r);
	free(path);
	if (rc < 0)
		return 1;
	if (!cs_ctl_ok(&r) || !cs_json_is(r.obj, CS_JSON_OBJECT)) {
		int ret = r.code == 404 ? 404 : 1;
		if (!(quiet_404 && r.code == 404)) {
			if (cs_ctl_ok(&r))
				cs_ctl_fail("unexpected answer for %s \"%s\": %.200s", t->resource,
					    name, r.raw ? r.raw : "");
			else
				cs_ctl_print_error(&r);
		}
		cs_ctl_resp_free(&r);
		return ret;
	}
	*obj = r.obj;
	r.obj = NULL;
	fill_type_meta(*obj, t);
	cs_ctl_resp_free(&r);
	return 0;
}

int cs_ctl_each_target(cs_ctl *c, size_t nargs, bool all, cs_ctl_each_fn fn, void *arg)
{
	cs_ctl_targets ts;
	int rc = cs_ctl_targets_get(c, c->args, nargs, &ts);
	int failed = rc;
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		const cs_ctl_target *tg = &ts.v[i];
		if (tg->name) {
			failed |= fn(c, tg->t, tg->ns, tg->name, NULL, arg);
			continue;
		}
		if (!c->o.selector && !all) {
			failed =
				cs_ctl_fail("resource(s) were provided, but no name was specified");
			break;
		}
		cs_json *items = cs_json_array();
		failed |= cs_ctl_list(c, tg->t, tg->ns, NULL, items, NULL);
		for (size_t k = 0; k < cs_json_len(items); k++) {
			const cs_json *item = cs_json_at(items, k);
			const cs_json *meta = cs_json_get(item, "metadata");
			failed |= fn(c, tg->t, cs_json_get_str(meta, "namespace"),
				     cs_json_get_str(meta, "name"), item, arg);
		}
		cs_json_free(items);
	}
	cs_ctl_targets_free(&ts);
	return failed;
}
