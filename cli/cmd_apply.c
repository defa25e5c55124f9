/* capctl apply: client-side apply, as kubectl does it without
 * --server-side. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "applypatch.h"
#include "capctl.h"
#include "printer.h"
#include "target.h"

#define APPLY_FORMATS (CS_OUT_JSON | CS_OUT_YAML | CS_OUT_NAME | CS_OUT_JSONPATH)

/* The object to send: the manifest with its namespace filled in and the
 * annotation recording exactly what was applied. */
static cs_json *with_annotation(const cs_ctl_target *tg)
{
	cs_json *m = cs_json_clone(tg->obj);
	cs_json *meta = cs_json_obj_ensure(m, "metadata");
	if (tg->ns && !cs_json_get(meta, "namespace"))
		cs_json_set(meta, "namespace", cs_json_string(tg->ns));
	char *applied = cs_ctl_last_applied(m);
	cs_json_set(cs_json_obj_ensure(meta, "annotations"), CS_CTL_LAST_APPLIED,
		    cs_json_string(applied));
	free(applied);
	return m;
}

static int apply_one(cs_ctl *c, cs_ctl_out *o, const cs_ctl_target *tg)
{
	if (!tg->name)
		return cs_ctl_fail("error when retrieving current configuration of %s from "
				   "\"%s\": metadata.name is required for apply",
				   tg->t->kind, tg->source);
	cs_json *modified = with_annotation(tg);
	cs_json *current;
	int rc = cs_ctl_get(c, tg->t, tg->ns, tg->name, true, &current);
	if (rc == 404) {
		char *path = cs_ctl_path(tg->t, tg->ns, NULL, NULL);
		cs_ctl_resp r;
		rc = cs_ctl_call(c, "POST", path, NULL, NULL, modified, &r) < 0 ? 1 : 0;
		free(path);
		if (rc == 0 && cs_ctl_ok(&r)) {
			rc = cs_ctl_report(c->out, o, r.obj, "created");
		} else if (rc == 0) {
			char *ctx = cs_ctl_xasprintf("error when creating \"%s\": ", tg->source);
			cs_ctl_print_error_ctx(&r, ctx);
			free(ctx);
			rc = 1;
		}
		cs_ctl_resp_free(&r);
		cs_json_free(modified);
		return rc;
	}
	if (rc) {
		cs_json_free(modified);
		return rc;
	}
	const char *last = cs_json_str(
		cs_json_path(current, "metadata", "annotations", CS_CTL_LAST_APPLIED, NULL));
	cs_json *original = NULL;
	if (last) {
		char perr[128];
		original = cs_json_parse(last, strlen(last), perr, sizeof(perr));
	}
	cs_json *patch = cs_ctl_apply_patch(original, modified, current);
	cs_json_free(original);
	cs_json_free(modified);
	if (!cs_json_len(patch)) {
		rc = cs_ctl_report(c->out, o, current, "unchanged");
	} else {
		char *path = cs_ctl_path(tg->t, tg->ns, tg->name, NULL);
		cs_ctl_resp r;
		rc = cs_ctl_call(c, "PATCH", path, NULL, CS_CTL_MERGE_PATCH, patch, &r) < 0 ? 1 : 0;
		free(path);
		if (rc == 0 && cs_ctl_ok(&r)) {
			rc = cs_ctl_report(c->out, o, r.obj, "configured");
		} else if (rc == 0) {
			char ref[160];
			cs_ctl_kind_ref(tg->t, ref, sizeof(ref));
			char *ctx = cs_ctl_xasprintf("error when applying patch to %s \"%s\" from "
						     "\"%s\": ",
						     ref, tg->name, tg->source);
			cs_ctl_print_error_ctx(&r, ctx);
			free(ctx);
			rc = 1;
		}
		cs_ctl_resp_free(&r);
	}
	cs_json_free(patch);
	cs_json_free(current);
	return rc;
}

int cs_ctl_cmd_apply(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, APPLY_FORMATS, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	if (!c->o.filenames.n) {
		cs_ctl_out_free(&o);
		return cs_ctl_fail("must specify -f");
	}
	cs_ctl_targets ts;
	int rc = cs_ctl_targets_get(c, c->args, c->nargs, &ts);
	if (rc == 0 && !ts.n)
		rc = cs_ctl_fail("no objects passed to apply");
	/* Like kubectl: one object's failure does not stop the others. */
	int failed = rc;
	for (size_t i = 0; rc == 0 && i < ts.n; i++)
		failed |= apply_one(c, &o, &ts.v[i]);
	cs_ctl_targets_free(&ts);
	cs_ctl_out_free(&o);
	return failed;
}
