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

static bool gvk_matches(const cs_json *g, const char *group, const char *version,
			const char *kind)
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

static const char *const methods[] = {"get", "put", "post", "delete", "patch", NULL};

/* Every parameter of every operation and path item. */
static void each_param(const cs_json *paths, void (*fn)(const char *path, const char *method,
							 const cs_json *p, void *ctx),
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
		if (t->has_spec) {
			const cs_json *spec = cs_json_get(props, "spec");
			assert_string_equal(cs_json_get_str(spec, "type"), "object");
			assert_null(cs_json_get(spec, "properties"));
			assert_null(cs_json_get(spec, "additionalProperties"));
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
		assert_string_equal(cs_json_str(cs_json_path(d, "properties", "metadata", "$ref",
							     NULL)),
				    "#/definitions/" META "ListMeta");
	}

	/* Definitions kubectl's models parser would reject on a dangling $ref. */
	ref_check rc = {defs, "#/definitions/", 0};
	each_ref(doc, check_ref, &rc);
	assert_true(rc.n > cs_types_count * 10);

	/* Names as Kubernetes spells them. */
	static const char *const known[] = {
		"io.k8s.api.core.v1.Pod", "io.k8s.api.apps.v1.Deployment",
		"io.k8s.api.batch.v1.Job",
		"io.k8s.api.storage.v1.StorageClass", "io.k8s.api.coordination.v1.Lease",
		"io.k8s.api.core.v1.PodList", META "Status", META "DeleteOptions", NULL};
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
	static const char *const strs[] = {"name", "namespace", "uid", "resourceVersion",
					   "generateName", "selfLink", NULL};
	for (const char *const *f = strs; *f; f++)
		assert_string_equal(cs_json_str(cs_json_path(om, *f, "type", NULL)), "string");
	assert_string_equal(cs_json_str(cs_json_path(om, "generation", "type", NULL)), "integer");
	assert_string_equal(cs_json_str(cs_json_path(om, "creationTimestamp", "format", NULL)),
			    "date-time");
	assert_string_equal(cs_json_str(cs_json_path(om, "deletionTimestamp", "format", NULL)),
			    "date-time");
	assert_string_equal(cs_json_str(cs_json_path(om, "labels", "additionalProperties", "type",
						     NULL)),
			    "string");
	assert_string_equal(cs_json_str(cs_json_path(om, "annotations", "type", NULL)), "object");
	assert_string_equal(cs_json_str(cs_json_path(om, "finalizers", "items", "type", NULL)),
			    "string");
	assert_string_equal(cs_json_str(cs_json_path(om, "ownerReferences", "type", NULL)),
			    "array");
	assert_string_equal(cs_json_str(cs_json_path(om, "managedFields", "items", "type", NULL)),
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
	assert_string_equal(cs_json_str(cs_json_path(secret, "data", "additionalProperties",
						     "format", NULL)),
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
		const char *action = cs_json_str(cs_json_path(c, "get", "x-kubernetes-action",
							      NULL));
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
			const cs_json *g = cs_json_path(scale, "get",
							"x-kubernetes-group-version-kind", NULL);
			assert_true(gvk_matches(g, "autoscaling", "v1", "Scale"));
		}
	}
	const cs_json *op = cs_json_path(paths, "/api/v1/namespaces/{namespace}/pods", "get", NULL);
	assert_string_equal(cs_json_get_str(op, "operationId"), "listCoreV1NamespacedPod");
	op = cs_json_path(paths, "/apis/storage.k8s.io/v1/storageclasses/{name}", "delete", NULL);
	assert_string_equal(cs_json_get_str(op, "operationId"), "deleteStorageV1StorageClass");
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
		assert_true(get_len(param, 2, 0, &sub));  /* NonBodyParameter */
		assert_true(get_len(sub, 3, 0, &q));      /* QueryParameterSubSchema */
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
		assert_string_equal(cs_json_str(cs_json_path(d, "properties", "metadata", "$ref",
							     NULL)),
				    "#/components/schemas/" META "ObjectMeta");

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
		/* Kinds of other group versions stay out. */
		for (size_t j = 0; j < cs_types_count; j++) {
			def_name(&cs_types[j], false, name, sizeof(name));
			bool same = !strcmp(cs_types[j].group, t->group) &&
				    !strcmp(cs_types[j].version, t->version);
			assert_int_equal(cs_json_get(schemas, name) != NULL, same);
		}
		cs_json_free(doc);
	}

	cs_json *doc = cs_openapi_v3_doc("apis/apps/v1");
	const cs_json *patch = cs_json_path(
		doc, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch",
		NULL);
	assert_non_null(patch);
	assert_true(gvk_matches(cs_json_get(patch, "x-kubernetes-group-version-kind"), "apps",
				"v1", "Deployment"));
	assert_true(has_param(patch, "dryRun"));
	/* The body moved to requestBody: the first parameter is a query one. */
	const cs_json *first = cs_json_at(cs_json_get(patch, "parameters"), 0);
	assert_string_equal(cs_json_get_str(first, "name"), "dryRun");
	const cs_json *media = cs_json_path(patch, "requestBody", "content",
					    "application/strategic-merge-patch+json", "schema",
					    "$ref", NULL);
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
		cmocka_unit_test(test_v2_proto),
		cmocka_unit_test(test_v3_index),
		cmocka_unit_test(test_v3_docs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
