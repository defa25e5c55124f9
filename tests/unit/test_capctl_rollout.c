/* Tests for cli/rollout.c: kubectl's rollout status lines, the choice of
 * a revision, the rollback patch and the history table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cli/cliutil.c"
#include "../../cli/rollout.c"

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

static void check_status(const char *json, cs_ctl_rollout_state want, const char *msg)
{
	cs_json *d = J(json);
	char got[512];
	assert_int_equal(cs_ctl_rollout_status(d, got, sizeof(got)), want);
	assert_string_equal(got, msg);
	cs_json_free(d);
}

static void test_status_lines(void **state)
{
	(void)state;
	check_status("{\"metadata\":{\"name\":\"web\",\"generation\":2},"
		     "\"spec\":{\"replicas\":3},\"status\":{\"observedGeneration\":1}}",
		     CS_ROLLOUT_WAITING, "Waiting for deployment spec update to be observed...");
	check_status("{\"metadata\":{\"name\":\"web\",\"generation\":1},\"spec\":{\"replicas\":3},"
		     "\"status\":{\"observedGeneration\":1,\"updatedReplicas\":1,\"conditions\":["
		     "{\"type\":\"Progressing\",\"status\":\"False\","
		     "\"reason\":\"ProgressDeadlineExceeded\"}]}}",
		     CS_ROLLOUT_FAILED, "deployment \"web\" exceeded its progress deadline");
	check_status("{\"metadata\":{\"name\":\"web\",\"generation\":1},\"spec\":{\"replicas\":3},"
		     "\"status\":{\"observedGeneration\":1,\"replicas\":4,\"updatedReplicas\":1}}",
		     CS_ROLLOUT_WAITING,
		     "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas "
		     "have been updated...");
	check_status("{\"metadata\":{\"name\":\"web\",\"generation\":1},\"spec\":{\"replicas\":3},"
		     "\"status\":{\"observedGeneration\":1,\"replicas\":4,\"updatedReplicas\":3}}",
		     CS_ROLLOUT_WAITING,
		     "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending "
		     "termination...");
	check_status("{\"metadata\":{\"name\":\"web\",\"generation\":1},\"spec\":{\"replicas\":3},"
		     "\"status\":{\"observedGeneration\":1,\"replicas\":3,\"updatedReplicas\":3,"
		     "\"availableReplicas\":1}}",
		     CS_ROLLOUT_WAITING,
		     "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas "
		     "are available...");
	check_status("{\"metadata\":{\"name\":\"web\",\"generation\":1},\"spec\":{\"replicas\":3},"
		     "\"status\":{\"observedGeneration\":1,\"replicas\":3,\"updatedReplicas\":3,"
		     "\"availableReplicas\":3}}",
		     CS_ROLLOUT_DONE, "deployment \"web\" successfully rolled out");
	/* Scaled to zero: nothing to wait for. */
	check_status("{\"metadata\":{\"name\":\"z\",\"generation\":1},\"spec\":{\"replicas\":0},"
		     "\"status\":{\"observedGeneration\":1}}",
		     CS_ROLLOUT_DONE, "deployment \"z\" successfully rolled out");
}

#define RS(name, rev, image, extra)                                                                \
	"{\"metadata\":{\"name\":\"" name "\",\"annotations\":{"                                   \
	"\"deployment.kubernetes.io/revision\":\"" rev "\"" extra "},"                             \
	"\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"web\",\"uid\":\"u1\","           \
	"\"controller\":true}]},"                                                                  \
	"\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\","                       \
	"\"pod-template-hash\":\"" name "\"}},"                                                    \
	"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"" image "\"}]}}}}"

static const char *deploy = "{\"metadata\":{\"name\":\"web\",\"uid\":\"u1\",\"annotations\":{"
			    "\"deployment.kubernetes.io/revision\":\"3\",\"team\":\"a\"}},"
			    "\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
			    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"v3\"}]}}}}";

static cs_json *all_rss(void)
{
	return J("[" RS("r2", "2", "v2", ",\"kubernetes.io/change-cause\":\"to v2\"") "," RS(
		"r3", "3", "v3",
		"") "," RS("r1", "1", "v1",
			   "") ","
			       "{\"metadata\":{\"name\":\"other\",\"ownerReferences\":[{"
			       "\"uid\":\"u2\",\"controller\":true}]}}]");
}

/* kubectl's DaemonSetStatusViewer and StatefulSetStatusViewer. */
static void test_status_lines_other_kinds(void **state)
{
	(void)state;
	const char *ds = "{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"agent\","
			 "\"generation\":2},\"spec\":{\"updateStrategy\":{\"type\":"
			 "\"RollingUpdate\"}},\"status\":{\"observedGeneration\":%d,"
			 "\"desiredNumberScheduled\":3,\"updatedNumberScheduled\":%d,"
			 "\"numberAvailable\":%d}}";
	char buf[512];
	snprintf(buf, sizeof(buf), ds, 1, 0, 0);
	check_status(buf, CS_ROLLOUT_WAITING,
		     "Waiting for daemon set spec update to be observed...");
	snprintf(buf, sizeof(buf), ds, 2, 1, 3);
	check_status(buf, CS_ROLLOUT_WAITING,
		     "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have "
		     "been updated...");
	snprintf(buf, sizeof(buf), ds, 2, 3, 2);
	check_status(buf, CS_ROLLOUT_WAITING,
		     "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are "
		     "available...");
	snprintf(buf, sizeof(buf), ds, 2, 3, 3);
	check_status(buf, CS_ROLLOUT_DONE, "daemon set \"agent\" successfully rolled out");
	check_status("{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"a\"},\"spec\":{"
		     "\"updateStrategy\":{\"type\":\"OnDelete\"}}}",
		     CS_ROLLOUT_FAILED,
		     "rollout status is only available for RollingUpdate strategy type");

	const char *sts = "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\","
			  "\"generation\":1},\"spec\":{\"replicas\":3,\"updateStrategy\":{"
			  "\"type\":\"RollingUpdate\"%s}},\"status\":{\"observedGeneration\":1,"
			  "\"readyReplicas\":%d,\"updatedReplicas\":%d,\"currentReplicas\":3,"
			  "\"currentRevision\":\"db-1\",\"updateRevision\":\"%s\"}}";
	snprintf(buf, sizeof(buf), sts, "", 1, 0, "db-1");
	check_status(buf, CS_ROLLOUT_WAITING, "Waiting for 2 pods to be ready...");
	snprintf(buf, sizeof(buf), sts, "", 3, 1, "db-2");
	check_status(buf, CS_ROLLOUT_WAITING,
		     "waiting for statefulset rolling update to complete 1 pods at revision "
		     "db-2...");
	snprintf(buf, sizeof(buf), sts, "", 3, 3, "db-1");
	check_status(buf, CS_ROLLOUT_DONE,
		     "statefulset rolling update complete 3 pods at revision db-1...");
	snprintf(buf, sizeof(buf), sts, ",\"rollingUpdate\":{\"partition\":1}", 3, 1, "db-2");
	check_status(buf, CS_ROLLOUT_WAITING,
		     "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been "
		     "updated...");
	snprintf(buf, sizeof(buf), sts, ",\"rollingUpdate\":{\"partition\":1}", 3, 2, "db-2");
	check_status(buf, CS_ROLLOUT_DONE,
		     "partitioned roll out complete: 2 new pods have been updated...");
}

static void test_revision_choice(void **state)
{
	(void)state;
	cs_json *d = J(deploy), *rss = all_rss();
	cs_json *owned = cs_ctl_owned_rss(d, rss);
	assert_int_equal(cs_json_len(owned), 3);
	char err[256];
	const cs_json *rs = cs_ctl_revision_rs(owned, "web", 0, err, sizeof(err));
	assert_non_null(rs);
	assert_int_equal(cs_ctl_rs_revision(rs), 2);
	rs = cs_ctl_revision_rs(owned, "web", 1, err, sizeof(err));
	assert_non_null(rs);
	assert_string_equal(cs_json_str(cs_json_path(rs, "metadata", "name", NULL)), "r1");
	assert_null(cs_ctl_revision_rs(owned, "web", 7, err, sizeof(err)));
	assert_string_equal(err, "unable to find specified revision 7 in history");
	cs_json *one = J("[" RS("r1", "1", "v1", "") "]");
	assert_null(cs_ctl_revision_rs(one, "web", 0, err, sizeof(err)));
	assert_string_equal(err, "no rollout history found for deployment \"web\"");
	cs_json_free(one);
	cs_json_free(owned);
	cs_json_free(rss);
	cs_json_free(d);
}

static void test_undo_patch(void **state)
{
	(void)state;
	cs_json *d = J(deploy), *rss = all_rss();
	bool skipped;
	cs_json *patch = cs_ctl_undo_patch(d, cs_json_at(rss, 0), &skipped);
	assert_false(skipped);
	char *text = cs_json_dump(patch, false, NULL);
	/* The template without the hash label; the revision's annotations
	 * plus the deployment's own revision bookkeeping. */
	assert_string_equal(
		text,
		"[{\"op\":\"replace\",\"path\":\"/spec/template\",\"value\":{\"metadata\":{"
		"\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
		"\"image\":\"v2\"}]}}},{\"op\":\"replace\",\"path\":\"/metadata/annotations\","
		"\"value\":{\"deployment.kubernetes.io/revision\":\"3\","
		"\"kubernetes.io/change-cause\":\"to v2\"}}]");
	free(text);
	cs_json_free(patch);
	assert_null(cs_ctl_undo_patch(d, cs_json_at(rss, 1), &skipped));
	assert_true(skipped);
	cs_json_free(rss);
	cs_json_free(d);
}

static void test_history_table(void **state)
{
	(void)state;
	cs_json *rss = all_rss();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cs_ctl_history_table(f, rss);
	fclose(f);
	assert_string_equal(buf, "REVISION  CHANGE-CAUSE\n"
				 "1         <none>\n"
				 "2         to v2\n"
				 "3         <none>\n");
	free(buf);
	cs_json_free(rss);
}

static void test_print_template(void **state)
{
	(void)state;
	cs_json *rss = all_rss();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cs_ctl_print_template(f, cs_json_path(cs_json_at(rss, 0), "spec", "template", NULL));
	fclose(f);
	assert_non_null(strstr(buf, "Pod Template:\n  Labels:      app=web\n"
				    "               pod-template-hash=r2\n"));
	assert_non_null(strstr(buf, "   c:\n    Image:\tv2\n"));
	free(buf);
	cs_json_free(rss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_lines),
		cmocka_unit_test(test_status_lines_other_kinds),
		cmocka_unit_test(test_revision_choice),
		cmocka_unit_test(test_undo_patch),
		cmocka_unit_test(test_history_table),
		cmocka_unit_test(test_print_template),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
