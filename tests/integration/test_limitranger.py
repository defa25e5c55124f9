"""The LimitRanger admission module (admit-limitranger) against a real
capstand: LimitRange defaults land in new pods' containers (with the
kubernetes.io/limit-ranger annotation), min/max/ratio bounds refuse pods
and claims with Kubernetes' messages, and requests made while no
LimitRange applies pass untouched."""
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"


def start():
    conf_dir = tempfile.mkdtemp(prefix="capstan-lr-conf-")
    path = os.path.join(conf_dir, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write("store { sync = false }\n")
        f.write('module "admit-limitranger" { enabled = true  required = true }\n')
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(config=path, extra=extra)
    cs.conf_dir = conf_dir
    return cs.start()


def pod(name, containers, init=None, ns=None):
    spec = {"containers": containers}
    if init:
        spec["initContainers"] = init
    md = {"name": name}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}


def container(name, requests=None, limits=None):
    c = {"name": name, "image": "busybox"}
    res = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    if res:
        c["resources"] = res
    return c


def limitrange(name, items):
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": name},
            "spec": {"limits": items}}


class LimitRanger(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cs = start()
        code, doc = cls.cs.request("POST", "/api/v1/namespaces",
                                   {"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": "free"}})
        assert code == 201, doc

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()
        shutil.rmtree(cls.cs.conf_dir, ignore_errors=True)

    def req(self, *a, **kw):
        return self.cs.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.req(method, path, body, **kw)
        self.assertIn(code, want if isinstance(want, tuple) else (want,),
                      "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def with_range(self, name, items):
        self.ok("POST", NS + "/limitranges", limitrange(name, items))
        self.addCleanup(lambda: self.req("DELETE", NS + "/limitranges/" + name))
        # The module's informer sees it shortly after the write.
        deadline = time.time() + 5
        probe = pod("probe-" + name, [container("c")])
        while time.time() < deadline:
            code, doc = self.req("POST", NS + "/pods?dryRun=All", probe)
            if code != 201 or doc["spec"]["containers"][0].get("resources"):
                return
            time.sleep(0.05)

    def test_1_no_limitrange_changes_nothing(self):
        doc = self.ok("POST", NS + "/pods", pod("plain", [container("c")]))
        self.assertFalse(doc["spec"]["containers"][0].get("resources"))
        self.assertNotIn("kubernetes.io/limit-ranger",
                         doc["metadata"].get("annotations", {}))

    def test_2_defaults_and_annotation(self):
        self.with_range("defaults", [{"type": "Container",
                                      "default": {"cpu": "500m", "memory": "256Mi"},
                                      "defaultRequest": {"cpu": "100m"}}])
        doc = self.ok("POST", NS + "/pods", pod(
            "defaulted", [container("web"), container("side", limits={"cpu": "1"})],
            init=[container("setup")]))
        web, side = doc["spec"]["containers"]
        self.assertEqual(web["resources"]["limits"], {"cpu": "500m", "memory": "256Mi"})
        # defaultRequest for cpu; memory's request defaults to its default limit.
        self.assertEqual(web["resources"]["requests"], {"cpu": "100m", "memory": "256Mi"})
        # What the container set itself stays.
        self.assertEqual(side["resources"]["limits"]["cpu"], "1")
        self.assertEqual(doc["spec"]["initContainers"][0]["resources"]["limits"]["cpu"],
                         "500m")
        note = doc["metadata"]["annotations"]["kubernetes.io/limit-ranger"]
        self.assertTrue(note.startswith("LimitRanger plugin set: "), note)
        self.assertIn("cpu, memory request for container web", note)
        self.assertIn("cpu, memory limit for container web", note)
        self.assertIn("memory limit for container side", note)
        self.assertIn("for init container setup", note)
        # Another namespace has no LimitRange: nothing set there.
        other = pod("elsewhere", [container("c")])
        other["metadata"]["namespace"] = "free"
        doc = self.ok("POST", "/api/v1/namespaces/free/pods", other)
        self.assertFalse(doc["spec"]["containers"][0].get("resources"))

    def test_3_max_and_min(self):
        self.with_range("bounds", [{"type": "Container", "max": {"cpu": "2"},
                                    "min": {"memory": "64Mi"}}])
        code, doc = self.req("POST", NS + "/pods", pod(
            "greedy", [container("c", requests={"memory": "128Mi"}, limits={"cpu": "4"})]))
        self.assertEqual(code, 403, doc)
        self.assertEqual(doc["reason"], "Forbidden")
        self.assertEqual(doc["message"], 'pods "greedy" is forbidden: maximum cpu usage per '
                                         'Container is 2, but limit is 4')
        code, doc = self.req("POST", NS + "/pods", pod(
            "tiny", [container("c", requests={"memory": "1Mi"}, limits={"cpu": "1"})]))
        self.assertEqual(code, 403, doc)
        self.assertIn("minimum memory usage per Container is 64Mi, but request is 1Mi",
                      doc["message"])
        self.assertEqual(self.req("GET", NS + "/pods/tiny")[0], 404)
        # Within bounds (the max became the default limit).
        doc = self.ok("POST", NS + "/pods", pod(
            "fits", [container("c", requests={"memory": "64Mi"})]))
        self.assertEqual(doc["spec"]["containers"][0]["resources"]["limits"]["cpu"], "2")

    def test_4_several_violations_aggregate(self):
        self.with_range("strict", [{"type": "Container", "max": {"cpu": "1", "memory": "1Gi"}}])
        code, doc = self.req("POST", NS + "/pods", pod(
            "both", [container("c", limits={"cpu": "2", "memory": "2Gi"})]))
        self.assertEqual(code, 403, doc)
        msg = doc["message"]
        self.assertTrue(msg.startswith('pods "both" is forbidden: ['), msg)
        self.assertIn("maximum cpu usage per Container is 1, but limit is 2", msg)
        self.assertIn("maximum memory usage per Container is 1Gi, but limit is 2Gi", msg)

    def test_5_ratio_and_pod_totals(self):
        self.with_range("ratio", [{"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}},
                                  {"type": "Pod", "max": {"cpu": "3"}}])
        code, doc = self.req("POST", NS + "/pods", pod(
            "bursty", [container("c", requests={"cpu": "250m"}, limits={"cpu": "1"})]))
        self.assertEqual(code, 403, doc)
        self.assertIn("cpu max limit to request ratio per Container is 2, but provided ratio "
                      "is 4.000000", doc["message"])
        code, doc = self.req("POST", NS + "/pods", pod(
            "wide", [container("a", requests={"cpu": "1"}, limits={"cpu": "2"}),
                     container("b", requests={"cpu": "1"}, limits={"cpu": "2"})]))
        self.assertEqual(code, 403, doc)
        self.assertIn("maximum cpu usage per Pod is 3, but limit is 4", doc["message"])

    def test_6_claims(self):
        self.with_range("storage", [{"type": "PersistentVolumeClaim",
                                     "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}}])
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "big"},
               "spec": {"accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "20Gi"}}}}
        code, doc = self.req("POST", NS + "/persistentvolumeclaims", pvc)
        self.assertEqual(code, 403, doc)
        self.assertIn("maximum storage usage per PersistentVolumeClaim is 10Gi, but request "
                      "is 20Gi", doc["message"])
        pvc["metadata"]["name"] = "ok"
        pvc["spec"]["resources"]["requests"]["storage"] = "5Gi"
        self.ok("POST", NS + "/persistentvolumeclaims", pvc)
        # Growing it past the max is refused too.
        code, doc = self.req("PATCH", NS + "/persistentvolumeclaims/ok",
                             {"spec": {"resources": {"requests": {"storage": "50Gi"}}}},
                             ctype=MERGE)
        self.assertEqual(code, 403, doc)

    def test_7_dry_run_and_updates_of_pods(self):
        self.with_range("dry", [{"type": "Container", "default": {"cpu": "300m"}}])
        doc = self.ok("POST", NS + "/pods?dryRun=All", pod("dry", [container("c")]))
        self.assertEqual(doc["spec"]["containers"][0]["resources"]["limits"]["cpu"], "300m")
        self.assertEqual(self.req("GET", NS + "/pods/dry")[0], 404)
        # Pod updates are not re-admitted: containers are immutable.
        self.ok("POST", NS + "/pods", pod("later", [container("c")]))
        doc = self.ok("PATCH", NS + "/pods/later", {"metadata": {"labels": {"a": "b"}}},
                      ctype=MERGE)
        self.assertEqual(doc["metadata"]["labels"], {"a": "b"})

    def test_8_module_listed_as_admission(self):
        code, text = self.cs.request("GET", "/healthz?verbose")
        self.assertEqual(code, 200)
        self.assertIn("[+]module admit-limitranger ok", text)


if __name__ == "__main__":
    main()
