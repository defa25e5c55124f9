/* Tests for cli/describe.c: field labels and the full layout of a
 * description, events included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cli/cliutil.c"
#include "../../cli/describe.c"
#include "../../cli/jsonpath.c"
#include "../../cli/printer.c"
#include "../../cli/resource.c"
#include "../../cli/yamlconv.c"

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

static void test_smart_label(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"replicas", "Replicas"},
		{"matchLabels", "Match Labels"},
		{"apiVersion", "API Version"},
		{"podIP", "Pod IP"},
		{"podIPs", "Pod IPs"},
		{"hostIPAddress", "Host IP Address"},
		{"uid", "UID"},
		{"terminationGracePeriodSeconds", "Termination Grace Period Seconds"},
		{"k8s.io/name", "k8s.io/name"},
		{"x1", "x1"},
		{"with-dash", "With-dash"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = cs_ctl_smart_label(cases[i][0]);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("label %s: got \"%s\", want \"%s\"", cases[i][0], got,
				 cases[i][1]);
		free(got);
	}
}

static char *describe(const char *obj, const char *events, time_t now)
{
	cs_json *o = J(obj);
	cs_json *e = events ? J(events) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cs_ctl_describe(f, o, e, now);
	fclose(f);
	cs_json_free(o);
	cs_json_free(e);
	return buf;
}

static void expect_text(const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("--- got\n%s--- want\n%s", got, want);
}

static void test_deployment(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	const char *obj =
		"{\"apiVersion\":\"apps/"
		"v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
		"\"namespace\":\"default\",\"uid\":\"u1\",\"creationTimestamp\":"
		"\"2024-01-02T03:04:05Z\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},"
		"\"annotations\":{\"" CS_CTL_LAST_APPLIED "\":\"{}\",\"note\":\"hi\"},"
		"\"ownerReferences\":[{\"kind\":\"Thing\",\"name\":\"t\",\"controller\":true}]},"
		"\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
		"\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\","
		"\"args\":[\"-a\",\"-b\"],\"ports\":[{\"containerPort\":80}]}]}},\"paused\":false,"
		"\"extra\":{}},"
		"\"status\":{\"conditions\":[{\"type\":\"Available\",\"status\":\"True\","
		"\"reason\":"
		"\"MinimumReplicasAvailable\"},{\"type\":\"Progressing\",\"status\":\"Unknown\"}]}"
		"}";
	const char *events =
		"[{\"type\":\"Normal\",\"reason\":\"ScalingReplicaSet\",\"message\":\"Scaled "
		"up\\nto "
		"2\",\"source\":{\"component\":\"deployment-controller\"},\"count\":3,"
		"\"firstTimestamp\":\"2024-01-02T03:04:05Z\",\"lastTimestamp\":"
		"\"2024-01-02T03:09:05Z\"},"
		"{\"type\":\"Warning\",\"reason\":\"Early\",\"message\":\"first\",\"eventTime\":"
		"\"2024-01-02T03:05:05Z\",\"reportingComponent\":\"x\"}]";
	time_t now;
	assert_int_equal(cs_ctl_parse_time("2024-01-02T03:10:05Z", &now), 0);
	char *got = describe(obj, events, now);
	expect_text(
		got,
		"Name:               web\n"
		"Namespace:          default\n"
		"Labels:             app=web\n"
		"                    tier=fe\n"
		"Annotations:        note: hi\n"
		"CreationTimestamp:  Tue, 02 Jan 2024 03:04:05 +0000\n"
		"Controlled By:      Thing/t\n"
		"Spec:\n"
		"  Replicas:  2\n"
		"  Selector:\n"
		"    Match Labels:  app=web\n"
		"  Template:\n"
		"    Spec:\n"
		"      Containers:\n"
		"        web:\n"
		"          Image:  nginx\n"
		"          Args:   -a, -b\n"
		"          Ports:\n"
		"            Container Port:  80\n"
		"  Paused:                    false\n"
		"  Extra:                     <none>\n"
		"Status:\n"
		"  Conditions:\n"
		"    Type         Status   Reason\n"
		"    ----         ------   ------\n"
		"    Available    True     MinimumReplicasAvailable\n"
		"    Progressing  Unknown  <none>\n"
		"Events:\n"
		"  Type     Reason             Age               From                   Message\n"
		"  ----     ------             ----              ----                   -------\n"
		"  Warning  Early              5m                x                      first\n"
		"  Normal   ScalingReplicaSet  60s (x3 over 6m)  deployment-controller  Scaled "
		"up to 2\n");
	free(got);
}

static void test_configmap_secret(void **state)
{
	(void)state;
	char *got = describe("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
			     "\"name\":\"c\"},\"data\":{\"k\":\"v1\\nv2\"}}",
			     "[]", 0);
	expect_text(got, "Name:         c\n"
			 "Labels:       <none>\n"
			 "Annotations:  <none>\n"
			 "\n"
			 "Data\n"
			 "====\n"
			 "k:\n"
			 "----\n"
			 "v1\nv2\n"
			 "\n"
			 "Events:  <none>\n");
	free(got);
	/* Secret values are never shown, only their decoded sizes. */
	got = describe("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
		       "\"type\":\"Opaque\",\"data\":{\"pw\":\"aHVudGVyMg==\",\"k\":\"YWJj\"}}",
		       NULL, 0);
	expect_text(got, "Name:         s\n"
			 "Labels:       <none>\n"
			 "Annotations:  <none>\n"
			 "Type:         Opaque\n"
			 "\n"
			 "Data\n"
			 "====\n"
			 "pw:  7 bytes\n"
			 "k:   3 bytes\n");
	assert_null(strstr(got, "aHVudGVyMg"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smart_label),
		cmocka_unit_test(test_deployment),
		cmocka_unit_test(test_configmap_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
