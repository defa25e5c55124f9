"""The StatefulSet controller module (ctrl-statefulset) against a real capstand.

No node agent runs here: the test plays the kubelet, writing pods/status
(phase Running, the Ready condition, a pod IP) when a pod should be up.  It
checks the behaviour a Kubernetes user relies on: stable names and
identity, OrderedReady versus Parallel, claims per ordinal kept on scale
down, the retention policy's owner references, rolling updates from the
highest ordinal down to the partition, OnDelete, recreation of deleted and
failed pods, ControllerRevisions and their history limit, status and
Events."""
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
PVCS = NS + "/persistentvolumeclaims"
STS = "/apis/apps/v1/namespaces/default/statefulsets"
REVS = "/apis/apps/v1/namespaces/default/controllerrevisions"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-statefulset" { enabled = true  required = true }\n')
    return path


def start_capstand():
    conf_dir = tempfile.mkdtemp(prefix="capstan-sts-conf-")
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(config=write_config(conf_dir), extra=extra)
    cs.conf_dir = conf_dir
    try:
        return cs.start()
    except BaseException:
        cs.cleanup()
        shutil.rmtree(conf_dir, ignore_errors=True)
        raise


def statefulset(name, replicas=1, policy=None, claims=False, image="busybox",
                partition=None, strategy=None, retention=None, history=None, start=None):
    labels = {"app": name}
    spec = {"replicas": replicas, "serviceName": name,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "c", "image": image}]}}}
    if policy:
        spec["podManagementPolicy"] = policy
    if claims:
        spec["volumeClaimTemplates"] = [{
            "metadata": {"name": "data", "labels": {"tier": "storage"}},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}]
        spec["template"]["spec"]["containers"][0]["volumeMounts"] = [
            {"name": "data", "mountPath": "/data"}]
    if strategy:
        spec["updateStrategy"] = {"type": strategy}
    if partition is not None:
        spec["updateStrategy"] = {"type": "RollingUpdate",
                                  "rollingUpdate": {"partition": partition}}
    if retention:
        spec["persistentVolumeClaimRetentionPolicy"] = retention
    if history is not None:
        spec["revisionHistoryLimit"] = history
    if start is not None:
        spec["ordinals"] = {"start": start}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": spec}


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class StatefulSetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cs = start_capstand()
        cls.ip = 10

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()
        shutil.rmtree(cls.cs.conf_dir, ignore_errors=True)

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
        self.fail("timed out waiting for %s; last: %r\n%s" % (what, last, self.cs.logtext()[-3000:]))

    def names(self, app):
        items = self.ok("GET", PODS + "?labelSelector=app%3D" + app)["items"]
        return sorted(p["metadata"]["name"] for p in items)

    def has_pods(self, app, want):
        got = self.names(app)
        return (got or True) if got == sorted(want) else None

    def pod(self, name):
        return self.ok("GET", PODS + "/" + name)

    def uid_of(self, name):
        code, doc = self.req("GET", PODS + "/" + name)
        return doc["metadata"]["uid"] if code == 200 else None

    def run_pod(self, name, ready=True, phase="Running"):
        """Act as the kubelet: the pod runs, is ready (or not), has an IP."""
        StatefulSetTest.ip += 1
        for _ in range(20):
            p = self.pod(name)
            p["status"] = {"phase": phase, "podIP": "10.1.0.%d" % StatefulSetTest.ip,
                           "conditions": [{"type": "Ready",
                                           "status": "True" if ready else "False",
                                           "lastTransitionTime": now()}]}
            code, doc = self.req("PUT", PODS + "/" + name + "/status", p)
            if code != 409:  # the controller wrote the pod meanwhile: again
                break
        self.assertEqual(code, 200, doc)

    def get_sts(self, name):
        return self.ok("GET", STS + "/" + name)

    def status_is(self, name, **want):
        st = self.get_sts(name).get("status", {})
        return st if all(st.get(k, 0) == v for k, v in want.items()) else None

    def stays(self, fn, seconds=0.6):
        """fn() stays true for a while (the controller does not act)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.assertTrue(fn())
            time.sleep(0.05)

    def events(self, reason):
        return [e for e in self.ok("GET", NS + "/events")["items"] if e.get("reason") == reason]

    def revisions(self, sts):
        uid = sts["metadata"]["uid"]
        return sorted((r for r in self.ok("GET", REVS)["items"]
                       if any(o["uid"] == uid for o in r["metadata"].get("ownerReferences", []))),
                      key=lambda r: r["revision"])

    def set_image(self, name, image):
        self.ok("PATCH", STS + "/" + name,
                {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}},
                ctype=MERGE)

    def image(self, name):
        """The pod's image, or None while the pod does not exist."""
        code, p = self.req("GET", PODS + "/" + name)
        return p["spec"]["containers"][0]["image"] if code == 200 else None

    # ---- creation ----

    def test_ordered_ready_creates_one_at_a_time(self):
        self.ok("POST", STS, statefulset("web", 3), 201)
        self.wait("web-0", lambda: self.has_pods("web", ["web-0"]))
        self.stays(lambda: self.names("web") == ["web-0"])
        # Running but not ready is not enough.
        self.run_pod("web-0", ready=False)
        self.stays(lambda: self.names("web") == ["web-0"])
        self.run_pod("web-0")
        self.wait("web-1", lambda: self.has_pods("web", ["web-0", "web-1"]))
        self.stays(lambda: self.names("web") == ["web-0", "web-1"], 0.4)
        self.run_pod("web-1")
        self.wait("web-2", lambda: self.has_pods("web", ["web-0", "web-1", "web-2"]))
        self.run_pod("web-2")
        st = self.wait("status", lambda: self.status_is("web", replicas=3, readyReplicas=3,
                                                       availableReplicas=3, currentReplicas=3,
                                                       updatedReplicas=3))
        self.assertEqual(st["currentRevision"], st["updateRevision"])
        self.assertEqual(st["observedGeneration"], 1)
        self.assertEqual(st["collisionCount"], 0)

        p = self.pod("web-1")
        labels = p["metadata"]["labels"]
        self.assertEqual(labels["statefulset.kubernetes.io/pod-name"], "web-1")
        self.assertEqual(labels["apps.kubernetes.io/pod-index"], "1")
        self.assertEqual(labels["controller-revision-hash"], st["updateRevision"])
        self.assertEqual(p["spec"]["hostname"], "web-1")
        self.assertEqual(p["spec"]["subdomain"], "web")
        ref = p["metadata"]["ownerReferences"][0]
        self.assertEqual((ref["kind"], ref["name"], ref["controller"]), ("StatefulSet", "web", True))

        msgs = [e["message"] for e in self.events("SuccessfulCreate")]
        self.assertIn("create Pod web-0 in StatefulSet web successful", msgs)
        self.assertIn("create Pod web-2 in StatefulSet web successful", msgs)

        # Scale down: the highest ordinal first, one at a time.
        self.ok("PATCH", STS + "/web", {"spec": {"replicas": 1}}, ctype=MERGE)
        self.wait("web-1 and web-2 gone", lambda: self.has_pods("web", ["web-0"]))
        self.wait("status after scale down", lambda: self.status_is("web", replicas=1,
                                                                    readyReplicas=1))
        msgs = [e["message"] for e in self.events("SuccessfulDelete")]
        self.assertIn("delete Pod web-2 in StatefulSet web successful", msgs)

    def test_scale_down_waits_for_unhealthy_pods(self):
        self.ok("POST", STS, statefulset("wait", 2), 201)
        self.wait("wait-0", lambda: self.has_pods("wait", ["wait-0"]))
        self.run_pod("wait-0")
        self.wait("wait-1", lambda: self.has_pods("wait", ["wait-0", "wait-1"]))
        self.run_pod("wait-1")
        self.wait("ready", lambda: self.status_is("wait", readyReplicas=2))
        self.run_pod("wait-0", ready=False)
        self.ok("PATCH", STS + "/wait", {"spec": {"replicas": 1}}, ctype=MERGE)
        # wait-0 is unhealthy: nothing proceeds.
        self.stays(lambda: self.names("wait") == ["wait-0", "wait-1"])
        self.run_pod("wait-0")
        self.wait("wait-1 gone", lambda: self.has_pods("wait", ["wait-0"]))

    def test_scale_down_waits_for_termination(self):
        # A finalizer keeps a deleted pod terminating until it is removed,
        # as a kubelet does while the containers stop.
        sts = statefulset("term", 3, policy="Parallel")
        sts["spec"]["template"]["metadata"]["finalizers"] = ["example.com/hold"]
        sts["spec"]["podManagementPolicy"] = "OrderedReady"
        self.ok("POST", STS, sts, 201)
        self.make_ready("term", 3)
        self.wait("ready", lambda: self.status_is("term", readyReplicas=3))
        self.ok("PATCH", STS + "/term", {"spec": {"replicas": 1}}, ctype=MERGE)

        def terminating(name):
            code, p = self.req("GET", PODS + "/" + name)
            return code == 200 and "deletionTimestamp" in p["metadata"]
        self.wait("term-2 terminating", lambda: terminating("term-2"))
        self.stays(lambda: not terminating("term-1"))
        self.ok("PATCH", PODS + "/term-2", {"metadata": {"finalizers": None}}, ctype=MERGE)
        self.wait("term-1 terminating", lambda: terminating("term-1"))
        self.assertEqual(self.names("term"), ["term-0", "term-1"])
        self.ok("PATCH", PODS + "/term-1", {"metadata": {"finalizers": None}}, ctype=MERGE)
        self.wait("term-1 gone", lambda: self.has_pods("term", ["term-0"]))
        self.stays(lambda: not terminating("term-0"))

    def test_parallel_creates_all_at_once(self):
        self.ok("POST", STS, statefulset("par", 3, policy="Parallel"), 201)
        self.wait("all pods", lambda: self.has_pods("par", ["par-0", "par-1", "par-2"]))
        self.ok("PATCH", STS + "/par", {"spec": {"replicas": 0}}, ctype=MERGE)
        self.wait("all gone", lambda: self.has_pods("par", []))

    def test_start_ordinal(self):
        self.ok("POST", STS, statefulset("ord", 2, policy="Parallel", start=5), 201)
        self.wait("ord-5 and ord-6", lambda: self.has_pods("ord", ["ord-5", "ord-6"]))
        self.assertEqual(self.pod("ord-6")["metadata"]["labels"]["apps.kubernetes.io/pod-index"], "6")

    def test_deleted_and_failed_pods_come_back(self):
        self.ok("POST", STS, statefulset("back", 1), 201)
        self.wait("back-0", lambda: self.has_pods("back", ["back-0"]))
        uid = self.pod("back-0")["metadata"]["uid"]
        self.ok("DELETE", PODS + "/back-0")
        # Between the deletion and the new pod there may be none: a 404
        # then is "not yet", not a failure.
        self.wait("a new back-0", lambda: self.names("back") == ["back-0"] and
                  self.uid_of("back-0") not in (None, uid))
        uid = self.pod("back-0")["metadata"]["uid"]
        self.run_pod("back-0", ready=False, phase="Failed")
        self.wait("back-0 replaced after failing", lambda: self.names("back") == ["back-0"] and
                  self.uid_of("back-0") not in (None, uid))
        self.assertEqual(self.pod("back-0")["status"]["phase"], "Pending")

    # ---- storage ----

    def test_claims_per_ordinal_retained(self):
        self.ok("POST", STS, statefulset("db", 2, policy="Parallel", claims=True), 201)
        self.wait("pods", lambda: self.has_pods("db", ["db-0", "db-1"]))
        for i in range(2):
            pvc = self.ok("GET", PVCS + "/data-db-%d" % i)
            self.assertEqual(pvc["metadata"]["labels"], {"tier": "storage", "app": "db"})
            self.assertNotIn("ownerReferences", pvc["metadata"])  # Retain
            vols = self.pod("db-%d" % i)["spec"]["volumes"]
            self.assertIn({"name": "data", "persistentVolumeClaim": {"claimName": "data-db-%d" % i}},
                          [{k: v for k, v in vol.items() if k in ("name", "persistentVolumeClaim")}
                           for vol in vols])
        msgs = [e["message"] for e in self.events("SuccessfulCreate")]
        self.assertIn("create Claim data-db-1 Pod db-1 in StatefulSet db success", msgs)
        self.ok("PATCH", STS + "/db", {"spec": {"replicas": 1}}, ctype=MERGE)
        self.wait("db-1 gone", lambda: self.has_pods("db", ["db-0"]))
        self.ok("GET", PVCS + "/data-db-1")  # kept
        # Scaling up again reuses the claim.
        self.ok("PATCH", STS + "/db", {"spec": {"replicas": 2}}, ctype=MERGE)
        self.wait("db-1 back", lambda: self.has_pods("db", ["db-0", "db-1"]))
        claims = [p["metadata"]["name"] for p in self.ok("GET", PVCS)["items"]
                  if p["metadata"]["name"].startswith("data-db-")]
        self.assertEqual(sorted(claims), ["data-db-0", "data-db-1"])

    def test_retention_policy_owner_references(self):
        sts = self.ok("POST", STS, statefulset(
            "ret", 2, policy="Parallel", claims=True,
            retention={"whenDeleted": "Delete", "whenScaled": "Delete"}), 201)
        self.wait("pods", lambda: self.has_pods("ret", ["ret-0", "ret-1"]))

        def owners(claim):
            return [(o["kind"], o["name"]) for o in
                    self.ok("GET", PVCS + "/" + claim)["metadata"].get("ownerReferences", [])]
        self.wait("claims owned by the set",
                  lambda: owners("data-ret-1") == [("StatefulSet", "ret")])
        ref = self.ok("GET", PVCS + "/data-ret-0")["metadata"]["ownerReferences"][0]
        self.assertEqual(ref["uid"], sts["metadata"]["uid"])
        self.assertNotIn("controller", ref)
        pod1 = self.pod("ret-1")
        self.ok("PATCH", STS + "/ret", {"spec": {"replicas": 1}}, ctype=MERGE)
        self.wait("ret-1 gone", lambda: self.has_pods("ret", ["ret-0"]))
        # Scaled down: the claim now belongs to the pod (the garbage
        # collector deletes it with the pod).
        got = self.ok("GET", PVCS + "/data-ret-1")["metadata"]["ownerReferences"]
        self.assertEqual([(o["kind"], o["name"], o["uid"]) for o in got],
                         [("Pod", "ret-1", pod1["metadata"]["uid"])])
        self.assertEqual(owners("data-ret-0"), [("StatefulSet", "ret")])

    # ---- updates and revisions ----

    def make_ready(self, app, n):
        for i in range(n):
            name = "%s-%d" % (app, i)
            self.wait(name, lambda: name in self.names(app))
            self.run_pod(name)

    def test_rolling_update_highest_first_with_partition(self):
        sts = self.ok("POST", STS, statefulset("roll", 3, partition=1), 201)
        self.make_ready("roll", 3)
        st = self.wait("ready", lambda: self.status_is("roll", readyReplicas=3))
        rev1 = st["updateRevision"]
        self.set_image("roll", "nginx")
        st = self.wait("new update revision",
                       lambda: (lambda s: s if s.get("updateRevision") != rev1 else None)(
                           self.get_sts("roll").get("status", {})))
        rev2 = st["updateRevision"]
        self.assertEqual(st["currentRevision"], rev1)
        self.assertEqual(st["observedGeneration"], 2)
        # roll-2 goes first and comes back at the new revision.
        self.wait("roll-2 updated", lambda: self.image("roll-2") == "nginx")
        self.assertEqual(self.pod("roll-2")["metadata"]["labels"]["controller-revision-hash"], rev2)
        self.assertEqual(self.image("roll-1"), "busybox")  # waits for roll-2 to be ready
        self.stays(lambda: self.image("roll-1") == "busybox", 0.4)
        self.run_pod("roll-2")
        self.wait("roll-1 updated", lambda: self.image("roll-1") == "nginx")
        self.run_pod("roll-1")
        # The partition keeps roll-0 at the old revision.
        st = self.wait("status", lambda: self.status_is("roll", readyReplicas=3, updatedReplicas=2,
                                                        currentReplicas=1))
        self.assertEqual(st["currentRevision"], rev1)
        self.stays(lambda: self.image("roll-0") == "busybox", 0.4)
        # A deleted pod below the partition comes back at the old revision.
        self.ok("DELETE", PODS + "/roll-0")
        self.wait("roll-0 back", lambda: "roll-0" in self.names("roll"))
        self.assertEqual(self.image("roll-0"), "busybox")
        self.assertEqual(self.pod("roll-0")["metadata"]["labels"]["controller-revision-hash"], rev1)
        self.run_pod("roll-0")
        # Partition 0: roll-0 updates and the rollout completes.
        self.ok("PATCH", STS + "/roll",
                {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}, ctype=MERGE)
        self.wait("roll-0 updated", lambda: self.image("roll-0") == "nginx")
        self.run_pod("roll-0")
        st = self.wait("rollout complete", lambda: self.status_is(
            "roll", readyReplicas=3, updatedReplicas=3, currentReplicas=3, currentRevision=rev2))
        self.assertEqual(st["updateRevision"], rev2)
        revs = self.revisions(sts)
        self.assertEqual([r["metadata"]["name"] for r in revs], [rev1, rev2])
        self.assertEqual([r["revision"] for r in revs], [1, 2])
        r = revs[1]
        self.assertTrue(r["metadata"]["name"].startswith("roll-"))
        self.assertEqual(r["data"]["spec"]["template"]["$patch"], "replace")
        self.assertEqual(r["data"]["spec"]["template"]["spec"]["containers"][0]["image"], "nginx")
        self.assertEqual(r["metadata"]["labels"]["app"], "roll")
        self.assertIn("controller.kubernetes.io/hash", r["metadata"]["labels"])
        ref = r["metadata"]["ownerReferences"][0]
        self.assertEqual((ref["kind"], ref["name"], ref["controller"]), ("StatefulSet", "roll", True))

    def terminating(self, name):
        code, p = self.req("GET", PODS + "/" + name)
        return code == 200 and "deletionTimestamp" in p["metadata"]

    def release(self, name):
        self.ok("PATCH", PODS + "/" + name, {"metadata": {"finalizers": None}}, ctype=MERGE)

    def test_rolling_update_max_unavailable(self):
        sts = statefulset("mu", 4, policy="Parallel")
        sts["spec"]["template"]["metadata"]["finalizers"] = ["example.com/hold"]
        sts["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                         "rollingUpdate": {"maxUnavailable": "50%"}}
        self.ok("POST", STS, sts, 201)
        self.make_ready("mu", 4)
        self.wait("ready", lambda: self.status_is("mu", readyReplicas=4))
        self.set_image("mu", "nginx")
        # Two at a time, from the highest ordinal.
        self.wait("mu-3 and mu-2 terminating",
                  lambda: self.terminating("mu-3") and self.terminating("mu-2"))
        self.stays(lambda: not self.terminating("mu-1") and not self.terminating("mu-0"))
        self.release("mu-3")
        self.release("mu-2")
        self.wait("mu-3 and mu-2 updated",
                  lambda: self.image("mu-3") == "nginx" and self.image("mu-2") == "nginx")
        # The new ones are not ready yet: two unavailable, nothing more goes.
        self.stays(lambda: not self.terminating("mu-1"))
        self.run_pod("mu-3")
        self.run_pod("mu-2")
        self.wait("mu-1 and mu-0 terminating",
                  lambda: self.terminating("mu-1") and self.terminating("mu-0"))
        for n in ("mu-1", "mu-0"):
            self.release(n)
        self.wait("all updated",
                  lambda: self.image("mu-1") == "nginx" and self.image("mu-0") == "nginx")
        for n in ("mu-0", "mu-1", "mu-2", "mu-3"):
            self.run_pod(n)
            self.release(n)
        self.wait("rollout complete", lambda: self.status_is("mu", updatedReplicas=4,
                                                             readyReplicas=4, currentReplicas=4))

    def test_rollback_renumbers_revision_and_history_limit(self):
        sts = self.ok("POST", STS, statefulset("hist", 1, history=1), 201)
        self.make_ready("hist", 1)
        first = self.wait("rev", lambda: self.status_is("hist", readyReplicas=1))["updateRevision"]
        for img in ("nginx", "redis"):
            self.set_image("hist", img)
            self.wait("hist-0 at " + img, lambda: self.image("hist-0") == img)
            self.run_pod("hist-0")
            self.wait("complete", lambda: (lambda s: s.get("currentRevision") == s.get(
                "updateRevision") and s.get("readyReplicas") == 1)(self.get_sts("hist")["status"]))
        # Limit 1: the live revision plus one of history.
        self.wait("history truncated", lambda: len(self.revisions(sts)) == 2)
        self.assertNotIn(first, [r["metadata"]["name"] for r in self.revisions(sts)])
        # Back to nginx: its revision is reused with a new number.
        nginx = [r for r in self.revisions(sts)
                 if r["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"][0]
        self.set_image("hist", "nginx")
        st = self.wait("rollback", lambda: (lambda s: s if s.get("updateRevision") ==
                                            nginx["metadata"]["name"] else None)(
                                                self.get_sts("hist")["status"]))
        self.assertEqual(self.ok("GET", REVS + "/" + nginx["metadata"]["name"])["revision"], 4)
        self.assertTrue(st)

    def test_on_delete(self):
        self.ok("POST", STS, statefulset("ondel", 2, strategy="OnDelete"), 201)
        self.make_ready("ondel", 2)
        self.wait("ready", lambda: self.status_is("ondel", readyReplicas=2))
        self.set_image("ondel", "nginx")
        self.wait("new revision", lambda: self.get_sts("ondel")["status"]["updateRevision"] !=
                  self.get_sts("ondel")["status"]["currentRevision"])
        self.stays(lambda: self.image("ondel-1") == "busybox" and self.image("ondel-0") == "busybox")
        self.ok("DELETE", PODS + "/ondel-0")
        self.wait("ondel-0 at the new revision", lambda: self.image("ondel-0") == "nginx")
        self.assertEqual(self.image("ondel-1"), "busybox")
        self.wait("updated 1", lambda: self.status_is("ondel", updatedReplicas=1, currentReplicas=1))

    def test_adopts_orphan_and_fixes_identity(self):
        orphan = {"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": "adopt-0", "labels": {"app": "adopt"}},
                  "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        uid = self.ok("POST", PODS, orphan, 201)["metadata"]["uid"]
        # OnDelete: the adopted pod, at no revision, is not replaced.
        sts = self.ok("POST", STS, statefulset("adopt", 1, strategy="OnDelete"), 201)

        def adopted():
            md = self.pod("adopt-0")["metadata"]
            refs = md.get("ownerReferences", [])
            return refs and refs[0]["uid"] == sts["metadata"]["uid"] and \
                md["labels"].get("statefulset.kubernetes.io/pod-name") == "adopt-0" and \
                md["labels"].get("apps.kubernetes.io/pod-index") == "0"
        self.run_pod("adopt-0")
        self.wait("adopted with its identity labels", adopted)
        self.assertEqual(self.pod("adopt-0")["metadata"]["uid"], uid)
        # The Event is recorded after the update, asynchronously.
        self.wait("the adoption's Event", lambda: "update Pod adopt-0 in StatefulSet adopt successful"
                  in [e["message"] for e in self.events("SuccessfulUpdate")])
        # Under RollingUpdate a pod at another revision is replaced.
        self.ok("PATCH", STS + "/adopt", {"spec": {"updateStrategy": {"type": "RollingUpdate"}}},
                ctype=MERGE)
        self.wait("adopt-0 replaced", lambda: (lambda c, p: c == 200 and p["metadata"]["uid"] != uid)(
            *self.req("GET", PODS + "/adopt-0")))

if __name__ == "__main__":
    main()
