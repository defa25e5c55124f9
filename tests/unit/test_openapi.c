/* OpenAPI v2 (JSON and gnostic protobuf) and v3 documents (core/openapi.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "types.h"

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."

/* ---- helpers ---- */

static void def_name(const cs_type *t, bool list, char *buf, size_t len)
{
	const char *g = t->group[0] ? t->group : "core";
	snprintf(buf, len, "io.k8s.api.%.*s.%s.%s", (int)strcspn(g, "."), g, t->version,
		 list ? t->list_kind : t->kind);
}

static void gv_path(const cs_type *t, char *buf, size_t len)
{
	if (t->group[0])
		snprintf(buf, len, "apis/%s/%s", t->group, t->version);
	else
		snprintf(buf, len, "api/%s", t->version);
}

static bool gvk_matches(const cs_json *g, const char *group, const char *version, const char *kind)
{
	const char *gg = cs_json_get_str(g, "group"), *gv = cs_json_get_str(g, "version");
	const char *gk = cs_json_get_str(g, "kind");
	return gg && gv && gk && !strcmp(gg, group) && !strcmp(gv, version) && !strcmp(gk, kind);
}

/* Calls fn for every "$ref" string anywhere under v. */
static void each_ref(const cs_json *v, void (*fn)(const char *ref, void *ctx), void *ctx)
{
	if (cs_json_is(v, CS_JSON_ARRAY)) {
		for (size_t i = 0; i < cs_json_len(v); i++)
			each_ref(cs_json_at(v, i), fn, ctx);
	} else if (cs_json_is(v, CS_JSON_OBJECT)) {
		for (size_t i = 0; i < v->u.obj.len; i++) {
			if (!strcmp(v->u.obj.keys[i], "$ref"))
				fn(cs_json_str(v->u.obj.vals[i]), ctx);
			else
				each_ref(v->u.obj.vals[i], fn, ctx);
		}
	}
}

typedef struct {
	const cs_json *defs;
	const char *prefix;
	size_t n;
} ref_check;

static void check_ref(const char *ref, void *ctx)
{
	ref_check *c = ctx;
	assert_non_null(ref);
	size_t pl = strlen(c->prefix);
	if (strncmp(ref, c->prefix, pl))
		fail_msg("$ref %s does not start with %s", ref, c->prefix);
	if (!cs_json_get(c->defs, ref + pl))
		fail_msg("dangling $ref %s", ref);
	c->n++;
}

typedef struct {
	const char *want;
	bool found;
} ref_find;

static void find_ref(const char *ref, void *ctx)
{
	ref_find *f = ctx;
	f->found |= ref && !strcmp(ref, f->want);
}

/* No schema anywhere under v carries anything besides its $ref. */
static void no_ref_siblings(const cs_json *v)
{
	if (cs_json_is(v, CS_JSON_ARRAY)) {
		for (size_t i = 0; i < cs_json_len(v); i++)
			no_ref_siblings(cs_json_at(v, i));
	} else if (cs_json_is(v, CS_JSON_OBJECT)) {
		if (cs_json_get(v, "$ref") && cs_json_len(v) != 1)
			fail_msg("$ref %s has siblings", cs_json_get_str(v, "$ref"));
		for (size_t i = 0; i < v->u.obj.len; i++)
			no_ref_siblings(v->u.obj.vals[i]);
	}
}

static const char *const methods[] = {"get", "put", "post", "delete", "patch", NULL};

/* Every parameter of every operation and path item. */
static void each_param(const cs_json *paths,
		       void (*fn)(const char *path, const char *method, const cs_json *p,
				  void *ctx),
		       void *ctx)
{
	for (size_t i = 0; i < cs_json_len(paths); i++) {
		const char *path = paths->u.obj.keys[i];
		const cs_json *item = paths->u.obj.vals[i];
		const cs_json *ps = cs_json_get(item, "parameters");
		for (size_t j = 0; j < cs_json_len(ps); j++)
			fn(path, "", cs_json_at(ps, j), ctx);
		for (const char *const *m = methods; *m; m++) {
			ps = cs_json_path(item, *m, "parameters", NULL);
			for (size_t j = 0; j < cs_json_len(ps); j++)
				fn(path, *m, cs_json_at(ps, j), ctx);
		}
	}
}

static void no_field_validation(const char *path, const char *method, const cs_json *p, void *ctx)
{
	(void)ctx;
	const char *name = cs_json_get_str(p, "name");
	assert_non_null(name);
	if (!strcmp(name, "fieldValidation"))
		fail_msg("%s %s advertises fieldValidation", method, path);
}

static bool has_param(const cs_json *op, const char *name)
{
	const cs_json *ps = cs_json_get(op, "parameters");
	for (size_t i = 0; i < cs_json_len(ps); i++)
		if (!strcmp(cs_json_get_str(cs_json_at(ps, i), "name"), name))
			return true;
	return false;
}

/* ---- v2 JSON ---- */

static void test_v2_definitions(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	assert_non_null(doc);
	assert_string_equal(cs_json_get_str(doc, "swagger"), "2.0");
	assert_string_equal(cs_json_str(cs_json_path(doc, "info", "title", NULL)), "capstan");
	assert_non_null(cs_json_str(cs_json_path(doc, "info", "version", NULL)));
	const cs_json *defs = cs_json_get(doc, "definitions");

	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		char name[192];
		def_name(t, false, name, sizeof(name));
		const cs_json *d = cs_json_get(defs, name);
		if (!d)
			fail_msg("no definition %s", name);
		assert_string_equal(cs_json_get_str(d, "type"), "object");
		const cs_json *g = cs_json_get(d, "x-kubernetes-group-version-kind");
		assert_int_equal(cs_json_len(g), 1);
		assert_true(gvk_matches(cs_json_at(g, 0), t->group, t->version, t->kind));
		const cs_json *props = cs_json_get(d, "properties");
		assert_string_equal(cs_json_str(cs_json_path(props, "apiVersion", "type", NULL)),
				    "string");
		assert_string_equal(cs_json_str(cs_json_path(props, "kind", "type", NULL)),
				    "string");
		assert_string_equal(cs_json_str(cs_json_path(props, "metadata", "$ref", NULL)),
				    "#/definitions/" META "ObjectMeta");
		/* A $ref schema must not carry a type: kubectl rejects the model. */
		assert_null(cs_json_path(props, "metadata", "type", NULL));
		/* A spec is modelled (a $ref to a definition listing its fields);
		 * status stays an open object: clients never send it. */
		if (t->has_spec) {
			const cs_json *spec = cs_json_get(props, "spec");
			const char *r = cs_json_get_str(spec, "$ref");
			if (!r)
				fail_msg("%s.spec is not a $ref", t->kind);
			assert_non_null(cs_json_path(defs, r + strlen("#/definitions/"),
						     "properties", NULL));
		}
		const cs_json *status = cs_json_get(props, "status");
		if (status) {
			assert_string_equal(cs_json_get_str(status, "type"), "object");
			assert_null(cs_json_get(status, "properties"));
		}

		def_name(t, true, name, sizeof(name));
		d = cs_json_get(defs, name);
		if (!d)
			fail_msg("no list definition %s", name);
		g = cs_json_get(d, "x-kubernetes-group-version-kind");
		assert_true(gvk_matches(cs_json_at(g, 0), t->group, t->version, t->list_kind));
		const cs_json *items = cs_json_path(d, "properties", "items", NULL);
		assert_string_equal(cs_json_get_str(items, "type"), "array");
		def_name(t, false, name, sizeof(name));
		char want[256];
		snprintf(want, sizeof(want), "#/definitions/%s", name);
		assert_string_equal(cs_json_str(cs_json_path(items, "items", "$ref", NULL)), want);
		assert_string_equal(
			cs_json_str(cs_json_path(d, "properties", "metadata", "$ref", NULL)),
			"#/definitions/" META "ListMeta");
	}

	/* Definitions kubectl's models parser would reject on a dangling $ref. */
	ref_check rc = {defs, "#/definitions/", 0};
	each_ref(doc, check_ref, &rc);
	assert_true(rc.n > cs_types_count * 10);

	/* Names as Kubernetes spells them. */
	static const char *const known[] = {"io.k8s.api.core.v1.Pod",
					    "io.k8s.api.apps.v1.Deployment",
					    "io.k8s.api.batch.v1.Job",
					    "io.k8s.api.storage.v1.StorageClass",
					    "io.k8s.api.coordination.v1.Lease",
					    "io.k8s.api.core.v1.PodList",
					    META "Status",
					    META "DeleteOptions",
					    NULL};
	for (const char *const *k = known; *k; k++)
		if (!cs_json_get(defs, *k))
			fail_msg("missing %s", *k);
	cs_json_free(doc);
}

static void test_v2_object_meta_and_fields(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	const cs_json *defs = cs_json_get(doc, "definitions");
	const cs_json *om = cs_json_path(defs, META "ObjectMeta", "properties", NULL);
	static const char *const strs[] = {"name",         "namespace", "uid", "resourceVersion",
					   "generateName", "selfLink",  NULL};
	for (const char *const *f = strs; *f; f++)
		assert_string_equal(cs_json_str(cs_json_path(om, *f, "type", NULL)), "string");
	assert_string_equal(cs_json_str(cs_json_path(om, "generation", "type", NULL)), "integer");
	assert_string_equal(cs_json_str(cs_json_path(om, "creationTimestamp", "format", NULL)),
			    "date-time");
	assert_string_equal(cs_json_str(cs_json_path(om, "deletionTimestamp", "format", NULL)),
			    "date-time");
	assert_string_equal(
		cs_json_str(cs_json_path(om, "labels", "additionalProperties", "type", NULL)),
		"string");
	assert_string_equal(cs_json_str(cs_json_path(om, "annotations", "type", NULL)), "object");
	assert_string_equal(cs_json_str(cs_json_path(om, "finalizers", "items", "type", NULL)),
			    "string");
	assert_string_equal(cs_json_str(cs_json_path(om, "ownerReferences", "type", NULL)),
			    "array");
	assert_string_equal(cs_json_str(cs_json_path(om, "ownerReferences", "items", "$ref", NULL)),
			    "#/definitions/" META "OwnerReference");
	assert_string_equal(cs_json_str(cs_json_path(om, "managedFields", "items", "$ref", NULL)),
			    "#/definitions/" META "ManagedFieldsEntry");
	assert_string_equal(cs_json_str(cs_json_path(defs, META "ManagedFieldsEntry", "properties",
						     "fieldsV1", "type", NULL)),
			    "object");

	/* Top-level fields that real manifests use besides spec/status. */
	static const struct {
		const char *def, *fields;
	} top[] = {
		{"io.k8s.api.core.v1.Secret", "data stringData type immutable"},
		{"io.k8s.api.core.v1.ConfigMap", "data binaryData immutable"},
		{"io.k8s.api.core.v1.Event", "involvedObject reason message source firstTimestamp "
					     "lastTimestamp count type eventTime series action "
					     "related reportingComponent reportingInstance"},
		{"io.k8s.api.core.v1.Endpoints", "subsets"},
		{"io.k8s.api.core.v1.ServiceAccount", "secrets imagePullSecrets "
						      "automountServiceAccountToken"},
		{"io.k8s.api.storage.v1.StorageClass", "provisioner parameters reclaimPolicy "
						       "volumeBindingMode allowVolumeExpansion "
						       "mountOptions allowedTopologies"},
		{"io.k8s.api.coordination.v1.Lease", "spec"},
	};
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		const cs_json *props = cs_json_path(defs, top[i].def, "properties", NULL);
		assert_non_null(props);
		char buf[512];
		snprintf(buf, sizeof(buf), "%s", top[i].fields);
		for (char *sp, *f = strtok_r(buf, " ", &sp); f; f = strtok_r(NULL, " ", &sp))
			if (!cs_json_get(props, f))
				fail_msg("%s lacks %s", top[i].def, f);
	}
	const cs_json *secret = cs_json_path(defs, "io.k8s.api.core.v1.Secret", "properties", NULL);
	assert_string_equal(
		cs_json_str(cs_json_path(secret, "data", "additionalProperties", "format", NULL)),
		"byte");
	assert_string_equal(cs_json_str(cs_json_path(secret, "immutable", "type", NULL)),
			    "boolean");
	cs_json_free(doc);
}

static void test_v2_paths(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	const cs_json *paths = cs_json_get(doc, "paths");
	each_param(paths, no_field_validation, NULL);

	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		char prefix[128], coll[256], item[300];
		snprintf(prefix, sizeof(prefix), "/%s", "");
		gv_path(t, prefix + 1, sizeof(prefix) - 1);
		snprintf(coll, sizeof(coll), "%s%s/%s", prefix,
			 t->namespaced ? "/namespaces/{namespace}" : "", t->resource);
		snprintf(item, sizeof(item), "%s/{name}", coll);
		const cs_json *c = cs_json_get(paths, coll), *it = cs_json_get(paths, item);
		if (!c || !it)
			fail_msg("missing paths for %s", t->resource);
		const char *action =
			cs_json_str(cs_json_path(c, "get", "x-kubernetes-action", NULL));
		assert_string_equal(action, "list");
		assert_non_null(cs_json_get(c, "post"));
		const cs_json *patch = cs_json_get(it, "patch");
		assert_non_null(patch);
		assert_true(gvk_matches(cs_json_get(patch, "x-kubernetes-group-version-kind"),
					t->group, t->version, t->kind));
		assert_true(has_param(patch, "dryRun"));
		assert_true(has_param(patch, "fieldManager"));
		assert_false(has_param(patch, "fieldValidation"));
		assert_true(has_param(cs_json_get(c, "post"), "dryRun"));
		assert_true(has_param(cs_json_get(c, "get"), "labelSelector"));
		/* The path parameters live on the path item. */
		assert_true(has_param(it, "name"));
		assert_int_equal(has_param(it, "namespace"), t->namespaced);

		char sub[320];
		snprintf(sub, sizeof(sub), "%s/status", item);
		assert_int_equal(cs_json_get(paths, sub) != NULL,
				 (t->subresources & CS_SUB_STATUS) != 0);
		snprintf(sub, sizeof(sub), "%s/scale", item);
		const cs_json *scale = cs_json_get(paths, sub);
		assert_int_equal(scale != NULL, (t->subresources & CS_SUB_SCALE) != 0);
		if (scale) {
			const cs_json *g =
				cs_json_path(scale, "get", "x-kubernetes-group-version-kind", NULL);
			assert_true(gvk_matches(g, "autoscaling", "v1", "Scale"));
		}
		/* finalize: a PUT of the object and nothing else. */
		snprintf(sub, sizeof(sub), "%s/finalize", item);
		const cs_json *fin = cs_json_get(paths, sub);
		assert_int_equal(fin != NULL, (t->subresources & CS_SUB_FINALIZE) != 0);
		if (fin) {
			assert_non_null(cs_json_get(fin, "put"));
			assert_null(cs_json_get(fin, "get"));
			assert_null(cs_json_get(fin, "patch"));
			const cs_json *g =
				cs_json_path(fin, "put", "x-kubernetes-group-version-kind", NULL);
			assert_true(gvk_matches(g, t->group, t->version, t->kind));
		}
	}
	const cs_json *op = cs_json_path(paths, "/api/v1/namespaces/{namespace}/pods", "get", NULL);
	assert_string_equal(cs_json_get_str(op, "operationId"), "listCoreV1NamespacedPod");
	op = cs_json_path(paths, "/apis/storage.k8s.io/v1/storageclasses/{name}", "delete", NULL);
	assert_string_equal(cs_json_get_str(op, "operationId"), "deleteStorageV1StorageClass");
	op = cs_json_path(paths, "/api/v1/namespaces/{name}/finalize", "put", NULL);
	assert_string_equal(cs_json_get_str(op, "operationId"), "replaceCoreV1NamespaceFinalize");
	cs_json_free(doc);
}

static void test_v2_json_is_a_copy(void **state)
{
	(void)state;
	cs_json *a = cs_openapi_v2_json();
	cs_json_set(a, "swagger", cs_json_string("broken"));
	cs_json_del(a, "definitions");
	cs_json *b = cs_openapi_v2_json();
	assert_string_equal(cs_json_get_str(b, "swagger"), "2.0");
	assert_non_null(cs_json_get(b, "definitions"));
	cs_json_free(a);
	cs_json_free(b);
}

/* ---- modelled specs: what kubectl's validation and strategic merge walk ---- */

#define V2_PREFIX "#/definitions/"
#define V3_PREFIX "#/components/schemas/"
#define CORE      "io.k8s.api.core.v1."
#define APPS      "io.k8s.api.apps.v1."
#define BATCH     "io.k8s.api.batch.v1."

/* The definition a schema refers to ($ref in v2, allOf[0].$ref in v3), or
 * the schema itself when it refers to none. */
static const cs_json *deref(const cs_json *defs, const cs_json *schema, const char *prefix)
{
	const cs_json *all_of = cs_json_get(schema, "allOf");
	const char *r = cs_json_get_str(all_of ? cs_json_at(all_of, 0) : schema, "$ref");
	if (!r)
		return schema;
	if (strncmp(r, prefix, strlen(prefix)))
		fail_msg("$ref %s does not start with %s", r, prefix);
	const cs_json *d = cs_json_get(defs, r + strlen(prefix));
	if (!d)
		fail_msg("dangling $ref %s", r);
	return d;
}

/* Walks "spec.template.spec.containers[].ports" from definition def as
 * kubectl does: through properties and references, "[]" stepping into the
 * items of an array.  Returns the schema of the last property as its parent
 * lists it (where the patch extensions live). */
static const cs_json *walk(const cs_json *defs, const char *prefix, const char *def,
			   const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	const cs_json *cur = cs_json_get(defs, def), *prop = NULL;
	if (!cur)
		fail_msg("no definition %s", def);
	for (char *sp, *f = strtok_r(buf, ".", &sp); f; f = strtok_r(NULL, ".", &sp)) {
		size_t n = strlen(f);
		bool items = n > 2 && !strcmp(f + n - 2, "[]");
		if (items)
			f[n - 2] = '\0';
		if (prop)
			cur = deref(defs, prop, prefix);
		prop = cs_json_path(cur, "properties", f, NULL);
		if (!prop)
			fail_msg("%s: %s: no field %s", def, path, f);
		if (items) {
			assert_string_equal(cs_json_get_str(prop, "type"), "array");
			prop = cs_json_get(prop, "items");
			assert_non_null(prop);
		}
	}
	return prop;
}

static void assert_ext(const cs_json *s, const char *ext, const char *want, const char *where)
{
	const char *got = cs_json_get_str(s, ext);
	if (!want && got)
		fail_msg("%s: unexpected %s %s", where, ext, got);
	if (want && (!got || strcmp(got, want)))
		fail_msg("%s: %s is %s, want %s", where, ext, got ? got : "(none)", want);
}

static const struct {
	const char *gv, *def, *path;
	const char *strategy, *key, *list_type, *map_keys;
} patch_meta[] = {
	{"apis/apps/v1", APPS "Deployment", "spec.template.spec.containers", "merge", "name", "map",
	 "name"},
	{"apis/apps/v1", APPS "Deployment", "spec.template.spec.containers[].ports", "merge",
	 "containerPort", "map", "containerPort,protocol"},
	{"apis/apps/v1", APPS "Deployment", "spec.template.spec.containers[].env", "merge", "name",
	 "map", "name"},
	{"apis/apps/v1", APPS "Deployment", "spec.template.spec.containers[].volumeMounts", "merge",
	 "mountPath", "map", "mountPath"},
	{"apis/apps/v1", APPS "Deployment", "spec.template.spec.initContainers[].env", "merge",
	 "name", "map", "name"},
	{"apis/apps/v1", APPS "Deployment", "spec.template.spec.volumes", "merge,retainKeys",
	 "name", "map", "name"},
	{"apis/apps/v1", APPS "Deployment", "spec.strategy", "retainKeys", NULL, NULL, NULL},
	{"apis/apps/v1", APPS "Deployment", "spec.template.metadata.finalizers", "merge", NULL,
	 "set", NULL},
	{"apis/apps/v1", APPS "StatefulSet", "spec.template.spec.containers[].ports", "merge",
	 "containerPort", "map", "containerPort,protocol"},
	{"apis/apps/v1", APPS "StatefulSet", "spec.volumeClaimTemplates[].spec.accessModes", NULL,
	 NULL, NULL, NULL},
	{"apis/apps/v1", APPS "DaemonSet", "spec.template.spec.containers[].env", "merge", "name",
	 "map", "name"},
	{"apis/apps/v1", APPS "ReplicaSet", "spec.template.spec.containers", "merge", "name", "map",
	 "name"},
	{"apis/batch/v1", BATCH "Job", "spec.template.spec.containers", "merge", "name", "map",
	 "name"},
	{"apis/batch/v1", BATCH "CronJob", "spec.jobTemplate.spec.template.spec.containers[].env",
	 "merge", "name", "map", "name"},
	{"api/v1", CORE "Pod", "spec.imagePullSecrets", "merge", "name", "map", "name"},
	{"api/v1", CORE "Pod", "spec.ephemeralContainers[].volumeDevices", "merge", "devicePath",
	 "map", "devicePath"},
	{"api/v1", CORE "Pod", "spec.topologySpreadConstraints", "merge", "topologyKey", "map",
	 "topologyKey,whenUnsatisfiable"},
	{"api/v1", CORE "Pod", "spec.tolerations", NULL, NULL, NULL, NULL},
	{"api/v1", CORE "Pod", "spec.containers[].args", NULL, NULL, NULL, NULL},
	{"api/v1", CORE "Service", "spec.ports", "merge", "port", "map", "port,protocol"},
	{"api/v1", CORE "Service", "metadata.ownerReferences", "merge", "uid", "map", "uid"},
	{"api/v1", CORE "Node", "spec.podCIDRs", "merge", NULL, "set", NULL},
};

static void check_patch_meta(const cs_json *defs, const char *prefix, size_t i)
{
	char where[300];
	snprintf(where, sizeof(where), "%s %s", patch_meta[i].def, patch_meta[i].path);
	const cs_json *s = walk(defs, prefix, patch_meta[i].def, patch_meta[i].path);
	assert_ext(s, "x-kubernetes-patch-strategy", patch_meta[i].strategy, where);
	assert_ext(s, "x-kubernetes-patch-merge-key", patch_meta[i].key, where);
	assert_ext(s, "x-kubernetes-list-type", patch_meta[i].list_type, where);
	const cs_json *keys = cs_json_get(s, "x-kubernetes-list-map-keys");
	char joined[128] = "";
	for (size_t k = 0; k < cs_json_len(keys); k++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 k ? "," : "", cs_json_str(cs_json_at(keys, k)));
	assert_string_equal(joined, patch_meta[i].map_keys ? patch_meta[i].map_keys : "");
}

static void test_patch_metadata(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	const cs_json *defs = cs_json_get(doc, "definitions");
	for (size_t i = 0; i < sizeof(patch_meta) / sizeof(patch_meta[0]); i++)
		check_patch_meta(defs, V2_PREFIX, i);
	/* The same walks in the v3 document of the kind's group version, which
	 * kubectl 1.24+ uses for apply. */
	for (size_t i = 0; i < sizeof(patch_meta) / sizeof(patch_meta[0]); i++) {
		cs_json *v3 = cs_openapi_v3_doc(patch_meta[i].gv);
		assert_non_null(v3);
		check_patch_meta(cs_json_path(v3, "components", "schemas", NULL), V3_PREFIX, i);
		cs_json_free(v3);
	}
	/* Walking into a modelled object finds no field that is not there. */
	assert_null(cs_json_path(defs, CORE "Container", "properties", "imagee", NULL));
	cs_json_free(doc);
}

static void test_int_or_string_and_quantity(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	const cs_json *defs = cs_json_get(doc, "definitions");
	static const struct {
		const char *def, *path;
	} ios[] = {
		{CORE "Service", "spec.ports[].targetPort"},
		{APPS "Deployment", "spec.strategy.rollingUpdate.maxSurge"},
		{APPS "Deployment", "spec.strategy.rollingUpdate.maxUnavailable"},
		{APPS "DaemonSet", "spec.updateStrategy.rollingUpdate.maxUnavailable"},
		{CORE "Pod", "spec.containers[].livenessProbe.httpGet.port"},
		{CORE "Pod", "spec.containers[].readinessProbe.tcpSocket.port"},
	};
	for (size_t i = 0; i < sizeof(ios) / sizeof(ios[0]); i++) {
		const cs_json *s = walk(defs, V2_PREFIX, ios[i].def, ios[i].path);
		assert_string_equal(cs_json_get_str(s, "$ref"),
				    V2_PREFIX "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
		assert_null(cs_json_get(s, "type"));
	}
	const cs_json *io = cs_json_get(defs, "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
	assert_string_equal(cs_json_get_str(io, "type"), "string");
	assert_string_equal(cs_json_get_str(io, "format"), "int-or-string");
	assert_true(cs_json_as_bool(cs_json_get(io, "x-kubernetes-int-or-string"), false));

	const cs_json *limits =
		walk(defs, V2_PREFIX, CORE "Pod", "spec.containers[].resources.limits");
	assert_string_equal(cs_json_get_str(limits, "type"), "object");
	assert_string_equal(cs_json_str(cs_json_path(limits, "additionalProperties", "$ref", NULL)),
			    V2_PREFIX "io.k8s.apimachinery.pkg.api.resource.Quantity");
	const cs_json *size =
		walk(defs, V2_PREFIX, CORE "Pod", "spec.volumes[].emptyDir.sizeLimit");
	assert_string_equal(cs_json_get_str(size, "$ref"),
			    V2_PREFIX "io.k8s.apimachinery.pkg.api.resource.Quantity");
	/* v2 validation accepts any scalar for a string, so cpu: 1 passes. */
	const cs_json *q = cs_json_get(defs, "io.k8s.apimachinery.pkg.api.resource.Quantity");
	assert_string_equal(cs_json_get_str(q, "type"), "string");
	cs_json_free(doc);

	/* v3 spells both as unions, as Kubernetes does. */
	doc = cs_openapi_v3_doc("api/v1");
	const cs_json *schemas = cs_json_path(doc, "components", "schemas", NULL);
	static const struct {
		const char *def, *a, *b;
	} unions[] = {
		{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "integer", "string"},
		{"io.k8s.apimachinery.pkg.api.resource.Quantity", "string", "number"},
	};
	for (size_t i = 0; i < 2; i++) {
		const cs_json *u = cs_json_get(schemas, unions[i].def);
		assert_non_null(u);
		assert_null(cs_json_get(u, "type"));
		const cs_json *one_of = cs_json_get(u, "oneOf");
		assert_int_equal(cs_json_len(one_of), 2);
		assert_string_equal(cs_json_get_str(cs_json_at(one_of, 0), "type"), unions[i].a);
		assert_string_equal(cs_json_get_str(cs_json_at(one_of, 1), "type"), unions[i].b);
	}
	assert_true(cs_json_as_bool(cs_json_path(schemas,
						 "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
						 "x-kubernetes-int-or-string", NULL),
				    false));
	const cs_json *target = walk(schemas, V3_PREFIX, CORE "Service", "spec.ports[].targetPort");
	assert_non_null(cs_json_get(target, "description"));
	assert_string_equal(cs_json_get_str(cs_json_at(cs_json_get(target, "allOf"), 0), "$ref"),
			    V3_PREFIX "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
	cs_json_free(doc);
}

/* Every object definition with properties is complete or kubectl rejects
 * valid manifests: the fields of a few key types, exactly. */
static void assert_fields(const cs_json *defs, const char *def, const char *fields,
			  const char *required)
{
	const cs_json *props = cs_json_path(defs, def, "properties", NULL);
	if (!props)
		fail_msg("%s lists no properties", def);
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", fields);
	size_t n = 0;
	for (char *sp, *f = strtok_r(buf, " ", &sp); f; f = strtok_r(NULL, " ", &sp), n++)
		if (!cs_json_get(props, f))
			fail_msg("%s lacks %s", def, f);
	if (n != cs_json_len(props))
		fail_msg("%s has %zu fields, want %zu", def, cs_json_len(props), n);
	const cs_json *req = cs_json_path(defs, def, "required", NULL);
	char got[256] = "";
	for (size_t i = 0; i < cs_json_len(req); i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 cs_json_str(cs_json_at(req, i)));
	assert_string_equal(got, required);
}

#define CONTAINER_FIELDS                                                                           \
	"args command env envFrom image imagePullPolicy lifecycle livenessProbe name ports "       \
	"readinessProbe resizePolicy resources restartPolicy securityContext startupProbe stdin "  \
	"stdinOnce terminationMessagePath terminationMessagePolicy tty volumeDevices "             \
	"volumeMounts workingDir"

static void test_complete_definitions(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	const cs_json *defs = cs_json_get(doc, "definitions");
	assert_fields(defs, CORE "Container", CONTAINER_FIELDS, "name");
	assert_fields(defs, CORE "EphemeralContainer", CONTAINER_FIELDS " targetContainerName",
		      "name");
	assert_fields(defs, CORE "ContainerPort", "containerPort hostIP hostPort name protocol",
		      "containerPort");
	assert_fields(defs, CORE "EnvVar", "name value valueFrom", "name");
	assert_fields(defs, CORE "VolumeMount",
		      "mountPath mountPropagation name readOnly recursiveReadOnly subPath "
		      "subPathExpr",
		      "name mountPath");
	assert_fields(defs, CORE "ServicePort",
		      "appProtocol name nodePort port protocol targetPort", "port");
	assert_fields(defs, CORE "ResourceRequirements", "claims limits requests", "");
	assert_fields(defs, CORE "PodTemplateSpec", "metadata spec", "");
	assert_fields(defs, APPS "DeploymentSpec",
		      "minReadySeconds paused progressDeadlineSeconds replicas "
		      "revisionHistoryLimit selector strategy template",
		      "selector template");
	assert_fields(defs, APPS "DeploymentStrategy", "rollingUpdate type", "");
	assert_fields(defs, BATCH "CronJobSpec",
		      "concurrencyPolicy failedJobsHistoryLimit jobTemplate schedule "
		      "startingDeadlineSeconds successfulJobsHistoryLimit suspend timeZone",
		      "schedule jobTemplate");
	assert_fields(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
		      "matchExpressions matchLabels", "");
	/* A volume is its name plus one key per source: 30 of them. */
	const cs_json *vol = cs_json_path(defs, CORE "Volume", "properties", NULL);
	assert_int_equal(cs_json_len(vol), 31);
	static const char *const sources[] = {
		"configMap", "secret", "emptyDir",  "hostPath",    "persistentVolumeClaim",
		"projected", "csi",    "ephemeral", "downwardAPI", "nfs",
		"image",     NULL};
	for (const char *const *s = sources; *s; s++) {
		const cs_json *d = deref(defs, cs_json_get(vol, *s), V2_PREFIX);
		if (!cs_json_get(d, "properties"))
			fail_msg("volume source %s is not modelled", *s);
	}
	/* Deprecated in-tree plugins stay open objects: no properties at all. */
	const cs_json *gce = cs_json_get(vol, "gcePersistentDisk");
	assert_string_equal(cs_json_get_str(gce, "type"), "object");
	assert_null(cs_json_get(gce, "properties"));

	/* Across all definitions: required fields exist, arrays have items,
	 * maps have value schemas. */
	for (size_t i = 0; i < cs_json_len(defs); i++) {
		const char *name = defs->u.obj.keys[i];
		const cs_json *d = defs->u.obj.vals[i];
		const cs_json *props = cs_json_get(d, "properties");
		const cs_json *req = cs_json_get(d, "required");
		for (size_t r = 0; r < cs_json_len(req); r++)
			if (!cs_json_get(props, cs_json_str(cs_json_at(req, r))))
				fail_msg("%s requires missing field %s", name,
					 cs_json_str(cs_json_at(req, r)));
		for (size_t p = 0; p < cs_json_len(props); p++) {
			const cs_json *ps = props->u.obj.vals[p];
			const char *type = cs_json_get_str(ps, "type");
			if (type && !strcmp(type, "array") && !cs_json_get(ps, "items"))
				fail_msg("%s.%s: array without items", name, props->u.obj.keys[p]);
			if (!type && !cs_json_get(ps, "$ref"))
				fail_msg("%s.%s: neither type nor $ref", name,
					 props->u.obj.keys[p]);
		}
	}
	cs_json_free(doc);
}

/* A small version of kubectl's client-side validation: unknown fields of a
 * modelled object and non-object values where one is modelled.  Returns the
 * number of problems found. */
static int validate(const cs_json *defs, const cs_json *schema, const cs_json *v)
{
	schema = deref(defs, schema, V2_PREFIX);
	const char *type = cs_json_get_str(schema, "type");
	if (!type)
		return 0;
	if (!strcmp(type, "array")) {
		if (!cs_json_is(v, CS_JSON_ARRAY))
			return 1;
		int bad = 0;
		for (size_t i = 0; i < cs_json_len(v); i++)
			bad += validate(defs, cs_json_get(schema, "items"), cs_json_at(v, i));
		return bad;
	}
	if (strcmp(type, "object"))
		return cs_json_is(v, CS_JSON_OBJECT) || cs_json_is(v, CS_JSON_ARRAY);
	if (!cs_json_is(v, CS_JSON_OBJECT))
		return 1;
	const cs_json *props = cs_json_get(schema, "properties");
	const cs_json *addl = cs_json_get(schema, "additionalProperties");
	int bad = 0;
	for (size_t i = 0; i < v->u.obj.len; i++) {
		const cs_json *ps = props ? cs_json_get(props, v->u.obj.keys[i]) : addl;
		if (props && !ps)
			bad++;
		else if (ps)
			bad += validate(defs, ps, v->u.obj.vals[i]);
	}
	return bad;
}

static const char manifest[] =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
	"\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}},"
	"\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	"\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}},"
	"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
	"\"containers\":[{\"name\":\"web\",\"image\":\"nginx\","
	"\"ports\":[{\"containerPort\":80,\"name\":\"http\"}],"
	"\"env\":[{\"name\":\"A\",\"valueFrom\":"
	"{\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}}],"
	"\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"1Gi\"}},"
	"\"livenessProbe\":{\"httpGet\":{\"path\":\"/\",\"port\":\"http\"},\"periodSeconds\":5},"
	"\"securityContext\":{\"capabilities\":{\"drop\":[\"ALL\"]},\"runAsNonRoot\":true},"
	"\"volumeMounts\":[{\"name\":\"cfg\",\"mountPath\":\"/etc/cfg\"}]}],"
	"\"volumes\":[{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\",\"items\":"
	"[{\"key\":\"a\",\"path\":\"b\"}]}},{\"name\":\"t\",\"emptyDir\":{\"sizeLimit\":\"1Gi\"}}],"
	"\"affinity\":{\"podAntiAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
	"[{\"weight\":1,\"podAffinityTerm\":{\"topologyKey\":\"zone\",\"labelSelector\":"
	"{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[\"web\"]}]}}}]}},"
	"\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}}}}";

static void test_validates_manifests(void **state)
{
	(void)state;
	cs_json *doc = cs_openapi_v2_json();
	const cs_json *defs = cs_json_get(doc, "definitions");
	const cs_json *deploy = cs_json_get(defs, APPS "Deployment");
	char err[128];
	cs_json *m = cs_json_parse(manifest, strlen(manifest), err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(validate(defs, deploy, m), 0);

	/* A misspelt container field, a misplaced volume source and a string
	 * where an object belongs are each caught. */
	cs_json *pod_spec = cs_json_path(m, "spec", "template", "spec", NULL);
	cs_json *c0 = cs_json_at(cs_json_get(pod_spec, "containers"), 0);
	cs_json_set(c0, "imagee", cs_json_string("nginx"));
	assert_int_equal(validate(defs, deploy, m), 1);
	cs_json_del(c0, "imagee");
	cs_json *v0 = cs_json_at(cs_json_get(pod_spec, "volumes"), 0);
	cs_json_set(v0, "configmap", cs_json_object());
	assert_int_equal(validate(defs, deploy, m), 1);
	cs_json_del(v0, "configmap");
	cs_json_set(cs_json_get(m, "spec"), "strategy", cs_json_string("Recreate"));
	assert_int_equal(validate(defs, deploy, m), 1);
	cs_json_free(m);
	cs_json_free(doc);
}

/* ---- v2 protobuf: a minimal decoder ---- */

typedef struct {
	const unsigned char *p;
	size_t n;
} span;

static bool rd_varint(span *s, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (!s->n)
			return false;
		unsigned char b = *s->p++;
		s->n--;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Next field of a message; fails the test on malformed input. */
static bool next_field(span *s, unsigned *field, unsigned *wt, span *val, uint64_t *num)
{
	if (!s->n)
		return false;
	uint64_t key;
	assert_true(rd_varint(s, &key));
	*field = (unsigned)(key >> 3);
	*wt = (unsigned)(key & 7);
	assert_true(*field > 0);
	if (*wt == 0) {
		assert_true(rd_varint(s, num));
	} else if (*wt == 2) {
		uint64_t len;
		assert_true(rd_varint(s, &len));
		assert_true(len <= s->n);
		val->p = s->p;
		val->n = (size_t)len;
		s->p += len;
		s->n -= (size_t)len;
	} else {
		fail_msg("unexpected wire type %u for field %u", *wt, *field);
	}
	return true;
}

/* The nth length-delimited occurrence of field in msg. */
static bool get_len(span msg, unsigned want, size_t nth, span *out)
{
	unsigned f, wt;
	span v;
	uint64_t num;
	while (next_field(&msg, &f, &wt, &v, &num)) {
		if (f != want)
			continue;
		assert_int_equal(wt, 2);
		if (nth-- == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

static size_t count_field(span msg, unsigned want)
{
	unsigned f, wt;
	span v;
	uint64_t num;
	size_t n = 0;
	while (next_field(&msg, &f, &wt, &v, &num))
		n += f == want;
	return n;
}

static bool get_varint(span msg, unsigned want, uint64_t *out)
{
	unsigned f, wt;
	span v;
	uint64_t num;
	while (next_field(&msg, &f, &wt, &v, &num))
		if (f == want) {
			assert_int_equal(wt, 0);
			*out = num;
			return true;
		}
	return false;
}

static bool span_is(span s, const char *str)
{
	return s.n == strlen(str) && !memcmp(s.p, str, s.n);
}

static void assert_str_field(span msg, unsigned field, const char *want)
{
	span v;
	if (!get_len(msg, field, 0, &v))
		fail_msg("field %u missing (want \"%s\")", field, want);
	if (!span_is(v, want))
		fail_msg("field %u is \"%.*s\", want \"%s\"", field, (int)v.n, v.p, want);
}

/* Named* messages: {1: name, 2: value}, repeated as field `field` of msg. */
static bool find_named(span msg, unsigned field, const char *name, span *value)
{
	span entry, n;
	for (size_t i = 0; get_len(msg, field, i, &entry); i++)
		if (get_len(entry, 1, 0, &n) && span_is(n, name)) {
			assert_true(get_len(entry, 2, 0, value));
			return true;
		}
	return false;
}

/* Schema.vendor_extension (31) NamedAny -> Any.yaml (2). */
static void assert_extension(span msg, unsigned field, const char *name, const char *yaml)
{
	span any;
	if (!find_named(msg, field, name, &any))
		fail_msg("no vendor extension %s", name);
	assert_str_field(any, 2, yaml);
}

static void test_v2_proto(void **state)
{
	(void)state;
	size_t len = 0, len2 = 0;
	unsigned char *buf = cs_openapi_v2_proto(&len);
	assert_non_null(buf);
	assert_true(len > 1000);
	unsigned char *again = cs_openapi_v2_proto(&len2);
	assert_non_null(again);
	assert_ptr_not_equal(buf, again);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	free(again);

	span doc = {buf, len};
	/* Document: swagger = 1, info = 2, paths = 8, definitions = 9; the whole
	 * buffer must parse as fields of known wire types. */
	unsigned f, wt;
	span v;
	uint64_t num;
	span walk = doc;
	while (next_field(&walk, &f, &wt, &v, &num))
		assert_true(f == 1 || f == 2 || f == 8 || f == 9);
	assert_str_field(doc, 1, "2.0");
	span info, paths, defs;
	assert_true(get_len(doc, 2, 0, &info));
	assert_str_field(info, 1, "capstan");
	assert_true(get_len(doc, 8, 0, &paths));
	assert_true(get_len(doc, 9, 0, &defs));

	cs_json *json = cs_openapi_v2_json();
	assert_int_equal(count_field(defs, 1), cs_json_len(cs_json_get(json, "definitions")));
	assert_int_equal(count_field(paths, 2), cs_json_len(cs_json_get(json, "paths")));
	cs_json_free(json);

	/* Definitions: NamedSchema{name, Schema}. */
	span dep, pod, props, md, om;
	assert_true(find_named(defs, 1, "io.k8s.api.apps.v1.Deployment", &dep));
	span type;
	assert_true(get_len(dep, 22, 0, &type)); /* TypeItem */
	assert_str_field(type, 1, "object");
	assert_extension(dep, 31, "x-kubernetes-group-version-kind",
			 "- group: apps\n  kind: Deployment\n  version: v1\n");
	assert_true(find_named(defs, 1, "io.k8s.api.core.v1.Pod", &pod));
	assert_extension(pod, 31, "x-kubernetes-group-version-kind",
			 "- group: \"\"\n  kind: Pod\n  version: v1\n");
	assert_true(get_len(pod, 25, 0, &props)); /* Properties{NamedSchema} */
	assert_true(find_named(props, 1, "metadata", &md));
	assert_str_field(md, 1, "#/definitions/" META "ObjectMeta"); /* Schema._ref */
	assert_false(get_len(md, 22, 0, &type));

	span lease;
	assert_true(find_named(defs, 1, "io.k8s.api.coordination.v1.Lease", &lease));
	assert_extension(lease, 31, "x-kubernetes-group-version-kind",
			 "- group: coordination.k8s.io\n  kind: Lease\n  version: v1\n");

	/* ObjectMeta.labels: additionalProperties (21) -> schema (1) of type string. */
	span labels, addl, inner;
	assert_true(find_named(defs, 1, META "ObjectMeta", &om));
	assert_true(get_len(om, 25, 0, &props));
	assert_true(find_named(props, 1, "labels", &labels));
	assert_true(get_len(labels, 21, 0, &addl));
	assert_true(get_len(addl, 1, 0, &inner));
	assert_true(get_len(inner, 22, 0, &type));
	assert_str_field(type, 1, "string");
	span finalizers, items;
	assert_true(find_named(props, 1, "finalizers", &finalizers));
	assert_true(get_len(finalizers, 23, 0, &items)); /* ItemsItem{repeated Schema} */
	assert_true(get_len(items, 1, 0, &inner));
	assert_true(get_len(inner, 22, 0, &type));
	assert_str_field(type, 1, "string");

	/* Patch metadata reaches kubectl 1.20, which only reads this document,
	 * as vendor extensions (31) of the property schemas. */
	span container, ports, vol_spec, volumes, dspec, strategy, ios;
	assert_true(find_named(defs, 1, "io.k8s.api.core.v1.Container", &container));
	assert_true(get_len(container, 25, 0, &props));
	assert_true(find_named(props, 1, "ports", &ports));
	assert_extension(ports, 31, "x-kubernetes-patch-merge-key", "containerPort\n");
	assert_extension(ports, 31, "x-kubernetes-patch-strategy", "merge\n");
	assert_extension(ports, 31, "x-kubernetes-list-type", "map\n");
	assert_extension(ports, 31, "x-kubernetes-list-map-keys", "- containerPort\n- protocol\n");
	assert_true(find_named(defs, 1, "io.k8s.api.core.v1.PodSpec", &vol_spec));
	assert_true(get_len(vol_spec, 25, 0, &props));
	assert_true(find_named(props, 1, "volumes", &volumes));
	assert_extension(volumes, 31, "x-kubernetes-patch-strategy", "\"merge,retainKeys\"\n");
	assert_extension(volumes, 31, "x-kubernetes-patch-merge-key", "name\n");
	/* A $ref property keeps its extensions next to the reference. */
	assert_true(find_named(defs, 1, "io.k8s.api.apps.v1.DeploymentSpec", &dspec));
	assert_true(get_len(dspec, 25, 0, &props));
	assert_true(find_named(props, 1, "strategy", &strategy));
	assert_str_field(strategy, 1, "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy");
	assert_extension(strategy, 31, "x-kubernetes-patch-strategy", "retainKeys\n");
	assert_true(find_named(defs, 1, "io.k8s.apimachinery.pkg.util.intstr.IntOrString", &ios));
	assert_str_field(ios, 2, "int-or-string"); /* Schema.format */
	assert_extension(ios, 31, "x-kubernetes-int-or-string", "true\n");

	/* WatchEvent.required (19) is a repeated string. */
	span we, req;
	assert_true(find_named(defs, 1, META "WatchEvent", &we));
	assert_true(get_len(we, 19, 0, &req) && span_is(req, "type"));
	assert_true(get_len(we, 19, 1, &req) && span_is(req, "object"));

	/* Paths: NamedPathItem (2) -> PathItem.patch (8) -> Operation. */
	span item, patch;
	assert_true(find_named(paths, 2, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
			       &item));
	assert_true(get_len(item, 8, 0, &patch));
	assert_str_field(patch, 5, "patchAppsV1NamespacedDeployment");
	assert_extension(patch, 13, "x-kubernetes-group-version-kind",
			 "group: apps\nkind: Deployment\nversion: v1\n");
	assert_extension(patch, 13, "x-kubernetes-action", "patch\n");
	bool dry_run = false, body = false;
	span pi;
	for (size_t i = 0; get_len(patch, 8, i, &pi); i++) { /* ParametersItem */
		span param, sub, q;
		assert_true(get_len(pi, 1, 0, &param));
		if (get_len(param, 1, 0, &sub)) { /* BodyParameter */
			assert_str_field(sub, 3, "body");
			span schema;
			assert_true(get_len(sub, 5, 0, &schema));
			assert_str_field(schema, 1, "#/definitions/" META "Patch");
			body = true;
			continue;
		}
		assert_true(get_len(param, 2, 0, &sub)); /* NonBodyParameter */
		assert_true(get_len(sub, 3, 0, &q));     /* QueryParameterSubSchema */
		assert_str_field(q, 2, "query");
		span name;
		assert_true(get_len(q, 4, 0, &name));
		assert_false(span_is(name, "fieldValidation"));
		dry_run |= span_is(name, "dryRun");
	}
	assert_true(dry_run);
	assert_true(body);
	/* Path-level parameters (9): the name path parameter, required. */
	span param, nb, pp;
	assert_true(get_len(item, 9, 0, &pi));
	assert_true(get_len(pi, 1, 0, &param));
	assert_true(get_len(param, 2, 0, &nb));
	assert_true(get_len(nb, 4, 0, &pp)); /* PathParameterSubSchema */
	assert_str_field(pp, 4, "name");
	uint64_t required = 0;
	assert_true(get_varint(pp, 1, &required));
	assert_int_equal(required, 1);

	/* Responses (9) -> NamedResponseValue "200" -> ResponseValue -> Response. */
	span resps, rv, resp, schema_item, schema;
	assert_true(get_len(patch, 9, 0, &resps));
	assert_true(find_named(resps, 1, "200", &rv));
	assert_true(get_len(rv, 1, 0, &resp));
	assert_str_field(resp, 1, "OK");
	assert_true(get_len(resp, 2, 0, &schema_item));
	assert_true(get_len(schema_item, 1, 0, &schema));
	assert_str_field(schema, 1, "#/definitions/io.k8s.api.apps.v1.Deployment");
	free(buf);
}

/* ---- v3 ---- */

static void test_v3_index(void **state)
{
	(void)state;
	cs_json *idx = cs_openapi_v3_index();
	assert_non_null(idx);
	const cs_json *paths = cs_json_get(idx, "paths");
	size_t gvs = 0;
	for (size_t i = 0; i < cs_types_count; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(cs_types[i].group, cs_types[j].group) &&
				!strcmp(cs_types[i].version, cs_types[j].version);
		if (seen)
			continue;
		gvs++;
		char gv[128], prefix[192];
		gv_path(&cs_types[i], gv, sizeof(gv));
		const char *url = cs_json_str(cs_json_path(paths, gv, "serverRelativeURL", NULL));
		if (!url)
			fail_msg("v3 index lacks %s", gv);
		snprintf(prefix, sizeof(prefix), "/openapi/v3/%s?hash=", gv);
		assert_int_equal(strncmp(url, prefix, strlen(prefix)), 0);
		const char *hash = url + strlen(prefix);
		assert_int_equal(strlen(hash), 16);
		assert_int_equal(strspn(hash, "0123456789ABCDEF"), 16);
	}
	assert_int_equal(cs_json_len(paths), gvs);
	assert_non_null(cs_json_get(paths, "api/v1"));
	assert_non_null(cs_json_get(paths, "apis/apps/v1"));
	cs_json_free(idx);
}

static void test_v3_docs(void **state)
{
	(void)state;
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		char gv[128], name[192];
		gv_path(t, gv, sizeof(gv));
		cs_json *doc = cs_openapi_v3_doc(gv);
		assert_non_null(doc);
		assert_string_equal(cs_json_get_str(doc, "openapi"), "3.0.0");
		const cs_json *schemas = cs_json_path(doc, "components", "schemas", NULL);
		def_name(t, false, name, sizeof(name));
		const cs_json *d = cs_json_get(schemas, name);
		if (!d)
			fail_msg("%s lacks %s", gv, name);
		const cs_json *g = cs_json_get(d, "x-kubernetes-group-version-kind");
		assert_true(gvk_matches(cs_json_at(g, 0), t->group, t->version, t->kind));
		/* OpenAPI 3 ignores $ref siblings: the description moves next to
		 * an allOf holding the reference. */
		const cs_json *md = cs_json_path(d, "properties", "metadata", NULL);
		assert_null(cs_json_get(md, "$ref"));
		assert_non_null(cs_json_get(md, "description"));
		const cs_json *target = cs_json_at(cs_json_get(md, "allOf"), 0);
		assert_string_equal(cs_json_get_str(target, "$ref"),
				    "#/components/schemas/" META "ObjectMeta");
		no_ref_siblings(doc);

		ref_check rc = {schemas, "#/components/schemas/", 0};
		each_ref(doc, check_ref, &rc);
		char *text = cs_json_dump(doc, false, NULL);
		assert_null(strstr(text, "#/definitions/"));
		assert_null(strstr(text, "fieldValidation"));
		free(text);

		const cs_json *paths = cs_json_get(doc, "paths");
		assert_true(cs_json_len(paths) > 0);
		for (size_t p = 0; p < cs_json_len(paths); p++) {
			const char *key = paths->u.obj.keys[p];
			if (key[0] != '/' || strncmp(key + 1, gv, strlen(gv)) ||
			    key[1 + strlen(gv)] != '/')
				fail_msg("%s doc has foreign path %s", gv, key);
		}
		/* Kinds of other group versions stay out unless referenced (a
		 * StatefulSet's volumeClaimTemplates are core PersistentVolumeClaims). */
		for (size_t j = 0; j < cs_types_count; j++) {
			def_name(&cs_types[j], false, name, sizeof(name));
			bool same = !strcmp(cs_types[j].group, t->group) &&
				    !strcmp(cs_types[j].version, t->version);
			char want[256];
			snprintf(want, sizeof(want), "#/components/schemas/%s", name);
			ref_find rf = {want, false};
			each_ref(doc, find_ref, &rf);
			assert_int_equal(cs_json_get(schemas, name) != NULL, same || rf.found);
		}
		cs_json_free(doc);
	}

	cs_json *doc = cs_openapi_v3_doc("apis/apps/v1");
	const cs_json *patch = cs_json_path(
		doc, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch",
		NULL);
	assert_non_null(patch);
	assert_true(gvk_matches(cs_json_get(patch, "x-kubernetes-group-version-kind"), "apps", "v1",
				"Deployment"));
	assert_true(has_param(patch, "dryRun"));
	/* The body moved to requestBody: the first parameter is a query one. */
	const cs_json *first = cs_json_at(cs_json_get(patch, "parameters"), 0);
	assert_string_equal(cs_json_get_str(first, "name"), "dryRun");
	const cs_json *media =
		cs_json_path(patch, "requestBody", "content",
			     "application/strategic-merge-patch+json", "schema", "$ref", NULL);
	assert_string_equal(cs_json_str(media), "#/components/schemas/" META "Patch");
	assert_string_equal(cs_json_str(cs_json_path(patch, "responses", "200", "content",
						     "application/json", "schema", "$ref", NULL)),
			    "#/components/schemas/io.k8s.api.apps.v1.Deployment");
	const cs_json *ns = cs_json_at(
		cs_json_path(doc, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments",
			     "parameters", NULL),
		0);
	assert_string_equal(cs_json_get_str(ns, "in"), "path");
	assert_string_equal(cs_json_str(cs_json_path(ns, "schema", "type", NULL)), "string");
	cs_json_free(doc);

	assert_null(cs_openapi_v3_doc(NULL));
	assert_null(cs_openapi_v3_doc(""));
	assert_null(cs_openapi_v3_doc("apis/apps"));
	assert_null(cs_openapi_v3_doc("apis/nope/v1"));
	assert_null(cs_openapi_v3_doc("/api/v1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_definitions),
		cmocka_unit_test(test_v2_object_meta_and_fields),
		cmocka_unit_test(test_v2_paths),
		cmocka_unit_test(test_v2_json_is_a_copy),
		cmocka_unit_test(test_patch_metadata),
		cmocka_unit_test(test_int_or_string_and_quantity),
		cmocka_unit_test(test_complete_definitions),
		cmocka_unit_test(test_validates_manifests),
		cmocka_unit_test(test_v2_proto),
		cmocka_unit_test(test_v3_index),
		cmocka_unit_test(test_v3_docs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
