/* Discovery for modules (cs_host.discover): the resources the API serves,
 * read from the discovery documents as any Kubernetes client reads them
 * (/api/v1, /apis, /apis/GROUP/VERSION), so that a module in an agent sees
 * what its server serves, not what its own build knows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "modhost.h"
#include "modobj.h"

/* GET path as a parsed document; 0 or the failure code with err. */
static int get_doc(cs_modinst *mi, const char *path, cs_json **out, cs_error *err)
{
	char *body = NULL;
	size_t len = 0;
	int code = cs_client_call(mi->api, "GET", path, NULL, NULL, 0, &body, &len);
	const cs_object *o = NULL;
	int rc = cs_modapi_result(code, body ? body : "", len, &o, err);
	free(body);
	if (rc)
		return rc;
	*out = cs_json_clone(cs_modobj_json(o));
	cs_host_table()->obj_free(o);
	return 0;
}

/* The resources of one APIResourceList, subresources left out. */
static void add_list(cs_json *out, const cs_json *list, const char *group, const char *version)
{
	const cs_json *res = cs_json_get(list, "resources");
	for (size_t i = 0; i < cs_json_len(res); i++) {
		const cs_json *r = cs_json_at(res, i);
		const char *name = cs_json_get_str(r, "name");
		if (!name || strchr(name, '/'))
			continue;
		cs_json *e = cs_json_object();
		cs_json_set(e, "group", cs_json_string(group));
		cs_json_set(e, "version", cs_json_string(version));
		cs_json_set(e, "resource", cs_json_string(name));
		cs_json_set(e, "kind", cs_json_string(cs_json_get_str(r, "kind") ?: ""));
		cs_json_set(e, "namespaced",
			    cs_json_bool(cs_json_as_bool(cs_json_get(r, "namespaced"), false)));
		const cs_json *verbs = cs_json_get(r, "verbs");
		cs_json_set(e, "verbs", verbs ? cs_json_clone(verbs) : cs_json_array());
		cs_json_push(out, e);
	}
}

int cs_modapi_discover(cs_mod *m, const cs_object **out, cs_error *err)
{
	cs_modinst *mi = cs_modinst_of(m);
	const cs_host *h = cs_host_table();
	*out = NULL;
	if (!mi->api)
		return h->errorf(err, CS_UNAVAILABLE, "ServiceUnavailable",
				 "this process has no API to call"),
		       CS_UNAVAILABLE;
	cs_json *all = cs_json_array();
	cs_json *doc = NULL;
	int rc = get_doc(mi, "/api/v1", &doc, err);
	if (!rc) {
		add_list(all, doc, "", "v1");
		cs_json_free(doc);
		rc = get_doc(mi, "/apis", &doc, err);
	}
	const cs_json *groups = rc ? NULL : cs_json_get(doc, "groups");
	for (size_t i = 0; !rc && i < cs_json_len(groups); i++) {
		const cs_json *g = cs_json_at(groups, i);
		const char *name = cs_json_get_str(g, "name");
		const char *gv =
			cs_json_get_str(cs_json_get(g, "preferredVersion"), "groupVersion");
		const char *v = cs_json_get_str(cs_json_get(g, "preferredVersion"), "version");
		if (!name || !gv || !v)
			continue;
		char path[320];
		snprintf(path, sizeof(path), "/apis/%s", gv);
		cs_json *list = NULL;
		rc = get_doc(mi, path, &list, err);
		if (!rc)
			add_list(all, list, name, v);
		cs_json_free(list);
	}
	cs_json_free(doc);
	if (rc) {
		cs_json_free(all);
		return rc;
	}
	*out = cs_modobj_share(all);
	return 0;
}
