"""Preemption against a real capstand: sched-framework with the default
profile's plugins and DefaultPreemption (sched-defaultpreemption), on
hand-made nodes of 1 cpu.  Pods take their priority from PriorityClasses
(Priority admission); with no kubelet, a bound pod stays on its node until
it is deleted, and a deleted one is gone at once unless a finalizer holds
it -- which plays a victim's graceful termination."""
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

MODULE_DIR = os.environ.get("MODULE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules"))
TIMEOUT = 10
PODS = "/api/v1/namespaces/default/pods"
PLUGINS = ["sched-nodebasics", "sched-nodeaffinity", "sched-noderesources",
           "sched-balancedallocation", "sched-podtopologyspread", "sched-interpodaffinity",
           "sched-defaultpreemption"]
CLASSES = {"lowest": 50, "low": 100, "mid": 200, "high": 1000, "top": 2000}
HOLD = "example.com/hold"
INSUFFICIENT = "0/%d nodes are available: %d Insufficient cpu."


def dev_args():
    return [] if os.geteuid() == 0 else ["--dev-modules"]


class PreemptionTest(unittest.TestCase):
    # Parked pods are retried after 2 s even without an event.
    framework_extra = "pod-max-in-unschedulable-seconds = 2"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="capstan-preempt-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        conf = os.path.join(self.tmp, "capstan.conf")
        with open(conf, "w") as f:
            # Plugins before the framework: modules stop in reverse order.
            f.write('module-path = "%s"\nlog-level = "debug"\nstore { sync = false }\n'
                    % MODULE_DIR)
            for p in PLUGINS:
                f.write('module "%s" { enabled = true  required = true }\n' % p)
            f.write('module "sched-framework" { enabled = true  required = true  %s }\n'
                    % self.framework_extra)
        os.mkdir(os.path.join(self.tmp, "data"))
        self.cs = Capstand(data_dir=os.path.join(self.tmp, "data"), config=conf,
                           extra=dev_args())
        self.addCleanup(self.cs.cleanup)
        self.cs.start()
        for name, value in CLASSES.items():
            self.ok("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
                    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                     "metadata": {"name": name}, "value": value}, 201)
        self.ok("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
                {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                 "metadata": {"name": "high-never"}, "value": 1000,
                 "preemptionPolicy": "Never"}, 201)

    # ---- helpers ----

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.cs.request(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def node(self, name, cpu="1"):
        self.ok("POST", "/api/v1/nodes",
                {"apiVersion": "v1", "kind": "Node",
                 "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                 "spec": {}}, 201)
        res = {"cpu": cpu, "memory": "4Gi", "pods": "110"}
        self.ok("PATCH", "/api/v1/nodes/%s/status" % name,
                {"status": {"capacity": res, "allocatable": res,
                            "conditions": [{"type": "Ready", "status": "True"}]}},
                200, ctype="application/merge-patch+json")

    def pod(self, name, cls, cpu, finalizers=None, node=None):
        spec = {"priorityClassName": cls,
                "containers": [{"name": "c", "image": "busybox",
                                "resources": {"requests": {"cpu": cpu}}}]}
        md = {"name": name}
        if finalizers:
            md["finalizers"] = finalizers
        if node:  # only for pods placed before the nodes' rivals exist
            spec["nodeSelector"] = {"kubernetes.io/hostname": node}
        return self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": md,
                                      "spec": spec}, 201)

    def get_pod(self, name):
        code, doc = self.cs.request("GET", PODS + "/" + name)
        return doc if code == 200 else None

    def poll(self, what, fn, timeout=TIMEOUT):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out after %ss waiting for %s (last: %r)\n%s"
                  % (timeout, what, last, self.cs.logtext()[-4000:]))

    def bound(self, name):
        return self.poll("pod %s to be bound" % name,
                         lambda: (self.get_pod(name) or {}).get("spec", {}).get("nodeName"))

    def gone(self, name):
        self.poll("pod %s to be deleted" % name, lambda: self.get_pod(name) is None)

    def cond(self, name, ctype):
        for c in (self.get_pod(name) or {}).get("status", {}).get("conditions", []):
            if c["type"] == ctype:
                return c
        return None

    def unschedulable(self, name, message):
        def check():
            c = self.cond(name, "PodScheduled")
            return c if c and c["status"] == "False" and c.get("message") == message else None
        self.poll("pod %s: PodScheduled False with %r" % (name, message), check)
        self.assertIsNone(self.get_pod(name)["spec"].get("nodeName"))

    def events(self, name, reason):
        doc = self.ok("GET", "/api/v1/namespaces/default/events")
        return [e for e in doc["items"]
                if e["involvedObject"].get("name") == name and e["reason"] == reason]

    def stays(self, names, seconds=1.5):
        """The pods are still there, bound, after a while."""
        time.sleep(seconds)
        for n in names:
            p = self.get_pod(n)
            self.assertIsNotNone(p, "pod %s was deleted" % n)
            self.assertIsNotNone(p["spec"].get("nodeName"), "pod %s is not bound" % n)
            self.assertIsNone(p["metadata"].get("deletionTimestamp"))

    # ---- tests ----

    def test_high_priority_preempts_low(self):
        self.node("n1")
        # The finalizer keeps the victim terminating, as a kubelet would.
        self.pod("victim", "low", "1", finalizers=[HOLD])
        self.assertEqual(self.bound("victim"), "n1")
        high = self.pod("high", "high", "1")
        # The victim is marked, then deleted (terminating).
        c = self.poll("the victim's DisruptionTarget condition",
                      lambda: self.cond("victim", "DisruptionTarget"))
        self.assertEqual((c["status"], c["reason"], c["message"]),
                         ("True", "PreemptionByScheduler",
                          "default-scheduler: preempting to accommodate a higher priority pod"))
        self.poll("the victim to be terminating",
                  lambda: self.get_pod("victim")["metadata"].get("deletionTimestamp"))
        ev = self.poll("Event Preempted", lambda: self.events("victim", "Preempted"))
        self.assertEqual(ev[0]["message"], "Preempted by pod %s on node n1"
                         % high["metadata"]["uid"])
        self.assertEqual(ev[0]["type"], "Normal")
        # The preemptor is nominated, and waits for the victim to go.
        self.poll("nominatedNodeName n1",
                  lambda: self.get_pod("high")["status"].get("nominatedNodeName") == "n1")
        self.unschedulable("high", INSUFFICIENT % (1, 1))
        # Retried while the victim terminates: it does not preempt again.
        self.unschedulable("high", INSUFFICIENT % (1, 1) + " preemption: not eligible due to a "
                           "terminating pod on the nominated node.")
        # The victim goes: the preemptor takes its place.
        self.ok("PATCH", PODS + "/victim", {"metadata": {"finalizers": None}}, 200,
                ctype="application/merge-patch+json")
        self.gone("victim")
        self.assertEqual(self.bound("high"), "n1")

    def test_nominated_room_is_kept_from_lower_priority_pods(self):
        self.node("n1")
        self.pod("victim", "low", "1", finalizers=[HOLD])
        self.bound("victim")
        self.pod("high", "high", "1")
        self.poll("nominatedNodeName n1",
                  lambda: self.get_pod("high")["status"].get("nominatedNodeName") == "n1")
        # A pod of lower priority may not take the room kept for high:
        # even with the victim gone, high's nomination fills the node.
        self.pod("mid", "mid", "500m")
        self.unschedulable("mid", INSUFFICIENT % (1, 1) + " preemption: 0/1 nodes are "
                           "available: 1 Insufficient cpu.")
        self.assertIsNone(self.get_pod("mid")["status"].get("nominatedNodeName"))
        self.ok("PATCH", PODS + "/victim", {"metadata": {"finalizers": None}}, 200,
                ctype="application/merge-patch+json")
        self.assertEqual(self.bound("high"), "n1")
        self.unschedulable("mid", INSUFFICIENT % (1, 1) + " preemption: 0/1 nodes are "
                           "available: 1 No preemption victims found for incoming pod.")

    def test_higher_preemptor_clears_lower_nomination(self):
        self.node("n1")
        self.pod("victim", "low", "1", finalizers=[HOLD])
        self.bound("victim")
        self.pod("mid", "mid", "1")
        self.poll("mid nominated to n1",
                  lambda: self.get_pod("mid")["status"].get("nominatedNodeName") == "n1")
        # high does not see the room kept for mid, a pod of lower
        # priority: it preempts on n1 too, and takes mid's nomination.
        self.pod("high", "high", "1")
        self.poll("high nominated to n1",
                  lambda: self.get_pod("high")["status"].get("nominatedNodeName") == "n1")
        self.poll("mid's nomination cleared",
                  lambda: not self.get_pod("mid")["status"].get("nominatedNodeName"))
        self.ok("PATCH", PODS + "/victim", {"metadata": {"finalizers": None}}, 200,
                ctype="application/merge-patch+json")
        self.assertEqual(self.bound("high"), "n1")
        self.unschedulable("mid", INSUFFICIENT % (1, 1) + " preemption: 0/1 nodes are "
                           "available: 1 No preemption victims found for incoming pod.")

    def test_preemption_policy_never(self):
        self.node("n1")
        self.pod("low", "low", "1")
        self.bound("low")
        self.pod("polite", "high-never", "1")
        self.unschedulable("polite", INSUFFICIENT % (1, 1) + " preemption: not eligible due "
                           "to preemptionPolicy=Never.")
        self.stays(["low"])

    def test_equal_priority_never_preempts(self):
        self.node("n1")
        self.pod("first", "low", "1")
        self.bound("first")
        self.pod("second", "low", "1")
        self.unschedulable("second", INSUFFICIENT % (1, 1) + " preemption: 0/1 nodes are "
                           "available: 1 No preemption victims found for incoming pod.")
        self.stays(["first"])

    def test_minimal_victim_set(self):
        self.node("n1")
        # 1000m used; the preemptor needs 500m.  Reprieved the most
        # important first: mid (200m), then low (300m) still leave room;
        # lowest (500m) does not.
        self.pod("a-mid", "mid", "200m")
        self.pod("b-low", "low", "300m")
        self.pod("c-lowest", "lowest", "500m")
        for p in ("a-mid", "b-low", "c-lowest"):
            self.bound(p)
        self.pod("high", "high", "500m")
        self.gone("c-lowest")
        self.assertEqual(self.bound("high"), "n1")
        self.stays(["a-mid", "b-low"], 0.5)
        self.assertEqual(len(self.events("c-lowest", "Preempted")), 1)
        self.assertEqual(self.events("a-mid", "Preempted") + self.events("b-low", "Preempted"),
                         [])

    def test_no_fit_even_without_lower_pods_deletes_nothing(self):
        self.node("n1")
        self.pod("top", "top", "600m")
        self.pod("low", "low", "400m")
        self.bound("top")
        self.bound("low")
        self.pod("high", "high", "500m")
        self.unschedulable("high", INSUFFICIENT % (1, 1) + " preemption: 0/1 nodes are "
                           "available: 1 Insufficient cpu.")
        self.stays(["top", "low"])
        self.assertIsNone(self.get_pod("high")["status"].get("nominatedNodeName"))

    def test_unresolvable_nodes_are_not_candidates(self):
        self.node("n1")
        self.pod("low", "low", "1")
        self.bound("low")
        # nodeSelector rules n1 out whatever is deleted.
        self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "picky"},
                               "spec": {"priorityClassName": "high",
                                        "nodeSelector": {"disk": "ssd"},
                                        "containers": [{"name": "c", "image": "busybox"}]}},
                201)
        self.unschedulable("picky", "0/1 nodes are available: 1 node(s) didn't match Pod's "
                           "node affinity/selector. preemption: 0/1 nodes are available: 1 "
                           "Preemption is not helpful for scheduling.")
        self.stays(["low"])

    def test_node_with_the_least_important_victim(self):
        self.node("n1")
        self.node("n2")
        self.pod("on1", "mid", "1", node="n1")
        self.pod("on2", "low", "1", node="n2")
        self.assertEqual(self.bound("on1"), "n1")
        self.assertEqual(self.bound("on2"), "n2")
        self.pod("high", "high", "1")
        self.gone("on2")
        self.assertEqual(self.bound("high"), "n2")
        self.stays(["on1"], 0.5)

    def test_node_with_fewer_victims(self):
        self.node("n1")
        self.node("n2")
        # The same priority everywhere: two victims on n1, one on n2.
        self.pod("a1", "low", "500m", node="n1")
        self.pod("a2", "low", "500m", node="n1")
        self.pod("b1", "low", "1", node="n2")
        for p in ("a1", "a2", "b1"):
            self.bound(p)
        self.pod("high", "high", "1")
        self.gone("b1")
        self.assertEqual(self.bound("high"), "n2")
        self.stays(["a1", "a2"], 0.5)

    def test_latest_started_victim(self):
        self.node("n1")
        self.node("n2")
        self.pod("old", "low", "1", node="n1")
        self.pod("new", "low", "1", node="n2")
        self.bound("old")
        self.bound("new")
        # What a kubelet reports: the time each started.
        for name, t in (("old", "2026-01-01T00:00:00Z"), ("new", "2026-06-01T00:00:00Z")):
            self.ok("PATCH", PODS + "/%s/status" % name, {"status": {"startTime": t}}, 200,
                    ctype="application/merge-patch+json")
        self.pod("high", "high", "1")
        self.gone("new")
        self.assertEqual(self.bound("high"), "n2")
        self.stays(["old"], 0.5)

    def test_preemption_makes_room_for_anti_affinity(self):
        # No resource shortage: the victim blocks the pod by anti-affinity,
        # which InterPodAffinity counted in pre_filter -- the framework's
        # remove_pod must tell it the victim is gone.
        self.node("n1", cpu="4")
        self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": "blocker", "labels": {"app": "db"}},
                               "spec": {"priorityClassName": "low",
                                        "containers": [{"name": "c", "image": "busybox"}]}},
                201)
        self.bound("blocker")
        self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": "loner"},
                               "spec": {"priorityClassName": "high",
                                        "affinity": {"podAntiAffinity": {
                                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                                {"labelSelector": {"matchLabels": {"app": "db"}},
                                                 "topologyKey": "kubernetes.io/hostname"}]}},
                                        "containers": [{"name": "c", "image": "busybox"}]}},
                201)
        self.gone("blocker")
        self.assertEqual(self.bound("loner"), "n1")

    def test_preemption_makes_room_for_topology_spread(self):
        # n2 is full of a more important pod; on n1, one more web pod
        # would skew the spread over hostnames to 2 -- unless the web pod
        # of lower priority there goes (PodTopologySpread's remove_pod).
        self.node("n1")
        self.node("n2")
        self.pod("full", "top", "1", node="n2")
        self.bound("full")
        self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": "web-low", "labels": {"app": "web"}},
                               "spec": {"priorityClassName": "low",
                                        "nodeSelector": {"kubernetes.io/hostname": "n1"},
                                        "containers": [{"name": "c", "image": "busybox"}]}},
                201)
        self.assertEqual(self.bound("web-low"), "n1")
        self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": "web-high", "labels": {"app": "web"}},
                               "spec": {"priorityClassName": "high",
                                        "topologySpreadConstraints": [{
                                            "maxSkew": 1,
                                            "topologyKey": "kubernetes.io/hostname",
                                            "whenUnsatisfiable": "DoNotSchedule",
                                            "labelSelector": {"matchLabels": {"app": "web"}}}],
                                        "containers": [{"name": "c", "image": "busybox",
                                                        "resources": {"requests": {
                                                            "cpu": "500m"}}}]}},
                201)
        self.gone("web-low")
        self.assertEqual(self.bound("web-high"), "n1")
        self.stays(["full"], 0.5)


if __name__ == "__main__":
    main()
