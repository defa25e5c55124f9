"""What the API server itself does for garbage collection and eviction,
without any controller: the finalizers a DELETE's propagation policy adds
(orphan, foregroundDeletion; batch/v1 Jobs orphan by default), and the
DefaultTolerationSeconds admission of pods; and, with the namespace
controller, what a namespace's deletion does to the Jobs in it."""
import time

from harness import CapstanTest, cm, main
from modconf import start_capstand

NS = "/api/v1/namespaces/default"
CMS = NS + "/configmaps"
PODS = NS + "/pods"
JOBS = "/apis/batch/v1/namespaces/default/jobs"


def pod(name, tolerations=None):
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def job(name):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "c", "image": "busybox"}]}}}}


def default_tol(key):
    return {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}


class DeletePolicyTest(CapstanTest):
    def finalizers(self, path):
        code, o = self.req("GET", path)
        return o["metadata"].get("finalizers") if code == 200 else None

    def test_orphan_adds_the_orphan_finalizer(self):
        self.ok("POST", CMS, cm("orph"), 201)
        o = self.ok("DELETE", CMS + "/orph", {"propagationPolicy": "Orphan"}, want=202)
        self.assertEqual(o["metadata"]["finalizers"], ["orphan"])
        self.assertIn("deletionTimestamp", o["metadata"])
        # The same through the query parameter and the deprecated option.
        self.ok("POST", CMS, cm("orph-q"), 201)
        self.ok("DELETE", CMS + "/orph-q?propagationPolicy=Orphan", want=202)
        self.assertEqual(self.finalizers(CMS + "/orph-q"), ["orphan"])
        self.ok("POST", CMS, cm("orph-d"), 201)
        self.ok("DELETE", CMS + "/orph-d", {"orphanDependents": True}, want=202)
        self.assertEqual(self.finalizers(CMS + "/orph-d"), ["orphan"])
        # Removing the finalizer (the garbage collector's part) deletes it.
        self.ok("PATCH", CMS + "/orph", {"metadata": {"finalizers": None}},
                ctype="application/merge-patch+json")
        self.assertEqual(self.req("GET", CMS + "/orph")[0], 404)

    def test_foreground_adds_foreground_deletion_and_replaces_orphan(self):
        self.ok("POST", CMS, cm("fg"), 201)
        o = self.ok("DELETE", CMS + "/fg", {"propagationPolicy": "Foreground"}, want=202)
        self.assertEqual(o["metadata"]["finalizers"], ["foregroundDeletion"])
        ts = o["metadata"]["deletionTimestamp"]
        # A second delete with another policy swaps the finalizer, as in
        # Kubernetes, and keeps the deletion timestamp.
        o = self.ok("DELETE", CMS + "/fg", {"propagationPolicy": "Orphan"}, want=202)
        self.assertEqual(o["metadata"]["finalizers"], ["orphan"])
        self.assertEqual(o["metadata"]["deletionTimestamp"], ts)
        # Background removes the garbage collector's finalizers: gone.
        self.ok("DELETE", CMS + "/fg", {"propagationPolicy": "Background"}, want=200)
        self.assertEqual(self.req("GET", CMS + "/fg")[0], 404)

    def test_other_finalizers_are_kept(self):
        c = cm("keep")
        c["metadata"]["finalizers"] = ["example.com/hold"]
        self.ok("POST", CMS, c, 201)
        o = self.ok("DELETE", CMS + "/keep", {"propagationPolicy": "Orphan"}, want=202)
        self.assertEqual(o["metadata"]["finalizers"], ["example.com/hold", "orphan"])
        o = self.ok("DELETE", CMS + "/keep", {"propagationPolicy": "Background"}, want=202)
        self.assertEqual(o["metadata"]["finalizers"], ["example.com/hold"])
        self.ok("PATCH", CMS + "/keep", {"metadata": {"finalizers": None}},
                ctype="application/merge-patch+json")
        self.assertEqual(self.req("GET", CMS + "/keep")[0], 404)

    def test_background_and_no_policy_delete_at_once(self):
        for name, body in (("bg", {"propagationPolicy": "Background"}), ("none", None)):
            self.ok("POST", CMS, cm(name), 201)
            self.ok("DELETE", CMS + "/" + name, body, want=200)
            self.assertEqual(self.req("GET", CMS + "/" + name)[0], 404)
        self.ok("POST", CMS, cm("od-false"), 201)
        self.ok("DELETE", CMS + "/od-false", {"orphanDependents": False}, want=200)
        self.assertEqual(self.req("GET", CMS + "/od-false")[0], 404)

    def test_both_options_are_invalid(self):
        self.ok("POST", CMS, cm("both"), 201)
        code, st = self.req("DELETE", CMS + "/both",
                            {"propagationPolicy": "Background", "orphanDependents": True})
        self.assertEqual(code, 422, st)
        self.assertIn("orphanDependents and deletionPropagation cannot be both set",
                      st["message"])
        self.assertEqual(self.req("GET", CMS + "/both")[0], 200)

    def test_jobs_orphan_their_pods_by_default(self):
        self.ok("POST", JOBS, job("j1"), 201)
        o = self.ok("DELETE", JOBS + "/j1", want=202)
        self.assertEqual(o["metadata"]["finalizers"], ["orphan"])
        self.ok("POST", JOBS, job("j2"), 201)
        self.ok("DELETE", JOBS + "/j2?propagationPolicy=Background", want=200)
        self.assertEqual(self.req("GET", JOBS + "/j2")[0], 404)


class NamespaceDeletionTest(CapstanTest):
    """The namespace controller deletes with background propagation, so a
    Job's default (orphan) leaves no finalizer behind to wait for."""

    @classmethod
    def setUpClass(cls):
        cls.cs = start_capstand(["ctrl-namespace"])

    def test_namespace_deletion_does_not_orphan_jobs(self):
        self.ok("POST", "/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gcns"}}, 201)
        self.ok("POST", "/apis/batch/v1/namespaces/gcns/jobs", job("j"), 201)
        self.ok("DELETE", "/api/v1/namespaces/gcns", want=(200, 202))
        deadline = time.time() + 10
        while time.time() < deadline and self.req("GET", "/api/v1/namespaces/gcns")[0] != 404:
            time.sleep(0.05)
        self.assertEqual(self.req("GET", "/apis/batch/v1/namespaces/gcns/jobs/j")[0], 404)
        self.assertEqual(self.req("GET", "/api/v1/namespaces/gcns")[0], 404)


class DefaultTolerationSecondsTest(CapstanTest):
    def test_pods_get_five_minutes_of_not_ready_and_unreachable(self):
        p = self.ok("POST", PODS, pod("plain"), 201)
        self.assertEqual(p["spec"]["tolerations"], [
            default_tol("node.kubernetes.io/not-ready"),
            default_tol("node.kubernetes.io/unreachable")])

    def test_existing_tolerations_are_respected(self):
        mine = {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                "effect": "NoExecute", "tolerationSeconds": 3}
        p = self.ok("POST", PODS, pod("own", [mine]), 201)
        self.assertEqual(p["spec"]["tolerations"],
                         [mine, default_tol("node.kubernetes.io/not-ready")])
        # Tolerating everything (empty key, Exists) adds nothing.
        every = [{"operator": "Exists"}]
        p = self.ok("POST", PODS, pod("all", every), 201)
        self.assertEqual(p["spec"]["tolerations"], every)
        # A NoSchedule toleration of the key does not cover NoExecute.
        ns = {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
              "effect": "NoSchedule"}
        p = self.ok("POST", PODS, pod("nosched", [ns]), 201)
        self.assertEqual(p["spec"]["tolerations"], [
            ns, default_tol("node.kubernetes.io/not-ready"),
            default_tol("node.kubernetes.io/unreachable")])

    def test_put_without_the_tolerations_keeps_them(self):
        p = self.ok("POST", PODS, pod("put"), 201)
        body = pod("put")
        body["metadata"]["resourceVersion"] = p["metadata"]["resourceVersion"]
        body["metadata"]["labels"] = {"a": "b"}
        u = self.ok("PUT", PODS + "/put", body)
        self.assertEqual(u["spec"]["tolerations"], p["spec"]["tolerations"])
        self.assertEqual(u["metadata"]["labels"], {"a": "b"})

    def test_templates_are_not_admitted(self):
        d = self.ok("POST", "/apis/apps/v1/namespaces/default/replicasets", {
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "t"},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"a": "t"}},
                     "template": {"metadata": {"labels": {"a": "t"}},
                                  "spec": {"containers": [{"name": "c", "image": "x"}]}}}},
            201)
        self.assertNotIn("tolerations", d["spec"]["template"]["spec"])


if __name__ == "__main__":
    main()
