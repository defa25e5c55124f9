/* capctl scale: set spec.replicas through the scale subresource
 * (autoscaling/v1 Scale): GET it, check the preconditions, PUT it back. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"

#define SCALE_FORMATS    (CS_OUT_NAME | CS_OUT_JSON | CS_OUT_YAML | CS_OUT_JSONPATH)
#define CONFLICT_RETRIES 3

/* Fallback for a server without the scale subresource: a merge patch of
 * the object's spec.replicas. */
static int patch_replicas(cs_ctl *c, const cs_type *t, const char *ns, const char *name,
			  cs_ctl_resp *r)
{
	cs_json *patch = cs_json_object();
	cs_json_set(cs_json_obj_ensure(patch, "spec"), "replicas", cs_json_int(c->o.replicas));
	char *path = cs_ctl_path(t, ns, name, NULL);
	int rc = cs_ctl_call(c, "PATCH", path, NULL, CS_CTL_MERGE_PATCH, patch, r);
	free(path);
	cs_json_free(patch);
	return rc;
}

static int scale_one(cs_ctl *c, const cs_type *t, const char *ns, const char *name, cs_ctl_out *o)
{
	char ref[160];
	cs_ctl_kind_ref(t, ref, sizeof(ref));
	if (!(t->subresources & CS_SUB_SCALE))
		return cs_ctl_fail("cannot scale %s/%s: %s has no scale subresource", ref, name,
				   t->resource);
	char *path = cs_ctl_path(t, ns, name, "scale");
	int rc = 1;
	for (int attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
		cs_ctl_resp r;
		if (cs_ctl_call(c, "GET", path, NULL, NULL, NULL, &r) < 0)
			break;
		if (r.code == 404) {
			/* Either the object is missing or the server lacks /scale:
			 * the object's own answer tells which. */
			cs_ctl_resp_free(&r);
			cs_json *obj;
			int g = cs_ctl_get(c, t, ns, name, false, &obj);
			if (g)
				break;
			cs_json_free(obj);
			if (c->o.current_replicas >= 0 || c->o.resource_version) {
				cs_ctl_fail(
					"cannot check --current-replicas or --resource-version on "
					"%s/%s: the server has no scale subresource",
					ref, name);
				break;
			}
			if (patch_replicas(c, t, ns, name, &r) < 0)
				break;
		} else if (cs_ctl_ok(&r)) {
			cs_json *scale = r.obj;
			long cur = (long)cs_json_as_int(
				cs_json_path(scale, "spec", "replicas", NULL), 0);
			const char *rv = cs_json_str(
				cs_json_path(scale, "metadata", "resourceVersion", NULL));
			if (c->o.current_replicas >= 0 && cur != c->o.current_replicas) {
				cs_ctl_fail("Expected replicas to be %ld, was %ld",
					    c->o.current_replicas, cur);
				cs_ctl_resp_free(&r);
				break;
			}
			if (c->o.resource_version &&
			    (!rv || strcmp(rv, c->o.resource_version) != 0)) {
				cs_ctl_fail("Expected resource version to be %s, was %s",
					    c->o.resource_version, rv ? rv : "");
				cs_ctl_resp_free(&r);
				break;
			}
			cs_json_set(cs_json_obj_ensure(scale, "spec"), "replicas",
				    cs_json_int(c->o.replicas));
			r.obj = NULL;
			cs_ctl_resp_free(&r);
			int call = cs_ctl_call(c, "PUT", path, NULL, NULL, scale, &r);
			cs_json_free(scale);
			if (call < 0)
				break;
			/* A concurrent write: read again and retry, unless the
			 * user pinned a version or a count. */
			if (r.code == 409 && attempt < CONFLICT_RETRIES &&
			    c->o.current_replicas < 0 && !c->o.resource_version) {
				cs_ctl_resp_free(&r);
				continue;
			}
		}
		if (cs_ctl_ok(&r)) {
			if (o->fmt == CS_OUT_TABLE) {
				fprintf(c->out, "%s/%s scaled\n", ref, name);
				fflush(c->out);
				rc = 0;
			} else {
				rc = cs_ctl_print_obj(c->out, r.obj, o) ? 1 : 0;
			}
		} else {
			cs_ctl_print_error(&r);
		}
		cs_ctl_resp_free(&r);
		break;
	}
	free(path);
	return rc;
}

static int scale_target(cs_ctl *c, const cs_type *t, const char *ns, const char *name,
			const cs_json *obj, void *o)
{
	(void)obj;
	return scale_one(c, t, ns, name, o);
}

int cs_ctl_cmd_scale(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, SCALE_FORMATS, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	if (c->o.replicas < 0) {
		cs_ctl_out_free(&o);
		return cs_ctl_fail("The --replicas=COUNT flag is required, and COUNT must be "
				   "greater than or equal to 0");
	}
	if (!c->nargs && !c->o.filenames.n) {
		cs_ctl_out_free(&o);
		return cs_ctl_fail("You must provide one or more resources by argument or "
				   "filename.");
	}
	int failed = cs_ctl_each_target(c, c->nargs, false, scale_target, &o);
	cs_ctl_out_free(&o);
	return failed;
}
