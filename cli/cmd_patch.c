/* capctl patch TYPE NAME -p PATCH [--type strategic|merge|json]. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"
#include "target.h"
#include "yamlconv.h"

#define PATCH_FORMATS (CS_OUT_NAME | CS_OUT_JSON | CS_OUT_YAML | CS_OUT_JSONPATH)

static int patch_one(cs_ctl *c, const cs_ctl_target *tg, const char *ctype, const cs_json *patch,
		     cs_ctl_out *o)
{
	cs_json *before;
	if (cs_ctl_get(c, tg->t, tg->ns, tg->name, false, &before))
		return 1;
	char *path = cs_ctl_path(tg->t, tg->ns, tg->name, NULL);
	cs_ctl_resp r;
	int rc = cs_ctl_call(c, "PATCH", path, NULL, ctype, patch, &r) < 0 ? 1 : 0;
	free(path);
	if (rc == 0 && cs_ctl_ok(&r)) {
		const char *rv0 =
			cs_json_str(cs_json_path(before, "metadata", "resourceVersion", NULL));
		const char *rv1 =
			cs_json_str(cs_json_path(r.obj, "metadata", "resourceVersion", NULL));
		bool same = rv0 && rv1 && !strcmp(rv0, rv1);
		rc = cs_ctl_report(c->out, o, r.obj, same ? "patched (no change)" : "patched");
	} else if (rc == 0) {
		cs_ctl_print_error(&r);
		rc = 1;
	}
	cs_ctl_resp_free(&r);
	cs_json_free(before);
	return rc;
}

int cs_ctl_cmd_patch(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, PATCH_FORMATS, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	const char *type = c->o.patch_type ? c->o.patch_type : "strategic";
	const char *ctype = !strcmp(type, "strategic") ? CS_CTL_STRATEGIC_PATCH
			    : !strcmp(type, "merge")   ? CS_CTL_MERGE_PATCH
			    : !strcmp(type, "json")    ? CS_CTL_JSON_PATCH
						       : NULL;
	int rc = 0;
	cs_json *patch = NULL;
	if (!ctype)
		rc = cs_ctl_fail("--type must be one of [json merge strategic], not \"%s\"", type);
	else if (!c->o.patch)
		rc = cs_ctl_fail("must specify -p to patch");
	else if (!c->nargs && !c->o.filenames.n)
		rc = cs_ctl_fail("You must provide one or more resources by argument or "
				 "filename.");
	if (rc == 0) {
		/* JSON is YAML too: one parser takes both spellings. */
		cs_json *docs = cs_ctl_yaml_parse(c->o.patch, strlen(c->o.patch), err, sizeof(err));
		if (!docs || cs_json_len(docs) != 1)
			rc = cs_ctl_fail("unable to parse \"%s\": %s", c->o.patch,
					 docs ? "expected one JSON or YAML document" : err);
		else
			patch = cs_json_remove_at(docs, 0);
		cs_json_free(docs);
	}
	if (rc == 0) {
		bool ops = !strcmp(type, "json");
		if (patch->type != (ops ? CS_JSON_ARRAY : CS_JSON_OBJECT))
			rc = cs_ctl_fail("a %s patch must be a JSON %s", type,
					 ops ? "array of operations" : "object");
	}
	cs_ctl_targets ts = {0};
	if (rc == 0)
		rc = cs_ctl_targets_get(c, c->args, c->nargs, &ts);
	int failed = rc;
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		if (!ts.v[i].name) {
			failed =
				cs_ctl_fail("resource(s) were provided, but no name was specified");
			break;
		}
		failed |= patch_one(c, &ts.v[i], ctype, patch, &o);
	}
	cs_ctl_targets_free(&ts);
	cs_json_free(patch);
	cs_ctl_out_free(&o);
	return failed;
}
