/* capctl create and capctl replace: POST or PUT every object of -f. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"
#include "target.h"

#define MUTATE_FORMATS (CS_OUT_JSON | CS_OUT_YAML | CS_OUT_NAME | CS_OUT_JSONPATH)

/* kubectl create namespace NAME: the one generator subcommand worth
 * having without manifests. */
static int create_namespace(cs_ctl *c, cs_ctl_out *o)
{
	if (c->nargs != 2)
		return cs_ctl_fail("exactly one NAME is required, got %zu", c->nargs - 1);
	const cs_type *t = cs_type_find("", "v1", "namespaces");
	cs_json *obj = cs_json_object();
	cs_json_set(obj, "apiVersion", cs_json_string("v1"));
	cs_json_set(obj, "kind", cs_json_string("Namespace"));
	cs_json_set(cs_json_obj_ensure(obj, "metadata"), "name", cs_json_string(c->args[1]));
	char *path = cs_ctl_path(t, NULL, NULL, NULL);
	cs_ctl_resp r;
	int rc = cs_ctl_call(c, "POST", path, NULL, NULL, obj, &r);
	free(path);
	cs_json_free(obj);
	if (rc < 0)
		return 1;
	if (cs_ctl_ok(&r))
		rc = cs_ctl_report(c->out, o, r.obj, "created");
	else {
		cs_ctl_print_error(&r);
		rc = 1;
	}
	cs_ctl_resp_free(&r);
	return rc;
}

static int from_files(cs_ctl *c, bool replace)
{
	const char *what = replace ? "replace" : "create";
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, MUTATE_FORMATS, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	int rc = 0;
	if (!replace && c->nargs && !c->o.filenames.n) {
		const cs_type *t = cs_type_resolve(c->args[0]);
		if (t && !strcmp(t->kind, "Namespace"))
			rc = create_namespace(c, &o);
		else
			rc = cs_ctl_fail("unknown generator \"%s\": capctl create takes -f, or "
					 "\"namespace NAME\"",
					 c->args[0]);
		cs_ctl_out_free(&o);
		return rc;
	}
	if (!c->o.filenames.n) {
		cs_ctl_out_free(&o);
		return cs_ctl_fail("must specify -f");
	}
	cs_ctl_targets ts;
	rc = cs_ctl_targets_get(c, c->args, c->nargs, &ts);
	if (rc == 0 && !ts.n)
		rc = cs_ctl_fail("no objects passed to %s", what);
	for (size_t i = 0; rc == 0 && i < ts.n; i++)
		if (replace && !ts.v[i].name)
			rc = cs_ctl_fail("%s: an object without metadata.name cannot be replaced",
					 ts.v[i].source);
	int failed = rc;
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		const cs_ctl_target *tg = &ts.v[i];
		char *path = cs_ctl_path(tg->t, tg->ns, replace ? tg->name : NULL, NULL);
		cs_ctl_resp r;
		int call = cs_ctl_call(c, replace ? "PUT" : "POST", path, NULL, NULL, tg->obj, &r);
		free(path);
		if (call < 0) {
			failed = 1;
			break;
		}
		if (cs_ctl_ok(&r)) {
			failed |=
				cs_ctl_report(c->out, &o, r.obj, replace ? "replaced" : "created");
		} else {
			char *ctx = cs_ctl_xasprintf(
				"error when %s \"%s\": ", replace ? "replacing" : "creating",
				tg->source);
			cs_ctl_print_error_ctx(&r, ctx);
			free(ctx);
			failed = 1;
		}
		cs_ctl_resp_free(&r);
	}
	cs_ctl_targets_free(&ts);
	cs_ctl_out_free(&o);
	return failed;
}

int cs_ctl_cmd_create(cs_ctl *c)
{
	return from_files(c, false);
}

int cs_ctl_cmd_replace(cs_ctl *c)
{
	return from_files(c, true);
}
