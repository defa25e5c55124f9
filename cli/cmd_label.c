/* capctl label and capctl annotate: KEY=VALUE sets, KEY- removes, sent as
 * a merge patch of metadata.labels / metadata.annotations. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"

#define LABEL_FORMATS (CS_OUT_NAME | CS_OUT_JSON | CS_OUT_YAML | CS_OUT_JSONPATH)

struct kind {
	const char *field; /* labels | annotations */
	const char *noun;  /* label | annotation */
	const char *verb;  /* labeled | annotated */
};

static bool is_change(const char *a)
{
	size_t n = strlen(a);
	return strchr(a, '=') || (n > 1 && a[n - 1] == '-');
}

/* Builds {key: value|null} from the change arguments. */
static int parse_changes(const struct kind *k, char **args, size_t n, cs_json **out)
{
	cs_json *ch = cs_json_object();
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];
		const char *eq = strchr(a, '=');
		char *key = eq ? strndup(a, (size_t)(eq - a)) : strndup(a, strlen(a) - 1);
		if (!key)
			abort();
		if (!*key) {
			free(key);
			cs_json_free(ch);
			return cs_ctl_fail("invalid %s spec: %s", k->noun, a);
		}
		if (cs_json_get(ch, key)) {
			free(key);
			cs_json_free(ch);
			return cs_ctl_fail(
				"can not both modify and remove a %s in the same command", k->noun);
		}
		cs_json_set(ch, key, eq ? cs_json_string(eq + 1) : cs_json_null());
		free(key);
	}
	*out = ch;
	return 0;
}

static int label_one(cs_ctl *c, const struct kind *k, const cs_type *t, const char *ns,
		     const char *name, const cs_json *changes, cs_ctl_out *o)
{
	cs_json *obj;
	int rc = cs_ctl_get(c, t, ns, name, false, &obj);
	if (rc)
		return 1;
	const cs_json *have = cs_json_path(obj, "metadata", k->field, NULL);
	cs_json *set = cs_json_object();
	for (size_t i = 0; i < changes->u.obj.len; i++) {
		const char *key = changes->u.obj.keys[i];
		const cs_json *want = changes->u.obj.vals[i];
		const char *old = cs_json_get_str(have, key);
		if (want->type == CS_JSON_NULL) {
			if (!cs_json_get(have, key))
				fprintf(stderr, "%s \"%s\" not found.\n", k->noun, key);
			else
				cs_json_set(set, key, cs_json_null());
			continue;
		}
		if (old && !strcmp(old, want->u.str.s))
			continue;
		if (old && !c->o.overwrite) {
			rc = cs_ctl_fail("'%s' already has a value (%s), and --overwrite is false",
					 key, old);
			break;
		}
		cs_json_set(set, key, cs_json_clone(want));
	}
	char *ref = cs_ctl_obj_ref(obj);
	if (rc == 0 && !set->u.obj.len) {
		if (o->fmt == CS_OUT_TABLE)
			fprintf(c->out, "%s not %s\n", ref, k->verb);
		else
			rc = cs_ctl_print_obj(c->out, obj, o) ? 1 : 0;
	} else if (rc == 0) {
		cs_json *patch = cs_json_object();
		cs_json *meta = cs_json_obj_ensure(patch, "metadata");
		cs_json_set(meta, k->field, set);
		set = NULL;
		/* In a merge patch, a resourceVersion is a precondition. */
		if (c->o.resource_version)
			cs_json_set(meta, "resourceVersion", cs_json_string(c->o.resource_version));
		char *path = cs_ctl_path(t, ns, name, NULL);
		cs_ctl_resp r;
		rc = cs_ctl_call(c, "PATCH", path, NULL, CS_CTL_MERGE_PATCH, patch, &r) < 0 ? 1 : 0;
		free(path);
		cs_json_free(patch);
		if (rc == 0 && cs_ctl_ok(&r)) {
			rc = cs_ctl_report(c->out, o, r.obj, k->verb);
		} else if (rc == 0) {
			cs_ctl_print_error(&r);
			rc = 1;
		}
		cs_ctl_resp_free(&r);
	}
	fflush(c->out);
	free(ref);
	cs_json_free(set);
	cs_json_free(obj);
	return rc;
}

struct label_args {
	const struct kind *k;
	const cs_json *changes;
	cs_ctl_out *o;
};

static int label_target(cs_ctl *c, const cs_type *t, const char *ns, const char *name,
			const cs_json *obj, void *arg)
{
	const struct label_args *a = arg;
	(void)obj;
	return label_one(c, a->k, t, ns, name, a->changes, a->o);
}

static int label_like(cs_ctl *c, const struct kind *k)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, LABEL_FORMATS, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	size_t nres = 0;
	while (nres < c->nargs && !is_change(c->args[nres]))
		nres++;
	for (size_t i = nres; i < c->nargs; i++)
		if (!is_change(c->args[i])) {
			cs_ctl_out_free(&o);
			return cs_ctl_fail("invalid %s spec: %s (want KEY=VALUE or KEY-)", k->noun,
					   c->args[i]);
		}
	cs_json *changes = NULL;
	int rc = 0;
	if (nres == c->nargs)
		rc = cs_ctl_fail("at least one %s update is required", k->noun);
	else if (!nres && !c->o.filenames.n)
		rc = cs_ctl_fail("You must provide one or more resources by argument or "
				 "filename.");
	else
		rc = parse_changes(k, c->args + nres, c->nargs - nres, &changes);
	struct label_args la = {k, changes, &o};
	if (rc == 0)
		rc = cs_ctl_each_target(c, nres, c->o.all, label_target, &la);
	cs_json_free(changes);
	cs_ctl_out_free(&o);
	return rc;
}

int cs_ctl_cmd_label(cs_ctl *c)
{
	static const struct kind k = {"labels", "label", "labeled"};
	return label_like(c, &k);
}

int cs_ctl_cmd_annotate(cs_ctl *c)
{
	static const struct kind k = {"annotations", "annotation", "annotated"};
	return label_like(c, &k);
}
