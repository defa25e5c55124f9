#include "target.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "manifest.h"

static void push(cs_ctl_targets *ts, const cs_type *t, const char *ns, const char *name,
		 cs_json *obj, const char *source)
{
	ts->v = cs_ctl_xrealloc(ts->v, (ts->n + 1) * sizeof(*ts->v));
	cs_ctl_target *x = &ts->v[ts->n++];
	x->t = t;
	x->ns = ns ? cs_ctl_xstrdup(ns) : NULL;
	x->name = name ? cs_ctl_xstrdup(name) : NULL;
	x->obj = obj;
	x->source = source ? cs_ctl_xstrdup(source) : NULL;
}

void cs_ctl_targets_free(cs_ctl_targets *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->v[i].ns);
		free(ts->v[i].name);
		cs_json_free(ts->v[i].obj);
		free(ts->v[i].source);
	}
	free(ts->v);
	ts->v = NULL;
	ts->n = 0;
}

int cs_ctl_object_ns(cs_ctl *c, const cs_type *t, const cs_json *obj, const char *source, char **ns)
{
	*ns = NULL;
	if (!t->namespaced)
		return 0;
	const char *own = cs_json_str(cs_json_path(obj, "metadata", "namespace", NULL));
	if (own && *own) {
		if (c->ns_explicit && strcmp(own, c->namespace) != 0)
			return cs_ctl_fail("the namespace from the provided object \"%s\" does not "
					   "match the namespace \"%s\". You must pass "
					   "'--namespace=%s' to perform this operation (%s).",
					   own, c->namespace, own, source);
		*ns = cs_ctl_xstrdup(own);
	} else {
		*ns = cs_ctl_xstrdup(c->namespace);
	}
	return 0;
}

static int from_files(cs_ctl *c, cs_ctl_targets *out)
{
	cs_ctl_docs docs = {0};
	char err[1024];
	if (cs_ctl_manifest_load(&c->o.filenames, c->o.recursive, &docs, err, sizeof(err)) < 0) {
		cs_ctl_docs_free(&docs);
		return cs_ctl_fail("%s", err);
	}
	int rc = 0;
	for (size_t i = 0; i < docs.n && rc == 0; i++) {
		cs_json *obj = docs.v[i].obj;
		const char *av = cs_json_get_str(obj, "apiVersion");
		const char *kind = cs_json_get_str(obj, "kind");
		const char *name = cs_json_str(cs_json_path(obj, "metadata", "name", NULL));
		const cs_type *t = cs_type_by_kind(av, kind);
		if (!t) {
			const char *ns =
				cs_json_str(cs_json_path(obj, "metadata", "namespace", NULL));
			rc = cs_ctl_fail(
				"resource mapping not found for name: \"%s\" namespace: "
				"\"%s\" from \"%s\": no matches for kind \"%s\" in version "
				"\"%s\"",
				name ? name : "", ns ? ns : "", docs.v[i].source, kind, av);
			break;
		}
		char *ns;
		if ((rc = cs_ctl_object_ns(c, t, obj, docs.v[i].source, &ns)) != 0)
			break;
		docs.v[i].obj = NULL;
		push(out, t, ns, name, obj, docs.v[i].source);
		free(ns);
	}
	cs_ctl_docs_free(&docs);
	return rc;
}

static int split_types(const char *spec, const cs_type **types, size_t max, size_t *n)
{
	char *copy = cs_ctl_xstrdup(spec), *save = NULL;
	*n = 0;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const cs_type *t = cs_ctl_resolve_type(tok);
		if (!t) {
			rc = 1;
			break;
		}
		if (*n == max) {
			rc = cs_ctl_fail("too many resource types in \"%s\"", spec);
			break;
		}
		types[(*n)++] = t;
	}
	free(copy);
	if (rc == 0 && *n == 0)
		rc = cs_ctl_fail("no resource type in \"%s\"", spec);
	return rc;
}

static int collect(cs_ctl *c, char **args, size_t nargs, cs_ctl_targets *out)
{
	if (c->o.filenames.n) {
		if (nargs)
			return cs_ctl_fail("unexpected arguments with -f: %s%s", args[0],
					   nargs > 1 ? " ..." : "");
		return from_files(c, out);
	}
	if (!nargs)
		return 0;
	if (strchr(args[0], '/')) {
		/* TYPE/NAME form: every argument must use it. */
		for (size_t i = 0; i < nargs; i++) {
			char *slash = strchr(args[i], '/');
			if (!slash)
				return cs_ctl_fail(
					"there is no need to specify a resource type as a "
					"separate argument when passing arguments in "
					"resource/name form (e.g. 'capctl %s "
					"resource/<resource_name>' instead of 'capctl %s "
					"resource resource/<resource_name>'",
					c->cmd_name, c->cmd_name);
			char type[128];
			snprintf(type, sizeof(type), "%.*s", (int)(slash - args[i]), args[i]);
			const cs_type *t = cs_ctl_resolve_type(type);
			if (!t)
				return 1;
			if (!slash[1])
				return cs_ctl_fail(
					"arguments in resource/name form must have a single "
					"resource and name");
			push(out, t, cs_ctl_ns_for(c, t), slash + 1, NULL, NULL);
		}
		return 0;
	}
	const cs_type *types[32];
	size_t ntypes;
	if (split_types(args[0], types, 32, &ntypes))
		return 1;
	for (size_t i = 1; i < nargs; i++)
		if (strchr(args[i], '/'))
			return cs_ctl_fail("there is no need to specify a resource type as a "
					   "separate argument when passing arguments in "
					   "resource/name form (e.g. 'capctl %s "
					   "resource/<resource_name>' instead of 'capctl %s "
					   "resource resource/<resource_name>'",
					   c->cmd_name, c->cmd_name);
	for (size_t k = 0; k < ntypes; k++) {
		if (nargs == 1)
			push(out, types[k], cs_ctl_ns_for(c, types[k]), NULL, NULL, NULL);
		for (size_t i = 1; i < nargs; i++)
			push(out, types[k], cs_ctl_ns_for(c, types[k]), args[i], NULL, NULL);
	}
	return 0;
}

int cs_ctl_targets_get(cs_ctl *c, char **args, size_t nargs, cs_ctl_targets *out)
{
	memset(out, 0, sizeof(*out));
	int rc = collect(c, args, nargs, out);
	for (size_t i = 0; rc == 0 && i < out->n; i++)
		if (out->v[i].name && !out->v[i].obj && !out->v[i].ns && out->v[i].t->namespaced)
			rc = cs_ctl_fail("a resource cannot be retrieved by name across all "
					 "namespaces");
	if (rc)
		cs_ctl_targets_free(out);
	return rc;
}
