"""The ReplicaSet controller module (ctrl-replicaset) against a real capstand.

Creates, scales and breaks ReplicaSets through the API and checks that the
controller converges the way Kubernetes' does: pod count, labels and owner
references, adoption and release, deletion order, status, Events, metrics,
and no extra pods across a restart."""
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
RSS = "/apis/apps/v1/namespaces/default/replicasets"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-replicaset" { enabled = true  required = true }\n')
    return path


def start_capstand(data_dir=None):
    conf_dir = tempfile.mkdtemp(prefix="capstan-rs-conf-")
    # Module files built by a user are not root's: trust them explicitly.
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(data_dir=data_dir, config=write_config(conf_dir), extra=extra)
    cs.conf_dir = conf_dir
    try:
        return cs.start()
    except BaseException:
        cs.cleanup()
        shutil.rmtree(conf_dir, ignore_errors=True)
        raise


def replicaset(name, replicas=1, labels=None, selector=None, min_ready=None):
    labels = labels or {"app": name}
    spec = {"replicas": replicas, "selector": selector or {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": labels, "annotations": {"note": name}},
                         "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}
    if min_ready is not None:
        spec["minReadySeconds"] = min_ready
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": spec}


def pod(name, labels, owners=None):
    md = {"name": name, "labels": labels}
    if owners:
        md["ownerReferences"] = owners
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ReplicaSetBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cs = start_capstand()

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
        """Poll fn until it returns something true; fail naming `what`."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out waiting for %s; last: %r\n%s" % (what, last, self.cs.logtext()[-3000:]))

    def pods(self, selector=None):
        path = PODS + ("?labelSelector=" + selector if selector else "")
        return self.ok("GET", path)["items"]

    def owned(self, rs):
        """Pods whose controller is ReplicaSet rs (a dict as the API returned it)."""
        uid = rs["metadata"]["uid"]
        return [p for p in self.pods()
                if any(r.get("controller") and r["uid"] == uid
                       for r in p["metadata"].get("ownerReferences", []))]

    def n_owned(self, rs, n):
        got = self.owned(rs)
        return got if len(got) == n else None

    def get_rs(self, name):
        return self.ok("GET", RSS + "/" + name)

    def status_is(self, name, **want):
        st = self.get_rs(name).get("status", {})
        return st if all(st.get(k, 0) == v for k, v in want.items()) else None

    def set_pod_status(self, name, phase="Running", ready=True, since=None):
        p = self.ok("GET", PODS + "/" + name)
        p["status"] = {"phase": phase, "conditions": [
            {"type": "Ready", "status": "True" if ready else "False",
             "lastTransitionTime": since or now()}]}
        self.ok("PUT", PODS + "/" + name + "/status", p)

    def scale(self, name, replicas):
        return self.ok("PATCH", RSS + "/" + name, {"spec": {"replicas": replicas}}, ctype=MERGE)


class ReplicaSetTest(ReplicaSetBase):
    def test_creates_exactly_the_replicas(self):
        rs = self.ok("POST", RSS, replicaset("three", 3), 201)
        pods = self.wait("3 pods of three", lambda: self.n_owned(rs, 3))
        for p in pods:
            md = p["metadata"]
            self.assertTrue(md["name"].startswith("three-"), md["name"])
            self.assertEqual(md["generateName"], "three-")
            self.assertEqual(md["labels"], {"app": "three"})
            self.assertEqual(md["annotations"]["note"], "three")
            self.assertEqual(md["ownerReferences"], [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "three",
                "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
            self.assertEqual(p["spec"]["containers"][0]["image"], "busybox")
        st = self.wait("status of three", lambda: self.status_is(
            "three", replicas=3, fullyLabeledReplicas=3, observedGeneration=1))
        self.assertEqual(st.get("readyReplicas", 0), 0)
        # Level-triggered, with expectations: no extra pods appear later.
        time.sleep(2)
        self.assertEqual(sorted(p["metadata"]["name"] for p in self.owned(rs)),
                         sorted(p["metadata"]["name"] for p in pods))
        self.assertEqual(len(self.pods("app=three")), 3)

    def test_scale_up_and_down(self):
        rs = self.ok("POST", RSS, replicaset("scaly", 2), 201)
        self.wait("2 pods", lambda: self.n_owned(rs, 2))
        gen = self.scale("scaly", 5)["metadata"]["generation"]
        self.assertEqual(gen, 2)
        self.wait("5 pods", lambda: self.n_owned(rs, 5))
        self.wait("status 5 at generation 2",
                  lambda: self.status_is("scaly", replicas=5, observedGeneration=2))
        # Through the scale subresource, as kubectl scale does.
        s = self.ok("GET", RSS + "/scaly/scale")
        s["spec"]["replicas"] = 1
        self.ok("PUT", RSS + "/scaly/scale", s)
        self.wait("1 pod", lambda: self.n_owned(rs, 1))
        self.wait("status 1 at generation 3",
                  lambda: self.status_is("scaly", replicas=1, observedGeneration=3))
        time.sleep(1)
        self.assertEqual(len(self.pods("app=scaly")), 1)
        self.scale("scaly", 0)
        self.wait("no pods", lambda: self.n_owned(rs, 0) == [])
        self.wait("status 0", lambda: self.status_is("scaly", replicas=0, observedGeneration=4))

    def test_deleted_pod_is_replaced(self):
        rs = self.ok("POST", RSS, replicaset("phoenix", 2), 201)
        pods = self.wait("2 pods", lambda: self.n_owned(rs, 2))
        gone = pods[0]["metadata"]["name"]
        self.ok("DELETE", PODS + "/" + gone)
        now_pods = self.wait("a replacement", lambda: [
            p for p in (self.n_owned(rs, 2) or []) if p["metadata"]["name"] == gone] == [] and
            self.n_owned(rs, 2))
        self.assertNotIn(gone, [p["metadata"]["name"] for p in now_pods])
        self.assertIn(pods[1]["metadata"]["name"], [p["metadata"]["name"] for p in now_pods])

    def test_orphan_is_adopted_and_counts(self):
        # A bystander's non-controller reference must survive the adoption.
        cmap = self.ok("POST", NS + "/configmaps",
                       {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}},
                       201)
        ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "keep",
               "uid": cmap["metadata"]["uid"]}
        self.ok("POST", PODS, pod("orphan-a", {"app": "adopt"}, [ref]), 201)
        rs = self.ok("POST", RSS, replicaset("adopt", 2), 201)
        pods = self.wait("2 pods", lambda: self.n_owned(rs, 2))
        names = [p["metadata"]["name"] for p in pods]
        self.assertIn("orphan-a", names)
        o = self.ok("GET", PODS + "/orphan-a")
        refs = o["metadata"]["ownerReferences"]
        self.assertEqual(len(refs), 2, refs)
        self.assertIn(ref, refs)
        self.assertIn({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "adopt",
                       "uid": rs["metadata"]["uid"], "controller": True,
                       "blockOwnerDeletion": True}, refs)
        time.sleep(1)
        self.assertEqual(len(self.pods("app=adopt")), 2, "adopted pod was not counted")
        self.wait("status 2", lambda: self.status_is("adopt", replicas=2))

    def test_orphan_that_starts_matching_is_adopted(self):
        rs = self.ok("POST", RSS, replicaset("late", 2), 201)
        self.wait("2 pods", lambda: self.n_owned(rs, 2))
        # Running and ready: when it makes one too many, a pending pod goes.
        self.ok("POST", PODS, pod("stray-late", {"app": "other"}), 201)
        self.set_pod_status("stray-late")
        self.ok("PATCH", PODS + "/stray-late", {"metadata": {"labels": {"app": "late"}}},
                ctype=MERGE)
        pods = self.wait("2 pods including stray-late", lambda: [
            p for p in (self.n_owned(rs, 2) or []) if p["metadata"]["name"] == "stray-late"]
            and self.n_owned(rs, 2))
        self.assertEqual(len(pods), 2)
        self.wait("readyReplicas 1", lambda: self.status_is("late", replicas=2, readyReplicas=1))

    def test_pod_of_another_controller_is_ignored(self):
        foreign = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "someone-else",
                    "uid": "6a1a1b0c-0000-4000-8000-000000000001", "controller": True}]
        self.ok("POST", PODS, pod("foreign-1", {"app": "shared"}, foreign), 201)
        rs = self.ok("POST", RSS, replicaset("shared", 2), 201)
        self.wait("2 pods of our own", lambda: self.n_owned(rs, 2))
        self.wait("status 2", lambda: self.status_is("shared", replicas=2))
        time.sleep(1)
        f = self.ok("GET", PODS + "/foreign-1")
        self.assertEqual(f["metadata"]["ownerReferences"], foreign)
        self.assertEqual(len(self.pods("app=shared")), 3)
        self.assertNotIn("foreign-1", [p["metadata"]["name"] for p in self.owned(rs)])

    def test_match_expressions(self):
        sel = {"matchLabels": {"app": "expr"},
               "matchExpressions": [
                   {"key": "tier", "operator": "In", "values": ["a", "b"]},
                   {"key": "env", "operator": "NotIn", "values": ["prod"]},
                   {"key": "track", "operator": "Exists"},
                   {"key": "canary", "operator": "DoesNotExist"}]}
        orphans = {
            "expr-match": {"app": "expr", "tier": "b", "track": "y", "env": "dev"},
            "expr-in-miss": {"app": "expr", "tier": "c", "track": "y"},
            "expr-notin-miss": {"app": "expr", "tier": "a", "track": "y", "env": "prod"},
            "expr-exists-miss": {"app": "expr", "tier": "a"},
            "expr-dne-miss": {"app": "expr", "tier": "a", "track": "y", "canary": "1"},
            "expr-label-miss": {"app": "nope", "tier": "a", "track": "y"},
        }
        for name, labels in orphans.items():
            self.ok("POST", PODS, pod(name, labels), 201)
        rs = self.ok("POST", RSS, replicaset(
            "expr", 2, labels={"app": "expr", "tier": "a", "track": "x"}, selector=sel), 201)
        pods = self.wait("2 pods", lambda: self.n_owned(rs, 2))
        self.assertIn("expr-match", [p["metadata"]["name"] for p in pods])
        time.sleep(1)
        for name in orphans:
            if name != "expr-match":
                p = self.ok("GET", PODS + "/" + name)
                self.assertNotIn("ownerReferences", p["metadata"], name)
        # fullyLabeledReplicas: expr-match lacks the template's tier=a, track=x.
        self.wait("status", lambda: self.status_is("expr", replicas=2, fullyLabeledReplicas=1))

    def test_pod_leaving_the_selector_is_released_and_replaced(self):
        rs = self.ok("POST", RSS, replicaset("rel", 2), 201)
        pods = self.wait("2 pods", lambda: self.n_owned(rs, 2))
        name = pods[0]["metadata"]["name"]
        self.ok("PATCH", PODS + "/" + name, {"metadata": {"labels": {"app": "gone"}}},
                ctype=MERGE)
        self.wait("release of " + name, lambda: "ownerReferences" not in
                  self.ok("GET", PODS + "/" + name)["metadata"])
        self.wait("a replacement", lambda: len(self.pods("app=rel")) == 2 and
                  name not in [p["metadata"]["name"] for p in self.owned(rs)])
        self.assertEqual(len(self.owned(rs)), 2)

    def test_invalid_replicasets_are_rejected(self):
        bad = replicaset("bad-sel")
        bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
        code, st = self.req("POST", RSS, bad)
        self.assertEqual((code, st["reason"]), (422, "Invalid"), st)
        self.assertIn("spec.template.metadata.labels", st["message"])
        nosel = replicaset("no-sel")
        del nosel["spec"]["selector"]
        code, st = self.req("POST", RSS, nosel)
        self.assertEqual(code, 422, st)
        neg = replicaset("neg", -1)
        code, st = self.req("POST", RSS, neg)
        self.assertEqual(code, 422, st)
        notmpl = replicaset("no-tmpl")
        notmpl["spec"]["template"]["spec"]["containers"] = []
        code, st = self.req("POST", RSS, notmpl)
        self.assertEqual(code, 422, st)
        for n in ("bad-sel", "no-sel", "neg", "no-tmpl"):
            self.assertEqual(self.req("GET", RSS + "/" + n)[0], 404)
        time.sleep(0.5)
        self.assertEqual([p for p in self.pods() if p["metadata"]["name"].startswith(
            ("bad-sel-", "no-sel-", "neg-", "no-tmpl-"))], [])

    def test_ready_and_available_replicas(self):
        rs = self.ok("POST", RSS, replicaset("ready", 2), 201)
        pods = self.wait("2 pods", lambda: self.n_owned(rs, 2))
        self.set_pod_status(pods[0]["metadata"]["name"])
        self.wait("1 ready", lambda: self.status_is(
            "ready", replicas=2, readyReplicas=1, availableReplicas=1))
        self.set_pod_status(pods[1]["metadata"]["name"])
        self.wait("2 ready", lambda: self.status_is("ready", readyReplicas=2, availableReplicas=2))
        self.set_pod_status(pods[0]["metadata"]["name"], ready=False)
        self.wait("1 ready again", lambda: self.status_is(
            "ready", readyReplicas=1, availableReplicas=1))

    def test_min_ready_seconds(self):
        rs = self.ok("POST", RSS, replicaset("slow", 1, min_ready=2), 201)
        pods = self.wait("1 pod", lambda: self.n_owned(rs, 1))
        self.set_pod_status(pods[0]["metadata"]["name"])
        st = self.wait("ready", lambda: self.status_is("slow", readyReplicas=1))
        self.assertEqual(st.get("availableReplicas", 0), 0, st)
        # Nothing changes in the API after this: the controller looks again
        # by itself once the pod has been ready for minReadySeconds.
        self.wait("available after 2 s", lambda: self.status_is(
            "slow", readyReplicas=1, availableReplicas=1), timeout=6)

    def test_deletion_order(self):
        # A scheduled, running, ready pod (adopted: it is created bound).
        bound = pod("order-bound", {"app": "order"})
        bound["spec"]["nodeName"] = "node-1"
        self.ok("POST", PODS, bound, 201)
        self.set_pod_status("order-bound")
        rs = self.ok("POST", RSS, replicaset("order", 3), 201)
        names = [p["metadata"]["name"] for p in self.wait("3 pods", lambda: self.n_owned(rs, 3))]
        self.assertIn("order-bound", names)
        running, pending = [n for n in names if n != "order-bound"]
        self.set_pod_status(running)
        self.wait("2 ready", lambda: self.status_is("order", readyReplicas=2))
        # Pending before running...
        self.scale("order", 2)
        left = self.wait("2 pods", lambda: self.n_owned(rs, 2))
        self.assertEqual(sorted(p["metadata"]["name"] for p in left),
                         sorted(["order-bound", running]))
        # ... and unscheduled before scheduled.
        self.scale("order", 1)
        left = self.wait("1 pod", lambda: self.n_owned(rs, 1))
        self.assertEqual(left[0]["metadata"]["name"], "order-bound")

    def test_events_and_metrics(self):
        rs = self.ok("POST", RSS, replicaset("loud", 2), 201)
        names = {p["metadata"]["name"] for p in self.wait("2 pods", lambda: self.n_owned(rs, 2))}

        def events(reason):
            return [e for e in self.ok("GET", NS + "/events")["items"]
                    if e["reason"] == reason and e["involvedObject"].get("name") == "loud"
                    and e["involvedObject"].get("kind") == "ReplicaSet"]

        created = self.wait("SuccessfulCreate events", lambda: len(
            events("SuccessfulCreate")) == 2 and events("SuccessfulCreate"))
        self.assertEqual({e["message"] for e in created}, {"Created pod: " + n for n in names})
        for e in created:
            self.assertEqual(e["type"], "Normal")
            self.assertEqual(e["involvedObject"]["uid"], rs["metadata"]["uid"])
        self.scale("loud", 1)
        left = self.wait("1 pod", lambda: self.n_owned(rs, 1))
        deleted = self.wait("a SuccessfulDelete event", lambda: events("SuccessfulDelete"))
        self.assertEqual([e["message"] for e in deleted],
                         ["Deleted pod: " + (names - {left[0]["metadata"]["name"]}).pop()])
        code, text = self.req("GET", "/metrics")
        self.assertEqual(code, 200)
        metrics = {}
        for line in text.splitlines():
            if line.startswith("replicaset_pods_"):
                k, v = line.rsplit(" ", 1)
                metrics[k] = float(v)
        self.assertGreaterEqual(
            metrics.get('replicaset_pods_created_total{module="ctrl-replicaset"}', 0), 2, metrics)
        self.assertGreaterEqual(
            metrics.get('replicaset_pods_deleted_total{module="ctrl-replicaset"}', 0), 1, metrics)

    def test_failed_create_is_reported(self):
        # Template finalizers are copied to the pods and validated only
        # there: a valid ReplicaSet whose pods the API refuses.
        body = replicaset("doomed", 3)
        body["spec"]["template"]["metadata"]["finalizers"] = ["not a finalizer!"]
        rs = self.ok("POST", RSS, body, 201)

        def failure():
            evs = [e for e in self.ok("GET", NS + "/events")["items"]
                   if e["reason"] == "FailedCreate" and e["involvedObject"].get("name") == "doomed"]
            conds = [c for c in self.get_rs("doomed").get("status", {}).get("conditions", [])
                     if c["type"] == "ReplicaFailure"]
            return evs and conds and (evs, conds)

        evs, conds = self.wait("FailedCreate and ReplicaFailure", failure)
        self.assertEqual(evs[0]["type"], "Warning")
        self.assertTrue(evs[0]["message"].startswith("Error creating: "), evs[0])
        self.assertIn("finalizer", evs[0]["message"])
        self.assertEqual((conds[0]["status"], conds[0]["reason"]), ("True", "FailedCreate"))
        self.assertEqual(self.owned(rs), [])
        # Fixed: the pods come and the condition goes.
        cur = self.get_rs("doomed")
        del cur["spec"]["template"]["metadata"]["finalizers"]
        self.ok("PUT", RSS + "/doomed", cur)
        self.wait("3 pods", lambda: self.n_owned(rs, 3))
        self.wait("no ReplicaFailure", lambda: not [
            c for c in self.get_rs("doomed").get("status", {}).get("conditions", [])
            if c["type"] == "ReplicaFailure"])

    def test_long_name_is_cut_for_generated_pod_names(self):
        name = "n" * 70
        rs = self.ok("POST", RSS, replicaset(name, 1, labels={"app": "long"}), 201)
        pods = self.wait("1 pod", lambda: self.n_owned(rs, 1))
        self.assertEqual(pods[0]["metadata"]["generateName"], "n" * 58)
        self.assertEqual(len(pods[0]["metadata"]["name"]), 63)

    def test_terminating_replicaset_is_left_alone(self):
        body = replicaset("held", 1)
        body["metadata"]["finalizers"] = ["test.capstan.io/hold"]
        rs = self.ok("POST", RSS, body, 201)
        pods = self.wait("1 pod", lambda: self.n_owned(rs, 1))
        self.ok("DELETE", RSS + "/held", want=(200, 202))
        self.assertIn("deletionTimestamp", self.get_rs("held")["metadata"])
        self.ok("DELETE", PODS + "/" + pods[0]["metadata"]["name"])
        time.sleep(1.5)
        self.assertEqual(self.owned(rs), [], "a terminating ReplicaSet made a pod")
        self.ok("PATCH", RSS + "/held", {"metadata": {"finalizers": None}}, ctype=MERGE)
        self.wait("held gone", lambda: self.req("GET", RSS + "/held")[0] == 404)


class RestartTest(ReplicaSetBase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="capstan-rs-restart-")
        cls.cs = start_capstand(cls.data)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.data, ignore_errors=True)

    def test_restart_creates_no_extra_pods(self):
        rs = self.ok("POST", RSS, replicaset("stay", 3), 201)
        before = sorted(p["metadata"]["name"] for p in self.wait("3 pods", lambda: self.n_owned(rs, 3)))
        self.wait("status 3", lambda: self.status_is("stay", replicas=3))
        self.cs.stop()
        self.cs.start()
        time.sleep(2.5)
        self.assertEqual(sorted(p["metadata"]["name"] for p in self.owned(rs)), before)
        self.assertEqual(len(self.pods("app=stay")), 3)
        code, text = self.req("GET", "/metrics")
        self.assertEqual(code, 200)
        self.assertIn('replicaset_pods_created_total{module="ctrl-replicaset"} 0', text)
        # ... and it still works after the restart.
        self.scale("stay", 4)
        self.wait("4 pods", lambda: self.n_owned(rs, 4))


if __name__ == "__main__":
    main()
