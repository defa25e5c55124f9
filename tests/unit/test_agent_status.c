/* The node agent's pure logic: --hollow-nodes parsing, Node and Lease
 * objects, pod phases (kubelet's getPhase) and pod status building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "agent_status.h"
#include "json.h"

static void test_parse_hollow(void **state)
{
	(void)state;
	unsigned n = 0;
	char err[256];
	assert_int_equal(cs_agent_parse_hollow("5000", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5000);
	assert_int_equal(cs_agent_parse_hollow("1", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	static const char *const bad[] = {
		"0", "-1", "x", "", "3x", " 3", "+3", "100001", "18446744073709551617"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		n = 7;
		assert_int_equal(cs_agent_parse_hollow(bad[i], &n, err, sizeof(err)), -1);
		assert_int_equal(n, 7);
		assert_non_null(strstr(err, "must be a number of nodes from 1 to 100000"));
		assert_non_null(strstr(err, bad[i]));
	}
}

static cs_agent_nodeinfo info(void)
{
	return (cs_agent_nodeinfo){.name = "hollow-7",
				   .internal_ip = "10.0.0.8",
				   .cpu = "4",
				   .memory = "32Gi",
				   .pods = "110",
				   .ephemeral_storage = "100Gi",
				   .runtime_version = "hollow://0.1.0",
				   .kernel_version = "6.1",
				   .os_image = "Debian",
				   .arch = "amd64",
				   .machine_id = "m",
				   .boot_id = "b"};
}

static const cs_json *cond(const cs_json *status, const char *type)
{
	const cs_json *l = cs_json_get(status, "conditions");
	for (size_t i = 0; i < cs_json_len(l); i++)
		if (!strcmp(cs_json_get_str(cs_json_at(l, i), "type"), type))
			return cs_json_at(l, i);
	return NULL;
}

static void test_node(void **state)
{
	(void)state;
	cs_agent_nodeinfo ni = info();
	cs_json *n = cs_agent_node_object(&ni);
	assert_string_equal(cs_json_get_str(n, "kind"), "Node");
	const cs_json *labels = cs_json_path(n, "metadata", "labels", NULL);
	assert_string_equal(cs_json_get_str(labels, "kubernetes.io/hostname"), "hollow-7");
	assert_string_equal(cs_json_get_str(labels, "kubernetes.io/os"), "linux");
	assert_string_equal(cs_json_get_str(labels, "kubernetes.io/arch"), "amd64");
	cs_json_free(n);

	cs_json *s = cs_agent_node_status(&ni, "2026-01-01T00:00:10Z", NULL, NULL);
	assert_string_equal(cs_json_str(cs_json_path(s, "capacity", "memory", NULL)), "32Gi");
	assert_string_equal(cs_json_str(cs_json_path(s, "allocatable", "pods", NULL)), "110");
	assert_string_equal(
		cs_json_str(cs_json_path(s, "nodeInfo", "containerRuntimeVersion", NULL)),
		"hollow://0.1.0");
	const cs_json *ready = cond(s, "Ready");
	assert_string_equal(cs_json_get_str(ready, "status"), "True");
	assert_string_equal(cs_json_get_str(ready, "reason"), "KubeletReady");
	assert_string_equal(cs_json_get_str(cond(s, "DiskPressure"), "status"), "False");
	/* A later heartbeat keeps the transition time and moves the
	 * heartbeat. */
	cs_json *s2 = cs_agent_node_status(&ni, "2026-01-01T00:05:10Z", NULL, s);
	const cs_json *r2 = cond(s2, "Ready");
	assert_string_equal(cs_json_get_str(r2, "lastTransitionTime"), "2026-01-01T00:00:10Z");
	assert_string_equal(cs_json_get_str(r2, "lastHeartbeatTime"), "2026-01-01T00:05:10Z");
	cs_json_free(s2);
	/* Without an old status, `since` stands for it. */
	s2 = cs_agent_node_status(&ni, "2026-01-01T00:05:10Z", "2026-01-01T00:00:01Z", NULL);
	assert_string_equal(cs_json_get_str(cond(s2, "Ready"), "lastTransitionTime"),
			    "2026-01-01T00:00:01Z");
	cs_json_free(s2);
	cs_json_free(s);
}

static void test_lease_and_times(void **state)
{
	(void)state;
	cs_json *l = cs_agent_lease("hollow-1", "2026-01-01T00:00:00.000001Z");
	assert_string_equal(cs_json_str(cs_json_path(l, "metadata", "namespace", NULL)),
			    "kube-node-lease");
	assert_string_equal(cs_json_str(cs_json_path(l, "spec", "holderIdentity", NULL)),
			    "hollow-1");
	assert_int_equal(cs_json_as_int(cs_json_path(l, "spec", "leaseDurationSeconds", NULL), 0),
			 40);
	cs_json_free(l);
	char t[40];
	cs_agent_microtime(1767225600123456789LL, t);
	assert_string_equal(t, "2026-01-01T00:00:00.123456Z");
	cs_agent_time(1767225600123456789LL, t);
	assert_string_equal(t, "2026-01-01T00:00:00Z");
	char ip[16];
	cs_agent_fake_ip(0, ip);
	assert_string_equal(ip, "10.64.0.1");
	cs_agent_fake_ip(253, ip);
	assert_string_equal(ip, "10.64.0.254");
	cs_agent_fake_ip(254, ip);
	assert_string_equal(ip, "10.64.1.1");
	cs_agent_fake_ip(254 * 256, ip);
	assert_string_equal(ip, "10.65.0.1");
}

static cs_agent_ctr ctr(enum cs_agent_cstate s, int exit_code)
{
	return (cs_agent_ctr){.name = "c", .image = "i", .state = s, .exit_code = exit_code};
}

static void test_phase(void **state)
{
	(void)state;
	cs_agent_ctr c[2];
	cs_agent_podview v = {.ctrs = c, .nctrs = 2};
	c[0] = ctr(CS_CTR_RUNNING, 0);
	c[1] = ctr(CS_CTR_WAITING, 0);
	assert_string_equal(cs_agent_pod_phase("Always", &v), "Pending");
	c[1] = ctr(CS_CTR_RUNNING, 0);
	assert_string_equal(cs_agent_pod_phase(NULL, &v), "Running");
	c[0] = ctr(CS_CTR_EXITED, 0);
	c[1] = ctr(CS_CTR_EXITED, 0);
	assert_string_equal(cs_agent_pod_phase("Never", &v), "Succeeded");
	assert_string_equal(cs_agent_pod_phase("OnFailure", &v), "Succeeded");
	assert_string_equal(cs_agent_pod_phase("Always", &v), "Running");
	c[1] = ctr(CS_CTR_EXITED, 1);
	assert_string_equal(cs_agent_pod_phase("Never", &v), "Failed");
	assert_string_equal(cs_agent_pod_phase("OnFailure", &v), "Running");
	/* Waiting to restart counts as its last run. */
	c[1] = ctr(CS_CTR_WAITING, 0);
	c[1].has_last = true;
	c[1].last_exit = 0;
	assert_string_equal(cs_agent_pod_phase("Always", &v), "Running");
	/* Init containers first. */
	cs_agent_ctr init = ctr(CS_CTR_RUNNING, 0);
	v.init = &init;
	v.ninit = 1;
	c[0] = c[1] = ctr(CS_CTR_WAITING, 0);
	assert_string_equal(cs_agent_pod_phase("Always", &v), "Pending");
	init = ctr(CS_CTR_EXITED, 2);
	assert_string_equal(cs_agent_pod_phase("Never", &v), "Failed");
	assert_string_equal(cs_agent_pod_phase("OnFailure", &v), "Pending");
}

static void test_pod_status(void **state)
{
	(void)state;
	const char *text =
		"{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},"
		"\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
		"\"status\":{\"phase\":\"Pending\",\"qosClass\":\"BestEffort\",\"conditions\":"
		"[{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastTransitionTime\":"
		"\"2026-01-01T00:00:00Z\"}]}}";
	cs_json *pod = cs_json_parse(text, strlen(text), NULL, 0);
	assert_non_null(pod);
	cs_agent_ctr c[2] = {ctr(CS_CTR_RUNNING, 0), ctr(CS_CTR_WAITING, 0)};
	c[0].name = "a";
	c[0].container_id = "hollow://abc";
	c[0].image_id = "i@sha256:1";
	c[0].started_ns = 1767225600000000000LL;
	c[1].name = "b";
	c[1].reason = "ErrImagePull";
	c[1].message = "no such image";
	cs_agent_podview v = {.host_ip = "10.0.0.1", .pod_ip = "10.64.0.1", .ctrs = c, .nctrs = 2};
	cs_json *s = cs_agent_pod_status(pod, &v, "2026-01-01T00:00:05Z");
	assert_string_equal(cs_json_get_str(s, "phase"), "Pending");
	assert_string_equal(cs_json_get_str(s, "qosClass"), "BestEffort"); /* kept */
	assert_string_equal(cs_json_get_str(s, "podIP"), "10.64.0.1");
	assert_string_equal(cs_json_get_str(s, "hostIP"), "10.0.0.1");
	assert_string_equal(cs_json_get_str(s, "startTime"), "2026-01-01T00:00:05Z");
	const cs_json *ready = cond(s, "Ready");
	assert_string_equal(cs_json_get_str(ready, "status"), "False");
	assert_string_equal(cs_json_get_str(ready, "reason"), "ContainersNotReady");
	assert_string_equal(cs_json_get_str(ready, "message"),
			    "containers with unready status: [b]");
	assert_string_equal(cs_json_get_str(cond(s, "PodScheduled"), "lastTransitionTime"),
			    "2026-01-01T00:00:00Z");
	const cs_json *cs = cs_json_get(s, "containerStatuses");
	assert_int_equal(cs_json_len(cs), 2);
	assert_string_equal(
		cs_json_str(cs_json_path(cs_json_at(cs, 0), "state", "running", "startedAt", NULL)),
		"2026-01-01T00:00:00Z");
	assert_true(cs_json_as_bool(cs_json_get(cs_json_at(cs, 0), "ready"), false));
	assert_string_equal(cs_json_get_str(cs_json_at(cs, 0), "containerID"), "hollow://abc");
	assert_string_equal(
		cs_json_str(cs_json_path(cs_json_at(cs, 1), "state", "waiting", "reason", NULL)),
		"ErrImagePull");
	assert_null(cs_json_get(cs_json_at(cs, 1), "containerID"));

	/* Everything runs: Ready, and building it again from the written
	 * status gives the same document (the agent writes only changes). */
	c[1] = c[0];
	c[1].name = "b";
	cs_json_set(pod, "status", s);
	cs_json *s2 = cs_agent_pod_status(pod, &v, "2026-01-01T00:00:09Z");
	assert_string_equal(cs_json_get_str(s2, "phase"), "Running");
	const cs_json *r2 = cond(s2, "Ready");
	assert_string_equal(cs_json_get_str(r2, "status"), "True");
	assert_string_equal(cs_json_get_str(r2, "lastTransitionTime"), "2026-01-01T00:00:09Z");
	assert_string_equal(cs_json_get_str(s2, "startTime"), "2026-01-01T00:00:05Z");
	cs_json_set(pod, "status", s2);
	cs_json *s3 = cs_agent_pod_status(pod, &v, "2026-01-01T00:00:20Z");
	assert_true(cs_json_equal(s3, cs_json_get(pod, "status")));
	cs_json_free(s3);

	/* Done: Ready False with PodCompleted, lastState of a restart. */
	c[0] = ctr(CS_CTR_EXITED, 0);
	c[0].name = "a";
	c[0].reason = "Completed";
	c[1] = c[0];
	c[1].name = "b";
	c[1].restarts = 1;
	c[1].has_last = true;
	c[1].last_exit = 3;
	c[1].last_reason = "Error";
	cs_json_set(cs_json_get(pod, "spec"), "restartPolicy", cs_json_string("OnFailure"));
	cs_json *s4 = cs_agent_pod_status(pod, &v, "2026-01-01T00:00:30Z");
	assert_string_equal(cs_json_get_str(s4, "phase"), "Succeeded");
	assert_string_equal(cs_json_get_str(cond(s4, "Ready"), "reason"), "PodCompleted");
	const cs_json *b = cs_json_at(cs_json_get(s4, "containerStatuses"), 1);
	assert_int_equal(
		cs_json_as_int(cs_json_path(b, "lastState", "terminated", "exitCode", NULL), -1),
		3);
	assert_int_equal(cs_json_as_int(cs_json_get(b, "restartCount"), -1), 1);
	cs_json_free(s4);
	cs_json_free(pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_hollow),    cmocka_unit_test(test_node),
		cmocka_unit_test(test_lease_and_times), cmocka_unit_test(test_phase),
		cmocka_unit_test(test_pod_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
