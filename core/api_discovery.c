/* Non-resource endpoints: health, version, metrics, API discovery and
 * OpenAPI documents, all derived from the type table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static bool path_is(const cs_req *r, const char *p)
{
	size_t n = strlen(p);
	return !strncmp(r->path, p, n) &&
	       (r->path[n] == '\0' || (r->path[n] == '/' && !r->path[n + 1]));
}

static cs_json *string_array(const char *const *v, size_t n)
{
	cs_json *a = cs_json_array();
	for (size_t i = 0; i < n && v[i]; i++)
		cs_json_push(a, cs_json_string(v[i]));
	return a;
}

/* The subresources a type may serve (CS_SUB_*), as Kubernetes lists them
 * (by name): scale is an autoscaling/v1 Scale; finalize only takes a PUT. */
static const struct subresource {
	unsigned flag;
	const char *name;
	const char *group, *version, *kind; /* NULL: the type's own */
	const char *verbs[3];
} subresources[] = {
	{CS_SUB_FINALIZE, "finalize", NULL, NULL, NULL, {"update"}},
	{CS_SUB_SCALE, "scale", "autoscaling", "v1", "Scale", {"get", "patch", "update"}},
	{CS_SUB_STATUS, "status", NULL, NULL, NULL, {"get", "patch", "update"}},
};

static cs_json *resource_list(const char *group, const char *version)
{
	static const char *verbs[] = {"create", "delete", "deletecollection", "get",
				      "list",   "patch",  "update",           "watch"};
	cs_json *l = cs_json_object();
	cs_json_set(l, "kind", cs_json_string("APIResourceList"));
	cs_json_set(l, "apiVersion", cs_json_string("v1"));
	cs_json_set(l, "groupVersion",
		    group[0] ? cs_json_stringf("%s/%s", group, version) : cs_json_string(version));
	cs_json *res = cs_json_array();
	bool any = false;
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		if (strcmp(t->group, group) || strcmp(t->version, version))
			continue;
		any = true;
		cs_json *e = cs_json_object();
		cs_json_set(e, "name", cs_json_string(t->resource));
		cs_json_set(e, "singularName", cs_json_string(t->singular));
		cs_json_set(e, "namespaced", cs_json_bool(t->namespaced));
		cs_json_set(e, "kind", cs_json_string(t->kind));
		cs_json_set(e, "verbs", string_array(verbs, 8));
		if (t->short_names[0])
			cs_json_set(e, "shortNames", string_array(t->short_names, 4));
		cs_json_push(res, e);
		for (size_t s = 0; s < sizeof(subresources) / sizeof(*subresources); s++) {
			const struct subresource *sub = &subresources[s];
			if (!(t->subresources & sub->flag))
				continue;
			cs_json *se = cs_json_object();
			cs_json_set(se, "name", cs_json_stringf("%s/%s", t->resource, sub->name));
			cs_json_set(se, "singularName", cs_json_string(""));
			cs_json_set(se, "namespaced", cs_json_bool(t->namespaced));
			if (sub->group) {
				cs_json_set(se, "group", cs_json_string(sub->group));
				cs_json_set(se, "version", cs_json_string(sub->version));
			}
			cs_json_set(se, "kind", cs_json_string(sub->kind ? sub->kind : t->kind));
			cs_json_set(se, "verbs", string_array(sub->verbs, 3));
			cs_json_push(res, se);
		}
	}
	cs_json_set(l, "resources", res);
	if (!any) {
		cs_json_free(l);
		return NULL;
	}
	return l;
}

static cs_json *group_doc(const char *group)
{
	const char *version = NULL;
	for (size_t i = 0; i < cs_types_count; i++)
		if (!strcmp(cs_types[i].group, group))
			version = cs_types[i].version;
	if (!version)
		return NULL;
	cs_json *g = cs_json_object();
	cs_json_set(g, "name", cs_json_string(group));
	cs_json *vs = cs_json_array();
	cs_json *v = cs_json_object();
	cs_json_set(v, "groupVersion", cs_json_stringf("%s/%s", group, version));
	cs_json_set(v, "version", cs_json_string(version));
	cs_json_push(vs, cs_json_clone(v));
	cs_json_set(g, "versions", vs);
	cs_json_set(g, "preferredVersion", v);
	return g;
}

static cs_json *group_list(void)
{
	cs_json *l = cs_json_object();
	cs_json_set(l, "kind", cs_json_string("APIGroupList"));
	cs_json_set(l, "apiVersion", cs_json_string("v1"));
	cs_json *gs = cs_json_array();
	for (size_t i = 0; i < cs_types_count; i++) {
		const char *g = cs_types[i].group;
		if (!g[0])
			continue;
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(cs_types[j].group, g);
		if (!seen)
			cs_json_push(gs, group_doc(g));
	}
	cs_json_set(l, "groups", gs);
	return l;
}

static void reply_text(cs_req *r, int code, const char *text)
{
	cs_reply_raw(r, code, "text/plain; charset=utf-8", text, strlen(text));
}

bool cs_api_discovery(cs_req *r)
{
	const char *p = r->path;
	bool health = path_is(r, "/healthz") || path_is(r, "/livez") || path_is(r, "/readyz");
	bool known = health || path_is(r, "/version") || path_is(r, "/metrics") ||
		     !strncmp(p, "/openapi/", 9) || path_is(r, "/api") || path_is(r, "/apis") ||
		     path_is(r, "/") || path_is(r, "/api/v1");
	if (!known && !strncmp(p, "/apis/", 6)) {
		/* /apis/GROUP or /apis/GROUP/VERSION: discovery; deeper: resources. */
		int slashes = 0;
		for (const char *c = p + 6; *c; c++)
			slashes += *c == '/' && c[1];
		known = slashes <= 1;
	}
	if (!known)
		return false;
	r->verb = "get";
	r->resource = "";
	if (r->method != CS_GET) {
		cs_reply_error(r, 405, "MethodNotAllowed",
			       "the server does not allow this method on the requested resource");
		return true;
	}
	if (health) {
		/* Module checks: an optional module that failed is listed
		 * but does not fail the check; a required one does. */
		char mods[8192] = "";
		int rc = r->srv->health
				 ? r->srv->health(r->srv, path_is(r, "/readyz"), mods, sizeof(mods))
				 : 0;
		if (cs_req_query(r, "verbose")) {
			char buf[8448];
			snprintf(buf, sizeof(buf),
				 "[+]ping ok\n[+]log ok\n[+]store ok\n%s%s check %s\n", mods,
				 r->path + 1, rc ? "failed" : "passed");
			reply_text(r, rc ? 500 : 200, buf);
		} else {
			reply_text(r, rc ? 500 : 200, rc ? "module check failed" : "ok");
		}
		return true;
	}
	if (path_is(r, "/version")) {
		cs_json *v = cs_json_object();
		cs_json_set(v, "major", cs_json_string("1"));
		cs_json_set(v, "minor", cs_json_string("30"));
		cs_json_set(v, "gitVersion", cs_json_string("v1.30.0-capstan." CS_VERSION));
		cs_json_set(v, "gitCommit", cs_json_string(""));
		cs_json_set(v, "gitTreeState", cs_json_string("clean"));
		cs_json_set(v, "buildDate", cs_json_string(__DATE__ " " __TIME__));
		cs_json_set(v, "goVersion", cs_json_string("n/a (C)"));
		cs_json_set(v, "compiler", cs_json_string("gcc"));
		cs_json_set(v, "platform", cs_json_string("linux/amd64"));
		cs_json_set(v, "capstanVersion", cs_json_string(CS_VERSION));
		cs_reply_json(r, 200, v);
		return true;
	}
	if (path_is(r, "/metrics")) {
		size_t n;
		char *m = cs_metrics_render(r->srv, &n);
		cs_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", m, n);
		free(m);
		return true;
	}
	if (path_is(r, "/")) {
		cs_json *o = cs_json_object();
		cs_json *paths = cs_json_array();
		const char *ps[] = {"/api",    "/api/v1",  "/apis",       "/healthz",
				    "/livez",  "/metrics", "/openapi/v2", "/openapi/v3",
				    "/readyz", "/version"};
		for (size_t i = 0; i < sizeof(ps) / sizeof(*ps); i++)
			cs_json_push(paths, cs_json_string(ps[i]));
		cs_json_set(o, "paths", paths);
		cs_reply_json(r, 200, o);
		return true;
	}
	if (path_is(r, "/api")) {
		char addr[300];
		snprintf(addr, sizeof(addr), "%s", r->srv->listen);
		cs_json *o = cs_json_object();
		cs_json_set(o, "kind", cs_json_string("APIVersions"));
		cs_json *vs = cs_json_array();
		cs_json_push(vs, cs_json_string("v1"));
		cs_json_set(o, "versions", vs);
		cs_json *sa = cs_json_array();
		cs_json *e = cs_json_object();
		cs_json_set(e, "clientCIDR", cs_json_string("0.0.0.0/0"));
		cs_json_set(e, "serverAddress", cs_json_string(addr));
		cs_json_push(sa, e);
		cs_json_set(o, "serverAddressByClientCIDRs", sa);
		cs_reply_json(r, 200, o);
		return true;
	}
	if (path_is(r, "/api/v1")) {
		cs_reply_json(r, 200, resource_list("", "v1"));
		return true;
	}
	if (path_is(r, "/apis")) {
		cs_reply_json(r, 200, group_list());
		return true;
	}
	if (!strncmp(p, "/apis/", 6)) {
		char g[128], v[64];
		v[0] = '\0';
		if (sscanf(p + 6, "%127[^/]/%63[^/]", g, v) < 1)
			g[0] = '\0';
		cs_json *d;
		if (v[0]) {
			d = resource_list(g, v);
		} else {
			d = group_doc(g);
			if (d) {
				cs_json_set(d, "kind", cs_json_string("APIGroup"));
				cs_json_set(d, "apiVersion", cs_json_string("v1"));
			}
		}
		if (!d)
			cs_reply_error(r, 404, "NotFound",
				       "the server could not find the requested resource");
		else
			cs_reply_json(r, 200, d);
		return true;
	}
	/* OpenAPI */
	if (path_is(r, "/openapi/v2")) {
		if (strstr(r->accept, "protobuf")) {
			size_t n;
			unsigned char *b = cs_openapi_v2_proto(&n);
			cs_reply_raw(r, 200,
				     "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
				     (const char *)b, n);
			free(b);
		} else {
			cs_reply_json(r, 200, cs_openapi_v2_json());
		}
		return true;
	}
	if (path_is(r, "/openapi/v3")) {
		cs_reply_json(r, 200, cs_openapi_v3_index());
		return true;
	}
	if (!strncmp(p, "/openapi/v3/", 12)) {
		cs_json *d = cs_openapi_v3_doc(p + 12);
		if (!d)
			cs_reply_error(r, 404, "NotFound", "no OpenAPI document for %s", p + 12);
		else
			cs_reply_json(r, 200, d);
		return true;
	}
	cs_reply_error(r, 404, "NotFound", "the server could not find the requested resource");
	return true;
}
