"""The Deployment controller module (ctrl-deployment) against a real capstand.

There is no node agent here: a fake kubelet thread marks pods Running and
Ready through pods/status (except pods whose image is "broken", which never
become ready), so rollouts can progress.  Watches on pods and ReplicaSets
check the rolling update's bounds at every revision the API goes through."""
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
DEPS = "/apis/apps/v1/namespaces/default/deployments"
RSS = "/apis/apps/v1/namespaces/default/replicasets"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
CAPCTL = os.environ.get("CAPCTL", os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "capctl"))
MERGE = "application/merge-patch+json"
HASH = "pod-template-hash"
REV = "deployment.kubernetes.io/revision"


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-replicaset" { enabled = true  required = true }\n')
        f.write('module "ctrl-deployment" { enabled = true  required = true }\n')
    return path


def deployment(name, replicas=3, image="nginx:1.25", strategy=None, **spec):
    labels = {"app": name}
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": image}]}}}}
    if strategy:
        body["spec"]["strategy"] = strategy
    body["spec"].update(spec)
    return body


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def is_ready(p):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in p.get("status", {}).get("conditions", []))


class Kubelet(threading.Thread):
    """Plays the node agent: every pod that is not terminating and whose
    image is not "broken" is made Running and Ready."""

    def __init__(self, cs):
        super().__init__(daemon=True)
        self.cs = cs
        self.stop = threading.Event()
        self.enabled = threading.Event()
        self.enabled.set()

    def run(self):
        while not self.stop.is_set():
            if self.enabled.is_set():
                try:
                    self.sweep()
                except OSError:
                    pass
            time.sleep(0.05)

    def sweep(self):
        code, doc = self.cs.request("GET", PODS)
        if code != 200:
            return
        for p in doc["items"]:
            if is_ready(p) or p["metadata"].get("deletionTimestamp"):
                continue
            if any(c["image"] == "broken" for c in p["spec"]["containers"]):
                continue
            p["status"] = {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": now()}],
                "containerStatuses": [{"name": c["name"], "ready": True, "restartCount": 0,
                                       "image": c["image"], "imageID": "",
                                       "state": {"running": {"startedAt": now()}}}
                                      for c in p["spec"]["containers"]]}
            # A conflict means the pod changed: the next sweep sees it.
            self.cs.request("PUT", PODS + "/" + p["metadata"]["name"] + "/status", p)


class Watcher(threading.Thread):
    """Follows a watch and calls check(state) after every event, state
    being name -> object as of that revision."""

    def __init__(self, cs, path, check):
        super().__init__(daemon=True)
        self.cs, self.path, self.check = cs, path, check
        code, doc = cs.request("GET", path)
        self.state = {o["metadata"]["name"]: o for o in doc["items"]}
        self.rv = doc["metadata"]["resourceVersion"]
        self.conn = http.client.HTTPConnection("127.0.0.1", cs.port, timeout=120)
        sep = "&" if "?" in path else "?"
        self.conn.request("GET", path + sep + "watch=1&resourceVersion=" + self.rv)
        self.resp = self.conn.getresponse()
        self.check(self.state)

    def run(self):
        try:
            for line in self.resp:
                ev = json.loads(line)
                o = ev["object"]
                if ev["type"] == "DELETED":
                    self.state.pop(o["metadata"]["name"], None)
                elif ev["type"] in ("ADDED", "MODIFIED"):
                    self.state[o["metadata"]["name"]] = o
                self.check(self.state)
        except Exception:  # noqa: BLE001 - close() cuts the stream mid-read
            pass

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()


class DeploymentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conf_dir = tempfile.mkdtemp(prefix="capstan-deploy-conf-")
        extra = ["--dev-modules"] if os.getuid() != 0 else []
        cls.cs = Capstand(config=write_config(cls.conf_dir), extra=extra)
        try:
            cls.cs.start()
        except BaseException:
            cls.cs.cleanup()
            raise
        cls.kubelet = Kubelet(cls.cs)
        cls.kubelet.start()

    @classmethod
    def tearDownClass(cls):
        cls.kubelet.stop.set()
        cls.kubelet.join(5)
        cls.cs.cleanup()
        shutil.rmtree(cls.conf_dir, ignore_errors=True)

    def setUp(self):
        self.kubelet.enabled.set()

    # ---- helpers ----

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.cs.request(method, path, body, **kw)
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
        self.fail("timed out waiting for %s; last: %r\n%s" % (what, last, self.cs.logtext()[-3000:]))

    def dep(self, name):
        return self.ok("GET", DEPS + "/" + name)

    def rss(self, name):
        """The ReplicaSets the deployment controls, oldest revision first."""
        uid = self.dep(name)["metadata"]["uid"]
        items = [rs for rs in self.ok("GET", RSS)["items"]
                 if any(r.get("controller") and r["uid"] == uid
                        for r in rs["metadata"].get("ownerReferences", []))]
        return sorted(items, key=lambda rs: int(rs["metadata"]["annotations"].get(REV, "0")))

    def pods(self, name):
        return self.ok("GET", PODS + "?labelSelector=app%3D" + name)["items"]

    def cond(self, d, type_):
        for c in d.get("status", {}).get("conditions", []):
            if c["type"] == type_:
                return c
        return None

    def complete(self, name, replicas):
        """kubectl's rollout-complete test, plus the controller's own verdict."""
        d = self.dep(name)
        st = d.get("status", {})
        p = self.cond(d, "Progressing")
        done = (st.get("observedGeneration", 0) >= d["metadata"]["generation"] and
                st.get("updatedReplicas", 0) == replicas and st.get("replicas", 0) == replicas and
                st.get("availableReplicas", 0) == replicas and p is not None and
                p["reason"] == "NewReplicaSetAvailable")
        return d if done else None

    def set_image(self, name, image):
        d = self.dep(name)
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image
        return self.ok("PUT", DEPS + "/" + name, d)

    def events(self, name):
        return [e for e in self.ok("GET", NS + "/events")["items"]
                if e["involvedObject"].get("kind") == "Deployment"
                and e["involvedObject"].get("name") == name]

    def capctl(self, *args, timeout=30):
        env = dict(os.environ, CAPSTAN_SERVER="http://127.0.0.1:%d" % self.cs.port)
        return subprocess.run([CAPCTL] + list(args), env=env, capture_output=True, text=True,
                              timeout=timeout)

    # ---- tests ----

    def test_creates_replicaset_and_pods(self):
        d = self.ok("POST", DEPS, deployment("web", 3), 201)
        d = self.wait("web complete", lambda: self.complete("web", 3))
        [rs] = self.rss("web")
        h = rs["metadata"]["labels"][HASH]
        self.assertEqual(rs["metadata"]["name"], "web-" + h)
        self.assertTrue(h.isalnum() and not set(h) & set("aeiou013"), h)
        self.assertEqual(rs["spec"]["selector"]["matchLabels"], {"app": "web", HASH: h})
        self.assertEqual(rs["spec"]["template"]["metadata"]["labels"], {"app": "web", HASH: h})
        self.assertEqual(rs["metadata"]["ownerReferences"], [{
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
            "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}])
        ann = rs["metadata"]["annotations"]
        self.assertEqual((ann[REV], ann["deployment.kubernetes.io/desired-replicas"],
                          ann["deployment.kubernetes.io/max-replicas"]), ("1", "3", "4"))
        self.assertEqual(d["metadata"]["annotations"][REV], "1")
        pods = self.pods("web")
        self.assertEqual(len(pods), 3)
        for p in pods:
            self.assertEqual(p["metadata"]["labels"][HASH], h)
            self.assertEqual(p["metadata"]["ownerReferences"][0]["name"], rs["metadata"]["name"])
        st = d["status"]
        self.assertEqual((st["replicas"], st["updatedReplicas"], st["readyReplicas"],
                          st["availableReplicas"], st.get("unavailableReplicas", 0),
                          st["observedGeneration"]), (3, 3, 3, 3, 0, 1))
        av = self.cond(d, "Available")
        self.assertEqual((av["status"], av["reason"], av["message"]),
                         ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."))
        pr = self.cond(d, "Progressing")
        self.assertEqual((pr["status"], pr["message"]), (
            "True", 'ReplicaSet "%s" has successfully progressed.' % rs["metadata"]["name"]))
        msgs = [e["message"] for e in self.events("web") if e["reason"] == "ScalingReplicaSet"]
        self.assertIn("Scaled up replica set %s from 0 to 3" % rs["metadata"]["name"], msgs)
        # The hash is stable: nothing new appears once complete.
        time.sleep(1)
        self.assertEqual([r["metadata"]["name"] for r in self.rss("web")], [rs["metadata"]["name"]])
        # capctl get deploy shows the status written.
        out = self.capctl("get", "deploy", "web", "--no-headers")
        self.assertEqual(out.stdout.split()[:4], ["web", "3/3", "3", "3"], out)

    def test_scale_up_and_down(self):
        self.ok("POST", DEPS, deployment("scaly", 2), 201)
        self.wait("scaly complete", lambda: self.complete("scaly", 2))
        s = self.ok("GET", DEPS + "/scaly/scale")
        s["spec"]["replicas"] = 5
        self.ok("PUT", DEPS + "/scaly/scale", s)
        self.wait("5 available", lambda: self.complete("scaly", 5))
        [rs] = self.rss("scaly")
        self.assertEqual(rs["spec"]["replicas"], 5)
        self.assertEqual(rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"], "5")
        self.ok("PATCH", DEPS + "/scaly", {"spec": {"replicas": 1}}, ctype=MERGE)
        self.wait("1 available", lambda: self.complete("scaly", 1))
        self.wait("1 pod", lambda: len(self.pods("scaly")) == 1)
        name = rs["metadata"]["name"]
        msgs = [e["message"] for e in self.events("scaly")]
        self.assertIn("Scaled up replica set %s to 5 from 2" % name, msgs)
        self.assertIn("Scaled down replica set %s to 1 from 5" % name, msgs)

    def test_rolling_update_stays_within_bounds(self):
        replicas, surge, unavail = 4, 1, 1
        self.ok("POST", DEPS, deployment("roll", replicas, strategy={
            "type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavail}}),
            201)
        self.wait("roll complete", lambda: self.complete("roll", replicas))
        worst = {"pods": 0, "ready": replicas, "rs": 0}
        lock = threading.Lock()

        def check_pods(state):
            live = [p for p in state.values() if not p["metadata"].get("deletionTimestamp")]
            with lock:
                worst["pods"] = max(worst["pods"], len(live))
                worst["ready"] = min(worst["ready"], sum(1 for p in live if is_ready(p)))

        def check_rs(state):
            with lock:
                worst["rs"] = max(worst["rs"], sum(rs["spec"]["replicas"] for rs in state.values()))

        # The fake kubelet readies pods a little late, as a real one would.
        watchers = [Watcher(self.cs, PODS + "?labelSelector=app%3Droll", check_pods),
                    Watcher(self.cs, RSS + "?labelSelector=app%3Droll", check_rs)]
        for w in watchers:
            w.start()
        try:
            self.set_image("roll", "nginx:1.26")
            d = self.wait("roll updated", lambda: self.complete("roll", replicas), timeout=30)
            self.wait("old pods gone", lambda: len(self.pods("roll")) == replicas)
            time.sleep(0.3)
        finally:
            for w in watchers:
                w.close()
        self.assertLessEqual(worst["rs"], replicas + surge, worst)
        self.assertLessEqual(worst["pods"], replicas + surge, worst)
        self.assertGreaterEqual(worst["ready"], replicas - unavail, worst)
        old, new = self.rss("roll")
        self.assertEqual((old["spec"]["replicas"], new["spec"]["replicas"]), (0, replicas))
        self.assertEqual(new["metadata"]["annotations"][REV], "2")
        self.assertEqual(d["metadata"]["annotations"][REV], "2")
        self.assertNotEqual(old["metadata"]["labels"][HASH], new["metadata"]["labels"][HASH])
        for p in self.pods("roll"):
            self.assertEqual(p["spec"]["containers"][0]["image"], "nginx:1.26")

    def test_percent_rounding_and_proportional_scaling(self):
        # 25% of 10: surge rounds up to 3, unavailable down to 2.
        self.ok("POST", DEPS, deployment("prop", 10, strategy={
            "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            201)
        self.wait("prop complete", lambda: self.complete("prop", 10))
        self.set_image("prop", "broken")  # never becomes ready: the rollout stalls

        def sizes():
            rs = self.rss("prop")
            got = [r["spec"]["replicas"] for r in rs]
            return got if len(rs) == 2 else None

        self.wait("stalled at 8 old + 5 new", lambda: sizes() == [8, 5])
        time.sleep(1)
        self.assertEqual(sizes(), [8, 5])
        # Scaled mid-rollout: 25 allowed (20 + 5 surge), the 12 added spread
        # in proportion to the sizes: 8 -> 15, 5 -> 10.
        self.ok("PATCH", DEPS + "/prop", {"spec": {"replicas": 20}}, ctype=MERGE)
        self.wait("proportional sizes", lambda: sizes() == [15, 10])
        time.sleep(1)
        self.assertEqual(sizes(), [15, 10])
        d = self.dep("prop")
        self.assertEqual(self.cond(d, "Available")["status"], "True")

    def test_recreate_waits_for_old_pods(self):
        self.ok("POST", DEPS, deployment("rec", 2, strategy={"type": "Recreate"}), 201)
        self.wait("rec complete", lambda: self.complete("rec", 2))
        [old] = self.rss("rec")
        # Old pods that linger while terminating (a finalizer holds them).
        for p in self.pods("rec"):
            self.ok("PATCH", PODS + "/" + p["metadata"]["name"],
                    {"metadata": {"finalizers": ["test.capstan.io/hold"]}}, ctype=MERGE)
        self.set_image("rec", "nginx:1.26")
        self.wait("old scaled to 0", lambda: self.rss("rec")[0]["spec"]["replicas"] == 0)
        self.wait("old pods terminating", lambda: all(
            p["metadata"].get("deletionTimestamp") for p in self.pods("rec")))
        time.sleep(1.5)
        self.assertEqual(len(self.rss("rec")), 1, "new ReplicaSet created while old pods run")
        for p in self.pods("rec"):
            self.ok("PATCH", PODS + "/" + p["metadata"]["name"], {"metadata": {"finalizers": None}},
                    ctype=MERGE)
        self.wait("rec updated", lambda: self.complete("rec", 2))
        old, new = self.rss("rec")
        self.assertEqual(old["metadata"]["name"], self.rss("rec")[0]["metadata"]["name"])
        evs = sorted((e for e in self.events("rec") if e["reason"] == "ScalingReplicaSet"),
                     key=lambda e: int(e["metadata"]["resourceVersion"]))
        msgs = [e["message"] for e in evs]
        down = msgs.index("Scaled down replica set %s to 0 from 2" % old["metadata"]["name"])
        up = msgs.index("Scaled up replica set %s from 0 to 2" % new["metadata"]["name"])
        self.assertLess(down, up, msgs)

    def test_progress_deadline_exceeded(self):
        self.ok("POST", DEPS, deployment("stuck", 1, image="broken", progressDeadlineSeconds=2), 201)
        d = self.wait("ProgressDeadlineExceeded", lambda: (
            lambda d: d if (self.cond(d, "Progressing") or {}).get("reason") ==
            "ProgressDeadlineExceeded" else None)(self.dep("stuck")), timeout=10)
        p = self.cond(d, "Progressing")
        [rs] = self.rss("stuck")
        self.assertEqual((p["status"], p["message"]), (
            "False", 'ReplicaSet "%s" has timed out progressing.' % rs["metadata"]["name"]))
        av = self.cond(d, "Available")
        self.assertEqual((av["status"], av["reason"]), ("False", "MinimumReplicasUnavailable"))
        self.assertEqual(d["status"]["unavailableReplicas"], 1)
        r = self.capctl("rollout", "status", "deployment/stuck", "--timeout=10s")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn('deployment "stuck" exceeded its progress deadline', r.stderr)

    def test_revision_history_limit_prunes(self):
        self.ok("POST", DEPS, deployment("hist", 1, revisionHistoryLimit=1), 201)
        self.wait("hist complete", lambda: self.complete("hist", 1))
        for i, image in enumerate(["nginx:1.1", "nginx:1.2", "nginx:1.3"]):
            self.set_image("hist", image)
            self.wait("hist at %s" % image, lambda: self.complete("hist", 1) and
                      self.rss("hist")[-1]["metadata"]["annotations"][REV] == str(i + 2))
        self.wait("1 old ReplicaSet kept", lambda: len(self.rss("hist")) == 2)
        revs = [rs["metadata"]["annotations"][REV] for rs in self.rss("hist")]
        self.assertEqual(revs, ["3", "4"])

    def test_rollout_undo_restores_template(self):
        self.ok("POST", DEPS, deployment("undo", 2, image="nginx:1.1"), 201)
        self.wait("undo complete", lambda: self.complete("undo", 2))
        # The change cause goes with the change, as kubectl annotate does it.
        d = self.dep("undo")
        d["metadata"].setdefault("annotations", {})["kubernetes.io/change-cause"] = "image 1.2"
        d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.2"
        self.ok("PUT", DEPS + "/undo", d)
        self.wait("undo at 1.2", lambda: self.complete("undo", 2) and len(self.rss("undo")) == 2)
        r = self.capctl("rollout", "history", "deployment/undo")
        self.assertEqual(r.returncode, 0, r)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "deployment.apps/undo ")
        self.assertEqual(lines[1].split(), ["REVISION", "CHANGE-CAUSE"])
        self.assertEqual(lines[2].split(), ["1", "<none>"])
        self.assertEqual(lines[3].split(), ["2", "image", "1.2"])
        r = self.capctl("rollout", "undo", "deployment/undo")
        self.assertEqual((r.returncode, r.stdout), (0, "deployment.apps/undo rolled back\n"), r)
        d = self.wait("back at 1.1", lambda: self.complete("undo", 2))
        self.assertEqual(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.1")
        self.assertNotIn(HASH, d["spec"]["template"]["metadata"]["labels"])
        rss = self.rss("undo")
        self.assertEqual(len(rss), 2, "rollback reuses the old ReplicaSet")
        back = rss[-1]
        self.assertEqual(back["metadata"]["annotations"][REV], "3")
        self.assertEqual(back["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"], "1")
        self.assertEqual(back["spec"]["replicas"], 2)
        self.assertEqual(d["metadata"]["annotations"][REV], "3")
        # To a named revision, and refusals as kubectl words them.
        r = self.capctl("rollout", "undo", "deployment/undo", "--to-revision=2")
        self.assertEqual(r.returncode, 0, r)
        d = self.wait("at 1.2 again", lambda: self.complete("undo", 2) and (
            lambda d: d if d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.2"
            else None)(self.dep("undo")))
        r = self.capctl("rollout", "undo", "deployment/undo", "--to-revision=9")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unable to find specified revision 9 in history", r.stderr)
        r = self.capctl("rollout", "history", "deployment/undo", "--revision=3")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("nginx:1.1", r.stdout)

    def test_pause_and_resume(self):
        self.ok("POST", DEPS, deployment("pz", 2), 201)
        self.wait("pz complete", lambda: self.complete("pz", 2))
        r = self.capctl("rollout", "pause", "deployment/pz")
        self.assertEqual((r.returncode, r.stdout), (0, "deployment.apps/pz paused\n"), r)
        d = self.wait("paused condition", lambda: (lambda d: d if (self.cond(d, "Progressing") or {})
                      .get("reason") == "DeploymentPaused" else None)(self.dep("pz")))
        self.assertEqual(self.cond(d, "Progressing")["status"], "Unknown")
        r = self.capctl("rollout", "pause", "deployment/pz")
        self.assertEqual(r.returncode, 1)
        self.assertIn('error: deployments.apps "pz" is already paused', r.stderr)
        self.set_image("pz", "nginx:9")
        # Scaling still applies while paused; the template waits.
        self.ok("PATCH", DEPS + "/pz", {"spec": {"replicas": 3}}, ctype=MERGE)
        self.wait("scaled to 3 while paused", lambda: [rs["spec"]["replicas"] for rs in self.rss("pz")] == [3])
        time.sleep(1)
        self.assertEqual(len(self.rss("pz")), 1, "a paused deployment rolled out")
        r = self.capctl("rollout", "resume", "deployment/pz")
        self.assertEqual((r.returncode, r.stdout), (0, "deployment.apps/pz resumed\n"), r)
        r = self.capctl("rollout", "status", "deployment/pz", "--timeout=30s")
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(r.stdout.endswith('deployment "pz" successfully rolled out\n'), r.stdout)
        self.assertEqual(len(self.rss("pz")), 2)

    def test_rollout_status_waits(self):
        self.kubelet.enabled.clear()
        self.ok("POST", DEPS, deployment("slow", 2), 201)
        proc = subprocess.Popen([CAPCTL, "rollout", "status", "deployment/slow", "--timeout=30s"],
                                env=dict(os.environ, CAPSTAN_SERVER="http://127.0.0.1:%d" % self.cs.port),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        self.assertIsNone(proc.poll(), "rollout status returned before the rollout finished")
        self.kubelet.enabled.set()
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn('Waiting for deployment "slow" rollout to finish: 0 of 2 updated replicas '
                      'are available...\n', out)
        self.assertTrue(out.endswith('deployment "slow" successfully rolled out\n'), out)
        # A timeout that passes is an error.
        self.kubelet.enabled.clear()
        self.set_image("slow", "nginx:2")
        r = self.capctl("rollout", "status", "deployment/slow", "--timeout=1s")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("timed out waiting for the condition", r.stderr)
        self.kubelet.enabled.set()

    def test_rollout_restart(self):
        self.ok("POST", DEPS, deployment("rst", 1), 201)
        self.wait("rst complete", lambda: self.complete("rst", 1))
        r = self.capctl("rollout", "restart", "deployment/rst")
        self.assertEqual((r.returncode, r.stdout), (0, "deployment.apps/rst restarted\n"), r)
        d = self.dep("rst")
        self.assertIn("kubectl.kubernetes.io/restartedAt", d["spec"]["template"]["metadata"]["annotations"])
        self.wait("rst restarted", lambda: self.complete("rst", 1) and len(self.rss("rst")) == 2)

    def test_min_ready_seconds(self):
        self.ok("POST", DEPS, deployment("mrs", 1, minReadySeconds=2), 201)
        [rs] = self.wait("the ReplicaSet", lambda: self.rss("mrs"))
        self.assertEqual(rs["spec"]["minReadySeconds"], 2)
        d = self.wait("ready", lambda: (lambda d: d if d.get("status", {}).get("readyReplicas") == 1
                                        else None)(self.dep("mrs")))
        self.assertEqual(d["status"].get("availableReplicas", 0), 0, d["status"])
        self.assertEqual(self.cond(d, "Available")["status"], "False")
        d = self.wait("available after 2 s", lambda: self.complete("mrs", 1), timeout=8)
        self.assertEqual(self.cond(d, "Available")["status"], "True")
        # A new minReadySeconds reaches the current ReplicaSet without a rollout.
        self.ok("PATCH", DEPS + "/mrs", {"spec": {"minReadySeconds": 0}}, ctype=MERGE)
        self.wait("RS minReadySeconds 0",
                  lambda: self.rss("mrs")[0]["spec"].get("minReadySeconds", 0) == 0)
        self.assertEqual(len(self.rss("mrs")), 1)

    def test_hash_collision_bumps_collision_count(self):
        self.ok("POST", DEPS, deployment("coll", 1), 201)
        [first] = self.wait("the ReplicaSet", lambda: self.rss("coll"))
        # Deleted without its ReplicaSet (no garbage collector here): the
        # ReplicaSet stays, controlled by the old deployment's UID.
        self.ok("DELETE", DEPS + "/coll")
        self.ok("POST", DEPS, deployment("coll", 1), 201)
        d = self.wait("coll complete", lambda: self.complete("coll", 1))
        self.assertEqual(d["status"]["collisionCount"], 1)
        [rs] = self.rss("coll")
        self.assertNotEqual(rs["metadata"]["name"], first["metadata"]["name"])
        self.assertEqual(rs["metadata"]["name"], "coll-" + rs["metadata"]["labels"][HASH])
        self.ok("GET", RSS + "/" + first["metadata"]["name"])

    def test_rollout_usage_errors(self):
        cases = [
            (["rollout"], "you must specify a rollout subcommand"),
            (["rollout", "sideways", "deployment/x"], 'unknown command "sideways" for "capctl rollout"'),
            (["rollout", "status"], "required resource not specified"),
            (["rollout", "status", "deployment/nope"], 'deployments.apps "nope" not found'),
            (["rollout", "status", "rs/x"], "no status viewer has been implemented for ReplicaSet"),
            (["rollout", "undo", "deployment"], "resource(s) were provided, but no name was specified"),
            (["rollout", "status", "deployment/x", "--timeout=soon"], 'invalid --timeout "soon"'),
            (["rollout", "history", "deployment/x", "--replicas=2"], "unknown flag: --replicas"),
        ]
        for args, text in cases:
            r = self.capctl(*args)
            self.assertEqual(r.returncode, 1, (args, r))
            self.assertIn(text, r.stderr, args)
        r = self.capctl("rollout", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--to-revision", r.stdout)
        # --watch=false reports once and returns.
        self.ok("POST", DEPS, deployment("once", 1, image="broken"), 201)
        self.wait("once observed", lambda: self.dep("once").get("status", {}).get("observedGeneration"))
        r = self.capctl("rollout", "status", "deployment/once", "--watch=false")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout.count("\n"), 1, r.stdout)
        self.assertIn('Waiting for deployment "once" rollout to finish', r.stdout)

    def test_invalid_strategies_are_refused(self):
        cases = [
            ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
             "spec.strategy.rollingUpdate.maxUnavailable"),
            ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}},
             "may not be 0 when `maxSurge` is 0"),
            ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "150%"}},
             "must not be greater than 100%"),
            ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "x%"}},
             "spec.strategy.rollingUpdate.maxSurge"),
            ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": -1}},
             "spec.strategy.rollingUpdate.maxSurge"),
            ({"type": "Recreate", "rollingUpdate": {"maxSurge": 1}},
             "may not be specified when strategy `type` is 'Recreate'"),
            ({"type": "Sideways"}, 'spec.strategy.type: Unsupported value: "Sideways"'),
        ]
        for strategy, text in cases:
            code, st = self.cs.request("POST", DEPS, deployment("bad", 1, strategy=strategy))
            self.assertEqual((code, st.get("reason")), (422, "Invalid"), (strategy, st))
            self.assertIn(text, st["message"], strategy)
        code, st = self.cs.request("POST", DEPS, deployment("bad", 1, progressDeadlineSeconds=0,
                                                            minReadySeconds=5))
        self.assertEqual(code, 422, st)
        self.assertIn("must be greater than minReadySeconds", st["message"])
        self.assertEqual(self.cs.request("GET", DEPS + "/bad")[0], 404)

    def test_adopts_and_releases_replicasets(self):
        # An orphan ReplicaSet of the deployment's template is adopted and
        # becomes its new ReplicaSet rather than a duplicate being created.
        body = deployment("adopt", 1)
        tmpl = json.loads(json.dumps(body["spec"]["template"]))
        tmpl["metadata"]["labels"][HASH] = "manual"
        orphan = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": "adopt-manual", "labels": {"app": "adopt", HASH: "manual"}},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "adopt", HASH: "manual"}},
                           "template": tmpl}}
        self.ok("POST", RSS, orphan, 201)
        self.ok("POST", DEPS, body, 201)
        self.wait("adopt complete", lambda: self.complete("adopt", 1))
        rss = self.rss("adopt")
        self.assertEqual([r["metadata"]["name"] for r in rss], ["adopt-manual"])
        # Relabelled out of the selector: released.
        self.ok("PATCH", RSS + "/adopt-manual", {"metadata": {"labels": {"app": "other"}}}, ctype=MERGE)
        self.wait("released", lambda: "ownerReferences" not in
                  self.ok("GET", RSS + "/adopt-manual")["metadata"])


class RestartTest(unittest.TestCase):
    def test_no_new_replicaset_after_restart(self):
        conf_dir = tempfile.mkdtemp(prefix="capstan-deploy-conf-")
        data = tempfile.mkdtemp(prefix="capstan-deploy-data-")
        extra = ["--dev-modules"] if os.getuid() != 0 else []
        cs = Capstand(data_dir=data, config=write_config(conf_dir), extra=extra)
        try:
            cs.start()
            code, _ = cs.request("POST", DEPS, deployment("stay", 2))
            self.assertEqual(code, 201)
            deadline = time.time() + 10
            names = []
            while time.time() < deadline and not names:
                names = [r["metadata"]["name"] for r in cs.request("GET", RSS)[1]["items"]]
                time.sleep(0.05)
            self.assertEqual(len(names), 1)
            cs.stop()
            cs.start()
            time.sleep(2)
            after = [r["metadata"]["name"] for r in cs.request("GET", RSS)[1]["items"]]
            self.assertEqual(after, names, "the pod-template-hash changed across a restart")
        finally:
            cs.cleanup()
            shutil.rmtree(conf_dir, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
