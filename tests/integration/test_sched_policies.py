"""Scheduling policies against a real capstand running the whole default
profile: sched-framework with NodeBasics, NodeAffinity, NodeResourcesFit,
NodeResourcesBalancedAllocation, PodTopologySpread and InterPodAffinity, and
a second profile for the pods of another scheduler name.

Every test gets a daemon and nodes of its own, labelled with zones and
hostnames; a pod that fits nowhere must say why in Kubernetes' words:
"0/N nodes are available: COUNT REASON, ...." with the "COUNT REASON"
strings sorted."""
import os
import re
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

MODULE_DIR = os.environ.get("MODULE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules"))
TIMEOUT = 10

PLUGINS = ["sched-nodebasics", "sched-nodeaffinity", "sched-noderesources",
           "sched-balancedallocation", "sched-podtopologyspread", "sched-interpodaffinity"]

# The second profile leaves InterPodAffinity out and weighs spreading up.
PROFILE = "spread-only: NodeBasics, NodeAffinity, NodeResourcesFit, PodTopologySpread=5"

AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector"
SPREAD_REASON = "node(s) didn't match pod topology spread constraints"
MISSING_REASON = "node(s) didn't match pod topology spread constraints (missing required label)"
POD_AFF_REASON = "node(s) didn't match pod affinity rules"
ANTI_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"


def config(path, framework_extra=""):
    # Plugins before the framework: modules stop in reverse order.
    with open(path, "w") as f:
        f.write('module-path = "%s"\nlog-level = "debug"\nstore { sync = false }\n' % MODULE_DIR)
        for p in PLUGINS:
            f.write('module "%s" { enabled = true  required = true }\n' % p)
        f.write('module "sched-framework" { enabled = true  required = true\n'
                '  weights = {"NodeBasics=3", "NodeAffinity=2", "PodTopologySpread=2",'
                ' "InterPodAffinity=2"}\n'
                '  profiles = {"%s"} %s }\n' % (PROFILE, framework_extra))


def dev_args():
    return [] if os.geteuid() == 0 else ["--dev-modules"]


def pods_path(ns):
    return "/api/v1/namespaces/%s/pods" % ns


def term(labels, key, **extra):
    t = {"labelSelector": {"matchLabels": labels}, "topologyKey": key}
    t.update(extra)
    return t


def expr(key, op, values=None):
    e = {"key": key, "operator": op}
    if values is not None:
        e["values"] = values
    return e


def required_node_affinity(*exprs):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": list(exprs)}]}}}


class PolicyTest(unittest.TestCase):
    framework_extra = ""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="capstan-policies-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.conf = os.path.join(self.tmp, "capstan.conf")
        config(self.conf, self.framework_extra)
        os.mkdir(os.path.join(self.tmp, "data"))
        self.cs = Capstand(data_dir=os.path.join(self.tmp, "data"), config=self.conf,
                           extra=dev_args())
        self.addCleanup(self.cs.cleanup)
        self.cs.start()

    # ---- API helpers ----

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.cs.request(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def node(self, name, labels=None, cpu="4", memory="8Gi", pods="110"):
        md = {"name": name, "labels": dict({"kubernetes.io/hostname": name}, **(labels or {}))}
        self.ok("POST", "/api/v1/nodes",
                {"apiVersion": "v1", "kind": "Node", "metadata": md, "spec": {}}, 201)
        res = {"cpu": cpu, "memory": memory, "pods": pods}
        self.ok("PATCH", "/api/v1/nodes/%s/status" % name,
                {"status": {"capacity": res, "allocatable": res,
                            "conditions": [{"type": "Ready", "status": "True"}]}},
                200, ctype="application/merge-patch+json")

    def zones(self, per_zone=2, zones="abc"):
        """Nodes z<zone><i> in topology.kubernetes.io/zone <zone>."""
        names = []
        for z in zones:
            for i in range(per_zone):
                n = "z%s%d" % (z, i)
                self.node(n, {"topology.kubernetes.io/zone": z})
                names.append(n)
        return names

    def namespace(self, name, labels=None):
        self.ok("POST", "/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": name, "labels": labels or {}}}, 201)

    def pod(self, name, labels=None, spec=None, cpu=None, ns="default"):
        c = {"name": "c", "image": "busybox"}
        if cpu:
            c["resources"] = {"requests": {"cpu": cpu}}
        s = {"containers": [c]}
        s.update(spec or {})
        return self.ok("POST", pods_path(ns),
                       {"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": name, "labels": labels or {}}, "spec": s}, 201)

    def get_pod(self, name, ns="default"):
        return self.ok("GET", pods_path(ns) + "/" + name)

    def poll(self, what, fn, timeout=TIMEOUT):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out after %ss waiting for %s (last: %r)\n%s"
                  % (timeout, what, last, self.cs.logtext()[-3000:]))

    def bound(self, name, ns="default"):
        return self.poll("pod %s to be bound" % name,
                         lambda: self.get_pod(name, ns)["spec"].get("nodeName"))

    def zone_of(self, node):
        return self.ok("GET", "/api/v1/nodes/" + node)["metadata"]["labels"].get(
            "topology.kubernetes.io/zone")

    def metric(self, name):
        code, text = self.cs.request("GET", "/metrics")
        self.assertEqual(code, 200)
        m = re.search(r'^%s\{module="sched-framework"\} (\S+)$' % re.escape(name), text, re.M)
        return float(m.group(1)) if m else None

    def unschedulable(self, name, message, ns="default"):
        """PodScheduled False with message, and a FailedScheduling Event
        saying the same; the pod stays unbound."""
        def cond():
            for c in self.get_pod(name, ns).get("status", {}).get("conditions", []):
                if (c["type"] == "PodScheduled" and c["status"] == "False"
                        and c.get("message") == message):
                    return c
            return None
        c = self.poll("pod %s: PodScheduled False with %r" % (name, message), cond)
        self.assertEqual(c["reason"], "Unschedulable")

        def event():
            doc = self.ok("GET", "/api/v1/namespaces/%s/events" % ns)
            return [e for e in doc["items"]
                    if e["involvedObject"].get("name") == name
                    and e["reason"] == "FailedScheduling" and e["message"] == message]
        e = self.poll("FailedScheduling Event %r about %s" % (message, name), event)[0]
        self.assertEqual(e["type"], "Warning")
        self.assertIsNone(self.get_pod(name, ns)["spec"].get("nodeName"))


class NodeAffinityTest(PolicyTest):
    def test_in_notin_gt_place_pods(self):
        self.node("small", {"disk": "hdd", "cores": "4"})
        self.node("fast", {"disk": "ssd", "cores": "32"})
        self.node("odd", {"cores": "many"})
        self.pod("in", spec={"affinity": required_node_affinity(expr("disk", "In", ["ssd"]))})
        self.pod("notin", spec={"affinity": required_node_affinity(
            expr("disk", "NotIn", ["ssd", "hdd"]))})
        self.pod("gt", spec={"affinity": required_node_affinity(expr("cores", "Gt", ["8"]))})
        self.pod("lt-exists", spec={"affinity": required_node_affinity(
            expr("cores", "Lt", ["8"]), expr("disk", "Exists"))})
        self.assertEqual(self.bound("in"), "fast")
        self.assertEqual(self.bound("notin"), "odd")
        self.assertEqual(self.bound("gt"), "fast")
        self.assertEqual(self.bound("lt-exists"), "small")
        self.pod("none", spec={"affinity": required_node_affinity(
            expr("cores", "Gt", ["100"]))})
        self.unschedulable("none", "0/3 nodes are available: 3 %s." % AFFINITY_REASON)

    def test_preferred_affinity_wins_over_spreading(self):
        self.node("a", {"disk": "hdd"})
        self.node("b", {"disk": "ssd"})
        pref = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "preference": {"matchExpressions": [expr("disk", "In", ["ssd"])]}}]}}
        for i in range(3):
            self.pod("p%d" % i, spec={"affinity": pref})
            self.assertEqual(self.bound("p%d" % i), "b")


class TopologySpreadTest(PolicyTest):
    def spread(self, skew=1, **extra):
        c = {"maxSkew": skew, "topologyKey": "topology.kubernetes.io/zone",
             "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": {"app": "web"}}}
        c.update(extra)
        return {"topologySpreadConstraints": [c]}

    def test_six_pods_spread_two_per_zone_then_skew_refuses(self):
        self.zones()
        # One node without a zone: never a domain, and said so.
        self.node("nozone")
        for i in range(6):
            self.pod("web-%d" % i, {"app": "web"}, self.spread())
            self.bound("web-%d" % i)
        per_zone = {}
        for i in range(6):
            z = self.zone_of(self.get_pod("web-%d" % i)["spec"]["nodeName"])
            per_zone[z] = per_zone.get(z, 0) + 1
        self.assertEqual(per_zone, {"a": 2, "b": 2, "c": 2})
        # Pinned to zone a while every zone counts (nodeAffinityPolicy
        # Ignore): a third pod there is within maxSkew 1, a fourth is not.
        pin = dict(self.spread(nodeAffinityPolicy="Ignore"),
                   nodeSelector={"topology.kubernetes.io/zone": "a"})
        self.pod("web-a3", {"app": "web"}, pin)
        self.assertEqual(self.zone_of(self.bound("web-a3")), "a")
        self.pod("web-a4", {"app": "web"}, pin)
        self.unschedulable("web-a4", "0/7 nodes are available: 2 %s, 5 %s."
                           % (SPREAD_REASON, AFFINITY_REASON))
        # Another zone-a node adds no domain: still refused.  A pod in
        # zone b brings the minimum up and lets web-a4 in.
        self.pod("web-b3", {"app": "web"}, self.spread())
        self.pod("web-c3", {"app": "web"}, self.spread())
        self.assertEqual(self.zone_of(self.bound("web-a4")), "a")

    def test_missing_topology_key(self):
        self.zones(per_zone=1)
        self.pod("racked", {"app": "web"}, {"topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "rack", "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": {"app": "web"}}}]})
        self.unschedulable("racked", "0/3 nodes are available: 3 %s." % MISSING_REASON)

    def test_schedule_anyway_spreads_without_refusing(self):
        self.zones(per_zone=1, zones="ab")
        soft = {"topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
             "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": {"matchLabels": {"app": "api"}}}]}
        zones = []
        for i in range(4):
            self.pod("api-%d" % i, {"app": "api"}, soft)
            zones.append(self.zone_of(self.bound("api-%d" % i)))
        self.assertEqual(sorted(zones), ["a", "a", "b", "b"])
        # Only zone a allowed: ScheduleAnyway never blocks.
        self.pod("api-pinned", {"app": "api"},
                 dict(soft, nodeSelector={"topology.kubernetes.io/zone": "a"}))
        self.assertEqual(self.zone_of(self.bound("api-pinned")), "a")


class InterPodAffinityTest(PolicyTest):
    ANTI = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        term({"app": "web"}, "kubernetes.io/hostname")]}}

    def test_anti_affinity_one_per_node(self):
        for n in ("n1", "n2", "n3"):
            self.node(n)
        nodes = set()
        for i in range(3):
            self.pod("web-%d" % i, {"app": "web"}, {"affinity": self.ANTI})
            nodes.add(self.bound("web-%d" % i))
        self.assertEqual(nodes, {"n1", "n2", "n3"})
        self.pod("web-3", {"app": "web"}, {"affinity": self.ANTI})
        self.unschedulable("web-3", "0/3 nodes are available: 3 %s." % ANTI_REASON)

    def test_reasons_are_counted_and_sorted(self):
        for n in ("n1", "n2", "n3"):
            self.node(n)
        self.node("tiny1", cpu="1")
        self.node("tiny2", cpu="1")
        for n in ("n1", "n2", "n3"):
            self.pod("web-" + n, {"app": "web"},
                     {"nodeSelector": {"kubernetes.io/hostname": n}})
            self.bound("web-" + n)
        self.pod("web-new", {"app": "web"}, {"affinity": self.ANTI}, cpu="2")
        # "COUNT REASON" strings sorted as text, as kube-scheduler does.
        self.unschedulable("web-new", "0/5 nodes are available: 2 Insufficient cpu, 3 %s."
                           % ANTI_REASON)

    def test_affinity_co_locates(self):
        self.zones(per_zone=2, zones="ab")
        self.pod("db", {"app": "db"}, {"nodeSelector": {"kubernetes.io/hostname": "zb1"}})
        self.assertEqual(self.bound("db"), "zb1")
        aff = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            term({"app": "db"}, "kubernetes.io/hostname")]}}
        for i in range(3):
            self.pod("cache-%d" % i, {"app": "cache"}, {"affinity": aff})
            self.assertEqual(self.bound("cache-%d" % i), "zb1")
        zone_aff = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            term({"app": "db"}, "topology.kubernetes.io/zone")]}}
        self.pod("near", {"app": "near"}, {"affinity": zone_aff})
        self.assertEqual(self.zone_of(self.bound("near")), "b")
        self.pod("lonely", {"app": "lonely"}, {"affinity": {"podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                term({"app": "nothing"}, "kubernetes.io/hostname")]}}})
        self.unschedulable("lonely", "0/4 nodes are available: 4 %s." % POD_AFF_REASON)

    def test_existing_pods_anti_affinity_is_symmetric(self):
        self.node("n1")
        self.node("n2")
        self.pod("loner", {"app": "loner"}, {
            "nodeSelector": {"kubernetes.io/hostname": "n1"},
            "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                term({"app": "web"}, "kubernetes.io/hostname")]}}})
        self.assertEqual(self.bound("loner"), "n1")
        for i in range(3):
            self.pod("web-%d" % i, {"app": "web"})
            self.assertEqual(self.bound("web-%d" % i), "n2")
        self.pod("web-pinned", {"app": "web"}, {"nodeSelector": {"kubernetes.io/hostname": "n1"}})
        self.unschedulable("web-pinned", "0/2 nodes are available: 1 %s, 1 %s."
                           % (AFFINITY_REASON, EXISTING_ANTI_REASON))

    def test_namespace_selector_uses_namespace_labels(self):
        self.node("n1")
        self.node("n2")
        self.namespace("team-a", {"team": "a"})
        self.namespace("team-b", {"team": "b"})
        self.pod("web", {"app": "web"}, {"nodeSelector": {"kubernetes.io/hostname": "n1"}},
                 ns="team-a")
        self.pod("web", {"app": "web"}, {"nodeSelector": {"kubernetes.io/hostname": "n2"}},
                 ns="team-b")
        self.assertEqual(self.bound("web", ns="team-a"), "n1")
        self.assertEqual(self.bound("web", ns="team-b"), "n2")

        def away_from(sel):
            return {"affinity": {"podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    term({"app": "web"}, "kubernetes.io/hostname", namespaceSelector=sel)]}}}
        self.pod("not-a", spec=away_from({"matchLabels": {"team": "a"}}))
        self.assertEqual(self.bound("not-a"), "n2")
        self.pod("not-b", spec=away_from({"matchLabels": {"kubernetes.io/metadata.name": "team-b"}}))
        self.assertEqual(self.bound("not-b"), "n1")
        self.pod("neither", spec=away_from({}))
        self.unschedulable("neither", "0/2 nodes are available: 2 %s." % ANTI_REASON)
        # Default namespace only (no namespaces, no selector): both fit.
        self.pod("here", {"app": "x"}, {"affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                term({"app": "web"}, "kubernetes.io/hostname")]}}})
        self.bound("here")


class QueueEventsTest(PolicyTest):
    def test_assigned_pod_moves_the_pods_its_affinity_helps(self):
        self.node("n1")
        self.node("n2")
        aff = {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            term({"app": "leader"}, "kubernetes.io/hostname")]}}}
        self.pod("follower", {"app": "follower"}, aff)
        self.unschedulable("follower", "0/2 nodes are available: 2 %s." % POD_AFF_REASON)
        time.sleep(1.5)  # past its backoff: parked, waiting for an event
        self.pod("leader", {"app": "leader"}, {"nodeSelector": {"kubernetes.io/hostname": "n2"}})
        self.assertEqual(self.bound("leader"), "n2")
        t0 = time.time()
        self.assertEqual(self.bound("follower"), "n2")
        self.assertLess(time.time() - t0, 3)

    def test_assigned_pod_moves_parked_pods_that_spread(self):
        # Any pod assigned changes a spread pod's skew; a pod assigned
        # elsewhere does not help a pod that fits nowhere for resources.
        self.node("n1", {"topology.kubernetes.io/zone": "a"})
        self.node("n2", {"topology.kubernetes.io/zone": "b"}, cpu="1")
        self.pod("a", {"app": "web"}, {"nodeSelector": {"kubernetes.io/hostname": "n1"}})
        self.assertEqual(self.bound("a"), "n1")
        spread = {"topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "web"}}}]}
        self.pod("spread", {"app": "web"}, spread, cpu="2")
        self.unschedulable("spread", "0/2 nodes are available: 1 Insufficient cpu, 1 %s."
                           % SPREAD_REASON)
        self.pod("big", {"app": "big"}, cpu="8")
        self.unschedulable("big", "0/2 nodes are available: 2 Insufficient cpu.")
        time.sleep(1.5)  # past their backoff: parked, waiting for an event
        attempts = self.metric("scheduler_schedule_attempts_total")
        self.pod("b", {"app": "web"}, {"nodeSelector": {"kubernetes.io/hostname": "n2"}})
        self.assertEqual(self.bound("b"), "n2")
        t0 = time.time()
        self.assertEqual(self.bound("spread"), "n1")
        self.assertLess(time.time() - t0, 3)
        # b's and spread's attempts, not big's: it stays parked.
        time.sleep(0.5)
        self.assertEqual(self.metric("scheduler_schedule_attempts_total"), attempts + 2)
        self.assertNotIn("nodeName", self.get_pod("big")["spec"])

    def test_deleted_pod_moves_parked_pods(self):
        self.node("n1")
        anti = {"affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                term({"app": "web"}, "kubernetes.io/hostname")]}}}
        self.pod("web-1", {"app": "web"}, anti)
        self.assertEqual(self.bound("web-1"), "n1")
        self.pod("web-2", {"app": "web"}, anti)
        self.unschedulable("web-2", "0/1 nodes are available: 1 %s." % ANTI_REASON)
        time.sleep(1.5)
        self.ok("DELETE", pods_path("default") + "/web-1")
        t0 = time.time()
        self.assertEqual(self.bound("web-2"), "n1")
        self.assertLess(time.time() - t0, 3)


class QueueTest(PolicyTest):
    # Parked pods are retried after 2 s without any event.
    framework_extra = "pod-max-in-unschedulable-seconds = 2"

    def test_higher_priority_first(self):
        # One pod slot, tainted: both pods wait, parked; the low one was
        # queued first.
        self.node("n1", pods="1")
        self.ok("PATCH", "/api/v1/nodes/n1",
                {"spec": {"taints": [{"key": "wait", "value": "x", "effect": "NoSchedule"}]}},
                200, ctype="application/merge-patch+json")
        # Priority comes from a PriorityClass (Priority admission).
        self.ok("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
                {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                 "metadata": {"name": "queue-high"}, "value": 1000}, 201)
        self.pod("low")
        self.assertEqual(self.pod("high", spec={"priorityClassName": "queue-high"})["spec"]
                         ["priority"], 1000)
        msg = "0/1 nodes are available: 1 node(s) had untolerated taint {wait: x}."
        self.unschedulable("low", msg)
        self.unschedulable("high", msg)
        time.sleep(4.5)  # past any backoff: the next event activates both
        self.ok("PATCH", "/api/v1/nodes/n1", {"spec": {"taints": None}}, 200,
                ctype="application/merge-patch+json")
        self.assertEqual(self.bound("high"), "n1")
        self.unschedulable("low", "0/1 nodes are available: 1 Too many pods.")

    def test_parked_pods_are_flushed_back_periodically(self):
        self.node("n1", {"disk": "hdd"})
        self.pod("ssd", spec={"nodeSelector": {"disk": "ssd"}})
        self.unschedulable("ssd", "0/1 nodes are available: 1 %s." % AFFINITY_REASON)
        # Nothing changes: still retried, every few seconds, not in a loop.
        self.poll("a second attempt after the flush",
                  lambda: self.metric("scheduler_schedule_attempts_total") >= 2, timeout=8)
        time.sleep(3)
        self.assertLessEqual(self.metric("scheduler_schedule_attempts_total"), 4)


class ProfileTest(PolicyTest):
    def test_scheduler_name_picks_the_profile(self):
        self.node("n1")
        self.pod("web", {"app": "web"})
        self.bound("web")
        anti = {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            term({"app": "web"}, "kubernetes.io/hostname")]}}}
        # The default profile runs InterPodAffinity ...
        self.pod("default-profile", {"app": "other"}, anti)
        self.unschedulable("default-profile", "0/1 nodes are available: 1 %s." % ANTI_REASON)
        # ... the spread-only profile does not.
        self.pod("spread-profile", {"app": "other"}, dict(anti, schedulerName="spread-only"))
        self.assertEqual(self.bound("spread-profile"), "n1")
        # A scheduler name no profile has is someone else's.
        self.pod("elsewhere", spec={"schedulerName": "nobody"})
        time.sleep(1)
        self.assertIsNone(self.get_pod("elsewhere")["spec"].get("nodeName"))
        log = self.cs.logtext()
        self.assertIn('scheduling the pods of scheduler "spread-only" (its listed plugins)', log)
        self.assertIn('scheduling the pods of scheduler "default-scheduler" (every loaded plugin)',
                      log)
        self.assertNotIn("runs no plugin NodeAffinity", log)

    def test_a_profile_without_node_affinity_is_warned_about(self):
        self.cs.stop()
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace(PROFILE, "bare: NodeBasics, NodeResourcesFit"))
        self.cs.start()
        # Logged when the framework starts, which may come after /readyz.
        warning = ("scheduler bare runs no plugin NodeAffinity (module sched-nodeaffinity): "
                   "its pods' spec.nodeSelector and node affinity are ignored")
        self.poll("the warning about profile bare", lambda: warning in self.cs.logtext())
        self.node("n1", {"disk": "hdd"})
        self.pod("ssd", spec={"schedulerName": "bare", "nodeSelector": {"disk": "ssd"}})
        self.assertEqual(self.bound("ssd"), "n1")

    def test_bad_profiles_are_refused(self):
        self.cs.stop()
        for entry, err in (("noname", 'is not "NAME: Plugin, Plugin=W, ...'),
                           ("x: ", "profile x lists no plugins"),
                           ("x: NodeBasics, NodeBasics", "NodeBasics is listed twice"),
                           ("x: NodeBasics, =2", "an empty plugin name"),
                           ("x: NodeBasics=0", "is not Plugin=N"),
                           ("default-scheduler: NodeBasics", 'scheduler name "default-scheduler"'
                            " has two profiles")):
            with open(self.conf) as f:
                text = f.read()
            bad = os.path.join(self.tmp, "bad.conf")
            with open(bad, "w") as f:
                f.write(text.replace(PROFILE, entry.replace('"', '\\"')))
            cs = Capstand(data_dir=os.path.join(self.tmp, "data"), config=bad, extra=dev_args())
            self.addCleanup(cs.cleanup)
            try:
                cs.start()
            except Exception:
                pass
            deadline = time.time() + TIMEOUT
            while err not in cs.logtext():
                self.assertLess(time.time(), deadline, "%r: %s" % (entry, cs.logtext()[-2000:]))
                time.sleep(0.05)
            cs.stop()


if __name__ == "__main__":
    main()
