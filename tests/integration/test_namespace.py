"""The namespace controller module (ctrl-namespace) against a real capstand,
with the ReplicaSet and Deployment controllers and the garbage collector:
deleting a namespace deletes everything in it, reports what finalizers hold
back in the namespace's conditions with Kubernetes' reasons and messages,
waits for them, and then lets the namespace go.  Without the module a
deleted namespace stays Terminating, as in a Kubernetes cluster without
kube-controller-manager."""
import time
import unittest

from harness import CapstanTest, cm, deployment, main
from modconf import start_capstand

MERGE = "application/merge-patch+json"
NSS = "/api/v1/namespaces"


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def conditions(ns):
    return {c["type"]: c for c in (ns.get("status") or {}).get("conditions") or []}


class NamespaceControllerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cs = start_capstand(["ctrl-replicaset", "ctrl-deployment", "ctrl-gc",
                                 "ctrl-namespace"])

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()

    def req(self, *a, **kw):
        return self.cs.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.req(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def wait(self, what, fn, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.1)
        self.fail("timed out waiting for %s (last: %r)\n%s" % (what, last, self.cs.logtext()))

    def names(self, path):
        return sorted(o["metadata"]["name"] for o in self.ok("GET", path)["items"])

    def gone(self, path):
        return self.req("GET", path)[0] == 404

    def test_deleting_a_namespace_deletes_its_content_and_waits_for_finalizers(self):
        self.ok("POST", NSS, namespace("shop"), 201)
        base = NSS + "/shop"
        for name in ("p1", "p2"):
            self.ok("POST", base + "/pods", pod(name), 201)
        for name in ("c1", "c2"):
            self.ok("POST", base + "/configmaps", cm(name), 201)
        held = cm("held")
        held["metadata"]["finalizers"] = ["example.com/hold"]
        self.ok("POST", base + "/configmaps", held, 201)
        self.ok("POST", "/apis/apps/v1/namespaces/shop/deployments", deployment("web", 2), 201)
        self.wait("the deployment's ReplicaSet and pods",
                  lambda: len(self.names("/apis/apps/v1/namespaces/shop/replicasets")) == 1
                  and len(self.names(base + "/pods")) == 4)

        ns = self.ok("DELETE", base, want=202)
        self.assertEqual(ns["status"]["phase"], "Terminating")
        self.assertEqual(ns["spec"]["finalizers"], ["kubernetes"])

        # Everything without a finalizer goes.
        self.wait("the content without finalizers to go",
                  lambda: self.names(base + "/pods") == []
                  and self.names(base + "/configmaps") == ["held"]
                  and self.names("/apis/apps/v1/namespaces/shop/deployments") == []
                  and self.names("/apis/apps/v1/namespaces/shop/replicasets") == [])
        cmheld = self.ok("GET", base + "/configmaps/held")
        self.assertIn("deletionTimestamp", cmheld["metadata"])

        # The conditions say what holds the namespace back.
        def reported():
            ns = self.ok("GET", base)
            c = conditions(ns)
            f = c.get("NamespaceFinalizersRemaining")
            return ns if f and f["status"] == "True" else None
        ns = self.wait("NamespaceFinalizersRemaining", reported)
        c = conditions(ns)
        self.assertEqual(c["NamespaceFinalizersRemaining"]["reason"], "SomeFinalizersRemain")
        self.assertEqual(c["NamespaceFinalizersRemaining"]["message"],
                         "Some content in the namespace has finalizers remaining: "
                         "example.com/hold in 1 resource instances")
        self.assertEqual(c["NamespaceContentRemaining"]["status"], "True")
        self.assertEqual(c["NamespaceContentRemaining"]["reason"], "SomeResourcesRemain")
        self.assertEqual(c["NamespaceContentRemaining"]["message"],
                         "Some resources are remaining: configmaps. has 1 resource instances")
        for t, reason, msg in (
                ("NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
                 "All resources successfully discovered"),
                ("NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions",
                 "All legacy kube types successfully parsed"),
                ("NamespaceDeletionContentFailure", "ContentDeleted",
                 "All content successfully deleted, may be waiting on finalization")):
            self.assertEqual((c[t]["status"], c[t]["reason"], c[t]["message"]),
                             ("False", reason, msg))
            self.assertIn("lastTransitionTime", c[t])
        self.assertEqual(ns["status"]["phase"], "Terminating")
        self.assertEqual(ns["spec"]["finalizers"], ["kubernetes"])

        # Nothing new gets in meanwhile.
        code, st = self.req("POST", base + "/configmaps", cm("late"))
        self.assertEqual(code, 403, st)
        self.assertIn("because it is being terminated", st["message"])

        # The finalizer's owner lets go: the namespace follows.
        self.ok("PATCH", base + "/configmaps/held", {"metadata": {"finalizers": None}},
                ctype=MERGE)
        self.wait("the namespace to go", lambda: self.gone(base))
        # ... and its name is free again.
        ns = self.ok("POST", NSS, namespace("shop"), 201)
        self.assertEqual(ns["status"]["phase"], "Active")
        self.assertEqual(self.names(base + "/configmaps"), [])

    def test_an_empty_namespace_goes_quickly(self):
        self.ok("POST", NSS, namespace("empty"), 201)
        self.ok("DELETE", NSS + "/empty", want=202)
        self.wait("the namespace to go", lambda: self.gone(NSS + "/empty"), timeout=10)

    def test_other_spec_finalizers_are_left_alone(self):
        self.ok("POST", NSS, namespace("shared"), 201)
        self.ok("POST", NSS + "/shared/configmaps", cm("x"), 201)
        ns = self.ok("GET", NSS + "/shared")
        ns["spec"]["finalizers"] = ["kubernetes", "example.com/platform"]
        self.ok("PUT", NSS + "/shared/finalize", ns, 200)
        self.ok("DELETE", NSS + "/shared", want=202)
        # Ours is removed once the content is gone; the other one holds it.
        self.wait("the kubernetes finalizer to go",
                  lambda: self.ok("GET", NSS + "/shared")["spec"]["finalizers"]
                  == ["example.com/platform"])
        self.assertEqual(self.names(NSS + "/shared/configmaps"), [])
        ns = self.ok("GET", NSS + "/shared")
        self.assertEqual(ns["status"]["phase"], "Terminating")
        c = conditions(ns)
        self.assertEqual(c["NamespaceContentRemaining"]["status"], "False")
        self.assertEqual(c["NamespaceContentRemaining"]["reason"], "ContentRemoved")
        self.assertEqual(c["NamespaceFinalizersRemaining"]["reason"], "ContentHasNoFinalizers")
        ns["spec"]["finalizers"] = []
        self.ok("PUT", NSS + "/shared/finalize", ns, 200)
        self.assertTrue(self.gone(NSS + "/shared"))

    def test_builtin_namespaces_cannot_be_deleted(self):
        for name in ("default", "kube-system", "kube-public"):
            code, st = self.req("DELETE", NSS + "/" + name)
            self.assertEqual(code, 403, st)
            self.assertEqual(st["message"],
                             'namespace "%s" is forbidden: this namespace may not be deleted'
                             % name)
            ns = self.ok("GET", NSS + "/" + name)
            self.assertEqual(ns["status"]["phase"], "Active")
            self.assertNotIn("deletionTimestamp", ns["metadata"])


class WithoutControllerTest(CapstanTest):
    """No ctrl-namespace: like a Kubernetes API server without
    kube-controller-manager, a deleted namespace stays Terminating with its
    content until someone finalizes it."""

    def test_deleted_namespace_stays_terminating(self):
        self.ok("POST", NSS, namespace("idle"), 201)
        self.ok("POST", NSS + "/idle/configmaps", cm("c"), 201)
        self.ok("DELETE", NSS + "/idle", want=202)
        time.sleep(2)
        ns = self.ok("GET", NSS + "/idle")
        self.assertEqual(ns["status"]["phase"], "Terminating")
        self.assertEqual(ns["spec"]["finalizers"], ["kubernetes"])
        self.assertNotIn("conditions", ns["status"])
        self.assertEqual(self.req("GET", NSS + "/idle/configmaps/c")[0], 200)


if __name__ == "__main__":
    main()
