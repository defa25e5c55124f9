"""The DaemonSet controller module (ctrl-daemonset) against a real capstand.

Nodes are created by hand.  No scheduler and no node agent run here: a small
thread acts as both, binding each daemon pod to the node its required node
affinity names (matchFields metadata.name, as current Kubernetes creates
daemon pods) and reporting bound pods Running and Ready through pods/status,
so the tests see exactly what the controller wrote.  Checked: one pod per
eligible node (nodeSelector, affinity, taints and tolerations, cordoned
nodes), following node changes, failed and duplicate pods, ControllerRevision
history, RollingUpdate (maxUnavailable, maxSurge) and OnDelete, status,
Events, and the API's validation."""
import os
import shutil
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
NODES = "/api/v1/nodes"
DSS = "/apis/apps/v1/namespaces/default/daemonsets"
REVS = "/apis/apps/v1/namespaces/default/controllerrevisions"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"
HASH = "controller-revision-hash"

DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


# The scheduler modules whose NodeAffinity plugin binds daemon pods by their
# matchFields term; SchedulerBindsTest runs when they are built.
SCHED_MODULES = ["sched-noderesources", "sched-nodebasics", "sched-nodeaffinity",
                 "sched-framework"]


def have_modules(names):
    return all(os.path.exists(os.path.join(MODULE_DIR, n + ".so")) for n in names)


def write_config(directory, sched=False):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        for name in SCHED_MODULES if sched else []:
            f.write('module "%s" { enabled = true  required = true }\n' % name)
        f.write('module "ctrl-daemonset" { enabled = true  required = true }\n')
    return path


def start_capstand(sched=False, data_dir=None):
    conf_dir = tempfile.mkdtemp(prefix="capstan-ds-conf-")
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(data_dir=data_dir, config=write_config(conf_dir, sched), extra=extra)
    cs.conf_dir = conf_dir
    try:
        return cs.start()
    except BaseException:
        cs.cleanup()
        shutil.rmtree(conf_dir, ignore_errors=True)
        raise


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def daemonset(name, group, image="busybox", strategy=None, extra_spec=None, tmpl_spec=None):
    """A DaemonSet of pods labelled app=name on the nodes labelled t=group."""
    spec = {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": dict({"nodeSelector": {"t": group},
                                       "containers": [{"name": "c", "image": image}]},
                                      **(tmpl_spec or {}))}}
    if strategy:
        spec["updateStrategy"] = strategy
    spec.update(extra_spec or {})
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": spec}


def target_node(pod):
    """The node of a daemon pod: bound, or named by its matchFields term."""
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    try:
        terms = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        f = terms[0]["matchFields"][0]
        if f["key"] == "metadata.name" and f["operator"] == "In":
            return f["values"][0]
    except (KeyError, IndexError):
        pass
    return None


class FakeNode(threading.Thread):
    """Scheduler and kubelet in one: binds daemon pods to their target node
    and reports bound ones Running/Ready.  Pods named in `fail` are reported
    Failed instead; pods of apps in `hold` are bound but left not ready."""

    def __init__(self, cs, bind=True):
        super().__init__(daemon=True)
        self.cs = cs
        self.bind = bind
        self.fail = set()
        self.hold = set()
        self.stopped = threading.Event()
        self.errors = []

    def run(self):
        while not self.stopped.is_set():
            try:
                self.step()
            except Exception as e:  # reported by the tests through .errors
                self.errors.append(repr(e))
            time.sleep(0.03)

    def step(self):
        code, doc = self.cs.request("GET", PODS)
        if code != 200:
            return
        for p in doc["items"]:
            md = p["metadata"]
            if md.get("deletionTimestamp"):
                continue
            name = md["name"]
            node = p["spec"].get("nodeName")
            if not node:
                node = target_node(p)
                if self.bind and node and self.cs.request("GET", NODES + "/" + node)[0] == 200:
                    self.cs.request("POST", PODS + "/" + name + "/binding", {
                        "apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                        "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
                continue
            st = p.get("status", {})
            app = md.get("labels", {}).get("app")
            if name in self.fail:
                want = ("Failed", "False")
            elif app in self.hold:
                want = ("Running", "False")
            else:
                want = ("Running", "True")
            ready = [c for c in st.get("conditions", []) if c.get("type") == "Ready"]
            if st.get("phase") == want[0] and ready and ready[0]["status"] == want[1]:
                continue
            p["status"] = {"phase": want[0], "conditions": [
                {"type": "Ready", "status": want[1], "lastTransitionTime": now()}]}
            self.cs.request("PUT", PODS + "/" + name + "/status", p)


class DaemonSetTest(unittest.TestCase):
    sched = False
    data = None

    @classmethod
    def setUpClass(cls):
        cls.cs = start_capstand(cls.sched, cls.data)
        # With the scheduler loaded, binding is its job.
        cls.node = FakeNode(cls.cs, bind=not cls.sched)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("DS_KEEP_LOG"):
            shutil.copy(os.path.join(cls.cs.data_dir, "capstand.log"), os.environ["DS_KEEP_LOG"])
        cls.node.stopped.set()
        cls.node.join(5)
        cls.cs.cleanup()
        shutil.rmtree(cls.cs.conf_dir, ignore_errors=True)

    # ---- helpers ----

    def req(self, *a, **kw):
        return self.cs.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.req(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def wait(self, what, fn, timeout=15):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out waiting for %s; last: %r\nfake node: %r\n%s" % (
            what, last, self.node.errors[-3:], self.cs.logtext()[-3000:]))

    def add_node(self, name, labels=None, taints=None, unschedulable=False):
        spec = {}
        if taints:
            spec["taints"] = taints
        if unschedulable:
            spec["unschedulable"] = True
        return self.ok("POST", NODES, {"apiVersion": "v1", "kind": "Node",
                                       "metadata": {"name": name, "labels": labels or {}},
                                       "spec": spec}, 201)

    def patch_node(self, name, patch):
        return self.ok("PATCH", NODES + "/" + name, patch, ctype=MERGE)

    def daemon_pods(self, ds):
        """Live (not terminating) pods controlled by DaemonSet ds."""
        uid = ds["metadata"]["uid"]
        return [p for p in self.ok("GET", PODS)["items"]
                if not p["metadata"].get("deletionTimestamp")
                and any(r.get("controller") and r["uid"] == uid
                        for r in p["metadata"].get("ownerReferences", []))]

    def by_node(self, ds):
        out = {}
        for p in self.daemon_pods(ds):
            out.setdefault(target_node(p), []).append(p)
        return out

    def on_nodes(self, ds, nodes):
        """The pods by node when exactly `nodes` have one pod each."""
        got = self.by_node(ds)
        if sorted(got) == sorted(nodes) and all(len(v) == 1 for v in got.values()):
            return got
        return None

    def get_ds(self, name):
        return self.ok("GET", DSS + "/" + name)

    def status_is(self, name, **want):
        ds = self.get_ds(name)
        st = ds.get("status", {})
        return ds if all(st.get(k, 0) == v for k, v in want.items()) else None

    def revisions(self, ds):
        uid = ds["metadata"]["uid"]
        return sorted((r for r in self.ok("GET", REVS)["items"]
                       if any(o["uid"] == uid for o in r["metadata"].get("ownerReferences", []))),
                      key=lambda r: r["revision"])

    def events(self, name, reason):
        return [e for e in self.ok("GET", NS + "/events")["items"]
                if e["reason"] == reason and e["involvedObject"].get("name") == name
                and e["involvedObject"].get("kind") == "DaemonSet"]

    def set_image(self, name, image):
        return self.ok("PATCH", DSS + "/" + name, {"spec": {"template": {"spec": {
            "containers": [{"name": "c", "image": image}]}}}}, ctype=MERGE)

    # ---- tests ----

    def test_one_pod_per_matching_node(self):
        for n in ("one-a", "one-b"):
            self.add_node(n, {"t": "one"})
        self.add_node("one-c", {"t": "other"})
        ds = self.ok("POST", DSS, daemonset("one", "one"), 201)
        pods = self.wait("a pod on each of one-a, one-b",
                         lambda: self.on_nodes(ds, ["one-a", "one-b"]))
        revs = self.wait("a revision", lambda: self.revisions(ds))
        h = revs[0]["metadata"]["labels"][HASH]
        for node, [p] in pods.items():
            md = p["metadata"]
            self.assertEqual(md["generateName"], "one-")
            self.assertEqual(md["labels"], {"app": "one", HASH: h})
            self.assertEqual(md["ownerReferences"], [{
                "apiVersion": "apps/v1", "kind": "DaemonSet", "name": "one",
                "uid": ds["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
            self.assertEqual(p["spec"]["affinity"], {"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In",
                                      "values": [node]}]}]}}})
            self.assertEqual(p["spec"]["tolerations"], DAEMON_TOLERATIONS)
        # The fake node binds and readies them: status follows.
        self.wait("status of one", lambda: self.status_is(
            "one", desiredNumberScheduled=2, currentNumberScheduled=2, numberMisscheduled=0,
            numberReady=2, updatedNumberScheduled=2, numberAvailable=2, observedGeneration=1))
        st = self.get_ds("one")["status"]
        self.assertNotIn("numberUnavailable", st)
        # Level-triggered, with expectations: no extra pods appear later.
        time.sleep(1.5)
        self.assertIsNotNone(self.on_nodes(ds, ["one-a", "one-b"]))
        created = self.events("one", "SuccessfulCreate")
        self.assertEqual({e["message"] for e in created},
                         {"Created pod: " + p["metadata"]["name"]
                          for [p] in pods.values()})

    def test_follows_node_changes(self):
        ds = self.ok("POST", DSS, daemonset("follow", "follow"), 201)
        self.wait("status with no nodes", lambda: self.status_is(
            "follow", desiredNumberScheduled=0, observedGeneration=1))
        self.add_node("follow-a", {"t": "follow"})
        self.wait("a pod on the new node", lambda: self.on_nodes(ds, ["follow-a"]))
        self.add_node("follow-b", {"t": "nope"})
        time.sleep(0.5)
        self.assertIsNotNone(self.on_nodes(ds, ["follow-a"]))
        # Labelled into the DaemonSet, then out of it.
        self.patch_node("follow-b", {"metadata": {"labels": {"t": "follow"}}})
        self.wait("pods on both", lambda: self.on_nodes(ds, ["follow-a", "follow-b"]))
        gone = self.on_nodes(ds, ["follow-a", "follow-b"])["follow-a"][0]["metadata"]["name"]
        self.patch_node("follow-a", {"metadata": {"labels": {"t": None}}})
        self.wait("the pod of follow-a deleted", lambda: self.on_nodes(ds, ["follow-b"]))
        self.assertEqual(self.req("GET", PODS + "/" + gone)[0], 404)
        deleted = self.wait("a SuccessfulDelete event",
                            lambda: self.events("follow", "SuccessfulDelete"))
        self.assertEqual(deleted[0]["message"], "Deleted pod: " + gone)
        # A deleted node takes its daemon pod with it.
        self.ok("DELETE", NODES + "/follow-b")
        self.wait("no pods left", lambda: self.by_node(ds) == {})
        self.wait("status", lambda: self.status_is(
            "follow", desiredNumberScheduled=0, currentNumberScheduled=0))

    def test_affinity_expressions(self):
        self.add_node("aff-a", {"t": "aff", "zone": "z1", "cpus": "8"})
        self.add_node("aff-b", {"t": "aff", "zone": "z2", "cpus": "2"})
        self.add_node("aff-c", {"t": "aff", "zone": "z3", "cpus": "16"})
        aff = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1", "z2"]},
                                      {"key": "cpus", "operator": "Gt", "values": ["4"]}]},
                {"matchFields": [{"key": "metadata.name", "operator": "In",
                                  "values": ["aff-c"]}]}]}}}
        ds = self.ok("POST", DSS, daemonset("aff", "aff", tmpl_spec={"affinity": aff}), 201)
        pods = self.wait("pods on aff-a and aff-c", lambda: self.on_nodes(ds, ["aff-a", "aff-c"]))
        # The required terms of the pod are replaced by its node's name.
        terms = pods["aff-a"][0]["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        self.assertEqual(terms, [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["aff-a"]}]}])

    def test_taints_and_tolerations(self):
        self.add_node("taint-plain", {"t": "taint"})
        self.add_node("taint-gpu", {"t": "taint"},
                      taints=[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}])
        # Cordoned: the daemon pod tolerates the unschedulable taint, and
        # spec.unschedulable itself is not looked at.
        self.add_node("taint-cordoned", {"t": "taint"}, unschedulable=True, taints=[
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
        self.add_node("taint-notready", {"t": "taint"}, taints=[
            {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}])
        ds = self.ok("POST", DSS, daemonset("taint", "taint"), 201)
        want = ["taint-plain", "taint-cordoned", "taint-notready"]
        self.wait("pods on all but the gpu node", lambda: self.on_nodes(ds, want))
        time.sleep(0.5)
        self.assertIsNotNone(self.on_nodes(ds, want))
        self.wait("status", lambda: self.status_is(
            "taint", desiredNumberScheduled=3, currentNumberScheduled=3))
        # Tolerate it: the gpu node gets one too.
        self.ok("PATCH", DSS + "/taint", {"spec": {"template": {"spec": {"tolerations": [
            {"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoSchedule"}]}}}},
                ctype=MERGE)
        pods = self.wait("pods on all four", lambda: self.on_nodes(ds, want + ["taint-gpu"]))
        self.assertEqual(pods["taint-gpu"][0]["spec"]["tolerations"][0]["key"], "gpu")
        # A new template: the others are replaced too; let that finish.
        self.wait("the rollout", lambda: self.status_is(
            "taint", observedGeneration=2, desiredNumberScheduled=4, updatedNumberScheduled=4,
            numberAvailable=4))
        # A NoExecute taint the pod does not tolerate evicts it; a
        # NoSchedule one added later does not.
        self.patch_node("taint-plain", {"spec": {"taints": [
            {"key": "maint", "effect": "NoSchedule"}]}})
        time.sleep(0.7)
        self.assertIn("taint-plain", self.by_node(ds))
        self.wait("a misscheduled count", lambda: self.status_is(
            "taint", desiredNumberScheduled=3, numberMisscheduled=1))
        self.patch_node("taint-plain", {"spec": {"taints": [
            {"key": "maint", "effect": "NoExecute"}]}})
        self.wait("the pod of taint-plain evicted",
                  lambda: "taint-plain" not in self.by_node(ds) and self.by_node(ds))

    def test_failed_pod_is_replaced(self):
        self.add_node("fail-a", {"t": "fail"})
        ds = self.ok("POST", DSS, daemonset("fail", "fail"), 201)
        [[p]] = self.wait("a pod", lambda: self.on_nodes(ds, ["fail-a"])).values()
        name = p["metadata"]["name"]
        self.node.fail.add(name)
        self.wait("the failed pod replaced", lambda: (
            lambda got: got and got["fail-a"][0]["metadata"]["name"] != name and got)(
                self.on_nodes(ds, ["fail-a"])))
        ev = self.wait("a FailedDaemonPod event", lambda: self.events("fail", "FailedDaemonPod"))
        self.assertEqual(ev[0]["type"], "Warning")
        self.assertEqual(ev[0]["message"], "Found failed daemon pod default/%s on node fail-a, "
                         "will try to kill it" % name)
        self.wait("ready again", lambda: self.status_is("fail", numberReady=1, numberAvailable=1))

    def test_duplicate_pods_are_deleted_oldest_kept(self):
        self.add_node("dup-a", {"t": "dup"})
        ds = self.ok("POST", DSS, daemonset("dup", "dup"), 201)
        [[first]] = self.wait("a pod", lambda: self.on_nodes(ds, ["dup-a"])).values()
        self.wait("it bound", lambda: self.ok("GET", PODS + "/" + first["metadata"]["name"])[
            "spec"].get("nodeName"))
        time.sleep(1.1)  # a later creationTimestamp
        # An orphan that matches the selector on the same node: adopted,
        # then deleted as the younger of the two.
        self.ok("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "dup-extra", "labels": {"app": "dup"}},
            "spec": {"nodeName": "dup-a", "containers": [{"name": "c", "image": "busybox"}]}},
            201)
        self.wait("the extra deleted", lambda: self.req("GET", PODS + "/dup-extra")[0] == 404)
        got = self.on_nodes(ds, ["dup-a"])
        self.assertEqual(got["dup-a"][0]["metadata"]["name"], first["metadata"]["name"])

    def test_rolling_update_max_unavailable(self):
        nodes = ["roll-%d" % i for i in range(4)]
        for n in nodes:
            self.add_node(n, {"t": "roll"})
        ds = self.ok("POST", DSS, daemonset("roll", "roll", strategy={
            "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}), 201)
        self.wait("all available", lambda: self.status_is(
            "roll", desiredNumberScheduled=4, numberAvailable=4, updatedNumberScheduled=4))
        old_hash = self.revisions(ds)[0]["metadata"]["labels"][HASH]
        gen = self.set_image("roll", "busybox:2")["metadata"]["generation"]
        self.assertEqual(gen, 2)
        # Observe continuously: never more than one node without an
        # available (ready) daemon pod.
        worst, new_hash = 0, None
        deadline = time.time() + 30
        while time.time() < deadline:
            got = self.by_node(ds)
            down = sum(1 for n in nodes if not any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for p in got.get(n, []) for c in p.get("status", {}).get("conditions", [])))
            worst = max(worst, down)
            hashes = {p["metadata"]["labels"][HASH] for ps in got.values() for p in ps}
            if len(got) == 4 and all(len(v) == 1 for v in got.values()) and \
                    len(hashes) == 1 and old_hash not in hashes and down == 0:
                new_hash = hashes.pop()
                break
            time.sleep(0.02)
        self.assertIsNotNone(new_hash, "rollout did not finish: %r" % self.by_node(ds))
        self.assertLessEqual(worst, 1)
        self.assertEqual(worst, 1)  # it did replace pods, one at a time
        for [p] in self.by_node(ds).values():
            self.assertEqual(p["spec"]["containers"][0]["image"], "busybox:2")
        st = self.wait("status of the finished rollout", lambda: self.status_is(
            "roll", desiredNumberScheduled=4, updatedNumberScheduled=4, numberAvailable=4,
            observedGeneration=2))["status"]
        self.assertNotIn("numberUnavailable", st)
        revs = self.revisions(ds)
        self.assertEqual([r["revision"] for r in revs], [1, 2])
        self.assertEqual(revs[1]["metadata"]["labels"][HASH], new_hash)
        self.assertEqual(revs[1]["metadata"]["name"], "roll-" + new_hash)

    def test_rolling_update_max_surge(self):
        nodes = ["surge-%d" % i for i in range(3)]
        for n in nodes:
            self.add_node(n, {"t": "surge"})
        ds = self.ok("POST", DSS, daemonset("surge", "surge", strategy={
            "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}),
            201)
        self.wait("all available", lambda: self.status_is(
            "surge", desiredNumberScheduled=3, numberAvailable=3))
        old_hash = self.revisions(ds)[0]["metadata"]["labels"][HASH]
        self.set_image("surge", "busybox:2")
        worst, most, done = 0, 0, False
        deadline = time.time() + 30
        while time.time() < deadline:
            got = self.by_node(ds)
            down = sum(1 for n in nodes if not any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for p in got.get(n, []) for c in p.get("status", {}).get("conditions", [])))
            worst = max(worst, down)
            most = max(most, sum(len(v) for v in got.values()))
            hashes = {p["metadata"]["labels"][HASH] for ps in got.values() for p in ps}
            if len(got) == 3 and all(len(v) == 1 for v in got.values()) and \
                    old_hash not in hashes and down == 0:
                done = True
                break
            time.sleep(0.02)
        self.assertTrue(done, "rollout did not finish: %r" % self.by_node(ds))
        self.assertEqual(worst, 0)  # every node kept an available pod
        self.assertEqual(most, 4)   # one surge pod at a time

    def test_on_delete(self):
        nodes = ["ondel-a", "ondel-b"]
        for n in nodes:
            self.add_node(n, {"t": "ondel"})
        ds = self.ok("POST", DSS, daemonset("ondel", "ondel", strategy={"type": "OnDelete"}),
                     201)
        before = self.wait("pods", lambda: self.on_nodes(ds, nodes))
        self.wait("available", lambda: self.status_is("ondel", numberAvailable=2))
        self.set_image("ondel", "busybox:2")
        self.wait("the new revision observed", lambda: self.status_is(
            "ondel", observedGeneration=2, updatedNumberScheduled=0))
        time.sleep(1)
        self.assertEqual({n: [p["metadata"]["name"] for p in ps]
                          for n, ps in self.on_nodes(ds, nodes).items()},
                         {n: [p["metadata"]["name"] for p in ps] for n, ps in before.items()})
        # Only what the user deletes is replaced, by the new template.
        self.ok("DELETE", PODS + "/" + before["ondel-a"][0]["metadata"]["name"])
        got = self.wait("a replacement on ondel-a", lambda: (
            lambda g: g and g["ondel-a"][0]["metadata"]["name"] !=
            before["ondel-a"][0]["metadata"]["name"] and g)(self.on_nodes(ds, nodes)))
        self.assertEqual(got["ondel-a"][0]["spec"]["containers"][0]["image"], "busybox:2")
        self.assertEqual(got["ondel-b"][0]["metadata"]["name"],
                         before["ondel-b"][0]["metadata"]["name"])
        self.wait("status", lambda: self.status_is(
            "ondel", updatedNumberScheduled=1, desiredNumberScheduled=2, numberAvailable=2))

    def test_history_is_pruned(self):
        self.add_node("hist-a", {"t": "hist"})
        ds = self.ok("POST", DSS, daemonset("hist", "hist", extra_spec={
            "revisionHistoryLimit": 1}), 201)
        self.wait("a pod", lambda: self.on_nodes(ds, ["hist-a"]))
        [r1] = self.wait("revision 1", lambda: self.revisions(ds))
        self.assertEqual(r1["revision"], 1)
        self.assertEqual(r1["metadata"]["name"], "hist-" + r1["metadata"]["labels"][HASH])
        self.assertEqual(r1["metadata"]["labels"]["app"], "hist")
        self.assertTrue(r1["metadata"]["ownerReferences"][0]["controller"])
        tmpl = dict(self.get_ds("hist")["spec"]["template"], **{"$patch": "replace"})
        self.assertEqual(r1["data"], {"spec": {"template": tmpl}})
        for i, image in enumerate(["busybox:2", "busybox:3", "busybox:4"]):
            self.set_image("hist", image)
            self.wait("rolled to " + image, lambda: (
                lambda g: g and g["hist-a"][0]["spec"]["containers"][0]["image"] == image and
                self.status_is("hist", updatedNumberScheduled=1, numberAvailable=1,
                               observedGeneration=i + 2))(self.on_nodes(ds, ["hist-a"])))
        # Current plus revisionHistoryLimit old ones.
        revs = self.wait("pruned history", lambda: (
            lambda rs: len(rs) == 2 and rs)(self.revisions(ds)))
        self.assertEqual([r["revision"] for r in revs], [3, 4])
        revs_before_rollback = revs
        self.assertNotIn(r1["metadata"]["name"], [r["metadata"]["name"] for r in revs])
        # Rolling back to an old template, as `kubectl rollout undo` does
        # (the revision's data as a strategic merge patch), reuses its
        # revision, renumbered as the newest.
        self.ok("PATCH", DSS + "/hist", revs_before_rollback[0]["data"],
                ctype="application/strategic-merge-patch+json")
        restored = dict(revs_before_rollback[0]["data"]["spec"]["template"])
        del restored["$patch"]
        self.assertEqual(self.get_ds("hist")["spec"]["template"], restored)
        revs = self.wait("revision 5", lambda: (
            lambda rs: [r["revision"] for r in rs] == [4, 5] and rs)(self.revisions(ds)))
        self.assertEqual(revs[1]["metadata"]["name"], revs_before_rollback[0]["metadata"]["name"])
        got = self.wait("the pod on the old revision again", lambda: (
            lambda g: g and g["hist-a"][0]["metadata"]["labels"][HASH] ==
            revs[1]["metadata"]["labels"][HASH] and g)(self.on_nodes(ds, ["hist-a"])))
        self.assertEqual(got["hist-a"][0]["spec"]["containers"][0]["image"], "busybox:3")

    def test_min_ready_seconds(self):
        self.add_node("mrs-a", {"t": "mrs"})
        self.ok("POST", DSS, daemonset("mrs", "mrs", extra_spec={"minReadySeconds": 2}), 201)
        self.wait("ready, not yet available", lambda: self.status_is(
            "mrs", numberReady=1, numberAvailable=0, numberUnavailable=1))
        self.wait("available", lambda: self.status_is(
            "mrs", numberReady=1, numberAvailable=1), timeout=8)

    def test_invalid_daemonsets_are_rejected(self):
        bad = daemonset("bad", "bad")
        bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
        code, doc = self.req("POST", DSS, bad)
        self.assertEqual(code, 422, doc)
        self.assertEqual(doc["reason"], "Invalid")
        self.assertIn("`selector` does not match template `labels`", doc["message"])
        bad = daemonset("bad", "bad", strategy={"type": "Sometimes"})
        code, doc = self.req("POST", DSS, bad)
        self.assertEqual(code, 422, doc)
        self.assertIn("spec.updateStrategy.type", doc["message"])
        bad = daemonset("bad", "bad", strategy={
            "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}})
        code, doc = self.req("POST", DSS, bad)
        self.assertEqual(code, 422, doc)
        self.assertIn("spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: "
                      "cannot be 0 when maxSurge is 0", doc["message"])
        # Surge or unavailability, not both (maxUnavailable defaults to 1).
        bad = daemonset("bad", "bad", strategy={
            "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}})
        code, doc = self.req("POST", DSS, bad)
        self.assertEqual(code, 422, doc)
        self.assertIn("spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be "
                      "set when maxUnavailable is non-zero", doc["message"])
        # The selector is immutable.
        self.ok("POST", DSS, daemonset("fixed", "fixed"), 201)
        code, doc = self.req("PATCH", DSS + "/fixed", {"spec": {"selector": {"matchLabels": {
            "app": "fixed", "x": "y"}}}}, ctype=MERGE)
        self.assertEqual(code, 422, doc)


@unittest.skipUnless(have_modules(SCHED_MODULES) or os.environ.get("DS_FORCE_SCHED"),
                     "the scheduler's NodeAffinity plugin (sched-nodeaffinity) is not built")
class SchedulerBindsTest(DaemonSetTest):
    """The same DaemonSet against the real scheduler: it, not the test, binds
    each daemon pod to the node its matchFields term names."""

    sched = True

    def add_node(self, name, labels=None, taints=None, unschedulable=False):
        node = super().add_node(name, labels, taints, unschedulable)
        res = {"cpu": "4", "memory": "8Gi", "pods": "110"}
        self.ok("PATCH", NODES + "/" + name + "/status", {"status": {
            "capacity": res, "allocatable": res,
            "conditions": [{"type": "Ready", "status": "True"}]}}, ctype=MERGE)
        return node

    def test_scheduler_binds_daemon_pods_to_their_nodes(self):
        # Five nodes the nodeSelector admits, three the template's node
        # affinity does: only a scheduler that honours the pods' required
        # affinity puts each on its own node.
        # The others come first, as a scheduler that ignores the affinity
        # would try them.
        for n in ("sched-a", "sched-b"):
            self.add_node(n, {"t": "sched", "zone": "b"})
        nodes = ["sched-c", "sched-d", "sched-e"]
        for n in nodes:
            self.add_node(n, {"t": "sched", "zone": "a"})
        aff = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "zone", "operator": "In", "values": ["a"]}]}]}}}
        ds = self.ok("POST", DSS, daemonset("sched", "sched", tmpl_spec={"affinity": aff}), 201)
        self.wait("pods for the three nodes", lambda: self.on_nodes(ds, nodes))

        def bound():
            pods = self.daemon_pods(ds)
            return len(pods) == 3 and all(
                p["spec"].get("nodeName") == target_node(
                    dict(p, spec=dict(p["spec"], nodeName=None))) for p in pods) and pods
        pods = self.wait("the scheduler to bind each pod to its own node", bound)
        self.assertEqual(sorted(p["spec"]["nodeName"] for p in pods), nodes)
        self.wait("ready", lambda: self.status_is(
            "sched", desiredNumberScheduled=3, numberReady=3, numberMisscheduled=0))
        time.sleep(1)
        self.assertIsNotNone(self.on_nodes(ds, nodes))


class RestartTest(DaemonSetTest):
    """A restart of capstand, its data kept: the controller resumes from what
    the store holds and writes nothing new."""

    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="capstan-ds-restart-")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.data, ignore_errors=True)

    def test_restart_creates_nothing_new(self):
        nodes = ["stay-a", "stay-b", "stay-c"]
        for n in nodes:
            self.add_node(n, {"t": "stay"})
        ds = self.ok("POST", DSS, daemonset("stay", "stay"), 201)
        self.wait("pods", lambda: self.on_nodes(ds, nodes))
        self.wait("available", lambda: self.status_is(
            "stay", numberAvailable=3, updatedNumberScheduled=3, observedGeneration=1))
        before = sorted(p["metadata"]["name"] for p in self.daemon_pods(ds))
        revs = [r["metadata"]["name"] for r in self.revisions(ds)]
        self.cs.stop()
        self.cs.start()
        time.sleep(2)
        self.assertEqual(sorted(p["metadata"]["name"] for p in self.daemon_pods(ds)), before)
        self.assertEqual([r["metadata"]["name"] for r in self.revisions(ds)], revs)
        code, text = self.req("GET", "/metrics")
        self.assertEqual(code, 200)
        metrics = {}
        for line in text.splitlines():
            if line.startswith("daemonset_pods_"):
                k, v = line.rsplit(" ", 1)
                metrics[k] = float(v)
        # Registered by the restarted module, and nothing written since.
        self.assertEqual(metrics, {'daemonset_pods_created_total{module="ctrl-daemonset"}': 0,
                                   'daemonset_pods_deleted_total{module="ctrl-daemonset"}': 0})


def load_tests(loader, tests, pattern):
    # The subclasses repeat only their own tests, not the inherited ones.
    suite = unittest.TestSuite()
    suite.addTests(loader.loadTestsFromTestCase(DaemonSetTest))
    suite.addTest(RestartTest("test_restart_creates_nothing_new"))
    if have_modules(SCHED_MODULES) or os.environ.get("DS_FORCE_SCHED"):
        suite.addTest(SchedulerBindsTest("test_scheduler_binds_daemon_pods_to_their_nodes"))
    return suite


if __name__ == "__main__":
    main()
