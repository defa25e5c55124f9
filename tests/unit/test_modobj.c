/* Tests for core/modobj.c: cs_object handles as modules see them through
 * the host table (paths, typed reads, builders, writes, shared objects and
 * their reference counts, patches, errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "modobj.h"

static cs_host H;

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char pod_json[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	"\"metadata\":{\"name\":\"web-0\",\"namespace\":\"prod\","
	"\"labels\":{\"app.kubernetes.io/name\":\"web\",\"tier\":\"front\"},"
	"\"annotations\":{\"a[0]\":\"bracket\",\"c:\\\\tmp\":\"backslash\",\"x]y\":\"close\"}},"
	"\"spec\":{\"containers\":["
	"{\"name\":\"app\",\"image\":\"nginx:1.25\",\"ports\":[{\"containerPort\":80}]},"
	"{\"name\":\"side\",\"image\":\"busybox\",\"args\":[\"sleep\",\"3600\"]}],"
	"\"matrix\":[[1,2],[3,[4,5]]],\"priority\":0,\"ratio\":0.5,\"whole\":3.0,"
	"\"big\":1e300,\"huge\":99999999999999999999,\"sci\":1e2,"
	"\"min\":-9223372036854775808,\"hostNetwork\":true,\"nodeName\":null}}";

static cs_object *P(const char *s)
{
	cs_error err = {0};
	cs_object *o = H.obj_parse(s, strlen(s), &err);
	if (!o)
		fail_msg("test JSON does not parse: %s: %s", s, err.message);
	return o;
}

static void expect_json(const cs_object *got, const char *want)
{
	cs_object *w = P(want);
	if (!H.obj_equal(got, w)) {
		char *g = H.obj_json(got, NULL);
		print_error("got  %s\nwant %s\n", g, want);
		H.free(g);
		H.obj_free(w);
		fail();
	}
	H.obj_free(w);
}

static int setup(void **state)
{
	(void)state;
	memset(&H, 0, sizeof(H));
	H.size = sizeof(H);
	cs_modobj_fill(&H);
	return 0;
}

static void test_fill(void **state)
{
	(void)state;
	/* Every entry this part of the ABI owns is set. */
#define FILLED(f)                                                                                  \
	do {                                                                                       \
		if (!H.f)                                                                          \
			fail_msg("host entry " #f " is not filled");                               \
	} while (0)
	FILLED(free);
	FILLED(errorf);
	FILLED(obj_parse);
	FILLED(obj_json);
	FILLED(obj_keep);
	FILLED(obj_clone);
	FILLED(obj_free);
	FILLED(obj_type);
	FILLED(obj_equal);
	FILLED(obj_get);
	FILLED(obj_str);
	FILLED(obj_int);
	FILLED(obj_num);
	FILLED(obj_bool);
	FILLED(obj_len);
	FILLED(obj_at);
	FILLED(obj_key_at);
	FILLED(obj_new);
	FILLED(obj_new_str);
	FILLED(obj_new_int);
	FILLED(obj_new_num);
	FILLED(obj_new_bool);
	FILLED(obj_set);
	FILLED(obj_set_str);
	FILLED(obj_set_int);
	FILLED(obj_set_bool);
	FILLED(obj_append);
	FILLED(obj_remove);
	FILLED(obj_patch);
#undef FILLED
}

static void test_path_reads(void **state)
{
	(void)state;
	const cs_object *o = cs_modobj_share_text(pod_json, strlen(pod_json), NULL);
	assert_non_null(o);
	static const struct {
		const char *path, *want;
	} strs[] = {
		{"metadata.name", "web-0"},
		{"metadata.labels.app\\.kubernetes\\.io/name", "web"},
		{"metadata.annotations.a\\[0]", "bracket"},
		{"metadata.annotations.c:\\\\tmp", "backslash"},
		{"metadata.annotations.x]y", "close"},
		{"spec.containers[0].image", "nginx:1.25"},
		{"spec.containers[1].name", "side"},
		{"spec.containers[1].args[1]", "3600"},
	};
	for (size_t i = 0; i < N(strs); i++) {
		const char *got = H.obj_str(o, strs[i].path);
		if (!got || strcmp(got, strs[i].want))
			fail_msg("%s: got %s, want %s", strs[i].path, got ? got : "NULL",
				 strs[i].want);
	}
	assert_int_equal(H.obj_int(o, "spec.containers[0].ports[0].containerPort", -1), 80);
	assert_int_equal(H.obj_int(o, "spec.matrix[0][1]", -1), 2);
	assert_int_equal(H.obj_int(o, "spec.matrix[1][1][0]", -1), 4);
	assert_true(H.obj_bool(o, "spec.hostNetwork", false));
	assert_int_equal(H.obj_type(H.obj_get(o, "spec.nodeName")), CS_OBJ_NULL);
	assert_non_null(H.obj_get(o, "spec.nodeName"));

	/* NULL and "" name the value itself. */
	assert_ptr_equal(H.obj_get(o, NULL), o);
	assert_ptr_equal(H.obj_get(o, ""), o);
	const cs_object *c0 = H.obj_get(o, "spec.containers[0]");
	assert_int_equal(H.obj_type(c0), CS_OBJ_MAP);
	assert_string_equal(H.obj_str(c0, "name"), "app");
	assert_string_equal(H.obj_str(H.obj_get(o, "metadata.name"), NULL), "web-0");

	/* A root that is an array starts with an index. */
	cs_object *arr = P("[[\"a\",\"b\"],{\"k\":\"v\"}]");
	assert_string_equal(H.obj_str(arr, "[0][1]"), "b");
	assert_string_equal(H.obj_str(arr, "[1].k"), "v");
	assert_null(H.obj_get(arr, "[2]"));
	assert_null(H.obj_get(arr, "k"));
	H.obj_free(arr);

	static const char *const missing[] = {
		"metadata.nope",
		"spec.containers[2].image",
		"spec.containers.image", /* key step on an array */
		"metadata[0]",           /* index step on a map */
		"metadata.name.x",       /* into a string */
		"metadata.name[0]",      /* index into a string */
		"spec.matrix[0][2]",
		"metadata.labels.app.kubernetes.io/name", /* unescaped dots */
		"metadata.annotations.a[0]",              /* unescaped '[' */
		"Metadata.name",
	};
	for (size_t i = 0; i < N(missing); i++) {
		if (H.obj_get(o, missing[i]))
			fail_msg("%s: found a value", missing[i]);
		assert_null(H.obj_str(o, missing[i]));
		assert_int_equal(H.obj_int(o, missing[i], -7), -7);
		assert_true(H.obj_num(o, missing[i], 2.5) == 2.5);
		assert_true(H.obj_bool(o, missing[i], true));
	}
	H.obj_free(o);
}

/* Every malformed path reads as absent and refuses writes, also where a
 * lenient parser would find (or make) something. */
static void test_malformed_paths(void **state)
{
	(void)state;
	static const char doc[] =
		"{\"a\":{\"b\":\"v\",\"x\":\"v\",\"\":\"empty\"},\"l\":[\"v\",[\"v\"]],"
		"\"k\\\\\":\"v\",\"k\":\"v\",\"ab\":\"v\",\"a\\\\b\":\"v\","
		"\"l[x]\":\"v\",\"l[\":\"v\"}";
	static const char *const bad[] = {
		"a..b",  "a.b.",  ".a.b",   "a.",    "a[",    "l[x]",
		"l[-1]", "l[]",   "l[0",    "l[0]]", "l[0]x", "l[1]0",
		"l[ 0]", "l[+0]", "k\\",    "a\\b",  "a\\x",  "l[99999999999999999999999]",
		"[",     "a.[0]", "l[0]..", "\\",
	};
	cs_object *o = P(doc);
	cs_object *before = H.obj_clone(o);
	for (size_t i = 0; i < N(bad); i++) {
		const char *p = bad[i];
		if (H.obj_get(o, p))
			fail_msg("malformed path %s found a value", p);
		assert_null(H.obj_str(o, p));
		assert_int_equal(H.obj_int(o, p, 42), 42);
		assert_false(H.obj_bool(o, p, false));
		if (H.obj_set_str(o, p, "new") != -1)
			fail_msg("malformed path %s: obj_set succeeded", p);
		/* ownership of val is taken on failure too: ASan reports a leak */
		assert_int_equal(H.obj_set(o, p, H.obj_new(CS_OBJ_MAP)), -1);
		if (H.obj_remove(o, p) != -1)
			fail_msg("malformed path %s: obj_remove succeeded", p);
		if (!H.obj_equal(o, before))
			fail_msg("malformed path %s changed the object", p);
	}
	/* The escapes those keys need do work. */
	assert_string_equal(H.obj_str(o, "k\\\\"), "v");
	assert_string_equal(H.obj_str(o, "a\\\\b"), "v");
	assert_string_equal(H.obj_str(o, "l\\[x]"), "v");
	H.obj_free(before);
	H.obj_free(o);
}

static void test_typed_reads(void **state)
{
	(void)state;
	cs_object *o = P(pod_json);
	/* wrong types give the fallback */
	assert_null(H.obj_str(o, "spec.priority"));
	assert_null(H.obj_str(o, "spec.hostNetwork"));
	assert_null(H.obj_str(o, "spec.nodeName"));
	assert_null(H.obj_str(o, "metadata"));
	assert_int_equal(H.obj_int(o, "metadata.name", -1), -1);
	assert_int_equal(H.obj_int(o, "spec.hostNetwork", -1), -1);
	assert_true(H.obj_num(o, "metadata.name", -1.5) == -1.5);
	assert_true(H.obj_bool(o, "metadata.name", true));
	assert_false(H.obj_bool(o, "spec.priority", false)); /* 0 is not false */
	assert_true(H.obj_bool(o, "spec.nodeName", true));

	/* integers: exact or fallback, never a silent truncation */
	assert_int_equal(H.obj_int(o, "spec.priority", -1), 0);
	assert_int_equal(H.obj_int(o, "spec.whole", -1), 3);
	assert_int_equal(H.obj_int(o, "spec.sci", -1), 100);
	assert_int_equal(H.obj_int(o, "spec.ratio", -1), -1);
	assert_int_equal(H.obj_int(o, "spec.big", -1), -1);
	assert_int_equal(H.obj_int(o, "spec.huge", -1), -1);
	assert_true(H.obj_int(o, "spec.min", 0) == INT64_MIN);
	/* doubles for any number */
	assert_true(H.obj_num(o, "spec.ratio", 0) == 0.5);
	assert_true(H.obj_num(o, "spec.priority", -1) == 0.0);
	assert_true(H.obj_num(o, "spec.huge", 0) == 1e20);
	assert_true(H.obj_num(o, "spec.big", 0) == 1e300);

	/* types, lengths, iteration */
	assert_int_equal(H.obj_type(o), CS_OBJ_MAP);
	assert_int_equal(H.obj_type(H.obj_get(o, "spec.containers")), CS_OBJ_ARRAY);
	assert_int_equal(H.obj_type(H.obj_get(o, "kind")), CS_OBJ_STRING);
	assert_int_equal(H.obj_type(H.obj_get(o, "spec.ratio")), CS_OBJ_NUMBER);
	assert_int_equal(H.obj_type(H.obj_get(o, "spec.hostNetwork")), CS_OBJ_BOOL);
	assert_int_equal(H.obj_type(NULL), CS_OBJ_NULL);
	const cs_object *labels = H.obj_get(o, "metadata.labels");
	assert_int_equal(H.obj_len(labels), 2);
	assert_string_equal(H.obj_key_at(labels, 0), "app.kubernetes.io/name");
	assert_string_equal(H.obj_key_at(labels, 1), "tier");
	assert_string_equal(H.obj_str(H.obj_at(labels, 1), NULL), "front");
	assert_null(H.obj_key_at(labels, 2));
	assert_null(H.obj_at(labels, 2));
	const cs_object *cs = H.obj_get(o, "spec.containers");
	assert_int_equal(H.obj_len(cs), 2);
	assert_string_equal(H.obj_str(H.obj_at(cs, 1), "name"), "side");
	assert_null(H.obj_at(cs, 2));
	assert_null(H.obj_key_at(cs, 0));
	assert_int_equal(H.obj_len(H.obj_get(o, "kind")), 0);
	assert_null(H.obj_at(H.obj_get(o, "kind"), 0));

	/* NULL handles are absent values */
	assert_null(H.obj_get(NULL, "a"));
	assert_null(H.obj_get(NULL, NULL));
	assert_null(H.obj_str(NULL, NULL));
	assert_int_equal(H.obj_int(NULL, "a", 5), 5);
	assert_int_equal(H.obj_len(NULL), 0);
	assert_null(H.obj_at(NULL, 0));
	assert_null(H.obj_key_at(NULL, 0));
	H.obj_free(o);
}

static void test_builders_and_set(void **state)
{
	(void)state;
	static const struct {
		enum cs_obj_type t;
		const char *json;
	} empties[] = {
		{CS_OBJ_NULL, "null"},   {CS_OBJ_BOOL, "false"}, {CS_OBJ_NUMBER, "0"},
		{CS_OBJ_STRING, "\"\""}, {CS_OBJ_ARRAY, "[]"},   {CS_OBJ_MAP, "{}"},
	};
	for (size_t i = 0; i < N(empties); i++) {
		cs_object *v = H.obj_new(empties[i].t);
		assert_int_equal(H.obj_type(v), empties[i].t);
		size_t len = 0;
		char *s = H.obj_json(v, &len);
		assert_string_equal(s, empties[i].json);
		assert_int_equal(len, strlen(empties[i].json));
		H.free(s);
		H.obj_free(v);
	}
	assert_null(H.obj_new((enum cs_obj_type)99));
	assert_null(H.obj_new_str(NULL));
	assert_null(H.obj_new_num(NAN));
	assert_null(H.obj_new_num(INFINITY));
	cs_object *n = H.obj_new_num(0.25);
	assert_true(H.obj_num(n, NULL, 0) == 0.25);
	H.obj_free(n);

	cs_object *o = H.obj_new(CS_OBJ_MAP);
	assert_int_equal(H.obj_set_str(o, "apiVersion", "v1"), 0);
	assert_int_equal(H.obj_set_str(o, "metadata.labels.app\\.kubernetes\\.io/name", "web"), 0);
	assert_int_equal(H.obj_set_int(o, "spec.replicas", 3), 0);
	assert_int_equal(H.obj_set_bool(o, "spec.paused", true), 0);
	assert_int_equal(H.obj_set(o, "spec.template.spec.containers", H.obj_new(CS_OBJ_ARRAY)), 0);
	assert_int_equal(H.obj_set(o, "spec.ratio", H.obj_new_num(1.5)), 0);
	expect_json(o, "{\"apiVersion\":\"v1\","
		       "\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":\"web\"}},"
		       "\"spec\":{\"replicas\":3,\"paused\":true,"
		       "\"template\":{\"spec\":{\"containers\":[]}},\"ratio\":1.5}}");
	/* replacing keeps the key's place */
	assert_int_equal(H.obj_set_int(o, "spec.replicas", 5), 0);
	assert_string_equal(H.obj_key_at(H.obj_get(o, "spec"), 0), "replicas");
	assert_int_equal(H.obj_int(o, "spec.replicas", 0), 5);

	cs_object *before = H.obj_clone(o);
	/* crossing a scalar, no array made implicitly, NULL values */
	assert_int_equal(H.obj_set_str(o, "apiVersion.x", "y"), -1);
	assert_int_equal(H.obj_set_str(o, "spec.replicas.x.y", "y"), -1);
	assert_int_equal(H.obj_set_str(o, "spec.volumes[0]", "y"), -1);
	assert_int_equal(H.obj_set_str(o, "spec.volumes[0].name", "y"), -1);
	/* a failure deep down must not leave the maps made on the way */
	assert_int_equal(H.obj_set_str(o, "status.conditions[0].type", "Ready"), -1);
	assert_int_equal(H.obj_set_str(o, "spec.x.y[0]", "Ready"), -1);
	assert_int_equal(H.obj_set_str(o, "spec[0]", "y"), -1);
	assert_int_equal(H.obj_set_str(o, "spec", NULL), -1);
	assert_int_equal(H.obj_set(o, "spec", NULL), -1);
	assert_int_equal(H.obj_set_str(NULL, "a", "b"), -1);
	assert_int_equal(H.obj_set(NULL, "a", H.obj_new(CS_OBJ_MAP)), -1);
	assert_true(H.obj_equal(o, before));
	H.obj_free(before);

	/* the empty path replaces the value itself, in place */
	cs_object *spec = (cs_object *)H.obj_get(o, "spec");
	assert_int_equal(H.obj_set(spec, "", P("[1,2]")), 0);
	assert_ptr_equal(H.obj_get(o, "spec"), spec);
	assert_int_equal(H.obj_int(o, "spec[1]", 0), 2);
	assert_int_equal(H.obj_set_str(o, NULL, "whole"), 0);
	assert_string_equal(H.obj_str(o, NULL), "whole");
	H.obj_free(o);
}

static void test_array_index_writes(void **state)
{
	(void)state;
	cs_object *o = P("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"l\":[1,2]}");
	assert_int_equal(H.obj_set_int(o, "l[2]", 3), 0);  /* append at len */
	assert_int_equal(H.obj_set_int(o, "l[0]", 0), 0);  /* replace */
	assert_int_equal(H.obj_set_int(o, "l[4]", 9), -1); /* past the end */
	assert_int_equal(H.obj_set_int(o, "l[99999]", 9), -1);
	assert_int_equal(H.obj_set_str(o, "spec.containers[0].image", "nginx"), 0);
	cs_object *c = H.obj_new(CS_OBJ_MAP);
	assert_int_equal(H.obj_set_str(c, "name", "b"), 0);
	assert_int_equal(H.obj_set(o, "spec.containers[1]", c), 0);
	/* appending happens only as the last step */
	assert_int_equal(H.obj_set_str(o, "spec.containers[2].name", "c"), -1);
	assert_int_equal(H.obj_set_str(o, "l[3][0]", "c"), -1);
	expect_json(o, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"},"
		       "{\"name\":\"b\"}]},\"l\":[0,2,3]}");

	cs_object *l = (cs_object *)H.obj_get(o, "l");
	assert_int_equal(H.obj_append(l, H.obj_new_str("s")), 0);
	assert_int_equal(H.obj_len(l), 4);
	assert_string_equal(H.obj_str(l, "[3]"), "s");
	assert_int_equal(H.obj_append(o, H.obj_new_str("s")), -1); /* a map */
	assert_int_equal(H.obj_append(NULL, H.obj_new_str("s")), -1);
	assert_int_equal(H.obj_append(l, NULL), -1);
	assert_int_equal(H.obj_len(l), 4);
	H.obj_free(o);
}

static void test_remove(void **state)
{
	(void)state;
	cs_object *o = P(pod_json);
	assert_int_equal(H.obj_remove(o, "metadata.labels.app\\.kubernetes\\.io/name"), 0);
	assert_null(H.obj_get(o, "metadata.labels.app\\.kubernetes\\.io/name"));
	assert_int_equal(H.obj_len(H.obj_get(o, "metadata.labels")), 1);
	assert_int_equal(H.obj_remove(o, "metadata.labels.app\\.kubernetes\\.io/name"), -1);
	assert_int_equal(H.obj_remove(o, "spec.containers[0]"), 0);
	assert_string_equal(H.obj_str(o, "spec.containers[0].name"), "side");
	assert_int_equal(H.obj_len(H.obj_get(o, "spec.containers")), 1);
	assert_int_equal(H.obj_remove(o, "spec.containers[1]"), -1);
	assert_int_equal(H.obj_remove(o, "spec.containers[0].args[5]"), -1);
	assert_int_equal(H.obj_remove(o, "spec.nope.x"), -1);
	assert_int_equal(H.obj_remove(o, "kind.x"), -1);
	assert_int_equal(H.obj_remove(o, "spec[0]"), -1);
	assert_int_equal(H.obj_remove(o, "spec.containers.name"), -1);
	assert_int_equal(H.obj_remove(o, ""), -1);
	assert_int_equal(H.obj_remove(o, NULL), -1);
	assert_int_equal(H.obj_remove(NULL, "a"), -1);
	assert_int_equal(H.obj_remove(o, "spec.nodeName"), 0); /* a null is a value */
	assert_null(H.obj_get(o, "spec.nodeName"));
	assert_int_equal(H.obj_remove(o, "metadata"), 0);
	assert_null(H.obj_get(o, "metadata"));
	assert_string_equal(H.obj_str(o, "kind"), "Pod");
	H.obj_free(o);
}

static void test_shared_refuses_writes(void **state)
{
	(void)state;
	cs_error err = {0};
	const cs_object *s = cs_modobj_share_text(pod_json, strlen(pod_json), &err);
	assert_non_null(s);
	assert_int_equal(cs_modobj_refs(s), 1);
	cs_object *w = (cs_object *)s; /* what a careless module would do */
	cs_object *copy = H.obj_clone(s);
	assert_int_equal(H.obj_set_str(w, "metadata.name", "x"), -1);
	assert_int_equal(H.obj_set_str(w, "", "x"), -1);
	assert_int_equal(H.obj_remove(w, "metadata"), -1);
	cs_object *patch = P("{\"metadata\":{\"name\":\"x\"}}");
	assert_int_equal(H.obj_patch(w, CS_PATCH_MERGE, patch, &err), -1);
	assert_int_equal(err.code, 400);
	assert_non_null(strstr(err.message, "shared"));
	H.obj_free(patch);
	const cs_object *sa = cs_modobj_share_text("[1]", 3, NULL);
	assert_int_equal(H.obj_append((cs_object *)sa, H.obj_new_int(2)), -1);
	assert_int_equal(H.obj_len(sa), 1);
	H.obj_free(sa);
	assert_true(H.obj_equal(s, copy));
	H.obj_free(copy);

	/* A shared value stored into an owned tree is copied and its
	 * reference taken over: the tree owns plain nodes only. */
	cs_object *k = H.obj_keep(s);
	assert_ptr_equal(k, s);
	assert_int_equal(cs_modobj_refs(s), 2);
	cs_object *tree = H.obj_new(CS_OBJ_MAP);
	assert_int_equal(H.obj_set(tree, "pod", k), 0);
	assert_int_equal(cs_modobj_refs(s), 1);
	cs_object *list = H.obj_new(CS_OBJ_ARRAY);
	assert_int_equal(H.obj_append(list, H.obj_keep(s)), 0);
	assert_int_equal(cs_modobj_refs(s), 1);
	assert_true(H.obj_equal(H.obj_get(tree, "pod"), s));
	assert_true(H.obj_equal(H.obj_at(list, 0), s));
	assert_int_equal(H.obj_set_str(tree, "pod.metadata.name", "mine"), 0);
	assert_string_equal(H.obj_str(s, "metadata.name"), "web-0");
	H.obj_free(s);
	assert_string_equal(H.obj_str(tree, "pod.kind"), "Pod");
	assert_string_equal(H.obj_str(list, "[0].metadata.name"), "web-0");
	H.obj_free(tree);
	H.obj_free(list);
}

static void test_keep_free(void **state)
{
	(void)state;
	assert_null(cs_modobj_share(NULL));
	assert_null(H.obj_keep(NULL));
	H.obj_free(NULL);

	const cs_object *s = cs_modobj_share_text(pod_json, strlen(pod_json), NULL);
	const cs_object *k1 = H.obj_keep(s), *k2 = H.obj_keep(k1);
	assert_ptr_equal(k1, s);
	assert_ptr_equal(k2, s);
	assert_int_equal(cs_modobj_refs(s), 3);
	/* sharing an already shared object takes over its reference */
	assert_ptr_equal(cs_modobj_share((cs_json *)cs_modobj_json(k2)), s);
	assert_int_equal(cs_modobj_refs(s), 3);
	H.obj_free(k1);
	H.obj_free(s);
	assert_int_equal(cs_modobj_refs(k2), 1);
	/* still alive: ASan reports a use after free otherwise */
	assert_string_equal(H.obj_str(k2, "metadata.name"), "web-0");

	/* a borrowed sub-node of a shared object is kept as an owned copy */
	const cs_object *sub = H.obj_get(k2, "spec.containers[0]");
	cs_object *ks = H.obj_keep(sub);
	assert_ptr_not_equal(ks, sub);
	assert_true(H.obj_equal(ks, sub));
	assert_int_equal(cs_modobj_refs(ks), 0);
	assert_int_equal(cs_modobj_refs(k2), 1);
	assert_int_equal(H.obj_set_str(ks, "image", "x"), 0);
	assert_string_equal(H.obj_str(sub, "image"), "nginx:1.25");
	H.obj_free(k2);
	assert_string_equal(H.obj_str(ks, "name"), "app");
	H.obj_free(ks);

	/* an owned object is kept as a copy, too */
	cs_object *o = P("{\"a\":1}");
	cs_object *ko = H.obj_keep(o);
	assert_ptr_not_equal(ko, o);
	assert_true(H.obj_equal(ko, o));
	H.obj_free(o);
	assert_int_equal(H.obj_int(ko, "a", 0), 1);
	H.obj_free(ko);

	/* cs_modobj_share takes over a parsed tree */
	char msg[64];
	cs_json *doc = cs_json_parse("{\"x\":[1,{\"y\":2}]}", 17, msg, sizeof(msg));
	assert_non_null(doc);
	const cs_object *sd = cs_modobj_share(doc);
	assert_int_equal(H.obj_int(sd, "x[1].y", 0), 2);
	assert_true(cs_modobj_json(sd)->flags & CS_JSON_SHARED);
	H.obj_free(sd);
}

#define THREADS 4
#define ROUNDS  20000

static void *keep_free_worker(void *arg)
{
	const cs_object *s = arg;
	for (int i = 0; i < ROUNDS; i++) {
		cs_object *k = H.obj_keep(s);
		cs_object *k2 = H.obj_keep(k);
		if (strcmp(H.obj_str(k, "metadata.name"), "web-0"))
			return "wrong value";
		H.obj_free(k);
		if (H.obj_int(k2, "spec.containers[0].ports[0].containerPort", 0) != 80)
			return "wrong value";
		H.obj_free(k2);
	}
	return NULL;
}

static void test_keep_free_threads(void **state)
{
	(void)state;
	const cs_object *s = cs_modobj_share_text(pod_json, strlen(pod_json), NULL);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, keep_free_worker, (void *)s), 0);
	for (int i = 0; i < THREADS; i++) {
		void *res;
		assert_int_equal(pthread_join(t[i], &res), 0);
		if (res)
			fail_msg("worker %d: %s", i, (char *)res);
	}
	assert_int_equal(cs_modobj_refs(s), 1);
	H.obj_free(s);
}

static void test_clone_equal(void **state)
{
	(void)state;
	const cs_object *s = cs_modobj_share_text(pod_json, strlen(pod_json), NULL);
	cs_object *c = H.obj_clone(s);
	assert_ptr_not_equal(c, s);
	assert_int_equal(cs_modobj_refs(c), 0);
	assert_true(H.obj_equal(c, s));
	assert_int_equal(H.obj_set_str(c, "spec.containers[0].image", "nginx:1.26"), 0);
	assert_false(H.obj_equal(c, s));
	assert_string_equal(H.obj_str(s, "spec.containers[0].image"), "nginx:1.25");
	cs_object *c2 = H.obj_clone(c);
	assert_int_equal(H.obj_remove(c2, "metadata"), 0);
	assert_non_null(H.obj_get(c, "metadata"));
	H.obj_free(c);
	H.obj_free(s);
	assert_string_equal(H.obj_str(c2, "kind"), "Pod");
	H.obj_free(c2);
	assert_null(H.obj_clone(NULL));

	/* equality: key order does not matter, array order and types do */
	cs_object *a = P("{\"x\":1,\"y\":[1,2]}"), *b = P("{\"y\":[1,2],\"x\":1.0}");
	cs_object *d = P("{\"x\":1,\"y\":[2,1]}"), *e = P("{\"x\":\"1\",\"y\":[1,2]}");
	assert_true(H.obj_equal(a, b));
	assert_false(H.obj_equal(a, d));
	assert_false(H.obj_equal(a, e));
	assert_false(H.obj_equal(a, NULL));
	assert_true(H.obj_equal(NULL, NULL));
	H.obj_free(a);
	H.obj_free(b);
	H.obj_free(d);
	H.obj_free(e);
}

static void test_parse_and_json(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"{\"a\":", "invalid JSON"}, {"{\"a\":1}}", "invalid JSON"},
		{"{a:1}", "invalid JSON"},   {"", "invalid JSON"},
		{"   ", "invalid JSON"},     {"[1] x", "invalid JSON"},
	};
	for (size_t i = 0; i < N(bad); i++) {
		cs_error err = {0};
		assert_null(H.obj_parse(bad[i].text, strlen(bad[i].text), &err));
		assert_int_equal(err.code, 400);
		assert_string_equal(err.reason, "BadRequest");
		if (!strstr(err.message, bad[i].msg))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].text, err.message,
				 bad[i].msg);
		assert_null(H.obj_parse(bad[i].text, strlen(bad[i].text), NULL));
	}
	cs_error err = {0};
	assert_null(H.obj_parse(NULL, 4, &err));
	assert_int_equal(err.code, 400);

	/* nesting past the parser's limit */
	char deep[2 * CS_JSON_MAX_DEPTH + 4];
	size_t n = CS_JSON_MAX_DEPTH + 1;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	memset(&err, 0, sizeof(err));
	assert_null(H.obj_parse(deep, 2 * n, &err));
	assert_int_equal(err.code, 400);
	assert_non_null(strstr(err.message, "depth"));
	/* one level less is fine */
	cs_object *ok = H.obj_parse(deep + 1, 2 * n - 2, &err);
	assert_non_null(ok);
	H.obj_free(ok);

	/* parse gives an owned object; len bounds the text */
	static const char txt[] = "{\"b\": [true, null, \"s\\n\"], \"a\": 1.50}xxx";
	cs_object *o = H.obj_parse(txt, strlen(txt) - 3, &err);
	assert_non_null(o);
	assert_int_equal(cs_modobj_refs(o), 0);
	assert_int_equal(H.obj_set_int(o, "c", -2), 0);
	size_t len = 0;
	char *s = H.obj_json(o, &len);
	assert_string_equal(s, "{\"b\":[true,null,\"s\\n\"],\"a\":1.50,\"c\":-2}");
	assert_int_equal(len, strlen(s));
	H.free(s);
	H.obj_free(o);
	s = H.obj_json(NULL, NULL);
	assert_string_equal(s, "null");
	H.free(s);

	const cs_object *sh = cs_modobj_share_text("{\"a\":", 5, &err);
	assert_null(sh);
	assert_int_equal(err.code, 400);
	assert_null(cs_modobj_share_text("{\"a\":", 5, NULL));
}

static void test_patch(void **state)
{
	(void)state;
	cs_error err = {0};
	/* merge */
	cs_object *o = P("{\"a\":1,\"b\":{\"c\":2,\"e\":[1]}}");
	cs_object *p = P("{\"b\":{\"c\":null,\"d\":3,\"e\":[2]}}");
	assert_int_equal(H.obj_patch(o, CS_PATCH_MERGE, p, &err), 0);
	expect_json(o, "{\"a\":1,\"b\":{\"d\":3,\"e\":[2]}}");
	H.obj_free(p);
	/* a non-map merge patch replaces the whole value, same handle */
	p = P("[\"x\"]");
	assert_int_equal(H.obj_patch(o, CS_PATCH_MERGE, p, &err), 0);
	expect_json(o, "[\"x\"]");
	H.obj_free(p);
	H.obj_free(o);

	/* the patch may be a part of the object it changes */
	o = P("{\"k\":{\"k\":null},\"z\":1}");
	assert_int_equal(H.obj_patch(o, CS_PATCH_MERGE, H.obj_get(o, "k"), &err), 0);
	expect_json(o, "{\"z\":1}");
	assert_int_equal(H.obj_patch(o, CS_PATCH_MERGE, o, &err), 0);
	expect_json(o, "{\"z\":1}");
	H.obj_free(o);

	/* JSON patch, success and an inapplicable op (unchanged, 422) */
	o = P("{\"spec\":{\"replicas\":1,\"l\":[1]}}");
	p = P("[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3},"
	      "{\"op\":\"add\",\"path\":\"/spec/l/-\",\"value\":2}]");
	assert_int_equal(H.obj_patch(o, CS_PATCH_JSON, p, &err), 0);
	expect_json(o, "{\"spec\":{\"replicas\":3,\"l\":[1,2]}}");
	H.obj_free(p);
	p = P("[{\"op\":\"add\",\"path\":\"/spec/x\",\"value\":1},"
	      "{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":4}]");
	memset(&err, 0, sizeof(err));
	assert_int_equal(H.obj_patch(o, CS_PATCH_JSON, p, &err), -1);
	assert_int_equal(err.code, 422);
	assert_true(err.reason[0] != '\0');
	assert_true(err.message[0] != '\0');
	expect_json(o, "{\"spec\":{\"replicas\":3,\"l\":[1,2]}}");
	assert_int_equal(H.obj_patch(o, CS_PATCH_JSON, p, NULL), -1);
	H.obj_free(p);
	/* a malformed JSON patch: 400 */
	p = P("{\"op\":\"add\"}");
	memset(&err, 0, sizeof(err));
	assert_int_equal(H.obj_patch(o, CS_PATCH_JSON, p, &err), -1);
	assert_int_equal(err.code, 400);
	assert_string_equal(err.reason, "BadRequest");
	H.obj_free(p);
	H.obj_free(o);

	/* strategic: containers merge by name on a built-in kind */
	o = P("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
	      "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
	      "{\"name\":\"b\",\"image\":\"y\"}]}}");
	p = P("{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"z\"}]}}");
	assert_int_equal(H.obj_patch(o, CS_PATCH_STRATEGIC, p, &err), 0);
	expect_json(o, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
		       "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
		       "{\"name\":\"b\",\"image\":\"z\"}]}}");
	/* a merge patch replaces the list instead */
	assert_int_equal(H.obj_patch(o, CS_PATCH_MERGE, p, &err), 0);
	assert_int_equal(H.obj_len(H.obj_get(o, "spec.containers")), 1);
	H.obj_free(p);
	/* a strategic patch the patch code rejects */
	p = P("[1]");
	memset(&err, 0, sizeof(err));
	assert_int_equal(H.obj_patch(o, CS_PATCH_STRATEGIC, p, &err), -1);
	assert_int_equal(err.code, 400);
	H.obj_free(p);
	H.obj_free(o);

	/* strategic needs a built-in kind, as for CRDs in Kubernetes */
	static const char *const unknown[] = {
		"{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"spec\":{}}",
		"{\"spec\":{}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"Widget\"}",
		"[1]",
	};
	p = P("{\"spec\":{\"a\":1}}");
	for (size_t i = 0; i < N(unknown); i++) {
		o = P(unknown[i]);
		cs_object *before = H.obj_clone(o);
		memset(&err, 0, sizeof(err));
		assert_int_equal(H.obj_patch(o, CS_PATCH_STRATEGIC, p, &err), -1);
		assert_int_equal(err.code, 415);
		assert_string_equal(err.reason, "UnsupportedMediaType");
		assert_non_null(strstr(err.message, "strategic"));
		assert_true(H.obj_equal(o, before));
		H.obj_free(before);
		H.obj_free(o);
	}

	/* bad arguments */
	o = P("{}");
	memset(&err, 0, sizeof(err));
	assert_int_equal(H.obj_patch(o, (enum cs_patch_type)9, p, &err), -1);
	assert_int_equal(err.code, 415);
	memset(&err, 0, sizeof(err));
	assert_int_equal(H.obj_patch(o, CS_PATCH_MERGE, NULL, &err), -1);
	assert_int_equal(err.code, 400);
	assert_int_equal(H.obj_patch(NULL, CS_PATCH_MERGE, p, &err), -1);
	assert_int_equal(H.obj_patch(NULL, CS_PATCH_MERGE, p, NULL), -1);
	expect_json(o, "{}");
	H.obj_free(o);
	H.obj_free(p);
}

static bool valid_utf8_tail(const char *s)
{
	/* the last character is complete */
	size_t n = strlen(s), i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return n == 0;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	return n - (i - 1) == want;
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(H.errorf(NULL, 404, "NotFound", "pod %s", "x"), -1);
	cs_error err;
	memset(&err, 'z', sizeof(err));
	assert_int_equal(H.errorf(&err, 404, "NotFound", "pod %s/%s not found", "ns", "p"), -1);
	assert_int_equal(err.code, 404);
	assert_string_equal(err.reason, "NotFound");
	assert_string_equal(err.message, "pod ns/p not found");
	assert_int_equal(H.errorf(&err, 0, NULL, "two\nlines\r"), -1);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.reason, "");
	assert_string_equal(err.message, "two lines ");

	/* long text is cut at a character boundary */
	char big[1200];
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(err.message) - 2, "\xc3\xa9", 2); /* é across the cut */
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(H.errorf(&err, 500, big, "%s", big), -1);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 2);
	assert_true(valid_utf8_tail(err.message));
	assert_int_equal(strlen(err.reason), sizeof(err.reason) - 1);

	cs_status st = {0};
	memset(st.message, 'm', sizeof(st.message) - 1);
	memcpy(st.message + sizeof(err.message) - 3, "\xe2\x82\xac", 3); /* € across the cut */
	memcpy(st.message + 5, "\n", 1);
	st.code = 422;
	snprintf(st.reason, sizeof(st.reason), "Invalid");
	cs_modobj_error_from_status(&err, &st);
	assert_int_equal(err.code, 422);
	assert_string_equal(err.reason, "Invalid");
	assert_int_equal(strlen(err.message), sizeof(err.message) - 3);
	assert_null(strchr(err.message, '\n'));
	assert_true(valid_utf8_tail(err.message));
	/* a complete character right at the end stays */
	memcpy(st.message + sizeof(err.message) - 4, "\xe2\x82\xacm", 4);
	cs_modobj_error_from_status(&err, &st);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
	assert_true(valid_utf8_tail(err.message));
	cs_modobj_error_from_status(NULL, &st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_path_reads),
		cmocka_unit_test(test_malformed_paths),
		cmocka_unit_test(test_typed_reads),
		cmocka_unit_test(test_builders_and_set),
		cmocka_unit_test(test_array_index_writes),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_shared_refuses_writes),
		cmocka_unit_test(test_keep_free),
		cmocka_unit_test(test_keep_free_threads),
		cmocka_unit_test(test_clone_equal),
		cmocka_unit_test(test_parse_and_json),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
