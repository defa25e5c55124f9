"""The garbage collector module (ctrl-gc), with the ReplicaSet controller,
against a real capstand: background, foreground and orphan deletion, owners
that are partly gone or replaced by namesakes, chains of owners, and the
references it must leave alone."""
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
CMS = NS + "/configmaps"
RSS = "/apis/apps/v1/namespaces/default/replicasets"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
JOBS = "/apis/batch/v1/namespaces/default/jobs"
PVS = "/api/v1/persistentvolumes"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"
RESOURCES = ('"pods", "replicasets.apps", "deployments.apps", "jobs.batch", "configmaps", '
             '"persistentvolumes"')


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-replicaset" { enabled = true  required = true }\n')
        f.write('module "ctrl-gc" { enabled = true  required = true  resources = {%s} }\n'
                % RESOURCES)
    return path


def replicaset(name, replicas=2, owners=None, finalizers=None):
    labels = {"app": name}
    tmd = {"labels": labels}
    if finalizers:
        tmd["finalizers"] = finalizers
    md = {"name": name}
    if owners:
        md["ownerReferences"] = owners
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": md,
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": tmd,
                                  "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}


def pod(name, owners=None, ns=None):
    md = {"name": name}
    if owners:
        md["ownerReferences"] = owners
    if ns:
        md["namespace"] = ns
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def ref(obj, block=False, controller=False):
    r = {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
         "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"]}
    if block:
        r["blockOwnerDeletion"] = True
    if controller:
        r["controller"] = True
    return r


class GcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conf_dir = tempfile.mkdtemp(prefix="capstan-gc-conf-")
        extra = ["--dev-modules"] if os.getuid() != 0 else []
        cls.cs = Capstand(config=write_config(cls.conf_dir), extra=extra)
        try:
            cls.cs.start()
        except BaseException:
            cls.cs.cleanup()
            shutil.rmtree(cls.conf_dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()
        shutil.rmtree(cls.conf_dir, ignore_errors=True)

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

    def gone(self, path):
        return self.req("GET", path)[0] == 404

    def pods_of(self, app):
        return self.ok("GET", PODS + "?labelSelector=app=" + app)["items"]

    def n_pods(self, app, n):
        p = self.pods_of(app)
        return p if len(p) == n else None

    def events(self, reason):
        return [e for e in self.ok("GET", "/api/v1/events")["items"] if e["reason"] == reason]

    def rs_with_pods(self, name, n=2, **kw):
        rs = self.ok("POST", RSS, replicaset(name, n, **kw), 201)
        pods = self.wait("%d pods of %s" % (n, name), lambda: self.n_pods(name, n))
        return rs, pods

    # ---- the three policies ----

    def test_background_deletes_the_dependents(self):
        for name, body in (("bg", {"propagationPolicy": "Background"}), ("dflt", None)):
            _, pods = self.rs_with_pods(name)
            self.ok("DELETE", RSS + "/" + name, body)
            self.assertTrue(self.gone(RSS + "/" + name))
            self.wait("pods of %s collected" % name, lambda: self.n_pods(name, 0) == [])
            for p in pods:
                self.assertTrue(self.gone(PODS + "/" + p["metadata"]["name"]))

    def test_foreground_waits_for_the_dependents(self):
        # The pods hold a finalizer of their own, so the window in which
        # the ReplicaSet waits for them can be seen.
        _, pods = self.rs_with_pods("fg", finalizers=["example.com/hold"])
        o = self.ok("DELETE", RSS + "/fg", {"propagationPolicy": "Foreground"}, want=202)
        self.assertIn("foregroundDeletion", o["metadata"]["finalizers"])
        self.wait("pods marked for deletion", lambda: all(
            "deletionTimestamp" in p["metadata"] for p in self.n_pods("fg", 2) or [{"metadata": {}}]))
        time.sleep(0.5)
        rs = self.ok("GET", RSS + "/fg")
        self.assertIn("deletionTimestamp", rs["metadata"])
        self.assertEqual(rs["metadata"]["finalizers"], ["foregroundDeletion"])
        # The ReplicaSet controller does not replace pods of a deleting set.
        self.assertEqual(len(self.pods_of("fg")), 2)
        self.ok("PATCH", PODS + "/" + pods[0]["metadata"]["name"],
                {"metadata": {"finalizers": None}}, ctype=MERGE)
        time.sleep(0.5)
        self.assertEqual(self.req("GET", RSS + "/fg")[0], 200)
        self.ok("PATCH", PODS + "/" + pods[1]["metadata"]["name"],
                {"metadata": {"finalizers": None}}, ctype=MERGE)
        self.wait("the ReplicaSet gone", lambda: self.gone(RSS + "/fg"))
        self.assertEqual(self.pods_of("fg"), [])

    def test_orphan_keeps_the_dependents_without_the_reference(self):
        cm = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "bystander"}}, 201)
        rs, pods = self.rs_with_pods("orph")
        # A second owner's reference must survive the orphaning.
        p0 = pods[0]["metadata"]["name"]
        refs = pods[0]["metadata"]["ownerReferences"] + [ref(cm)]
        self.ok("PATCH", PODS + "/" + p0, {"metadata": {"ownerReferences": refs}}, ctype=MERGE)
        self.ok("DELETE", RSS + "/orph", {"propagationPolicy": "Orphan"}, want=(200, 202))
        self.wait("the ReplicaSet gone", lambda: self.gone(RSS + "/orph"))
        left = self.pods_of("orph")
        self.assertEqual(sorted(p["metadata"]["name"] for p in left),
                         sorted(p["metadata"]["name"] for p in pods))
        for p in left:
            want = [ref(cm)] if p["metadata"]["name"] == p0 else None
            self.assertEqual(p["metadata"].get("ownerReferences"), want, p["metadata"])
        time.sleep(0.5)
        self.assertEqual(len(self.pods_of("orph")), 2)

    def test_jobs_orphan_by_default(self):
        job = self.ok("POST", JOBS, {
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "jorph"},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "c", "image": "x"}]}}}}, 201)
        self.ok("POST", PODS, pod("jorph-pod", [ref(job, block=True, controller=True)]), 201)
        self.ok("DELETE", JOBS + "/jorph", want=202)
        self.wait("the Job gone", lambda: self.gone(JOBS + "/jorph"))
        p = self.ok("GET", PODS + "/jorph-pod")
        self.assertNotIn("ownerReferences", p["metadata"])

    # ---- owners partly gone, or replaced ----

    def test_one_owner_left_keeps_the_dependent(self):
        a = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                  "metadata": {"name": "owner-a"}}, 201)
        b = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                  "metadata": {"name": "owner-b"}}, 201)
        self.ok("POST", PODS, pod("two-owners", [ref(a), ref(b)]), 201)
        self.ok("DELETE", CMS + "/owner-a")
        self.wait("the reference to owner-a removed", lambda: self.ok(
            "GET", PODS + "/two-owners")["metadata"].get("ownerReferences") == [ref(b)])
        self.ok("DELETE", CMS + "/owner-b")
        self.wait("the pod collected with its last owner",
                  lambda: self.gone(PODS + "/two-owners"))

    def test_owner_replaced_by_a_namesake(self):
        old = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                    "metadata": {"name": "phoenix"}}, 201)
        self.ok("POST", PODS, pod("of-old-phoenix", [ref(old)]), 201)
        self.ok("DELETE", CMS + "/phoenix")
        new = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                    "metadata": {"name": "phoenix"}}, 201)
        self.assertNotEqual(new["metadata"]["uid"], old["metadata"]["uid"])
        self.wait("the old owner's pod collected", lambda: self.gone(PODS + "/of-old-phoenix"))
        # A dependent created with a reference to the gone uid goes too, and
        # one of the new owner stays.
        self.ok("POST", PODS, pod("late-old", [ref(old)]), 201)
        self.ok("POST", PODS, pod("of-new-phoenix", [ref(new)]), 201)
        self.wait("the late dependent collected", lambda: self.gone(PODS + "/late-old"))
        self.assertEqual(self.req("GET", PODS + "/of-new-phoenix")[0], 200)

    # ---- chains ----

    def deployment_like(self, name):
        return self.ok("POST", DEPLOYS, {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"d": name}},
                     "template": {"metadata": {"labels": {"d": name}},
                                  "spec": {"containers": [{"name": "c", "image": "x"}]}}}}, 201)

    def test_chain_in_the_foreground(self):
        d = self.deployment_like("chain-fg")
        self.rs_with_pods("chain-fg-rs", 2, owners=[ref(d, block=True, controller=True)])
        self.ok("DELETE", DEPLOYS + "/chain-fg", {"propagationPolicy": "Foreground"}, want=202)
        self.wait("the whole chain gone", lambda: self.gone(DEPLOYS + "/chain-fg") and
                  self.gone(RSS + "/chain-fg-rs") and self.n_pods("chain-fg-rs", 0) == [])

    def test_chain_in_the_foreground_waits_at_every_level(self):
        d = self.deployment_like("chain-hold")
        _, pods = self.rs_with_pods("chain-hold-rs", 1, owners=[ref(d, block=True, controller=True)],
                                    finalizers=["example.com/hold"])
        self.ok("DELETE", DEPLOYS + "/chain-hold", {"propagationPolicy": "Foreground"}, want=202)
        # The ReplicaSet is deleted in the foreground in turn, and waits.
        self.wait("the ReplicaSet deleting its pods", lambda: "foregroundDeletion" in self.ok(
            "GET", RSS + "/chain-hold-rs")["metadata"].get("finalizers", []))
        time.sleep(0.5)
        self.assertEqual(self.req("GET", DEPLOYS + "/chain-hold")[0], 200)
        self.ok("PATCH", PODS + "/" + pods[0]["metadata"]["name"],
                {"metadata": {"finalizers": None}}, ctype=MERGE)
        self.wait("the chain gone", lambda: self.gone(DEPLOYS + "/chain-hold") and
                  self.gone(RSS + "/chain-hold-rs"))

    def test_chain_in_the_background(self):
        d = self.deployment_like("chain-bg")
        self.rs_with_pods("chain-bg-rs", 2, owners=[ref(d, block=True, controller=True)])
        self.ok("DELETE", DEPLOYS + "/chain-bg")
        self.wait("the chain collected", lambda: self.gone(RSS + "/chain-bg-rs") and
                  self.n_pods("chain-bg-rs", 0) == [])

    # ---- references left alone ----

    def test_unresolvable_kind_is_left_alone(self):
        widget = {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w",
                  "uid": "6d4e4b1c-0000-4000-8000-000000000001"}
        self.ok("POST", PODS, pod("of-widget", [widget]), 201)
        self.wait("the log line", lambda: "of-widget: owner example.com/v1 Widget" in
                  self.cs.logtext())
        self.assertEqual(self.req("GET", PODS + "/of-widget")[0], 200)

    def test_cluster_scoped_dependent_of_namespaced_owner(self):
        cm = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "pv-owner"}}, 201)
        self.ok("POST", PVS, {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv-bad-owner", "ownerReferences": [ref(cm)]},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "hostPath": {"path": "/tmp/x"}}}, 201)
        ev = self.wait("an OwnerRefInvalidNamespace event", lambda: [
            e for e in self.events("OwnerRefInvalidNamespace")
            if e["involvedObject"]["name"] == "pv-bad-owner"])
        self.assertEqual(ev[0]["type"], "Warning")
        self.assertIn("does not exist in namespace \"\"", ev[0]["message"])
        self.assertEqual(self.req("GET", PVS + "/pv-bad-owner")[0], 200)

    def test_owner_in_another_namespace_is_absent(self):
        self.ok("POST", "/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "elsewhere"}}, 201)
        cm = self.ok("POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "home-owner"}}, 201)
        self.ok("POST", "/api/v1/namespaces/elsewhere/pods",
                pod("cross", [ref(cm)], ns="elsewhere"), 201)
        self.wait("the pod collected",
                  lambda: self.gone("/api/v1/namespaces/elsewhere/pods/cross"))
        ev = self.wait("an OwnerRefInvalidNamespace event", lambda: [
            e for e in self.events("OwnerRefInvalidNamespace")
            if e["involvedObject"]["name"] == "cross"])
        self.assertIn("does not exist in namespace \"elsewhere\"", ev[0]["message"])
        self.assertEqual(self.req("GET", CMS + "/home-owner")[0], 200)

    def test_metrics(self):
        self.rs_with_pods("metric")
        self.ok("DELETE", RSS + "/metric")
        self.wait("pods collected", lambda: self.n_pods("metric", 0) == [])
        code, text = self.req("GET", "/metrics")
        self.assertEqual(code, 200)
        line = [ln for ln in text.splitlines()
                if ln.startswith('garbagecollector_deleted_total{module="ctrl-gc"}')]
        self.assertTrue(line and float(line[0].split()[-1]) >= 2, line)


if __name__ == "__main__":
    main()
