"""The node lifecycle controller module (ctrl-nodelifecycle) against a real
capstand: a node whose Lease stops being renewed goes Ready=Unknown and gets
the unreachable taints, its pods are marked not ready and evicted as their
tolerations say, and everything is undone when the heartbeats resume."""
import datetime
import os
import shutil
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, Capstand, main

NODES = "/api/v1/nodes"
PODS = "/api/v1/namespaces/default/pods"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
GRACE = 2.0
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


def write_config(directory, rate):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-nodelifecycle" {\n  enabled = true  required = true\n'
                '  node-monitor-period = 0.25\n  node-monitor-grace-period = %g\n'
                '  node-startup-grace-period = %g\n  node-eviction-rate = %g\n}\n'
                % (GRACE, GRACE, rate))
    return path


def micro_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def tol(key, seconds=None, effect="NoExecute", value=None):
    t = {"key": key, "operator": "Exists" if value is None else "Equal", "effect": effect}
    if value is not None:
        t["value"] = value
    if seconds is not None:
        t["tolerationSeconds"] = seconds
    return t


class NodeLifecycleBase(unittest.TestCase):
    rate = 100  # NoExecute taints per second and zone: no waiting

    @classmethod
    def setUpClass(cls):
        cls.conf_dir = tempfile.mkdtemp(prefix="capstan-nl-conf-")
        extra = ["--dev-modules"] if os.getuid() != 0 else []
        cls.cs = Capstand(config=write_config(cls.conf_dir, cls.rate), extra=extra)
        try:
            cls.cs.start()
        except BaseException:
            cls.cs.cleanup()
            shutil.rmtree(cls.conf_dir, ignore_errors=True)
            raise
        # The kubelets: renew the Lease of every node in `renewing`.
        cls.renewing = set()
        cls.stop = threading.Event()
        cls.renewer = threading.Thread(target=cls.renew_loop, daemon=True)
        cls.renewer.start()

    @classmethod
    def tearDownClass(cls):
        cls.stop.set()
        cls.renewer.join(5)
        cls.cs.cleanup()
        shutil.rmtree(cls.conf_dir, ignore_errors=True)

    @classmethod
    def renew_loop(cls):
        while not cls.stop.wait(0.2):
            for name in list(cls.renewing):
                try:
                    code, lease = cls.cs.request("GET", LEASES + "/" + name)
                    if code == 200:
                        lease["spec"]["renewTime"] = micro_now()
                        cls.cs.request("PUT", LEASES + "/" + name, lease)
                except OSError:
                    pass

    def req(self, *a, **kw):
        return self.cs.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.req(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def wait(self, what, fn, timeout=10):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out waiting for %s; last: %r\n%s" % (what, last,
                                                               self.cs.logtext()[-3000:]))

    # ---- helpers: a node as a kubelet would keep it ----

    def post_status(self, name, ready="True"):
        n = self.ok("GET", NODES + "/" + name)
        conds = [c for c in n.get("status", {}).get("conditions", []) if c["type"] != "Ready"]
        conds.append({"type": "Ready", "status": ready, "reason": "KubeletReady",
                      "message": "kubelet is posting ready status",
                      "lastHeartbeatTime": now(), "lastTransitionTime": now()})
        n.setdefault("status", {})["conditions"] = conds
        return self.ok("PUT", NODES + "/" + name + "/status", n)

    def node(self, name, taints=None, zone=None):
        spec = {"taints": taints} if taints else {}
        md = {"name": name}
        if zone:
            md["labels"] = {"topology.kubernetes.io/region": "r",
                            "topology.kubernetes.io/zone": zone}
        self.ok("POST", NODES, {"apiVersion": "v1", "kind": "Node",
                                "metadata": md, "spec": spec}, 201)
        self.post_status(name)
        self.ok("POST", LEASES, {
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                     "renewTime": micro_now()}}, 201)
        self.renewing.add(name)

    def pod(self, name, node, tolerations=None, ready=True):
        spec = {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}
        if tolerations is not None:
            spec["tolerations"] = tolerations
        p = self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                                   "metadata": {"name": name}, "spec": spec}, 201)
        if ready:
            p["status"] = {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": now()}]}
            self.ok("PUT", PODS + "/" + name + "/status", p)
        return p

    def taints(self, name):
        return {(t["key"], t["effect"]) for t in
                self.ok("GET", NODES + "/" + name)["spec"].get("taints", [])}

    def ready(self, name):
        for c in self.ok("GET", NODES + "/" + name).get("status", {}).get("conditions", []):
            if c["type"] == "Ready":
                return c
        return None

    def gone(self, path):
        return self.req("GET", path)[0] == 404

    def pod_ready(self, name):
        for c in self.ok("GET", PODS + "/" + name)["status"].get("conditions", []):
            if c["type"] == "Ready":
                return c["status"]
        return None

    def events(self, reason, name):
        return [e for e in self.ok("GET", "/api/v1/events")["items"]
                if e["reason"] == reason and e["involvedObject"]["name"] == name]

    def no_execute(self, name):
        return [t for t in self.ok("GET", NODES + "/" + name)["spec"].get("taints", [])
                if t["effect"] == "NoExecute"]


class NodeLifecycleTest(NodeLifecycleBase):

    def test_lost_node_is_tainted_and_its_pods_evicted(self):
        self.node("steady")
        self.node("lost")
        self.pod("stays", "lost")  # DefaultTolerationSeconds: 300 s
        self.pod("at-once", "lost", [tol(UNREACHABLE, 0)])
        self.pod("three", "lost", [tol(UNREACHABLE, 3)])
        held = self.pod("held", "lost", [tol(UNREACHABLE, 0)], ready=False)
        held["metadata"]["finalizers"] = ["example.com/hold"]
        self.ok("PUT", PODS + "/held", held)
        time.sleep(GRACE + 0.5)
        # Heartbeats keep both healthy well past the grace period.
        self.assertEqual(self.ready("lost")["status"], "True")
        self.assertEqual(self.taints("lost"), set())

        self.renewing.discard("lost")
        stopped = time.time()
        c = self.wait("lost Ready=Unknown", lambda: (self.ready("lost") or {}).get(
            "status") == "Unknown" and self.ready("lost"), timeout=GRACE + 5)
        self.assertEqual(c["reason"], "NodeStatusUnknown")
        self.assertEqual(c["message"], "Kubelet stopped posting node status.")
        self.assertGreaterEqual(time.time() - stopped, GRACE - 0.5)
        self.wait("unreachable taints", lambda: self.taints("lost") >= {
            (UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")})
        tainted = time.time()
        ne = [t for t in self.ok("GET", NODES + "/lost")["spec"]["taints"]
              if t["effect"] == "NoExecute"]
        self.assertIn("timeAdded", ne[0])
        self.wait("at-once evicted", lambda: self.gone(PODS + "/at-once"), timeout=3)
        self.assertTrue(self.events("TaintManagerEviction", "at-once"))
        # Why it went is on the pod, for whoever watches it (kept here by a
        # finalizer of its own).
        h = self.wait("held marked for deletion", lambda: "deletionTimestamp" in self.ok(
            "GET", PODS + "/held")["metadata"] and self.ok("GET", PODS + "/held"))
        dt = [c for c in h["status"].get("conditions", []) if c["type"] == "DisruptionTarget"]
        self.assertEqual(len(dt), 1, h["status"])
        self.assertEqual((dt[0]["status"], dt[0]["reason"], dt[0]["message"]),
                         ("True", "DeletionByTaintManager",
                          "Taint manager: deleting due to NoExecute taint"))
        self.ok("PATCH", PODS + "/held", {"metadata": {"finalizers": None}},
                ctype="application/merge-patch+json")
        self.wait("stays marked not ready", lambda: self.pod_ready("stays") == "False")
        self.assertTrue(self.events("NodeNotReady", "stays"))
        self.wait("the node's NodeNotReady event", lambda: self.events("NodeNotReady", "lost"))
        time.sleep(max(0, tainted + 1.5 - time.time()))
        self.assertFalse(self.gone(PODS + "/three"), "evicted before its 3 s")
        self.wait("three evicted", lambda: self.gone(PODS + "/three"), timeout=6)
        self.assertLess(time.time() - tainted, 6)
        self.assertFalse(self.gone(PODS + "/stays"))
        # The healthy node is left alone.
        self.assertEqual(self.ready("steady")["status"], "True")
        self.assertEqual(self.taints("steady"), set())

        # The kubelet is back: heartbeats and a Ready status again.
        self.renewing.add("lost")
        self.post_status("lost")
        self.wait("taints removed", lambda: self.taints("lost") == set())
        self.wait("the pending eviction cancelled", lambda: [
            e for e in self.events("TaintManagerEviction", "stays")
            if e["message"].startswith("Cancelling deletion")])
        self.wait("the node's NodeReady event", lambda: self.events("NodeReady", "lost"))
        time.sleep(GRACE + 0.5)
        self.assertEqual(self.ready("lost")["status"], "True")
        self.assertEqual(self.taints("lost"), set())
        self.assertFalse(self.gone(PODS + "/stays"))

    def test_not_ready_node_gets_not_ready_taints(self):
        self.node("sick")
        self.node("sick-peer")
        self.post_status("sick", "False")
        self.wait("not-ready taints", lambda: self.taints("sick") == {
            (NOT_READY, "NoSchedule"), (NOT_READY, "NoExecute")})
        self.post_status("sick", "True")
        self.wait("taints removed", lambda: self.taints("sick") == set())

    def test_untolerated_noexecute_taint_evicts_at_once(self):
        self.node("gpu", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}])
        self.pod("gpu-user", "gpu", [tol("dedicated", value="gpu")])
        self.pod("intruder", "gpu", ready=False)
        self.wait("intruder evicted", lambda: self.gone(PODS + "/intruder"), timeout=3)
        time.sleep(0.5)
        self.assertFalse(self.gone(PODS + "/gpu-user"))
        self.assertEqual(self.taints("gpu"), {("dedicated", "NoExecute")})

    def test_node_that_never_reported(self):
        self.ok("POST", NODES, {"apiVersion": "v1", "kind": "Node",
                                "metadata": {"name": "silent"}}, 201)
        c = self.wait("silent Ready=Unknown", lambda: self.ready("silent"), timeout=GRACE + 5)
        self.assertEqual(c["status"], "Unknown")
        self.assertEqual(c["reason"], "NodeStatusNeverUpdated")
        self.assertEqual(c["message"], "Kubelet never posted node status.")
        self.wait("unreachable NoSchedule", lambda: (UNREACHABLE, "NoSchedule")
                  in self.taints("silent"))


class EvictionRateTest(NodeLifecycleBase):
    """Zones: NoExecute taints at the zone's rate, none in a small zone
    that is mostly down, none anywhere when every node is down."""
    rate = 0.5  # one node every 2 s per zone

    def test_zones(self):
        healthy = ["a-ok1", "a-ok2", "b-ok1", "c-ok"]
        lost_a, lost_b = ["a-lost1", "a-lost2"], ["b-lost1", "b-lost2", "b-lost3"]
        for n in healthy + lost_a + lost_b:
            self.node(n, zone=n[0])
        self.node("d-alone", zone="d")
        time.sleep(0.5)
        for n in lost_a + lost_b + ["d-alone"]:
            self.renewing.discard(n)
        # Zone a is healthy (2 of 4 down): its nodes are tainted one by
        # one at 0.5/s.  Zone d is fully down, but other zones are not: it
        # evicts at the normal rate.
        self.wait("zone a and d tainted", lambda: all(
            self.no_execute(n) for n in lost_a + ["d-alone"]), timeout=GRACE + 6)
        stamps = sorted(self.no_execute(n)[0]["timeAdded"] for n in lost_a)
        parse = lambda t: time.mktime(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))
        self.assertGreaterEqual(parse(stamps[1]) - parse(stamps[0]), 1, stamps)
        # Zone b (3 of 4 down, a small zone) is partially disrupted: no
        # NoExecute taints, only NoSchedule.
        for n in lost_b:
            self.assertEqual(self.taints(n), {(UNREACHABLE, "NoSchedule")},
                             "\n".join(l for l in self.cs.logtext().splitlines()
                                       if "zone" in l or "b-lost" in l))
            self.assertEqual(self.ready(n)["status"], "Unknown")
        self.assertIn('zone "r:b" is now in state PartialDisruption', self.cs.logtext())
        # Every node down: master disruption mode, NoExecute taints go.
        for n in healthy:
            self.renewing.discard(n)
        self.wait("no NoExecute taint anywhere", lambda: not any(
            self.no_execute(n) for n in healthy + lost_a + lost_b + ["d-alone"]),
            timeout=GRACE + 6)
        self.assertIn("Entering master disruption mode", self.cs.logtext())
        for n in healthy:
            self.assertIn((UNREACHABLE, "NoSchedule"), self.taints(n))


if __name__ == "__main__":
    main()
