/* Store: revisions, compare-and-swap, durability across reopen, ordered
 * scans, watch history and its window. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

static char dir[256];
static int done_calls, done_err;
static uint64_t done_rev;

static void on_done(void *arg, int err, uint64_t rev)
{
	(void)arg;
	done_calls++;
	done_err = err;
	done_rev = rev;
}

static void settle(cs_store *s)
{
	for (int i = 0; i < 5000 && cs_store_rev(s) + 1 < cs_store_next_rev(s); i++) {
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
		cs_store_dispatch(s);
	}
	cs_store_dispatch(s);
}

static cs_store *open_store(size_t history)
{
	cs_store *s = NULL;
	char err[512];
	cs_store_opts o = {.sync = true, .history = history};
	int rc = cs_store_open(&s, dir, &o, err, sizeof(err));
	if (rc)
		fprintf(stderr, "open: %s\n", err);
	assert_int_equal(rc, 0);
	return s;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cs-store-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	done_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int put(cs_store *s, const char *key, const char *json, uint64_t expect)
{
	return cs_store_put(s, key, json, strlen(json), cs_store_next_rev(s), expect, on_done,
			    NULL);
}

static void test_revisions_and_cas(void **state)
{
	(void)state;
	cs_store *s = open_store(100);
	assert_int_equal(cs_store_rev(s), 0);
	assert_int_equal(put(s, "a/x", "{\"v\":1}", 0), 0);
	/* Not visible until durable, but already taken for CAS. */
	assert_null(cs_store_get(s, "a/x"));
	assert_non_null(cs_store_get_latest(s, "a/x"));
	assert_int_equal(put(s, "a/x", "{}", 0), -EEXIST);
	settle(s);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_err, 0);
	assert_int_equal(done_rev, 1);
	cs_obj *o = cs_store_get(s, "a/x");
	assert_non_null(o);
	assert_int_equal(o->rev, 1);
	assert_string_equal(o->json, "{\"v\":1}");
	/* Stale expectation is refused; the right one succeeds. */
	assert_int_equal(put(s, "a/x", "{\"v\":2}", 7), -ESTALE);
	assert_int_equal(put(s, "a/x", "{\"v\":2}", 1), 0);
	settle(s);
	assert_int_equal(cs_store_get(s, "a/x")->rev, 2);
	assert_int_equal(cs_store_rev(s), 2);
	/* Deletes need the current revision too. */
	assert_int_equal(cs_store_delete(s, "a/x", "{}", 2, cs_store_next_rev(s), 1, NULL, NULL),
			 -ESTALE);
	assert_int_equal(cs_store_delete(s, "a/nope", "{}", 2, cs_store_next_rev(s), 0, NULL, NULL),
			 -ENOENT);
	assert_int_equal(cs_store_delete(s, "a/x", "{}", 2, cs_store_next_rev(s), 2, NULL, NULL),
			 0);
	settle(s);
	assert_null(cs_store_get(s, "a/x"));
	assert_int_equal(cs_store_rev(s), 3);
	/* A write at a revision other than the next one is a caller bug. */
	assert_int_equal(cs_store_put(s, "a/y", "{}", 2, 99, 0, NULL, NULL), -EINVAL);
	cs_store_close(s);
}

static void test_reopen_keeps_objects_and_revision(void **state)
{
	(void)state;
	cs_store *s = open_store(100);
	char key[32], val[32];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k/%03d", i);
		snprintf(val, sizeof(val), "{\"i\":%d}", i);
		assert_int_equal(put(s, key, val, 0), 0);
	}
	settle(s);
	assert_int_equal(cs_store_delete(s, "k/007", "{}", 2, cs_store_next_rev(s), 8, NULL, NULL),
			 0);
	settle(s);
	cs_store_close(s);

	s = open_store(100);
	assert_int_equal(cs_store_rev(s), 51);
	assert_int_equal(cs_store_next_rev(s), 52);
	assert_int_equal(cs_store_count(s, "k/"), 49);
	assert_null(cs_store_get(s, "k/007"));
	cs_obj *o = cs_store_get(s, "k/042");
	assert_non_null(o);
	assert_int_equal(o->rev, 43);
	assert_string_equal(o->json, "{\"i\":42}");
	/* History restarts at the reopened revision: older is 410. */
	assert_int_equal(cs_store_history_seek(s, 10), -1);
	assert_int_equal(cs_store_history_seek(s, 51), 0);
	cs_store_close(s);
}

struct scan_acc {
	char keys[16][32];
	int n;
};

static bool acc(void *arg, const char *key, cs_obj *o)
{
	(void)o;
	struct scan_acc *a = arg;
	snprintf(a->keys[a->n++], 32, "%s", key);
	return a->n < 3;
}

static void test_scan_order_prefix_and_resume(void **state)
{
	(void)state;
	cs_store *s = open_store(100);
	const char *keys[] = {"p/ns1/c", "p/ns1/a", "p/ns2/a", "p/ns1/b", "q/x", "p/ns1/d"};
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(put(s, keys[i], "{}", 0), 0);
	settle(s);
	struct scan_acc a = {0};
	cs_store_scan(s, "p/ns1/", NULL, acc, &a);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.keys[0], "p/ns1/a");
	assert_string_equal(a.keys[1], "p/ns1/b");
	assert_string_equal(a.keys[2], "p/ns1/c");
	struct scan_acc b = {0};
	cs_store_scan(s, "p/ns1/", "p/ns1/c", acc, &b);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.keys[0], "p/ns1/d");
	assert_int_equal(cs_store_count(s, "p/"), 5);
	assert_int_equal(cs_store_count(s, "z/"), 0);
	cs_store_close(s);
}

static void test_history_window_and_events(void **state)
{
	(void)state;
	cs_store *s = open_store(100);
	char key[32];
	for (int i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), "h/%03d", i);
		assert_int_equal(put(s, key, "{}", 0), 0);
	}
	settle(s);
	/* 150 events, 100 kept: revisions 51..150 replayable from 50. */
	assert_int_equal(cs_store_history_seek(s, 49), -1);
	int64_t p = cs_store_history_seek(s, 50);
	assert_true(p >= 0);
	cs_event *ev = cs_store_history_at(s, p);
	assert_non_null(ev);
	assert_int_equal(ev->rev, 51);
	assert_int_equal(ev->type, CS_EV_ADDED);
	assert_int_equal(cs_store_history_seek(s, 150), cs_store_history_end(s));
	assert_null(cs_store_history_at(s, cs_store_history_end(s)));
	assert_null(cs_store_history_at(s, p - 1));
	/* Update and delete events carry the new and final state. */
	assert_int_equal(put(s, "h/000", "{\"m\":1}", 1), 0);
	assert_int_equal(cs_store_delete(s, "h/001", "{\"gone\":1}", 10, cs_store_next_rev(s), 2,
					 NULL, NULL),
			 0);
	settle(s);
	ev = cs_store_history_at(s, cs_store_history_end(s) - 2);
	assert_int_equal(ev->type, CS_EV_MODIFIED);
	size_t n;
	const char *line = cs_event_line(ev, &n);
	assert_string_equal(line, "{\"type\":\"MODIFIED\",\"object\":{\"m\":1}}\n");
	ev = cs_store_history_at(s, cs_store_history_end(s) - 1);
	assert_int_equal(ev->type, CS_EV_DELETED);
	assert_int_equal(ev->rev, 152);
	assert_string_equal(ev->obj->json, "{\"gone\":1}");
	cs_store_close(s);
}

static void test_group_commit_batches(void **state)
{
	(void)state;
	cs_store *s = open_store(10000);
	char key[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "g/%05d", i);
		assert_int_equal(put(s, key, "{}", 0), 0);
	}
	settle(s);
	cs_store_stats st;
	cs_store_stats_get(s, &st);
	assert_int_equal(st.writes, 2000);
	/* Queued writes share synced batches rather than one fsync each. */
	assert_true(st.batches < 2000);
	assert_int_equal(st.objects, 2000);
	cs_store_close(s);
}

/* A writer's parse becomes the version's cached parse: the fan-out and the
 * next update read it without parsing the text again; it is dropped with the
 * version's event when the history moves on, and reparsed on demand. */
static void test_put_doc_shares_parse(void **state)
{
	(void)state;
	cs_store *s = open_store(4);
	char err[128];
	const char *json = "{\"metadata\":{\"name\":\"x\"},\"n\":1}";
	cs_json *doc = cs_json_parse(json, strlen(json), err, sizeof(err));
	assert_non_null(doc);
	assert_int_equal(cs_store_put_doc(s, "d/x", json, strlen(json), doc, cs_store_next_rev(s),
					  0, on_done, NULL),
			 0);
	/* In flight: the latest version already has it (compare-and-swap
	 * readers), shared so that in-process watchers can hold it, and so
	 * does the event once durable. */
	const cs_json *kept = cs_obj_doc(cs_store_get_latest(s, "d/x"));
	assert_true(cs_json_is_shared(kept));
	assert_int_equal(cs_json_refs(kept), 1);
	assert_int_equal(cs_json_as_int(cs_json_get(kept, "n"), 0), 1);
	settle(s);
	cs_obj *o = cs_store_get(s, "d/x");
	assert_ptr_equal(cs_obj_doc(o), kept);
	cs_event *ev = cs_store_history_at(s, cs_store_history_end(s) - 1);
	assert_ptr_equal(cs_event_doc(ev), kept);
	/* A watcher's reference outlives the store's (checked below). */
	cs_json *held = cs_json_ref(cs_event_doc(ev));
	assert_ptr_equal(held, kept);
	assert_int_equal(cs_json_refs(kept), 2);

	/* A refused write frees the doc it was given (ASan's leak check). */
	cs_json *d2 = cs_json_parse(json, strlen(json), err, sizeof(err));
	assert_int_equal(cs_store_put_doc(s, "d/x", json, strlen(json), d2, cs_store_next_rev(s), 0,
					  on_done, NULL),
			 -EEXIST);

	/* Four more events push the object's out of the history: its parse
	 * goes with it and comes back, equal, from the text. */
	for (int i = 0; i < 4; i++) {
		char k[16];
		snprintf(k, sizeof(k), "d/y%d", i);
		assert_int_equal(put(s, k, "{}", 0), 0);
	}
	settle(s);
	assert_null(o->doc);
	const cs_json *again = cs_obj_doc(o);
	assert_non_null(again);
	assert_int_equal(cs_json_as_int(cs_json_get(again, "n"), 0), 1);
	assert_string_equal(cs_json_str(cs_json_path(again, "metadata", "name", NULL)), "x");
	assert_ptr_not_equal(again, held);
	cs_store_close(s);
	/* The store dropped its parse (the reaper may still be at it until
	 * close): the watcher's is whole and its own. */
	assert_int_equal(cs_json_refs(held), 1);
	assert_string_equal(cs_json_str(cs_json_path(held, "metadata", "name", NULL)), "x");
	cs_json_free(held);
}

/* Evicted events are released by the reaper thread while the loop keeps
 * writing and reading: versions still referenced (by the loop, as a
 * response or a watcher's initial list would) survive their events, and
 * everything is released by close (ASan's leak check under SANITIZE=1). */
static void test_evicted_events_released_off_loop(void **state)
{
	(void)state;
	cs_store *s = open_store(100);
	char err[128];
	cs_obj *held[20];
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 50; i++) {
			char k[32], v[64];
			snprintf(k, sizeof(k), "r/%03d", i);
			snprintf(v, sizeof(v), "{\"round\":%d,\"i\":%d}", round, i);
			cs_obj *cur = cs_store_get_latest(s, k);
			cs_json *doc = cs_json_parse(v, strlen(v), err, sizeof(err));
			assert_int_equal(cs_store_put_doc(s, k, v, strlen(v), doc,
							  cs_store_next_rev(s), cur ? cur->rev : 0,
							  NULL, NULL),
					 0);
		}
		settle(s);
		held[round] = cs_obj_ref(cs_store_get(s, "r/007"));
		/* The previous round's version of r/007 has left the history
		 * (50 writes a round, 100 kept), its event went to the reaper. */
		if (round >= 2) {
			const cs_json *d = cs_obj_doc(held[round - 2]);
			assert_int_equal(cs_json_as_int(cs_json_get(d, "round"), -1), round - 2);
		}
	}
	assert_true(cs_store_oldest_rev(s) > 0);
	for (int round = 0; round < 20; round++) {
		char want[64];
		snprintf(want, sizeof(want), "{\"round\":%d,\"i\":7}", round);
		assert_string_equal(held[round]->json, want);
		cs_obj_unref(held[round]);
	}
	cs_store_close(s);
}

static void test_open_errors(void **state)
{
	(void)state;
	cs_store *s = NULL;
	char err[512];
	cs_store_opts o = {.sync = true};
	assert_int_equal(cs_store_open(&s, "/proc/capstan-no-such/dir", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/proc/capstan-no-such/dir"));
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_revisions_and_cas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_objects_and_revision, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_order_prefix_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_window_and_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_doc_shares_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evicted_events_released_off_loop, setup,
						teardown),
		cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
