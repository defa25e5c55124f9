"""The Job controller module (ctrl-job) against a real capstand.

No node agent runs here: the test plays the kubelet, moving pods to Running,
Succeeded or Failed through pods/status, and checks that the controller
behaves as Kubernetes' job controller: parallelism and completions, work
queues, backoffLimit with backoff between re-creations, activeDeadlineSeconds,
Indexed completion, suspend, ttlSecondsAfterFinished, status, Events, the
tracking finalizer, and exact counts across a restart."""
import calendar
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
JOBS = "/apis/batch/v1/namespaces/default/jobs"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"
FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX = "batch.kubernetes.io/job-completion-index"


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        # A short backoff keeps the failure tests fast; the doubling is kept.
        f.write('module "ctrl-job" { enabled = true  required = true  backoff-base-ms = 300 }\n')
    return path


def start_capstand(data_dir=None):
    conf_dir = tempfile.mkdtemp(prefix="capstan-job-conf-")
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(data_dir=data_dir, config=write_config(conf_dir), extra=extra)
    cs.conf_dir = conf_dir
    try:
        return cs.start()
    except BaseException:
        cs.cleanup()
        shutil.rmtree(conf_dir, ignore_errors=True)
        raise


def job(name, **spec):
    s = {"template": {"metadata": {"labels": {"app": name}},
                      "spec": {"restartPolicy": "Never",
                               "containers": [{"name": "c", "image": "busybox"}]}}}
    s.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": s}


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class JobBase(unittest.TestCase):
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
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.05)
        self.fail("timed out waiting for %s; last: %r\n%s" % (what, last, self.cs.logtext()[-3000:]))

    def get_job(self, name):
        return self.ok("GET", JOBS + "/" + name)

    def owned(self, name):
        """Pods whose controller is Job `name` (including terminating ones)."""
        uid = self.get_job(name)["metadata"]["uid"]
        return [p for p in self.ok("GET", PODS)["items"]
                if any(r.get("controller") and r["uid"] == uid
                       for r in p["metadata"].get("ownerReferences", []))]

    def active(self, name):
        return [p for p in self.owned(name)
                if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
                and not p["metadata"].get("deletionTimestamp")]

    def n_active(self, name, n):
        got = self.active(name)
        return got if len(got) == n else None

    # -- the fake kubelet --
    def kubelet(self, pod, phase, ready=None):
        """Report pod's phase as a kubelet would (with container end times)."""
        p = self.ok("GET", PODS + "/" + pod["metadata"]["name"])
        st = {"phase": phase}
        if phase in ("Succeeded", "Failed"):
            st["containerStatuses"] = [{
                "name": "c", "image": "busybox", "imageID": "", "ready": False,
                "restartCount": 0,
                "state": {"terminated": {"exitCode": 0 if phase == "Succeeded" else 1,
                                         "startedAt": now(), "finishedAt": now()}}}]
            ready = False
        if ready is not None:
            st["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "lastTransitionTime": now()}]
        p["status"] = st
        self.ok("PUT", PODS + "/" + pod["metadata"]["name"] + "/status", p)

    def condition(self, name, ctype):
        for c in self.get_job(name).get("status", {}).get("conditions", []):
            if c["type"] == ctype:
                return c
        return None

    def finished(self, name, ctype, timeout=10):
        return self.wait("job %s %s" % (name, ctype), lambda: (
            (self.condition(name, ctype) or {}).get("status") == "True" and self.get_job(name)),
            timeout)

    def events(self, name, reason):
        return [e for e in self.ok("GET", NS + "/events")["items"]
                if e["reason"] == reason and e["involvedObject"].get("name") == name
                and e["involvedObject"].get("kind") == "Job"]


class JobTest(JobBase):
    def test_completions_with_parallelism(self):
        j = self.ok("POST", JOBS, job("three", completions=3, parallelism=2), 201)
        uid = j["metadata"]["uid"]
        done = 0
        while done < 3:
            want = min(2, 3 - done)
            pods = self.wait("%d active pods" % want, lambda: self.n_active("three", want))
            # Never more than parallelism at a time.
            time.sleep(0.3)
            self.assertEqual(len(self.active("three")), want)
            self.kubelet(pods[0], "Succeeded")
            done += 1
        j = self.finished("three", "Complete")
        st = j["status"]
        self.assertEqual((st["succeeded"], st.get("failed", 0), st.get("active", 0)), (3, 0, 0))
        self.assertTrue(st["startTime"] and st["completionTime"])
        self.assertEqual(st.get("uncountedTerminatedPods", {}), {})
        self.assertEqual(self.condition("three", "Complete")["reason"], "CompletionsReached")
        pods = self.owned("three")
        self.assertEqual(len(pods), 3)
        for p in pods:
            md = p["metadata"]
            self.assertEqual(md["labels"]["job-name"], "three")
            self.assertEqual(md["labels"]["batch.kubernetes.io/job-name"], "three")
            self.assertEqual(md["labels"]["controller-uid"], uid)
            self.assertEqual(md["labels"]["batch.kubernetes.io/controller-uid"], uid)
            self.assertEqual(md["labels"]["app"], "three")
            self.assertTrue(md["name"].startswith("three-"))
            ref = md["ownerReferences"][0]
            self.assertEqual((ref["kind"], ref["name"], ref["uid"], ref["controller"],
                              ref["blockOwnerDeletion"]), ("Job", "three", uid, True, True))
        # Counted pods are released: no tracking finalizer left.
        self.wait("finalizers released", lambda: all(
            FINALIZER not in p["metadata"].get("finalizers", []) for p in self.owned("three")))
        self.wait("3 SuccessfulCreate", lambda: len(self.events("three", "SuccessfulCreate")) == 3)
        ev = self.wait("Completed event", lambda: self.events("three", "Completed"))
        self.assertEqual((ev[0]["type"], ev[0]["message"]), ("Normal", "Job completed"))
        for e in self.events("three", "SuccessfulCreate"):
            self.assertTrue(e["message"].startswith("Created pod: three-"))

    def test_pods_carry_the_tracking_finalizer(self):
        self.ok("POST", JOBS, job("tracked"), 201)
        pods = self.wait("1 pod", lambda: self.n_active("tracked", 1))
        self.assertIn(FINALIZER, pods[0]["metadata"]["finalizers"])
        self.wait("status active 1", lambda: self.get_job("tracked").get("status", {}).get("active") == 1)
        # A pod deleted before it finished counts as failed, and is replaced.
        self.ok("DELETE", PODS + "/" + pods[0]["metadata"]["name"], want=(200, 202))
        self.wait("failed 1", lambda: self.get_job("tracked")["status"].get("failed") == 1)
        self.wait("deleted pod released and gone", lambda: self.req(
            "GET", PODS + "/" + pods[0]["metadata"]["name"])[0] == 404)
        new = self.wait("a replacement", lambda: self.n_active("tracked", 1))
        self.assertNotEqual(new[0]["metadata"]["name"], pods[0]["metadata"]["name"])

    def test_work_queue(self):
        self.ok("POST", JOBS, job("queue", parallelism=2), 201)
        j = self.get_job("queue")
        self.assertNotIn("completions", j["spec"])
        pods = self.wait("2 pods", lambda: self.n_active("queue", 2))
        self.kubelet(pods[0], "Succeeded")
        self.wait("succeeded 1", lambda: self.get_job("queue")["status"].get("succeeded") == 1)
        time.sleep(0.5)
        # Once one succeeded, no new pods: the others finish on their own.
        self.assertEqual(len(self.owned("queue")), 2)
        self.assertIsNone(self.condition("queue", "Complete"))
        self.kubelet(pods[1], "Succeeded")
        st = self.finished("queue", "Complete")["status"]
        self.assertEqual(st["succeeded"], 2)
        self.assertEqual(len(self.owned("queue")), 2)

    def test_backoff_limit(self):
        self.ok("POST", JOBS, job("flaky", backoffLimit=1), 201)
        first = self.wait("1 pod", lambda: self.n_active("flaky", 1))[0]
        # Backoff counts from the container's finishedAt (whole seconds).
        t0 = int(time.time())
        self.kubelet(first, "Failed")
        self.wait("failed 1", lambda: self.get_job("flaky")["status"].get("failed") == 1)
        second = self.wait("a second pod", lambda: self.n_active("flaky", 1))[0]
        # Re-created only after the backoff (300 ms in this config).
        self.assertGreaterEqual(time.time() - t0, 0.3)
        self.assertNotEqual(second["metadata"]["name"], first["metadata"]["name"])
        self.kubelet(second, "Failed")
        j = self.finished("flaky", "Failed")
        c = self.condition("flaky", "Failed")
        self.assertEqual((c["reason"], c["message"]),
                         ("BackoffLimitExceeded", "Job has reached the specified backoff limit"))
        self.assertEqual((j["status"]["failed"], j["status"].get("succeeded", 0),
                          j["status"].get("active", 0)), (2, 0, 0))
        time.sleep(0.8)
        self.assertEqual(len(self.owned("flaky")), 2)
        ev = self.wait("BackoffLimitExceeded event", lambda: self.events("flaky", "BackoffLimitExceeded"))
        self.assertEqual(ev[0]["type"], "Warning")

    def test_backoff_doubles(self):
        self.ok("POST", JOBS, job("doubling", backoffLimit=5), 201)
        gaps = []
        for _ in range(3):
            pod = self.wait("a pod", lambda: self.n_active("doubling", 1))[0]
            t0 = int(time.time())  # finishedAt has whole seconds
            self.kubelet(pod, "Failed")
            self.wait("a new pod", lambda: (self.n_active("doubling", 1) or [{}])[0]
                      .get("metadata", {}).get("name") not in (None, pod["metadata"]["name"]))
            gaps.append(time.time() - t0)
        # 300 ms, 600 ms, 1200 ms (plus scheduling noise).
        self.assertGreaterEqual(gaps[0], 0.3)
        self.assertGreaterEqual(gaps[1], 0.6)
        self.assertGreaterEqual(gaps[2], 1.2)

    def test_active_deadline(self):
        self.ok("POST", JOBS, job("slow", completions=4, parallelism=2, activeDeadlineSeconds=2), 201)
        pods = self.wait("2 pods", lambda: self.n_active("slow", 2))
        for p in pods:
            self.kubelet(p, "Running", ready=True)
        self.wait("ready 2", lambda: self.get_job("slow").get("status", {}).get("ready") == 2)
        j = self.finished("slow", "Failed", timeout=8)
        c = self.condition("slow", "Failed")
        self.assertEqual((c["reason"], c["message"]),
                         ("DeadlineExceeded", "Job was active longer than specified deadline"))
        start = calendar.timegm(time.strptime(j["status"]["startTime"], "%Y-%m-%dT%H:%M:%SZ"))
        fail = calendar.timegm(time.strptime(c["lastTransitionTime"], "%Y-%m-%dT%H:%M:%SZ"))
        self.assertGreaterEqual(fail - start, 2)
        # The running pods were deleted, counted as failed, and are gone.
        self.assertEqual((j["status"].get("active", 0), j["status"]["failed"]), (0, 2))
        self.wait("pods gone", lambda: not self.owned("slow"))
        self.wait("DeadlineExceeded event", lambda: self.events("slow", "DeadlineExceeded"))
        self.assertEqual(len(self.events("slow", "SuccessfulDelete")), 2)

    def test_indexed(self):
        self.ok("POST", JOBS, job("idx", completions=3, parallelism=3, completionMode="Indexed"), 201)
        pods = self.wait("3 pods", lambda: self.n_active("idx", 3))
        by_index = {}
        for p in pods:
            ix = p["metadata"]["annotations"][INDEX]
            self.assertEqual(p["metadata"]["labels"][INDEX], ix)
            self.assertTrue(p["metadata"]["name"].startswith("idx-%s-" % ix))
            self.assertEqual(p["spec"]["hostname"], "idx-" + ix)
            env = {e["name"]: e for e in p["spec"]["containers"][0]["env"]}
            self.assertEqual(env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"],
                             "metadata.annotations['%s']" % INDEX)
            by_index[ix] = p
        self.assertEqual(sorted(by_index), ["0", "1", "2"])
        self.kubelet(by_index["1"], "Succeeded")
        self.wait("index 1 done", lambda: self.get_job("idx")["status"].get("completedIndexes") == "1")
        # A failed index is retried with the same index.
        self.kubelet(by_index["0"], "Failed")
        retry = self.wait("index 0 again", lambda: [
            p for p in self.active("idx") if p["metadata"]["annotations"][INDEX] == "0"
            and p["metadata"]["name"] != by_index["0"]["metadata"]["name"]])
        self.assertEqual(len(self.active("idx")), 2)
        self.kubelet(retry[0], "Succeeded")
        self.kubelet(by_index["2"], "Succeeded")
        st = self.finished("idx", "Complete")["status"]
        self.assertEqual((st["completedIndexes"], st["succeeded"], st["failed"]), ("0-2", 3, 1))

    def test_ttl_after_finished(self):
        self.ok("POST", JOBS, job("brief", ttlSecondsAfterFinished=1), 201)
        pod = self.wait("1 pod", lambda: self.n_active("brief", 1))[0]
        self.kubelet(pod, "Succeeded")
        done = self.finished("brief", "Complete")["status"]["completionTime"]
        done = calendar.timegm(time.strptime(done, "%Y-%m-%dT%H:%M:%SZ"))
        self.wait("job deleted", lambda: self.req("GET", JOBS + "/brief")[0] == 404, timeout=6)
        self.assertGreaterEqual(time.time(), done + 1)

    def test_suspend(self):
        self.ok("POST", JOBS, job("napper", completions=2, parallelism=2, suspend=True), 201)
        c = self.wait("Suspended", lambda: self.condition("napper", "Suspended"))
        self.assertEqual((c["status"], c["reason"], c["message"]), ("True", "JobSuspended", "Job suspended"))
        time.sleep(0.5)
        self.assertEqual(self.owned("napper"), [])
        self.assertNotIn("startTime", self.get_job("napper").get("status", {}))
        self.ok("PATCH", JOBS + "/napper", {"spec": {"suspend": False}}, ctype=MERGE)
        self.wait("2 pods", lambda: self.n_active("napper", 2))
        c = self.wait("resumed", lambda: (self.condition("napper", "Suspended") or {}).get("status") == "False"
                      and self.condition("napper", "Suspended"))
        self.assertEqual((c["reason"], c["message"]), ("JobResumed", "Job resumed"))
        self.assertIn("startTime", self.get_job("napper")["status"])
        self.ok("PATCH", JOBS + "/napper", {"spec": {"suspend": True}}, ctype=MERGE)
        self.wait("pods deleted", lambda: not self.active("napper"))
        self.wait("Suspended again", lambda: (self.condition("napper", "Suspended") or {}).get("status") == "True")
        self.wait("active 0", lambda: self.get_job("napper")["status"].get("active", 0) == 0)
        self.wait("Suspended event", lambda: self.events("napper", "Suspended"))
        self.wait("Resumed event", lambda: self.events("napper", "Resumed"))

    def test_deleted_job_releases_its_pods(self):
        self.ok("POST", JOBS, job("dropped"), 201)
        pod = self.wait("1 pod", lambda: self.n_active("dropped", 1))[0]
        name = pod["metadata"]["name"]
        self.ok("DELETE", JOBS + "/dropped", want=(200, 202))
        # Deleting the pod (as the garbage collector will) is not held up
        # by the tracking finalizer once its Job is gone.
        self.ok("DELETE", PODS + "/" + name, want=(200, 202))
        self.wait("pod gone", lambda: self.req("GET", PODS + "/" + name)[0] == 404)


class RestartTest(JobBase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="capstan-job-restart-")
        cls.cs = start_capstand(cls.data)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.data, ignore_errors=True)

    def test_counts_survive_a_restart(self):
        self.ok("POST", JOBS, job("steady", completions=3, parallelism=3, backoffLimit=5), 201)
        pods = self.wait("3 pods", lambda: self.n_active("steady", 3))
        self.wait("status active 3", lambda: self.get_job("steady").get("status", {}).get("active") == 3)
        # A restart with nothing to do creates nothing.
        self.cs.stop()
        self.cs.start()
        time.sleep(1)
        self.assertEqual(len(self.owned("steady")), 3)
        self.kubelet(pods[0], "Succeeded")
        self.kubelet(pods[1], "Failed")
        self.wait("counted", lambda: (lambda s: s.get("succeeded") == 1 and s.get("failed") == 1)(
            self.get_job("steady")["status"]))
        self.cs.stop()
        self.cs.start()
        time.sleep(1.5)
        st = self.get_job("steady")["status"]
        self.assertEqual((st.get("succeeded"), st.get("failed")), (1, 1))
        # One replacement for the failed pod, no more.
        active = self.wait("2 active", lambda: self.n_active("steady", 2))
        self.assertEqual(len(self.owned("steady")), 4)
        for p in active:
            self.kubelet(p, "Succeeded")
        st = self.finished("steady", "Complete")["status"]
        self.assertEqual((st["succeeded"], st["failed"]), (3, 1))


if __name__ == "__main__":
    main()
