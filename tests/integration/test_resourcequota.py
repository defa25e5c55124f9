"""The ResourceQuota module (admit-resourcequota) against a real capstand:
the controller half fills status.hard/used and follows creations and
deletions; admission refuses what would exceed a quota with Kubernetes'
messages, charges the quota before the write so that concurrent creations
cannot overshoot, honours scopes, and lets dry runs through uncharged."""
import os
import shutil
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
QUOTAS = NS + "/resourcequotas"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")


def start():
    conf_dir = tempfile.mkdtemp(prefix="capstan-rq-conf-")
    path = os.path.join(conf_dir, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write("store { sync = false }\n")
        f.write('module "admit-limitranger" { enabled = true  required = true }\n')
        f.write('module "admit-resourcequota" { enabled = true  required = true }\n')
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(config=path, extra=extra)
    cs.conf_dir = conf_dir
    return cs.start()


def pod(name, cpu=None, mem=None, pclass=None, deadline=None):
    c = {"name": "c", "image": "busybox"}
    if cpu or mem:
        req = {}
        if cpu:
            req["cpu"] = cpu
        if mem:
            req["memory"] = mem
        c["resources"] = {"requests": req, "limits": dict(req)}
    spec = {"containers": [c]}
    if pclass:
        spec["priorityClassName"] = pclass
    if deadline:
        spec["activeDeadlineSeconds"] = deadline
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def quota(name, hard, scopes=None, selector=None):
    spec = {"hard": hard}
    if scopes:
        spec["scopes"] = scopes
    if selector:
        spec["scopeSelector"] = {"matchExpressions": selector}
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name},
            "spec": spec}


class ResourceQuota(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cs = start()

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()
        shutil.rmtree(cls.cs.conf_dir, ignore_errors=True)

    def req(self, *a, **kw):
        return self.cs.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        # No retry of "not yet ready": /readyz (which the harness waits for)
        # waits for quota admission's informers.
        code, doc = self.req(method, path, body, **kw)
        self.assertIn(code, want if isinstance(want, tuple) else (want,),
                      "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def wait_used(self, name, want, timeout=10):
        deadline = time.time() + timeout
        doc = None
        while time.time() < deadline:
            code, doc = self.req("GET", QUOTAS + "/" + name)
            used = doc.get("status", {}).get("used") if code == 200 else None
            if used is not None and all(used.get(k) == v for k, v in want.items()):
                return doc
            time.sleep(0.05)
        self.fail("quota %s: used never became %s: %s" % (name, want, doc))

    def with_quota(self, q):
        self.ok("POST", QUOTAS, q)
        name = q["metadata"]["name"]
        self.addCleanup(lambda: self.req("DELETE", QUOTAS + "/" + name))
        return self.wait_used(name, {k: "0" for k in q["spec"]["hard"]})

    def cleanup_pods(self, *names):
        for n in names:
            self.addCleanup(lambda n=n: self.req("DELETE", NS + "/pods/" + n))

    def test_1_status_follows_objects(self):
        doc = self.with_quota(quota("counts", {"configmaps": "5", "secrets": "3"}))
        self.assertEqual(doc["status"]["hard"], {"configmaps": "5", "secrets": "3"})
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one"}}
        self.ok("POST", NS + "/configmaps", cm)
        self.wait_used("counts", {"configmaps": "1"})
        self.ok("DELETE", NS + "/configmaps/one")
        self.wait_used("counts", {"configmaps": "0"})

    def test_2_pod_count_exceeded(self):
        self.with_quota(quota("two-pods", {"pods": "2"}))
        self.cleanup_pods("p1", "p2", "p3")
        self.ok("POST", NS + "/pods", pod("p1"))
        self.ok("POST", NS + "/pods", pod("p2"))
        code, doc = self.req("POST", NS + "/pods", pod("p3"))
        self.assertEqual(code, 403, doc)
        self.assertEqual(doc["message"],
                         'pods "p3" is forbidden: exceeded quota: two-pods, requested: pods=1, '
                         'used: pods=2, limited: pods=2')
        self.assertEqual(self.req("GET", NS + "/pods/p3")[0], 404)
        # A deletion gives the unit back.
        self.ok("DELETE", NS + "/pods/p1")
        self.wait_used("two-pods", {"pods": "1"})
        self.ok("POST", NS + "/pods", pod("p3"))

    def test_3_compute_resources(self):
        self.with_quota(quota("compute", {"requests.cpu": "1", "limits.memory": "1Gi"}))
        self.cleanup_pods("a", "b", "nolimits")
        code, doc = self.req("POST", NS + "/pods", pod("nolimits"))
        self.assertEqual(code, 403, doc)
        self.assertEqual(doc["message"], 'pods "nolimits" is forbidden: failed quota: compute: '
                                         'must specify limits.memory,requests.cpu')
        self.ok("POST", NS + "/pods", pod("a", cpu="600m", mem="512Mi"))
        self.wait_used("compute", {"requests.cpu": "600m", "limits.memory": "512Mi"})
        code, doc = self.req("POST", NS + "/pods", pod("b", cpu="600m", mem="256Mi"))
        self.assertEqual(code, 403, doc)
        self.assertIn("exceeded quota: compute, requested: requests.cpu=600m, used: "
                      "requests.cpu=600m, limited: requests.cpu=1", doc["message"])

    def test_4_concurrent_creations_never_overshoot(self):
        self.with_quota(quota("race", {"count/jobs.batch": "3"}))
        codes = []

        def create(i):
            job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j%d" % i},
                   "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                       {"name": "c", "image": "busybox"}]}}}}
            code, _ = self.req("POST", "/apis/batch/v1/namespaces/default/jobs", job)
            codes.append(code)
        threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(codes).count(201), 3, codes)
        self.assertTrue(all(c in (201, 403, 409) for c in codes), codes)
        code, doc = self.req("GET", "/apis/batch/v1/namespaces/default/jobs")
        self.assertEqual(len(doc["items"]), 3)
        for j in doc["items"]:
            self.addCleanup(lambda n=j["metadata"]["name"]:
                            self.req("DELETE", "/apis/batch/v1/namespaces/default/jobs/" + n))

    def test_5_scopes(self):
        self.with_quota(quota("best-effort", {"pods": "1"}, scopes=["BestEffort"]))
        self.cleanup_pods("be1", "be2", "burst")
        self.ok("POST", NS + "/pods", pod("be1"))
        code, doc = self.req("POST", NS + "/pods", pod("be2"))
        self.assertEqual(code, 403, doc)
        self.assertIn("exceeded quota: best-effort", doc["message"])
        # Not best-effort: not selected by the quota.
        self.ok("POST", NS + "/pods", pod("burst", cpu="100m"))

    def test_6_dry_run_does_not_charge(self):
        self.with_quota(quota("dry", {"services": "1"}))
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s1"},
               "spec": {"ports": [{"port": 80}]}}
        self.ok("POST", NS + "/services?dryRun=All", svc)
        doc = self.ok("GET", QUOTAS + "/dry")
        self.assertEqual(doc["status"]["used"]["services"], "0")
        self.ok("POST", NS + "/services", svc)
        self.addCleanup(lambda: self.req("DELETE", NS + "/services/s1"))
        svc["metadata"]["name"] = "s2"
        code, doc = self.req("POST", NS + "/services?dryRun=All", svc)
        self.assertEqual(code, 403, doc)

    def test_7_limitrange_defaults_then_quota(self):
        # LimitRanger's defaults (mutating) are what the quota (validating) sees.
        lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "defaults"},
              "spec": {"limits": [{"type": "Container", "default": {"cpu": "300m"}}]}}
        self.ok("POST", NS + "/limitranges", lr)
        self.addCleanup(lambda: self.req("DELETE", NS + "/limitranges/defaults"))
        self.with_quota(quota("cpu", {"limits.cpu": "500m"}))
        self.cleanup_pods("d1", "d2")
        deadline = time.time() + 5
        while True:
            code, doc = self.req("POST", NS + "/pods", pod("d1"))
            if code == 201 or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(code, 201, doc)
        self.assertEqual(doc["spec"]["containers"][0]["resources"]["limits"]["cpu"], "300m")
        code, doc = self.req("POST", NS + "/pods", pod("d2"))
        self.assertEqual(code, 403, doc)
        self.assertIn("requested: limits.cpu=300m, used: limits.cpu=300m, limited: "
                      "limits.cpu=500m", doc["message"])


if __name__ == "__main__":
    main()
