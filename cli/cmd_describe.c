/* capctl describe: fetch the objects and their events, then print them
 * through describe.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "capctl.h"
#include "describe.h"
#include "target.h"

/* Events about obj.  Failures only mean no Events section content: kubectl
 * ignores them too. */
static cs_json *events_for(cs_ctl *c, const cs_type *t, const cs_json *obj)
{
	const cs_type *et = cs_type_find("", "v1", "events");
	const char *name = cs_json_str(cs_json_path(obj, "metadata", "name", NULL));
	const char *ns = cs_json_str(cs_json_path(obj, "metadata", "namespace", NULL));
	const char *uid = cs_json_str(cs_json_path(obj, "metadata", "uid", NULL));
	cs_json *keep = cs_json_array();
	if (!et || !name)
		return keep;
	char *path = cs_ctl_path(et, ns, NULL, NULL);
	cs_ctl_sb b = {0};
	cs_ctl_sb_add(&b, path);
	free(path);
	char *sel = cs_ctl_xasprintf("involvedObject.name=%s", name);
	cs_ctl_query(&b, "fieldSelector", sel);
	free(sel);
	cs_ctl_resp r;
	if (cs_ctl_call(c, "GET", b.s, NULL, NULL, NULL, &r) == 0 && cs_ctl_ok(&r)) {
		cs_json *items = cs_json_get(r.obj, "items");
		for (size_t i = 0; i < cs_json_len(items); i++) {
			const cs_json *ev = cs_json_at(items, i);
			const cs_json *io = cs_json_get(ev, "involvedObject");
			const char *ik = cs_json_get_str(io, "kind");
			const char *iu = cs_json_get_str(io, "uid");
			const char *in = cs_json_get_str(io, "name");
			/* The server may not filter on the field: check here. */
			if ((in && strcmp(in, name)) || (ik && *ik && strcmp(ik, t->kind)) ||
			    (iu && *iu && uid && strcmp(iu, uid)))
				continue;
			cs_json_push(keep, cs_json_clone(ev));
		}
	}
	cs_ctl_resp_free(&r);
	cs_ctl_sb_free(&b);
	return keep;
}

static void describe_obj(cs_ctl *c, const cs_type *t, const cs_json *obj, size_t *shown)
{
	if ((*shown)++)
		fputs("\n\n", c->out);
	cs_json *events = events_for(c, t, obj);
	cs_ctl_describe(c->out, obj, events, time(NULL));
	cs_json_free(events);
	fflush(c->out);
}

int cs_ctl_cmd_describe(cs_ctl *c)
{
	if (!c->nargs && !c->o.filenames.n)
		return cs_ctl_fail("You must specify the type of resource to describe. Use "
				   "\"capctl api-resources\" for a complete list of supported "
				   "resources.");
	cs_ctl_targets ts;
	int rc = cs_ctl_targets_get(c, c->args, c->nargs, &ts);
	size_t shown = 0;
	bool listed = false;
	for (size_t i = 0; i < ts.n; i++) {
		const cs_ctl_target *tg = &ts.v[i];
		if (tg->name) {
			cs_json *obj;
			if (cs_ctl_get(c, tg->t, tg->ns, tg->name, false, &obj)) {
				rc = 1;
				continue;
			}
			describe_obj(c, tg->t, obj, &shown);
			cs_json_free(obj);
			continue;
		}
		listed = true;
		cs_json *items = cs_json_array();
		rc |= cs_ctl_list(c, tg->t, tg->ns, NULL, items, NULL);
		for (size_t k = 0; k < cs_json_len(items); k++)
			describe_obj(c, tg->t, cs_json_at(items, k), &shown);
		cs_json_free(items);
	}
	if (rc == 0 && listed && !shown) {
		if (!c->o.all_namespaces && ts.n && ts.v[0].t->namespaced)
			fprintf(stderr, "No resources found in %s namespace.\n", c->namespace);
		else
			fprintf(stderr, "No resources found\n");
	}
	cs_ctl_targets_free(&ts);
	return rc;
}
