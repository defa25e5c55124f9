"""Scheduling against a real capstand running the in-tree scheduler modules:
sched-framework driving the plugins NodeResourcesFit (sched-noderesources),
NodeBasics (sched-nodebasics) and NodeAffinity (sched-nodeaffinity).

Every test gets a daemon and a cluster of its own (nodes are cluster-wide, so
tests would otherwise land pods on each other's nodes).  Nodes are plain API
objects: status is a subresource, so it is written after the create."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import signal
import unittest

from harness import CAPSTAND, ROOT, Capstand, main

MODULE_DIR = os.environ.get("MODULE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules"))
PODS = "/api/v1/namespaces/default/pods"
TIMEOUT = 10


# A scheduler plugin for the framework's own tests, built by the test from
# this source against sdk/include only.  Pod annotations choose what it
# does; it logs every call ("probe <point> <pod> ...") so the tests can check
# the order of the extension points.
PROBE_SRC = r"""
#include <capstan/scheduler.h>
#include <stdlib.h>
#include <string.h>

static const char *ann(cs_mod *m, const cs_sched_pod *pod, const char *key)
{
	const cs_object *a = m->host->obj_get(pod->pod, "metadata.annotations");
	for (size_t i = 0; i < m->host->obj_len(a); i++)
		if (!strcmp(m->host->obj_key_at(a, i), key))
			return m->host->obj_str(m->host->obj_at(a, i), NULL);
	return "";
}

static int pre_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	if (c->state)
		m->host->log(m, CS_LOG_ERROR, "probe state not reset for %s", pod->name);
	c->state = strdup(pod->name);
	m->host->log(m, CS_LOG_INFO, "probe pre_filter %s cycle=%llu", pod->name,
		     (unsigned long long)c->cycle);
	if (!strcmp(ann(m, pod, "probe-prefilter"), "reject")) {
		c->reason = "probe pre-filter said no";
		return CS_SCHED_UNSCHEDULABLE;
	}
	return CS_SCHED_OK;
}

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *n)
{
	(void)c;
	m->host->log(m, CS_LOG_INFO, "probe filter %s %s", pod->name, n->name);
	return strcmp(ann(m, pod, "probe-filter"), "error") ? CS_SCHED_OK : CS_SCHED_ERROR;
}

static int reserve(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *n)
{
	m->host->log(m, CS_LOG_INFO, "probe reserve %s %s", pod->name, n->name);
	if (!strcmp(ann(m, pod, "probe-reserve"), "reject")) {
		c->reason = "probe reserve said no";
		return CS_SCHED_UNSCHEDULABLE;
	}
	return CS_SCHED_OK;
}

static void unreserve(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *n)
{
	(void)c;
	m->host->log(m, CS_LOG_INFO, "probe unreserve %s %s", pod->name, n->name);
}

static int permit(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *n,
		  uint32_t *timeout_ms)
{
	(void)c;
	m->host->log(m, CS_LOG_INFO, "probe permit %s %s", pod->name, n->name);
	*timeout_ms = (uint32_t)atoi(ann(m, pod, "probe-wait-ms"));
	return *timeout_ms ? CS_SCHED_WAIT : CS_SCHED_OK;
}

static int bind(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *n)
{
	(void)c;
	const char *how = ann(m, pod, "probe-bind");
	m->host->log(m, CS_LOG_INFO, "probe bind %s %s %s", pod->name, n->name, how);
	if (!strcmp(how, "error"))
		return CS_SCHED_ERROR;
	if (strcmp(how, "plugin"))
		return CS_SCHED_SKIP;
	const cs_host *h = m->host;
	cs_object *b = h->obj_new(CS_OBJ_MAP);
	h->obj_set_str(b, "metadata.name", pod->name);
	h->obj_set_str(b, "target.name", n->name);
	int rc = cs_api_create(m, "pods/binding", pod->ns, b, NULL, NULL);
	h->obj_free(b);
	return rc ? CS_SCHED_ERROR : CS_SCHED_OK;
}

static void cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	m->host->log(m, CS_LOG_INFO, "probe cycle_end %s cycle=%llu",
		     c->state ? (char *)c->state : "?", (unsigned long long)c->cycle);
	free(c->state);
	c->state = NULL;
}

static const cs_scheduler_ops ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "Probe",
	.pre_filter = pre_filter,
	.filter = filter,
	.reserve = reserve,
	.unreserve = unreserve,
	.permit = permit,
	.bind = bind,
	.cycle_end = cycle_end,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-probe",
	.version = "0",
	.description = "test plugin of test_scheduler.py",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ops,
};
"""


def config(path, scoring=None, framework_extra="", probe_dir=None):
    extra = 'scoring = "%s"' % scoring if scoring else ""
    # Plugins before the framework: modules stop in reverse order, so the
    # framework stops before the plugins it calls.
    with open(path, "w") as f:
        f.write('''module-path = "%s"
log-level = "debug"
store { sync = false }
module "sched-noderesources" { enabled = true  required = true  %s }
module "sched-nodebasics" { enabled = true  required = true }
module "sched-nodeaffinity" { enabled = true  required = true }
%s
module "sched-framework" { enabled = true  required = true  %s }
''' % (MODULE_DIR + (":" + probe_dir if probe_dir else ""), extra,
       'module "sched-probe" { enabled = true  required = true }' if probe_dir else "",
       framework_extra))


def dev_args():
    # `make` leaves the modules owned by whoever built them.
    return [] if os.geteuid() == 0 else ["--dev-modules"]


class SchedTest(unittest.TestCase):
    scoring = None
    probe = False

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="capstan-sched-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.conf = os.path.join(self.tmp, "capstan.conf")
        self.probe_dir = None
        if self.probe:
            self.probe_dir = os.path.join(self.tmp, "probe")
            os.mkdir(self.probe_dir)
            src = os.path.join(self.probe_dir, "probe.c")
            with open(src, "w") as f:
                f.write(PROBE_SRC)
            subprocess.check_call(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2",
                                   "-fPIC", "-shared", "-fvisibility=hidden", "-D_GNU_SOURCE",
                                   "-I" + os.path.join(ROOT, "sdk", "include"),
                                   "-o", os.path.join(self.probe_dir, "sched-probe.so"), src])
        config(self.conf, self.scoring, probe_dir=self.probe_dir)
        os.mkdir(os.path.join(self.tmp, "data"))
        self.cs = Capstand(data_dir=os.path.join(self.tmp, "data"), config=self.conf,
                           extra=dev_args())
        self.addCleanup(self.cs.cleanup)  # runs before the rmtree
        self.cs.start()

    def restart(self, scoring):
        self.cs.stop()
        config(self.conf, scoring, probe_dir=self.probe_dir)
        self.cs.start()

    # ---- API helpers ----

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.cs.request(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def node(self, name, cpu, memory, pods="110", labels=None, taints=None,
             unschedulable=False, extra=None):
        md = {"name": name, "labels": dict({"kubernetes.io/hostname": name}, **(labels or {}))}
        spec = {}
        if taints:
            spec["taints"] = taints
        if unschedulable:
            spec["unschedulable"] = True
        self.ok("POST", "/api/v1/nodes",
                {"apiVersion": "v1", "kind": "Node", "metadata": md, "spec": spec}, 201)
        res = dict({"cpu": cpu, "memory": memory, "pods": pods}, **(extra or {}))
        self.ok("PATCH", "/api/v1/nodes/%s/status" % name,
                {"status": {"capacity": res, "allocatable": res,
                            "conditions": [{"type": "Ready", "status": "True"}]}},
                200, ctype="application/merge-patch+json")

    def pod(self, name, cpu=None, memory=None, spec=None, container=None):
        req = {}
        if cpu:
            req["cpu"] = cpu
        if memory:
            req["memory"] = memory
        c = {"name": "c", "image": "busybox"}
        if req:
            c["resources"] = {"requests": req}
        c.update(container or {})
        s = {"containers": [c]}
        s.update(spec or {})
        return self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": name}, "spec": s}, 201)

    def get_pod(self, name):
        return self.ok("GET", PODS + "/" + name)

    def poll(self, what, fn, timeout=TIMEOUT):
        """fn() until it returns something true; fail saying `what`."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out after %ss waiting for %s (last: %r)\n%s"
                  % (timeout, what, last, self.cs.logtext()[-3000:]))

    def bound(self, name, timeout=TIMEOUT):
        return self.poll("pod %s to be bound" % name,
                         lambda: self.get_pod(name)["spec"].get("nodeName"), timeout)

    def scheduled_cond(self, name):
        for c in self.get_pod(name).get("status", {}).get("conditions", []):
            if c["type"] == "PodScheduled":
                return c
        return None

    def unschedulable(self, name, message):
        def check():
            c = self.scheduled_cond(name)
            return c if c and c["status"] == "False" and c.get("message") == message else None
        c = self.poll("pod %s: PodScheduled False with %r" % (name, message), check)
        self.assertEqual(c["reason"], "Unschedulable")
        self.assertEqual(self.get_pod(name)["spec"].get("nodeName"), None)
        return c

    def events(self, pod, reason):
        doc = self.ok("GET", "/api/v1/namespaces/default/events")
        return [e for e in doc["items"]
                if e["involvedObject"].get("name") == pod and e["reason"] == reason]

    def event(self, pod, reason, message):
        def check():
            return [e for e in self.events(pod, reason) if e["message"] == message]
        return self.poll("Event %s %r about pod %s" % (reason, message, pod), check)[0]

    def metric(self, name):
        code, text = self.cs.request("GET", "/metrics")
        self.assertEqual(code, 200)
        m = re.search(r'^%s\{module="sched-framework"\} (\S+)$' % re.escape(name), text, re.M)
        return float(m.group(1)) if m else None


class PlacementTest(SchedTest):
    def test_pods_are_bound_and_a_big_pod_lands_on_the_big_node(self):
        self.node("small", "1", "2Gi")
        self.node("medium", "2", "4Gi")
        self.node("large", "8", "16Gi")
        self.pod("big", cpu="4", memory="1Gi")
        self.assertEqual(self.bound("big"), "large")
        for i in range(3):
            self.pod("p%d" % i, cpu="100m", memory="64Mi")
        for i in range(3):
            self.assertIn(self.bound("p%d" % i), ("small", "medium", "large"))
        # The API sets PodScheduled=True with the binding; the framework
        # announces it.
        self.assertEqual(self.scheduled_cond("big")["status"], "True")
        self.event("big", "Scheduled", "Successfully assigned default/big to large")
        self.poll("scheduler_pods_scheduled_total == 4",
                  lambda: self.metric("scheduler_pods_scheduled_total") == 4)
        self.assertGreaterEqual(self.metric("scheduler_schedule_attempts_total"), 4)
        code, text = self.cs.request("GET", "/metrics")
        self.assertIn('scheduler_scheduling_duration_seconds_count{module="sched-framework"} 4',
                      text)

    def test_least_allocated_spreads_then_most_allocated_packs(self):
        self.node("a-small", "2", "4Gi")
        self.node("b-large", "8", "16Gi")
        # LeastAllocated: the large node has the larger free share.
        self.pod("spread", cpu="500m", memory="512Mi")
        self.assertEqual(self.bound("spread"), "b-large")
        self.restart("MostAllocated")
        # MostAllocated: the small one ends up fuller, even though the
        # large node already runs a pod.
        self.pod("pack", cpu="500m", memory="512Mi")
        self.assertEqual(self.bound("pack"), "a-small")

    def test_pods_without_requests_spread(self):
        # Counted as 100m / 200Mi each for scoring, as Kubernetes does: the
        # second pod avoids the node the first took.
        self.node("n1", "1", "1Gi")
        self.node("n2", "1", "1Gi")
        self.pod("first")
        one = self.bound("first")
        self.pod("second")
        self.assertNotEqual(self.bound("second"), one)
        # Each resource on its own: where memory is plentiful only the
        # 100m counts, where cpu is, only the 200Mi.
        for i, (cpu, mem) in enumerate((("1", "4000Gi"), ("4000", "1Gi"))):
            a, b = "c%da" % i, "c%db" % i
            self.node(a, cpu, mem, labels={"set": str(i)})
            self.node(b, cpu, mem, labels={"set": str(i)})
            sel = {"nodeSelector": {"set": str(i)}}
            self.pod("first-%d" % i, spec=sel)
            one = self.bound("first-%d" % i)
            self.pod("second-%d" % i, spec=sel)
            self.assertNotEqual(self.bound("second-%d" % i), one, (cpu, mem))

    def test_other_schedulers_pods_are_left_alone(self):
        self.node("n1", "4", "8Gi")
        self.pod("theirs", spec={"schedulerName": "other"})
        self.pod("ours", spec={"schedulerName": "default-scheduler"})
        # One worker takes pods in order: once "ours" is bound, "theirs"
        # was looked at and left.
        self.assertEqual(self.bound("ours"), "n1")
        self.pod("empty-name")  # no schedulerName: the default scheduler's
        self.assertEqual(self.bound("empty-name"), "n1")
        p = self.get_pod("theirs")
        self.assertNotIn("nodeName", p["spec"])
        self.assertIsNone(self.scheduled_cond("theirs"))
        self.assertEqual(self.events("theirs", "FailedScheduling"), [])


class ReloadTest(SchedTest):
    def test_unloading_a_plugin_restarts_the_framework_first(self):
        self.node("n1", "4", "8Gi", unschedulable=True)
        self.node("n2", "4", "8Gi")
        self.pod("before", cpu="100m")
        self.assertEqual(self.bound("before"), "n2")
        # Drop sched-nodebasics (the cordon filter) by SIGHUP: the framework,
        # which ran it, is stopped before the plugin goes and started again.
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace('module "sched-nodebasics" { enabled = true  required = true }',
                                 'module "sched-nodebasics" { enabled = false }'))
        self.cs.proc.send_signal(signal.SIGHUP)
        self.poll("reload applied",
                  lambda: "reload: modules updated" in self.cs.logtext())
        log = self.cs.logtext()
        self.assertIn("reload: stopping module sched-framework (a module it runs is unloaded)",
                      log)
        self.assertLess(log.index("module sched-framework stopped"),
                        log.index("module sched-nodebasics stopped"))
        self.assertIn("reload: loading module sched-framework", log)
        # Without the cordon filter both nodes are feasible again.
        for i in range(6):
            self.pod("after%d" % i, cpu="100m")
        nodes = {self.bound("after%d" % i) for i in range(6)}
        self.assertIn("n1", nodes)
        self.assertIsNone(self.cs.proc.poll())


class UnschedulableTest(SchedTest):
    def test_too_big_pod_waits_until_a_node_fits_it(self):
        self.node("n1", "1", "2Gi")
        self.node("n2", "2", "4Gi")
        self.node("n3", "4", "8Gi")
        self.pod("huge", cpu="16", memory="1Gi")
        msg = "0/3 nodes are available: 3 Insufficient cpu."
        self.unschedulable("huge", msg)
        self.event("huge", "FailedScheduling", msg)
        self.assertGreaterEqual(self.metric("scheduler_unschedulable_total"), 1)
        # Parked as unschedulable: not retried while nothing changes.
        time.sleep(3)
        self.assertEqual(self.metric("scheduler_schedule_attempts_total"), 1)
        self.assertEqual([e["count"] for e in self.events("huge", "FailedScheduling")], [1])
        # A new node moves it back at once (its 1 s backoff is over).
        t0 = time.time()
        self.node("n4", "32", "64Gi")
        self.assertEqual(self.bound("huge", timeout=3), "n4")
        self.assertLess(time.time() - t0, 3)
        self.assertEqual(self.scheduled_cond("huge")["status"], "True")

    def test_a_burst_of_pods_does_not_overcommit_a_node(self):
        # Pods wait while there is no node; the node's arrival retries all
        # of them at once, faster than their bindings come back through the
        # pods cache: the framework must count the pods it has assumed.
        names = ["q%02d" % i for i in range(24)]
        for n in names:
            self.pod(n, cpu="100m")
        for n in names:
            self.unschedulable(n, "no nodes available to schedule pods")
        self.node("one", "1", "2Gi")
        full = "0/1 nodes are available: 1 Insufficient cpu."

        def settled():
            bound, waiting = [], []
            for n in names:
                p = self.get_pod(n)
                c = self.scheduled_cond(n) or {}
                if p["spec"].get("nodeName"):
                    bound.append(n)
                elif c.get("status") == "False" and c.get("message") == full:
                    waiting.append(n)
            return (bound, waiting) if len(bound) + len(waiting) == len(names) else None
        bound, waiting = self.poll("every pod bound or out of cpu", settled)
        self.assertEqual(len(bound), 10, "bound: %s" % bound)
        # Deleting a bound pod frees its cpu: one waiting pod takes it.
        self.ok("DELETE", PODS + "/" + bound[0])
        self.poll("a waiting pod bound after the delete",
                  lambda: [n for n in waiting if self.get_pod(n)["spec"].get("nodeName")])

    def test_requests_limits_init_containers_extended_resources_and_pod_slots(self):
        self.node("tiny", "1", "1Gi", pods="2")
        cpu = "0/1 nodes are available: 1 Insufficient cpu."
        # A limit without a request requests the limit.
        self.pod("limits", container={"resources": {"limits": {"cpu": "2"}}})
        # The largest init container counts when it beats the sum.
        self.pod("init", cpu="100m", spec={"initContainers": [
            {"name": "i", "image": "busybox", "resources": {"requests": {"cpu": "1500m"}}}]})
        self.pod("memory", memory="2Gi")
        self.pod("gpu", container={"resources": {"requests": {"example.com/gpu": "1"},
                                                 "limits": {"example.com/gpu": "1"}}})
        self.pod("milli", cpu="1001m")
        self.unschedulable("limits", cpu)
        self.unschedulable("init", cpu)
        self.unschedulable("milli", cpu)
        self.unschedulable("memory", "0/1 nodes are available: 1 Insufficient memory.")
        self.unschedulable("gpu", "0/1 nodes are available: 1 Insufficient example.com/gpu.")
        # Two pod slots: the third pod finds none.
        self.pod("s1", cpu="1", memory="1Gi")  # exactly what the node has
        self.pod("s2")
        self.assertEqual(self.bound("s1"), "tiny")
        self.assertEqual(self.bound("s2"), "tiny")
        self.pod("s3")
        self.unschedulable("s3", "0/1 nodes are available: 1 Too many pods.")

    def test_extended_resources_fit_where_offered(self):
        self.node("plain", "4", "8Gi")
        self.node("gpu", "4", "8Gi", extra={"example.com/gpu": "2"})
        gpu = {"resources": {"requests": {"example.com/gpu": "2"},
                             "limits": {"example.com/gpu": "2"}}}
        self.pod("g1", container=gpu)
        self.assertEqual(self.bound("g1"), "gpu")
        self.pod("g2", container=gpu)
        # The plain node offers none, the gpu node's two are taken.
        self.unschedulable("g2", "0/2 nodes are available: 2 Insufficient example.com/gpu.")

    def test_no_nodes(self):
        self.pod("alone")
        self.unschedulable("alone", "no nodes available to schedule pods")


class NodeBasicsTest(SchedTest):
    def test_cordon_and_taints(self):
        self.node("a-cordoned", "4", "8Gi", unschedulable=True)
        self.node("b-tainted", "4", "8Gi",
                  taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
        self.node("c-open", "4", "8Gi")
        for i in range(3):
            self.pod("plain%d" % i, cpu="100m")
        for i in range(3):
            self.assertEqual(self.bound("plain%d" % i), "c-open")
        # Pinned to the tainted node without tolerating its taint: every
        # node fails for its own reason, counted and sorted as text.
        self.pod("pinned", spec={"nodeSelector": {"kubernetes.io/hostname": "b-tainted"}})
        self.unschedulable("pinned",
                           "0/3 nodes are available: "
                           "1 node(s) didn't match Pod's node affinity/selector, "
                           "1 node(s) had untolerated taint {dedicated: gpu}, "
                           "1 node(s) were unschedulable.")
        tol = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
        self.pod("tolerant", spec={"tolerations": [tol],
                                   "nodeSelector": {"kubernetes.io/hostname": "b-tainted"}})
        self.assertEqual(self.bound("tolerant"), "b-tainted")
        # A toleration for another value does not help.
        wrong = dict(tol, value="tpu")
        self.pod("wrong-value", spec={"tolerations": [wrong],
                                      "nodeSelector": {"kubernetes.io/hostname": "b-tainted"}})
        self.unschedulable("wrong-value",
                           "0/3 nodes are available: "
                           "1 node(s) didn't match Pod's node affinity/selector, "
                           "1 node(s) had untolerated taint {dedicated: gpu}, "
                           "1 node(s) were unschedulable.")
        # Exists with no key tolerates everything, the cordon included.
        self.pod("anything", spec={"tolerations": [{"operator": "Exists"}],
                                   "nodeSelector": {"kubernetes.io/hostname": "a-cordoned"}})
        self.assertEqual(self.bound("anything"), "a-cordoned")
        cordon = {"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                  "effect": "NoSchedule"}
        self.pod("cordon-ok", spec={"tolerations": [cordon],
                                    "nodeSelector": {"kubernetes.io/hostname": "a-cordoned"}})
        self.assertEqual(self.bound("cordon-ok"), "a-cordoned")

    def test_no_execute_taint_filters_prefer_no_schedule_scores(self):
        self.node("a-soft", "4", "8Gi",
                  taints=[{"key": "spot", "value": "yes", "effect": "PreferNoSchedule"}])
        self.node("b-plain", "4", "8Gi")
        self.node("c-evict", "4", "8Gi",
                  taints=[{"key": "maint", "effect": "NoExecute"}])
        # Equal resources: only the PreferNoSchedule taint makes a-soft,
        # first in name order, lose.
        self.pod("p1")
        self.assertEqual(self.bound("p1"), "b-plain")
        self.pod("p2", spec={"tolerations": [{"key": "spot", "operator": "Exists",
                                              "effect": "PreferNoSchedule"}],
                             "nodeSelector": {"kubernetes.io/hostname": "c-evict"}})
        self.unschedulable("p2", "0/3 nodes are available: "
                                 "1 node(s) had untolerated taint {maint: }, "
                                 "2 node(s) didn't match Pod's node affinity/selector.")

    def test_node_selector(self):
        self.node("fast", "4", "8Gi", labels={"disk": "ssd"})
        self.node("slow", "4", "8Gi", labels={"disk": "hdd"})
        self.pod("wants-ssd", spec={"nodeSelector": {"disk": "ssd"}})
        self.assertEqual(self.bound("wants-ssd"), "fast")
        self.pod("wants-hdd", spec={"nodeSelector": {"disk": "hdd"}})
        self.assertEqual(self.bound("wants-hdd"), "slow")
        self.pod("wants-nvme", spec={"nodeSelector": {"disk": "nvme"}})
        self.unschedulable("wants-nvme",
                           "0/2 nodes are available: "
                           "2 node(s) didn't match Pod's node affinity/selector.")
        # A matching node appears: the pod is tried again.
        self.node("newer", "4", "8Gi", labels={"disk": "nvme"})
        self.assertEqual(self.bound("wants-nvme"), "newer")


class ExtensionPointTest(SchedTest):
    """The framework's side of scheduler.h, seen through the probe plugin."""
    probe = True

    def probe_log(self, pod):
        mark = "module sched-probe: probe "
        calls = [l.split(mark, 1)[1] for l in self.cs.logtext().splitlines() if mark in l]
        return [c for c in calls if c.split()[1:2] == [pod]]

    def points(self, pod):
        return [l.split()[0] for l in self.probe_log(pod)]

    def annotated(self, name, ann, **kw):
        spec = kw.pop("spec", {})
        p = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": name, "annotations": ann},
             "spec": dict({"containers": [{"name": "c", "image": "busybox"}]}, **spec)}
        return self.ok("POST", PODS, p, 201)

    def test_order_of_the_extension_points(self):
        self.node("n1", "4", "8Gi")
        self.node("n2", "4", "8Gi")
        self.annotated("plain", {})
        self.bound("plain")
        pts = self.poll("cycle_end of plain",
                        lambda: self.points("plain") if "cycle_end" in self.points("plain")
                        else None)
        self.assertEqual(pts, ["pre_filter", "filter", "filter", "reserve", "permit", "bind",
                               "cycle_end"])
        self.assertNotIn("probe state not reset", self.cs.logtext())

    def test_permit_wait_delays_the_binding(self):
        self.node("n1", "4", "8Gi")
        t0 = time.time()
        self.annotated("patient", {"probe-wait-ms": "1500"})
        self.bound("patient")
        self.assertGreaterEqual(time.time() - t0, 1.4)
        pts = self.poll("cycle_end of patient",
                        lambda: self.points("patient") if "cycle_end" in self.points("patient")
                        else None)
        self.assertEqual(pts, ["pre_filter", "filter", "reserve", "permit", "bind",
                               "cycle_end"])
        self.event("patient", "Scheduled", "Successfully assigned default/patient to n1")

    def test_waiting_pod_holds_its_resources(self):
        self.node("n1", "1", "2Gi")
        self.annotated("first", {"probe-wait-ms": "2000"},
                       spec={"containers": [{"name": "c", "image": "busybox", "resources":
                                             {"requests": {"cpu": "800m"}}}]})
        self.poll("first waiting", lambda: "permit" in self.points("first"))
        self.annotated("second", {},
                       spec={"containers": [{"name": "c", "image": "busybox", "resources":
                                             {"requests": {"cpu": "800m"}}}]})
        self.unschedulable("second", "0/1 nodes are available: 1 Insufficient cpu.")
        self.assertEqual(self.bound("first"), "n1")

    def test_a_plugin_may_bind(self):
        self.node("n1", "4", "8Gi")
        self.annotated("self-bound", {"probe-bind": "plugin"})
        self.assertEqual(self.bound("self-bound"), "n1")
        self.event("self-bound", "Scheduled", "Successfully assigned default/self-bound to n1")
        self.assertIn("bind self-bound n1 plugin", self.probe_log("self-bound"))

    def test_failed_bind_unreserves_and_retries(self):
        self.node("n1", "4", "8Gi")
        self.annotated("bad-bind", {"probe-bind": "error"})
        self.poll("a retry after the failed bind",
                  lambda: self.points("bad-bind").count("bind") >= 2)
        pts = self.points("bad-bind")
        first = pts[:pts.index("cycle_end") + 1]
        self.assertEqual(first, ["pre_filter", "filter", "reserve", "permit", "bind",
                                 "unreserve", "cycle_end"])
        self.assertNotIn("nodeName", self.get_pod("bad-bind")["spec"])
        # The failed attempt released the node: another pod still fits.
        self.annotated("after", {})
        self.assertEqual(self.bound("after"), "n1")

    def test_reserve_rejection_unreserves(self):
        self.node("n1", "4", "8Gi")
        self.annotated("no-room", {"probe-reserve": "reject"})
        self.unschedulable("no-room", "0/1 nodes are available: probe reserve said no.")
        pts = self.points("no-room")
        self.assertEqual(pts[:pts.index("cycle_end") + 1],
                         ["pre_filter", "filter", "reserve", "unreserve", "cycle_end"])

    def test_pre_filter_rejection(self):
        self.node("n1", "4", "8Gi")
        self.annotated("turned-away", {"probe-prefilter": "reject"})
        self.unschedulable("turned-away", "0/1 nodes are available: probe pre-filter said no.")
        pts = self.points("turned-away")
        self.assertEqual(pts[:2], ["pre_filter", "cycle_end"])

    def test_filter_error_is_retried_not_unschedulable(self):
        self.node("n1", "4", "8Gi")
        self.annotated("broken", {"probe-filter": "error"})
        self.poll("the filter error logged",
                  lambda: "filter of plugin Probe on node n1 returned ERROR" in self.cs.logtext())
        self.poll("a retry", lambda: self.points("broken").count("pre_filter") >= 2)
        self.assertNotIn("nodeName", self.get_pod("broken")["spec"])
        self.assertIsNone(self.scheduled_cond("broken"))


class OptionsTest(unittest.TestCase):
    def start_with(self, scoring=None, framework_extra=""):
        tmp = tempfile.mkdtemp(prefix="capstan-sched-")
        self.addCleanup(shutil.rmtree, tmp, True)
        conf = os.path.join(tmp, "capstan.conf")
        config(conf, scoring, framework_extra)
        os.mkdir(os.path.join(tmp, "data"))
        cs = Capstand(data_dir=os.path.join(tmp, "data"), config=conf, extra=dev_args())
        self.addCleanup(cs.cleanup)
        try:
            cs.start()
        except RuntimeError as e:
            return None, str(e)
        return cs, None

    def test_unknown_scoring_is_refused(self):
        cs, err = self.start_with(scoring="Random")
        self.assertIsNone(cs, "capstand started with scoring = Random")
        self.assertIn('option scoring: "Random" is not a scoring strategy', err)

    def test_bad_weight_is_refused(self):
        cs, err = self.start_with(framework_extra='weights = {"NodeResourcesFit=0"}')
        self.assertIsNone(cs)
        self.assertIn('"NodeResourcesFit=0" is not Plugin=N', err)

    def test_weight_for_an_unlisted_plugin_is_refused(self):
        cs, err = self.start_with(
            framework_extra='plugins = {"NodeResourcesFit", "NodeBasics"} '
                            'weights = {"NodeBasic=2"}')
        self.assertIsNone(cs)
        self.assertIn("NodeBasic is not in option plugins", err)

    def test_missing_plugin_stops_scheduling(self):
        cs, err = self.start_with(framework_extra='plugins = {"NodeResourcesFit", "Nope"}')
        self.assertIsNotNone(cs, err)
        cs.request("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                             "metadata": {"name": "n1"}})
        code, _ = cs.request("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                            "metadata": {"name": "p"},
                                            "spec": {"containers": [{"name": "c",
                                                                     "image": "busybox"}]}})
        self.assertEqual(code, 201)
        deadline = time.time() + TIMEOUT
        while "plugin Nope (option plugins) is not running" not in cs.logtext():
            self.assertLess(time.time(), deadline, cs.logtext())
            time.sleep(0.05)
        self.assertNotIn("nodeName", cs.request("GET", PODS + "/p")[1]["spec"])


if __name__ == "__main__":
    main()
