/* meta.k8s.io/v1 Table output (core/table.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "types.h"

/* Internal to table.c (shared with capctl for AGE); not in types.h yet. */
const char *cs_human_duration(int64_t secs, char *buf, size_t len);

/* RFC 3339 timestamp secs seconds ago (negative: in the future).  Cases
 * pick ages whose printed form cannot change if a second ticks by. */
static const char *ago(int64_t secs)
{
	static char bufs[8][32];
	static int next;
	char *b = bufs[next++ % 8];
	time_t t = time(NULL) - (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(b, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return b;
}

static cs_json *parse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static cs_json *parse(const char *fmt, ...)
{
	char *text, err[256];
	va_list ap;
	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	cs_json *v = cs_json_parse(text, strlen(text), err, sizeof(err));
	if (!v)
		fail_msg("bad test JSON: %s: %s", err, text);
	free(text);
	return v;
}

static const cs_type *type_of(const char *group, const char *resource)
{
	const cs_type *t = cs_type_find(group, "v1", resource);
	assert_non_null(t);
	return t;
}

/* Table for one object (takes ownership of obj). */
static cs_json *table1(const char *group, const char *resource, cs_json *obj)
{
	cs_json *items = cs_json_array();
	cs_json_push(items, obj);
	cs_json *t = cs_table_build(type_of(group, resource), items, NULL, "7", NULL);
	cs_json_free(items);
	assert_non_null(t);
	return t;
}

/* Column names joined with "|", priority-1 ones marked with '*'. */
static char *columns(const cs_json *table)
{
	const cs_json *defs = cs_json_get(table, "columnDefinitions");
	char *out = calloc(1, 1024);
	assert_non_null(out);
	for (size_t i = 0; i < cs_json_len(defs); i++) {
		const cs_json *d = cs_json_at(defs, i);
		strcat(out, i ? "|" : "");
		strcat(out, cs_json_get_str(d, "name"));
		if (cs_json_as_int(cs_json_get(d, "priority"), -1) == 1)
			strcat(out, "*");
	}
	return out;
}

static void assert_columns(const cs_json *table, const char *want)
{
	char *got = columns(table);
	assert_string_equal(got, want);
	free(got);
}

/* Cells of row 0 rendered compactly: strings bare, ints as digits. */
static void assert_cells(const cs_json *table, const char *want)
{
	const cs_json *cells = cs_json_get(cs_json_at(cs_json_get(table, "rows"), 0), "cells");
	assert_non_null(cells);
	char got[2048] = "";
	for (size_t i = 0; i < cs_json_len(cells); i++) {
		const cs_json *c = cs_json_at(cells, i);
		char one[512];
		if (cs_json_is(c, CS_JSON_STRING))
			snprintf(one, sizeof(one), "%s", cs_json_str(c));
		else if (cs_json_is(c, CS_JSON_NUMBER))
			snprintf(one, sizeof(one), "#%lld", (long long)cs_json_as_int(c, 0));
		else if (cs_json_is(c, CS_JSON_BOOL))
			snprintf(one, sizeof(one), "?%s", c->u.b ? "true" : "false");
		else
			snprintf(one, sizeof(one), "!bad");
		strcat(got, i ? "|" : "");
		strcat(got, one);
	}
	assert_string_equal(got, want);
}

static void test_human_duration(void **state)
{
	(void)state;
	static const struct {
		int64_t secs;
		const char *want;
	} cases[] = {
		{-5, "<invalid>"},
		{-2, "<invalid>"},
		{-1, "0s"},
		{0, "0s"},
		{5, "5s"},
		{119, "119s"},
		{120, "2m"},
		{182, "3m2s"},
		{599, "9m59s"},
		{600, "10m"},
		{2700, "45m"},
		{10799, "179m"},
		{10800, "3h"},
		{5 * 3600 + 3 * 60 + 59, "5h3m"},
		{8 * 3600 + 59, "8h"},
		{47 * 3600 + 3599, "47h"},
		{48 * 3600, "2d"},
		{51 * 3600 + 1800, "2d3h"},
		{8 * 86400, "8d"},
		{400 * 86400, "400d"},
		{730 * 86400, "2y"},
		{(3 * 365 + 20) * 86400LL, "3y20d"},
		{9 * 365 * 86400LL, "9y"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = cs_human_duration(cases[i].secs, buf, sizeof(buf));
		if (strcmp(got, cases[i].want))
			fail_msg("%lld s: got %s, want %s", (long long)cases[i].secs, got,
				 cases[i].want);
	}
}

static void test_pod_columns_and_running_pod(void **state)
{
	(void)state;
	cs_json *t = table1(
		"", "pods",
		parse("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web-1\","
		      "\"namespace\":\"default\",\"creationTimestamp\":\"%s\"},"
		      "\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"a\"},"
		      "{\"name\":\"b\"}]},"
		      "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\","
		      "\"podIPs\":[{\"ip\":\"10.0.0.5\"}],\"conditions\":[{\"type\":\"Ready\","
		      "\"status\":\"True\"}],\"containerStatuses\":["
		      "{\"name\":\"a\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{}}"
		      "},"
		      "{\"name\":\"b\",\"ready\":true,\"restartCount\":3,\"state\":{\"running\":{}}"
		      ","
		      "\"lastState\":{\"terminated\":{\"exitCode\":1,\"finishedAt\":\"%s\"}}}]}}",
		      ago(51 * 3600 + 1800), ago(630)));
	assert_string_equal(cs_json_get_str(t, "kind"), "Table");
	assert_string_equal(cs_json_get_str(t, "apiVersion"), "meta.k8s.io/v1");
	assert_string_equal(cs_json_str(cs_json_path(t, "metadata", "resourceVersion", NULL)), "7");
	assert_null(cs_json_path(t, "metadata", "continue", NULL));
	assert_columns(t, "Name|Ready|Status|Restarts|Age|IP*|Node*|Nominated Node*|"
			  "Readiness Gates*");
	const cs_json *name_col = cs_json_at(cs_json_get(t, "columnDefinitions"), 0);
	assert_string_equal(cs_json_get_str(name_col, "format"), "name");
	assert_string_equal(cs_json_get_str(name_col, "type"), "string");
	assert_non_null(cs_json_get_str(name_col, "description"));
	assert_cells(t, "web-1|2/2|Running|3 (10m ago)|2d3h|10.0.0.5|node-1|<none>|<none>");
	cs_json_free(t);
}

static void test_pod_status_rules(void **state)
{
	(void)state;
	/* Waiting reason of a container wins over the phase. */
	cs_json *t =
		table1("", "pods",
		       parse("{\"metadata\":{\"name\":\"crash\",\"creationTimestamp\":\"%s\"},"
			     "\"spec\":{\"containers\":[{\"name\":\"a\"}],\"readinessGates\":["
			     "{\"conditionType\":\"x/ok\"},{\"conditionType\":\"x/lb\"}]},"
			     "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"x/ok\","
			     "\"status\":\"True\"}],\"containerStatuses\":[{\"name\":\"a\","
			     "\"ready\":false,"
			     "\"restartCount\":4,\"state\":{\"waiting\":{\"reason\":"
			     "\"CrashLoopBackOff\"}}}]}}",
			     ago(2730)));
	assert_cells(t, "crash|0/1|CrashLoopBackOff|4|45m|<none>|<none>|<none>|1/2");
	cs_json_free(t);

	/* A pod being deleted shows Terminating unless it already finished. */
	t = table1(
		"", "pods",
		parse("{\"metadata\":{\"name\":\"bye\",\"creationTimestamp\":\"%s\","
		      "\"deletionTimestamp\":\"%s\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
		      "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\","
		      "\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{}}}]}}",
		      ago(3 * 3600), ago(-30)));
	assert_cells(t, "bye|1/1|Terminating|0|3h|<none>|<none>|<none>|<none>");
	cs_json_free(t);

	/* Succeeded: terminated reason, a Completed row condition. */
	t = table1(
		"", "pods",
		parse("{\"metadata\":{\"name\":\"done\",\"creationTimestamp\":\"%s\","
		      "\"deletionTimestamp\":\"%s\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
		      "\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"a\","
		      "\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":"
		      "0,"
		      "\"reason\":\"Completed\"}}}]}}",
		      ago(700), ago(-30)));
	assert_cells(t, "done|0/1|Completed|0|11m|<none>|<none>|<none>|<none>");
	const cs_json *cond =
		cs_json_at(cs_json_get(cs_json_at(cs_json_get(t, "rows"), 0), "conditions"), 0);
	assert_string_equal(cs_json_get_str(cond, "type"), "Completed");
	assert_string_equal(cs_json_get_str(cond, "reason"), "Succeeded");
	cs_json_free(t);

	/* Killed by a signal without a reason. */
	t = table1("", "pods",
		   parse("{\"metadata\":{\"name\":\"sig\"},\"spec\":{\"containers\":[{\"name\":"
			 "\"a\"}]},"
			 "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\","
			 "\"state\":{\"terminated\":{\"exitCode\":137,\"signal\":9}}}]}}"));
	assert_cells(t, "sig|0/1|Signal:9|0|<unknown>|<none>|<none>|<none>|<none>");
	cs_json_free(t);

	/* No status at all yet (just created, not scheduled). */
	t = table1("", "pods",
		   parse("{\"metadata\":{\"name\":\"new\",\"creationTimestamp\":"
			 "\"%s\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
			 ago(-3600)));
	assert_cells(t, "new|0/1||0|<invalid>|<none>|<none>|<none>|<none>");
	cs_json_free(t);
}

static void test_pod_init_containers(void **state)
{
	(void)state;
	cs_json *t = table1(
		"", "pods",
		parse("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":"
		      "\"i1\"},"
		      "{\"name\":\"i2\"}],\"containers\":[{\"name\":\"a\"}]},"
		      "\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":["
		      "{\"name\":\"i1\",\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":"
		      "0}}},"
		      "{\"name\":\"i2\",\"restartCount\":2,\"state\":{\"running\":{}}}],"
		      "\"containerStatuses\":[{\"name\":\"a\",\"state\":{\"waiting\":{\"reason\":"
		      "\"PodInitializing\"}}}]}}"));
	assert_cells(t, "p|0/1|Init:1/2|2|<unknown>|<none>|<none>|<none>|<none>");
	cs_json_free(t);

	t = table1("", "pods",
		   parse("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":"
			 "\"i1\"}],"
			 "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
			 "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{\"terminated\":"
			 "{\"exitCode\":3}}}]}}"));
	assert_cells(t, "p|0/1|Init:ExitCode:3|0|<unknown>|<none>|<none>|<none>|<none>");
	cs_json_free(t);

	/* A started sidecar (restartPolicy Always) counts as a container. */
	t = table1(
		"", "pods",
		parse("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":[{\"name\":"
		      "\"side\","
		      "\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"a\"}]},"
		      "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Initialized\","
		      "\"status\":\"True\"}],\"initContainerStatuses\":[{\"name\":\"side\","
		      "\"started\":true,\"ready\":true,\"restartCount\":1,\"state\":{\"running\":{}"
		      "}}],"
		      "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"restartCount\":0,"
		      "\"state\":{\"running\":{}}}]}}"));
	assert_cells(t, "p|2/2|Running|1|<unknown>|<none>|<none>|<none>|<none>");
	cs_json_free(t);
}

static void test_deployment(void **state)
{
	(void)state;
	cs_json *t = table1(
		"apps", "deployments",
		parse("{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"%s\"},"
		      "\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"tier\":\"fe\","
		      "\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"In\","
		      "\"values\":[\"prod\",\"dev\",\"prod\"]},{\"key\":\"canary\",\"operator\":"
		      "\"DoesNotExist\"}]},\"template\":{\"spec\":{\"containers\":[{\"name\":"
		      "\"web\","
		      "\"image\":\"nginx:1\"},{\"name\":\"log\",\"image\":\"busybox\"}]}}},"
		      "\"status\":{\"replicas\":3,\"readyReplicas\":2,\"updatedReplicas\":3,"
		      "\"availableReplicas\":2}}",
		      ago(2700)));
	assert_columns(t, "Name|Ready|Up-to-date|Available|Age|Containers*|Images*|Selector*");
	assert_cells(t, "web|2/3|#3|#2|45m|web,log|nginx:1,busybox|"
			"app=web,!canary,env in (dev,prod),tier=fe");
	cs_json_free(t);

	/* Fresh object: no status, replicas defaulted, empty selector. */
	t = table1("apps", "deployments",
		   parse("{\"metadata\":{\"name\":\"d\",\"creationTimestamp\":\"%s\"},"
			 "\"spec\":{\"selector\":{}}}",
			 ago(7300)));
	assert_cells(t, "d|0/1|#0|#0|121m|||");
	cs_json_free(t);

	/* An unknown operator makes the selector invalid. */
	t = table1("apps", "deployments",
		   parse("{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{"
			 "\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Near\"}]}}}"));
	assert_cells(t, "d|0/1|#0|#0|<unknown>|||<invalid>");
	cs_json_free(t);
}

static void test_namespaces(void **state)
{
	(void)state;
	cs_json *items = parse("[{\"metadata\":{\"name\":\"default\",\"creationTimestamp\":\"%s\"},"
			       "\"status\":{\"phase\":\"Active\"}},{\"metadata\":{\"name\":"
			       "\"old\",\"creationTimestamp\":\"%s\"},\"status\":{\"phase\":"
			       "\"Terminating\"}}]",
			       ago(400 * 86400 + 100), ago(182));
	cs_json *t = cs_table_build(type_of("", "namespaces"), items, "None", NULL, "abc");
	assert_non_null(t);
	assert_columns(t, "Name|Status|Age");
	assert_cells(t, "default|Active|400d");
	const cs_json *rows = cs_json_get(t, "rows");
	assert_int_equal(cs_json_len(rows), 2);
	const cs_json *c2 = cs_json_get(cs_json_at(rows, 1), "cells");
	assert_string_equal(cs_json_str(cs_json_at(c2, 1)), "Terminating");
	const char *age = cs_json_str(cs_json_at(c2, 2));
	assert_true(!strcmp(age, "3m2s") || !strcmp(age, "3m3s"));
	assert_null(cs_json_path(t, "metadata", "resourceVersion", NULL));
	assert_string_equal(cs_json_str(cs_json_path(t, "metadata", "continue", NULL)), "abc");
	cs_json_free(t);
	cs_json_free(items);
}

static void test_nodes(void **state)
{
	(void)state;
	cs_json *t = table1(
		"", "nodes",
		parse("{\"metadata\":{\"name\":\"n1\",\"creationTimestamp\":\"%s\",\"labels\":{"
		      "\"node-role.kubernetes.io/master\":\"\",\"kubernetes.io/"
		      "role\":\"control-plane\","
		      "\"node-role.kubernetes.io/\":\"\",\"zone\":\"a\"}},"
		      "\"spec\":{\"unschedulable\":true},"
		      "\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":"
		      "\"False\"},"
		      "{\"type\":\"Ready\",\"status\":\"True\"}],\"addresses\":[{\"type\":"
		      "\"Hostname\","
		      "\"address\":\"n1\"},{\"type\":\"InternalIP\",\"address\":\"192.168.1.10\"}],"
		      "\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\",\"osImage\":\"Debian 12\","
		      "\"kernelVersion\":\"6.1.0\",\"containerRuntimeVersion\":\"capstan://"
		      "0.1\"}}}",
		      ago(8 * 3600 + 100)));
	assert_columns(t, "Name|Status|Roles|Age|Version|Internal-IP*|External-IP*|OS-Image*|"
			  "Kernel-Version*|Container-Runtime*");
	assert_cells(t, "n1|Ready,SchedulingDisabled|control-plane,master|8h|v1.32.0|"
			"192.168.1.10|<none>|Debian 12|6.1.0|capstan://0.1");
	cs_json_free(t);

	t = table1("", "nodes",
		   parse("{\"metadata\":{\"name\":\"n2\"},\"status\":{\"conditions\":"
			 "[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}"));
	assert_cells(t, "n2|NotReady|<none>|<unknown>||<none>|<none>|<unknown>|<unknown>|"
			"<unknown>");
	cs_json_free(t);

	t = table1("", "nodes", parse("{\"metadata\":{\"name\":\"n3\"}}"));
	assert_cells(t, "n3|Unknown|<none>|<unknown>||<none>|<none>|<unknown>|<unknown>|"
			"<unknown>");
	cs_json_free(t);
}

static void test_services_and_endpoints(void **state)
{
	(void)state;
	cs_json *t = table1(
		"", "services",
		parse("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"type\":\"NodePort\","
		      "\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"],\"ports\":["
		      "{\"port\":80,\"protocol\":\"TCP\"},{\"port\":443,\"nodePort\":30443}],"
		      "\"selector\":{\"b\":\"2\",\"a\":\"1\"}}}"));
	assert_columns(t, "Name|Type|Cluster-IP|External-IP|Port(s)|Age|Selector*");
	assert_cells(t, "web|NodePort|10.96.0.10|<none>|80/TCP,443:30443/TCP|<unknown>|a=1,b=2");
	cs_json_free(t);

	t = table1("", "services",
		   parse("{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
			 "\"clusterIP\":\"None\"}}"));
	assert_cells(t, "lb|LoadBalancer|None|<pending>|<none>|<unknown>|<none>");
	cs_json_free(t);

	t = table1(
		"", "services",
		parse("{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
		      "\"externalIPs\":[\"1.2.3.4\"]},\"status\":{\"loadBalancer\":{\"ingress\":["
		      "{\"ip\":\"5.6.7.8\"},{\"hostname\":\"a.example\"},{\"ip\":\"5.6.7.8\"}]}}"
		      "}"));
	assert_cells(t, "lb|LoadBalancer|<none>|5.6.7.8,a.example,1.2.3.4|<none>|<unknown>|<none>");
	cs_json_free(t);

	t = table1("", "endpoints",
		   parse("{\"metadata\":{\"name\":\"web\"},\"subsets\":[{\"addresses\":["
			 "{\"ip\":\"10.1.0.1\"},"
			 "{\"ip\":\"10.1.0.2\"}],\"ports\":[{\"port\":80},{\"port\":8080}]}]}"));
	assert_columns(t, "Name|Endpoints|Age");
	assert_cells(t, "web|10.1.0.1:80,10.1.0.2:80,10.1.0.1:8080 + 1 more...|<unknown>");
	cs_json_free(t);

	t = table1("", "endpoints", parse("{\"metadata\":{\"name\":\"none\"}}"));
	assert_cells(t, "none|<none>|<unknown>");
	cs_json_free(t);
}

static void test_other_kinds(void **state)
{
	(void)state;
	cs_json *t =
		table1("", "configmaps",
		       parse("{\"metadata\":{\"name\":\"cm\"},\"data\":{\"a\":\"1\",\"b\":\"2\"},"
			     "\"binaryData\":{\"c\":\"AA==\"}}"));
	assert_columns(t, "Name|Data|Age");
	assert_cells(t, "cm|#3|<unknown>");
	cs_json_free(t);

	t = table1("", "secrets",
		   parse("{\"metadata\":{\"name\":\"s\"},\"type\":\"Opaque\","
			 "\"data\":{\"k\":\"dg==\"}}"));
	assert_columns(t, "Name|Type|Data|Age");
	assert_cells(t, "s|Opaque|#1|<unknown>");
	cs_json_free(t);

	t = table1(
		"batch", "jobs",
		parse("{\"metadata\":{\"name\":\"j\"},\"spec\":{\"completions\":3,\"template\":{"
		      "\"spec\":"
		      "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}},\"status\":{"
		      "\"succeeded\":3,\"startTime\":\"2024-01-01T00:00:00Z\",\"completionTime\":"
		      "\"2024-01-01T00:03:02Z\",\"conditions\":[{\"type\":\"Complete\","
		      "\"status\":\"True\"}]}}"));
	assert_columns(t, "Name|Status|Completions|Duration|Age|Containers*|Images*|Selector*");
	assert_cells(t, "j|Complete|3/3|3m2s|<unknown>|c|busybox|<none>");
	cs_json_free(t);

	t = table1("batch", "jobs",
		   parse("{\"metadata\":{\"name\":\"j\"},\"spec\":{"
			 "\"parallelism\":2},\"status\":{\"conditions\":["
			 "{\"type\":\"Complete\",\"status\":\"False\"}]}}"));
	assert_cells(t, "j|Running|0/1 of 2||<unknown>|||<none>");
	cs_json_free(t);

	t = table1("batch", "cronjobs",
		   parse("{\"metadata\":{\"name\":\"cj\"},\"spec\":{\"schedule\":\"*/5 * * * *\","
			 "\"suspend\":false,\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{"
			 "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}},\"status\":{"
			 "\"active\":"
			 "[{\"name\":\"cj-1\"}],\"lastScheduleTime\":\"%s\"}}",
			 ago(630)));
	assert_columns(t, "Name|Schedule|Timezone|Suspend|Active|Last Schedule|Age|Containers*|"
			  "Images*|Selector*");
	assert_cells(t, "cj|*/5 * * * *|<none>|False|#1|10m|<unknown>|c|i|<none>");
	cs_json_free(t);

	t = table1("storage.k8s.io", "storageclasses",
		   parse("{\"metadata\":{\"name\":\"local\",\"annotations\":{"
			 "\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
			 "\"provisioner\":\"capstan.io/local\"}"));
	assert_columns(t, "Name|Provisioner|ReclaimPolicy|VolumeBindingMode|AllowVolumeExpansion|"
			  "Age");
	assert_cells(t, "local (default)|capstan.io/local|Delete|Immediate|?false|<unknown>");
	cs_json_free(t);

	t = table1("", "persistentvolumeclaims",
		   parse("{\"metadata\":{\"name\":\"data\"},\"spec\":{\"volumeName\":\"pv-1\","
			 "\"storageClassName\":\"local\"},\"status\":{\"phase\":\"Bound\","
			 "\"capacity\":"
			 "{\"storage\":\"1Gi\"},\"accessModes\":[\"ReadWriteMany\","
			 "\"ReadWriteOnce\"]}}"));
	assert_cells(t, "data|Bound|pv-1|1Gi|RWO,RWX|local|<unset>|<unknown>|<unset>");
	cs_json_free(t);

	t = table1("", "persistentvolumes",
		   parse("{\"metadata\":{\"name\":\"pv-1\"},\"spec\":{\"capacity\":{\"storage\":"
			 "\"1Gi\"},"
			 "\"accessModes\":[\"ReadWriteOnce\"],\"persistentVolumeReclaimPolicy\":"
			 "\"Retain\","
			 "\"claimRef\":{\"namespace\":\"default\",\"name\":\"data\"},"
			 "\"storageClassName\":\"local\",\"volumeMode\":\"Filesystem\"},"
			 "\"status\":{\"phase\":\"Bound\"}}"));
	assert_cells(t, "pv-1|1Gi|RWO|Retain|Bound|default/data|local|<unset>||<unknown>|"
			"Filesystem");
	cs_json_free(t);

	t = table1("", "events",
		   parse("{\"metadata\":{\"name\":\"web.17\"},\"type\":\"Warning\",\"reason\":"
			 "\"BackOff\","
			 "\"message\":\"  Back-off "
			 "restarting\\n\",\"involvedObject\":{\"kind\":\"Pod\","
			 "\"name\":\"web\",\"fieldPath\":\"spec.containers{a}\"},\"source\":{"
			 "\"component\":"
			 "\"kubelet\",\"host\":\"n1\"},\"firstTimestamp\":\"%s\",\"lastTimestamp\":"
			 "\"%s\","
			 "\"count\":5}",
			 ago(3600 * 5 + 10), ago(1230)));
	assert_columns(t, "Last Seen|Type|Reason|Object|Subobject*|Source*|Message|First Seen*|"
			  "Count*|Name*");
	assert_cells(t, "20m|Warning|BackOff|pod/web|spec.containers{a}|kubelet, n1|"
			"Back-off restarting|5h|#5|web.17");
	cs_json_free(t);

	t = table1("coordination.k8s.io", "leases",
		   parse("{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"holderIdentity\":\"n1\"}}"));
	assert_columns(t, "Name|Holder|Age");
	assert_cells(t, "n1|n1|<unknown>");
	cs_json_free(t);

	t = table1("scheduling.k8s.io", "priorityclasses",
		   parse("{\"metadata\":{\"name\":\"high\"},\"value\":1000,"
			 "\"globalDefault\":true,\"preemptionPolicy\":\"Never\"}"));
	assert_columns(t, "Name|Value|Global-Default|Age|PreemptionPolicy");
	assert_cells(t, "high|#1000|?true|<unknown>|Never");
	cs_json_free(t);

	/* Sorted by resource name, limits.* in their own column, unused as 0. */
	t = table1("", "resourcequotas",
		   parse("{\"metadata\":{\"name\":\"team\"},\"status\":{\"hard\":{\"pods\":"
			 "\"10\",\"limits.cpu\":\"4\",\"configmaps\":\"5\"},\"used\":{"
			 "\"pods\":\"2\",\"limits.cpu\":\"500m\"}}}"));
	assert_columns(t, "Name|Age|Request|Limit");
	assert_cells(t, "team|<unknown>|configmaps: 0/5, pods: 2/10|limits.cpu: 500m/4");
	cs_json_free(t);

	t = table1("", "limitranges",
		   parse("{\"metadata\":{\"name\":\"lr\",\"creationTimestamp\":"
			 "\"2024-01-01T00:00:00Z\"}}"));
	assert_columns(t, "Name|Created At");
	assert_cells(t, "lr|2024-01-01T00:00:00Z");
	cs_json_free(t);

	t = table1("apps", "controllerrevisions",
		   parse("{\"metadata\":{\"name\":\"ds-1\",\"ownerReferences\":[{"
			 "\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"ds\","
			 "\"controller\":true}]},\"revision\":3}"));
	assert_columns(t, "Name|Controller|Revision|Age");
	assert_cells(t, "ds-1|daemonset.apps/ds|#3|<unknown>");
	cs_json_free(t);
}

static void test_include_object(void **state)
{
	(void)state;
	const cs_type *pods = type_of("", "pods");
	cs_json *items = parse("[{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
			       "\"a\",\"namespace\":\"ns\",\"uid\":\"u1\","
			       "\"labels\":{\"x\":\"y\"}},"
			       "\"spec\":{\"containers\":[]}}]");
	const cs_json *pod = cs_json_at(items, 0);

	cs_json *t = cs_table_build(pods, items, "None", "1", NULL);
	assert_null(cs_json_get(cs_json_at(cs_json_get(t, "rows"), 0), "object"));
	cs_json_free(t);

	const char *meta_modes[] = {NULL, "", "Metadata"};
	for (size_t i = 0; i < 3; i++) {
		t = cs_table_build(pods, items, meta_modes[i], "1", NULL);
		const cs_json *o = cs_json_get(cs_json_at(cs_json_get(t, "rows"), 0), "object");
		assert_string_equal(cs_json_get_str(o, "kind"), "PartialObjectMetadata");
		assert_string_equal(cs_json_get_str(o, "apiVersion"), "meta.k8s.io/v1");
		assert_true(
			cs_json_equal(cs_json_get(o, "metadata"), cs_json_get(pod, "metadata")));
		assert_null(cs_json_get(o, "spec"));
		cs_json_free(t);
	}

	t = cs_table_build(pods, items, "Object", "1", NULL);
	const cs_json *o = cs_json_get(cs_json_at(cs_json_get(t, "rows"), 0), "object");
	assert_true(cs_json_equal(o, pod));
	assert_ptr_not_equal(o, pod);
	cs_json_free(t);

	/* Bad input. */
	assert_null(cs_table_build(pods, items, "Everything", "1", NULL));
	assert_null(cs_table_build(pods, items, "none", "1", NULL));
	assert_null(cs_table_build(pods, pod, NULL, "1", NULL));
	assert_null(cs_table_build(pods, NULL, NULL, "1", NULL));
	assert_null(cs_table_build(NULL, items, NULL, "1", NULL));
	cs_json_free(items);
}

static void test_every_type_and_fallback(void **state)
{
	(void)state;
	cs_json *empty = cs_json_array();
	for (size_t i = 0; i < cs_types_count; i++) {
		cs_json *t = cs_table_build(&cs_types[i], empty, NULL, "5", NULL);
		assert_non_null(t);
		const cs_json *defs = cs_json_get(t, "columnDefinitions");
		size_t named = 0;
		for (size_t c = 0; c < cs_json_len(defs); c++) {
			const cs_json *d = cs_json_at(defs, c);
			assert_non_null(cs_json_get_str(d, "type"));
			assert_non_null(cs_json_get_str(d, "description"));
			if (!strcmp(cs_json_get_str(d, "format"), "name"))
				named++;
		}
		if (named != 1)
			fail_msg("%s: %zu name columns", cs_types[i].resource, named);
		assert_true(cs_json_is(cs_json_get(t, "rows"), CS_JSON_ARRAY));
		assert_int_equal(cs_json_len(cs_json_get(t, "rows")), 0);
		cs_json_free(t);
	}

	/* A kind without a printer gets Name and Age; objects with odd fields
	 * (non-object metadata, numbers where strings belong) do not crash. */
	const cs_type widget = {.group = "example.com",
				.version = "v1",
				.resource = "widgets",
				.kind = "Widget",
				.list_kind = "WidgetList"};
	cs_json *items = parse("[{\"metadata\":{\"name\":\"w\",\"creationTimestamp\":\"%s\"}},"
			       "{\"metadata\":7},{}]",
			       ago(700));
	cs_json *t = cs_table_build(&widget, items, NULL, "5", NULL);
	assert_columns(t, "Name|Age");
	assert_cells(t, "w|11m");
	cs_json *last = cs_json_get(cs_json_at(cs_json_get(t, "rows"), 2), "cells");
	assert_string_equal(cs_json_str(cs_json_at(last, 0)), "");
	assert_string_equal(cs_json_str(cs_json_at(last, 1)), "<unknown>");
	cs_json_free(t);
	cs_json_free(items);

	items = parse("[{\"metadata\":{\"name\":1,\"creationTimestamp\":\"yesterday\"},"
		      "\"spec\":{\"containers\":\"x\",\"nodeName\":5},\"status\":[]}]");
	t = cs_table_build(type_of("", "pods"), items, NULL, "5", NULL);
	assert_cells(t, "|0/0||0|<unknown>|<none>|<none>|<none>|<none>");
	cs_json_free(t);
	cs_json_free(items);
	cs_json_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_duration),
		cmocka_unit_test(test_pod_columns_and_running_pod),
		cmocka_unit_test(test_pod_status_rules),
		cmocka_unit_test(test_pod_init_containers),
		cmocka_unit_test(test_deployment),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_services_and_endpoints),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_include_object),
		cmocka_unit_test(test_every_type_and_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
