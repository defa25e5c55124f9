/* JSON model: parse/dump round trips, limits, accessors, errors. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_gen.h> /* YAJL_MAX_DEPTH */

#include "json.h"
#include "status.h"
#include "util.h"

static cs_json *parse(const char *s)
{
	char err[256];
	return cs_json_parse(s, strlen(s), err, sizeof(err));
}

static void test_round_trip_keeps_order_and_numbers(void **state)
{
	(void)state;
	const char *in = "{\"z\":1,\"a\":[true,false,null,\"s\\u00e9\\n\"],\"n\":-12.5e3,"
			 "\"big\":123456789012345678901234567890,\"i\":9007199254740993}";
	cs_json *v = parse(in);
	assert_non_null(v);
	char *out = cs_json_dump(v, false, NULL);
	/* Key order, number spelling and escapes survive. */
	assert_string_equal(out, "{\"z\":1,\"a\":[true,false,null,\"s\xc3\xa9\\n\"],\"n\":-12.5e3,"
				 "\"big\":123456789012345678901234567890,\"i\":9007199254740993}");
	assert_int_equal(cs_json_as_int(cs_json_get(v, "i"), 0), 9007199254740993LL);
	assert_false(cs_json_get(v, "big")->u.num.is_int);
	assert_false(cs_json_get(v, "n")->u.num.is_int);
	free(out);
	cs_json_free(v);
}

/* yajl_gen's rendering is the reference the compact writer must match
 * byte for byte (stored objects written before and after it changed must
 * compare equal as text). */
static void assert_dump_matches_yajl(const cs_json *v)
{
	size_t rn, n;
	char *ref = cs_json_dump_yajl(v, false, &rn);
	char *out = cs_json_dump(v, false, &n);
	assert_int_equal(n, rn);
	assert_memory_equal(out, ref, n);
	assert_int_equal(out[n], '\0');
	free(out);
	free(ref);
}

static void test_compact_dump_is_yajls(void **state)
{
	(void)state;
	/* Every byte value in strings and keys: controls, quote, backslash,
	 * solidus, DEL, UTF-8 and NUL inside a string. */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)(i ? i : 1);
	cs_json *o = cs_json_object();
	cs_json_set(o, "all", cs_json_stringn(all, sizeof(all)));
	cs_json_set(o, "nul", cs_json_stringn("a\0b", 3));
	cs_json_set(o, "k\x01\"\\/\x7f\xc3\xa9", cs_json_string(""));
	cs_json_set(o, "", cs_json_object());
	cs_json *a = cs_json_array();
	cs_json_push(a, cs_json_int(-5));
	cs_json_push(a, cs_json_double(0.1));
	cs_json_push(a, cs_json_null());
	cs_json_push(a, cs_json_bool(true));
	cs_json_push(a, cs_json_bool(false));
	cs_json_push(a, cs_json_array());
	cs_json_set(o, "a", a);
	assert_dump_matches_yajl(o);
	/* Long strings cross the writer's buffer growth. */
	char *big = malloc(100000);
	for (int i = 0; i < 100000; i++)
		big[i] = (char)(i % 97 ? 'a' + i % 26 : '\n');
	cs_json_set(o, "big", cs_json_stringn(big, 100000));
	free(big);
	assert_dump_matches_yajl(o);
	cs_json_free(o);
	/* A tree deeper than yajl_gen writes (built, not parsed) ends in null
	 * where yajl would stop. */
	cs_json *root = cs_json_array(), *cur = root;
	for (int i = 0; i < YAJL_MAX_DEPTH + 10; i++) {
		cs_json *n = i % 2 ? cs_json_array() : cs_json_object();
		if (cur->type == CS_JSON_ARRAY)
			cs_json_push(cur, n);
		else
			cs_json_set(cur, "d", n);
		cur = n;
	}
	assert_dump_matches_yajl(root);
	cs_json_free(root);
	/* A parsed Kubernetes object. */
	cs_json *pod = parse("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{\"a/b\":"
			     "\"c\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\","
			     "\"command\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\\t\\u0007\"]}]},"
			     "\"n\":[1.5e10,-0,12345678901234567890]}");
	assert_non_null(pod);
	assert_dump_matches_yajl(pod);
	cs_json_free(pod);
}

static void test_int_text(void **state)
{
	(void)state;
	const int64_t vals[] = {0, 7, -5, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof(vals) / sizeof(*vals); i++) {
		char want[32];
		snprintf(want, sizeof(want), "%lld", (long long)vals[i]);
		cs_json *v = cs_json_int(vals[i]);
		assert_string_equal(v->u.num.text, want);
		assert_true(v->u.num.is_int);
		assert_int_equal(v->u.num.i, vals[i]);
		cs_json_free(v);
	}
}

/* Common Kubernetes keys are shared, not copied per object: two parses
 * (and clones) of them point at one spelling, while other keys stay private
 * copies; every edit that frees or replaces keys keeps working (ASan checks
 * the frees under SANITIZE=1). */
static void test_common_keys_shared(void **state)
{
	(void)state;
	const char *in = "{\"metadata\":{\"name\":\"a\",\"x-private\":1},\"spec\":{},"
			 "\"metadata\":{\"name\":\"b\",\"x-private\":2}}";
	cs_json *a = parse(in), *b = parse(in);
	assert_non_null(a);
	assert_non_null(b);
	/* The duplicate key: last one wins, one member. */
	assert_int_equal(cs_json_len(a), 2);
	assert_string_equal(cs_json_str(cs_json_path(a, "metadata", "name", NULL)), "b");
	assert_ptr_equal(a->u.obj.keys[0], b->u.obj.keys[0]);
	const cs_json *ma = cs_json_get(a, "metadata"), *mb = cs_json_get(b, "metadata");
	assert_ptr_equal(ma->u.obj.keys[0], mb->u.obj.keys[0]);
	assert_ptr_not_equal(ma->u.obj.keys[1], mb->u.obj.keys[1]);
	assert_string_equal(ma->u.obj.keys[1], "x-private");
	cs_json *c = cs_json_clone(a);
	assert_ptr_equal(c->u.obj.keys[0], a->u.obj.keys[0]);
	assert_true(cs_json_identical(a, c));
	/* Set, replace, take and delete pooled and private keys alike. */
	cs_json_set(c, "status", cs_json_string("s"));
	cs_json_set(c, "x-other", cs_json_int(1));
	cs_json_set(c, "status", cs_json_string("t"));
	assert_string_equal(cs_json_get_str(c, "status"), "t");
	cs_json_free(cs_json_take(c, "status"));
	assert_true(cs_json_del(c, "x-other"));
	assert_true(cs_json_del(cs_json_get(c, "metadata"), "x-private"));
	assert_true(cs_json_del(c, "metadata"));
	char *out = cs_json_dump(c, false, NULL);
	assert_string_equal(out, "{\"spec\":{}}");
	free(out);
	/* A prefix or extension of a pooled key is not the pooled key. */
	cs_json *d = parse("{\"metadat\":1,\"metadatas\":2,\"\":3}");
	assert_non_null(d);
	assert_string_equal(d->u.obj.keys[0], "metadat");
	assert_string_equal(d->u.obj.keys[1], "metadatas");
	assert_string_equal(d->u.obj.keys[2], "");
	/* Errors part-way through an object release the pending key. */
	char err[128];
	assert_null(cs_json_parse("{\"metadata\":{\"name\":", 20, err, sizeof(err)));
	assert_null(cs_json_parse("{\"x-priv\":[1,}", 14, err, sizeof(err)));
	cs_json_free(a);
	cs_json_free(b);
	cs_json_free(c);
	cs_json_free(d);
}

/* yajl's allocations come from a per-thread scratch area reset per
 * document, spilling to the heap past it: documents whose escaped strings
 * outgrow the area (yajl's buffer moves from the area to the heap), errors
 * (yajl's message is allocated too), objects that grow their member block,
 * and parses on several threads at once. */
static char *escaped_doc(size_t n)
{
	/* {"k":"\n\n...","m":{"a0":0,...}} : escapes make yajl buffer the string. */
	char *s = malloc(2 * n + 64 + 16 * 40);
	size_t o = (size_t)sprintf(s, "{\"k\":\"");
	for (size_t i = 0; i < n; i++) {
		s[o++] = '\\';
		s[o++] = 'n';
	}
	o += (size_t)sprintf(s + o, "\",\"m\":{");
	for (int i = 0; i < 40; i++)
		o += (size_t)sprintf(s + o, "%s\"a%d\":%d", i ? "," : "", i, i);
	sprintf(s + o, "}}");
	return s;
}

static void check_escaped(size_t n)
{
	char *in = escaped_doc(n);
	cs_json *v = parse(in);
	assert_non_null(v);
	const cs_json *k = cs_json_get(v, "k");
	assert_int_equal(k->u.str.len, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(k->u.str.s[i], '\n');
	assert_int_equal(cs_json_len(cs_json_get(v, "m")), 40);
	assert_int_equal(cs_json_as_int(cs_json_path(v, "m", "a39", NULL), -1), 39);
	cs_json_free(v);
	free(in);
}

static void *parse_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++)
		check_escaped((size_t)(i * 397) % 70000);
	return NULL;
}

static void test_parse_scratch(void **state)
{
	(void)state;
	check_escaped(10);
	check_escaped(20000); /* yajl's buffer grows past the area */
	check_escaped(100000);
	check_escaped(10); /* and the area is usable again */
	char err[256];
	for (int i = 0; i < 3; i++) {
		assert_null(cs_json_parse("{\"a\":[1,2,", 10, err, sizeof(err)));
		assert_non_null(strstr(err, "invalid JSON"));
	}
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, parse_thread, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

/* metadata.uid: a version 4 UUID in Kubernetes' (Go's) spelling. */
static void test_uuid_text(void **state)
{
	(void)state;
	char a[37], b[37];
	cs_uuid(a);
	cs_uuid(b);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", a[i]));
	}
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
}

static void test_errors_name_the_position(void **state)
{
	(void)state;
	char err[256];
	const char *bad[] = {"", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "nul", "\"\xff\"", "{} x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		assert_null(cs_json_parse(bad[i], strlen(bad[i]), err, sizeof(err)));
		assert_true(strlen(err) > 0);
	}
	assert_null(cs_json_parse("[1,]", 4, err, sizeof(err)));
	assert_non_null(strstr(err, "byte"));
}

static void test_depth_limit(void **state)
{
	(void)state;
	char err[256];
	size_t n = 10000;
	char *s = malloc(2 * n + 1);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	assert_null(cs_json_parse(s, 2 * n, err, sizeof(err)));
	assert_non_null(strstr(err, "depth"));
	/* Exactly the limit is fine. */
	n = CS_JSON_MAX_DEPTH;
	memset(s, '[', n);
	memset(s + n, ']', n);
	cs_json *deep = cs_json_parse(s, 2 * n, err, sizeof(err));
	assert_non_null(deep);
	cs_json_free(deep);
	free(s);
	cs_json *ok = parse("[[[[1]]]]");
	assert_non_null(ok);
	cs_json_free(ok);
}

/* Inputs fuzz_json found. */
static void test_fuzz_regressions(void **state)
{
	(void)state;
	char err[256];
	/* Out-of-range numbers used to be cast to int64_t (undefined); they
	 * saturate now. */
	static const struct {
		const char *in;
		int64_t want;
	} nums[] = {
		{"1e300", INT64_MAX},
		{"-1e300", INT64_MIN},
		{"1e400", INT64_MAX},
		{"-1e400", INT64_MIN},
		{"9223372036854775808", INT64_MAX},
		{"-9223372036854775809", INT64_MIN},
		{"88888888888888888888888888888888888888888888888", INT64_MAX},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		cs_json *v = parse(nums[i].in);
		assert_non_null(v);
		assert_false(v->u.num.is_int);
		assert_true(v->u.num.i == nums[i].want);
		assert_true(cs_json_as_int(v, 0) == nums[i].want);
		cs_json_free(v);
	}
	cs_json *v, *d = cs_json_double(-1e300);
	assert_true(cs_json_as_int(d, 0) == INT64_MIN);
	cs_json_free(d);

	/* yajl's trailing-garbage check only buffered an unterminated string
	 * after the document, so these parsed as the first value. */
	const char *trailing[] = {"2\"", "\"a\" \"", "{} \"", "[1] \"x", "true \"\\", "2 \"abc"};
	for (size_t i = 0; i < sizeof(trailing) / sizeof(*trailing); i++) {
		err[0] = '\0';
		assert_null(cs_json_parse(trailing[i], strlen(trailing[i]), err, sizeof(err)));
		assert_non_null(strstr(err, "trailing garbage"));
	}
	/* A key with a NUL used to be cut at it, so it could overwrite the
	 * key it started with. */
	const char *nul = "{\"a\":1,\"a\\u0000b\":2}";
	err[0] = '\0';
	assert_null(cs_json_parse(nul, strlen(nul), err, sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
	const char *nulval = "{\"a\":\"\\u0000\"}";
	v = cs_json_parse(nulval, strlen(nulval), err, sizeof(err));
	assert_non_null(v); /* in values NULs are kept, with the length */
	assert_int_equal(cs_json_get(v, "a")->u.str.len, 1);
	cs_json_free(v);

	/* Whitespace after the document is still fine. */
	v = cs_json_parse("7 \t\r\n ", 6, err, sizeof(err));
	assert_non_null(v);
	assert_int_equal(cs_json_as_int(v, 0), 7);
	cs_json_free(v);
}

static void test_object_and_array_mutation(void **state)
{
	(void)state;
	cs_json *o = cs_json_object();
	cs_json_set(o, "b", cs_json_int(1));
	cs_json_set(o, "a", cs_json_string("x"));
	cs_json_set(o, "b", cs_json_int(2)); /* replaces in place */
	cs_json *md = cs_json_obj_ensure(o, "metadata");
	cs_json_set(md, "name", cs_json_string("web"));
	assert_string_equal(cs_json_str(cs_json_path(o, "metadata", "name", NULL)), "web");
	assert_null(cs_json_path(o, "metadata", "nope", "deeper", NULL));
	char *s = cs_json_dump(o, false, NULL);
	assert_string_equal(s, "{\"b\":2,\"a\":\"x\",\"metadata\":{\"name\":\"web\"}}");
	free(s);
	assert_true(cs_json_del(o, "a"));
	assert_false(cs_json_del(o, "a"));
	cs_json *arr = cs_json_array();
	cs_json_push(arr, cs_json_int(1));
	cs_json_push(arr, cs_json_int(3));
	cs_json_insert(arr, 1, cs_json_int(2));
	cs_json_set(o, "l", arr);
	cs_json *rm = cs_json_remove_at(arr, 0);
	assert_int_equal(cs_json_as_int(rm, 0), 1);
	cs_json_free(rm);
	s = cs_json_dump(o, false, NULL);
	assert_string_equal(s, "{\"b\":2,\"metadata\":{\"name\":\"web\"},\"l\":[2,3]}");
	free(s);
	cs_json *c = cs_json_clone(o);
	assert_true(cs_json_equal(o, c));
	cs_json_set(c, "b", cs_json_int(3));
	assert_false(cs_json_equal(o, c));
	/* Equality ignores key order. */
	cs_json *x = parse("{\"a\":1,\"b\":[1,{\"c\":null}]}");
	cs_json *y = parse("{\"b\":[1,{\"c\":null}],\"a\":1}");
	assert_true(cs_json_equal(x, y));
	cs_json_free(x);
	cs_json_free(y);
	cs_json_free(c);
	cs_json_free(o);
}

static void test_status_object(void **state)
{
	(void)state;
	cs_status st = {0};
	assert_int_equal(cs_status_set(&st, 422, "Invalid", "Pod \"x\" is invalid: %s", "bad"), -1);
	cs_status_cause(&st, "FieldValueRequired", "spec.containers", "Required value");
	snprintf(st.name, sizeof(st.name), "x");
	snprintf(st.kind, sizeof(st.kind), "Pod");
	cs_json *j = cs_status_json(&st);
	char *s = cs_json_dump(j, false, NULL);
	assert_string_equal(s,
			    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			    "\"status\":\"Failure\",\"message\":\"Pod \\\"x\\\" is invalid: bad\","
			    "\"reason\":\"Invalid\",\"details\":{\"name\":\"x\",\"kind\":\"Pod\","
			    "\"causes\":[{\"reason\":\"FieldValueRequired\",\"message\":"
			    "\"Required value\",\"field\":\"spec.containers\"}]},\"code\":422}");
	free(s);
	cs_json_free(j);
}

/* Shared trees: one parse held by several owners on several threads, freed
 * by the last; sharing twice is a no-op; a plain tree's "ref" is a copy. */
struct sharer {
	cs_json *doc;
	int rounds;
};

static void *share_churn(void *arg)
{
	struct sharer *sh = arg;
	for (int i = 0; i < sh->rounds; i++) {
		cs_json *r = cs_json_ref(sh->doc);
		if (r != sh->doc || cs_json_as_int(cs_json_get(r, "n"), 0) != 7)
			return (void *)1;
		cs_json_free(r);
	}
	return NULL;
}

static void test_shared_trees(void **state)
{
	(void)state;
	cs_json *plain = parse("{\"n\":7,\"a\":[1,{\"b\":\"c\"}]}");
	assert_false(cs_json_is_shared(plain));
	assert_int_equal(cs_json_refs(plain), 0);
	cs_json *copy = cs_json_ref(plain);
	assert_ptr_not_equal(copy, plain);
	assert_false(cs_json_is_shared(copy));
	cs_json_free(copy);

	cs_json *doc = cs_json_share(plain); /* plain is gone: doc holds it */
	assert_true(cs_json_is_shared(doc));
	assert_int_equal(cs_json_refs(doc), 1);
	assert_ptr_equal(cs_json_share(doc), doc);
	assert_int_equal(cs_json_refs(doc), 1);
	assert_null(cs_json_share(NULL));

	/* A clone is plain again, and the dump is the tree's. */
	cs_json *cl = cs_json_clone(doc);
	assert_false(cs_json_is_shared(cl));
	char *t1 = cs_json_dump(doc, false, NULL), *t2 = cs_json_dump(cl, false, NULL);
	assert_string_equal(t1, t2);
	assert_string_equal(t1, "{\"n\":7,\"a\":[1,{\"b\":\"c\"}]}");
	free(t1);
	free(t2);
	cs_json_free(cl);

	pthread_t th[4];
	struct sharer sh = {.doc = doc, .rounds = 20000};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, share_churn, &sh), 0);
	cs_json *mine = cs_json_ref(doc);
	cs_json_free(doc); /* the first owner leaves while the others work */
	for (int i = 0; i < 4; i++) {
		void *rc;
		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_null(rc);
	}
	assert_int_equal(cs_json_refs(mine), 1);
	assert_string_equal(cs_json_get_str(cs_json_at(cs_json_get(mine, "a"), 1), "b"), "c");
	cs_json_free(mine); /* the last: ASan's leak check sees it all freed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_keeps_order_and_numbers),
		cmocka_unit_test(test_compact_dump_is_yajls),
		cmocka_unit_test(test_int_text),
		cmocka_unit_test(test_common_keys_shared),
		cmocka_unit_test(test_parse_scratch),
		cmocka_unit_test(test_uuid_text),
		cmocka_unit_test(test_errors_name_the_position),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_object_and_array_mutation),
		cmocka_unit_test(test_status_object),
		cmocka_unit_test(test_shared_trees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
