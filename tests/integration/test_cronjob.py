"""The CronJob controller module (ctrl-cronjob) against a real capstand.

Schedules run in real time, at minute granularity as in Kubernetes.  To avoid
waiting for start times, most tests set status.lastScheduleTime a few minutes
back while the CronJob is suspended: on resume the latest missed start time
(the current minute) is due at once, exactly as after a controller outage.
One test waits for a real minute boundary (at most ~70 s) to see the next
start time honour concurrencyPolicy and suspend.  The Job controller is not
loaded: the test finishes Jobs itself through jobs/status."""
import calendar
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
CJS = "/apis/batch/v1/namespaces/default/cronjobs"
JOBS = "/apis/batch/v1/namespaces/default/jobs"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"
SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-cronjob" { enabled = true  required = true }\n')
    return path


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def cronjob(name, schedule="* * * * *", **spec):
    s = {"schedule": schedule, "suspend": True,
         "jobTemplate": {"metadata": {"labels": {"app": name}, "annotations": {"note": name}},
                         "spec": {"template": {"spec": {
                             "restartPolicy": "Never",
                             "containers": [{"name": "c", "image": "busybox"}]}}}}}
    s.update(spec)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": s}


class CronJobTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conf_dir = tempfile.mkdtemp(prefix="capstan-cj-conf-")
        extra = ["--dev-modules"] if os.getuid() != 0 else []
        cls.cs = Capstand(config=write_config(cls.conf_dir), extra=extra).start()

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
        self.fail("timed out waiting for %s; last: %r\n%s" % (what, last, self.cs.logtext()[-3000:]))

    def get_cj(self, name):
        return self.ok("GET", CJS + "/" + name)

    def jobs_of(self, name):
        uid = self.get_cj(name)["metadata"]["uid"]
        return sorted((j for j in self.ok("GET", JOBS)["items"]
                       if not j["metadata"].get("deletionTimestamp")
                       and any(r.get("controller") and r["uid"] == uid
                               for r in j["metadata"].get("ownerReferences", []))),
                      key=lambda j: j["metadata"]["name"])

    def n_jobs(self, name, n):
        got = self.jobs_of(name)
        return got if len(got) == n else None

    def events(self, name, reason):
        return [e for e in self.ok("GET", NS + "/events")["items"]
                if e["reason"] == reason and e["involvedObject"].get("name") == name
                and e["involvedObject"].get("kind") == "CronJob"]

    def start(self, name, last, **spec):
        """Create suspended, pretend the last run was at `last`, resume."""
        self.ok("POST", CJS, cronjob(name, **spec), 201)
        self.ok("PATCH", CJS + "/" + name + "/status", {"status": {"lastScheduleTime": rfc3339(last)}},
                ctype=MERGE)
        self.ok("PATCH", CJS + "/" + name, {"spec": {"suspend": False}}, ctype=MERGE)

    def finish(self, job, ctype="Complete"):
        j = self.ok("GET", JOBS + "/" + job["metadata"]["name"])
        now = rfc3339(time.time())
        j["status"] = {"startTime": now, "conditions": [
            {"type": ctype, "status": "True", "lastProbeTime": now, "lastTransitionTime": now}]}
        if ctype == "Complete":
            j["status"]["completionTime"] = now
            j["status"]["succeeded"] = 1
        else:
            j["status"]["failed"] = 1
        self.ok("PUT", JOBS + "/" + job["metadata"]["name"] + "/status", j)

    def test_runs_the_due_start_time(self):
        t = time.time()
        self.start("hello", t - 300)
        job = self.wait("a job", lambda: self.n_jobs("hello", 1))[0]
        minute = int(job["metadata"]["name"].rsplit("-", 1)[1])
        self.assertIn(minute, (int(t) // 60, int(t) // 60 + 1))
        md = job["metadata"]
        self.assertEqual(md["annotations"][SCHEDULED], rfc3339(minute * 60))
        self.assertEqual(md["annotations"]["note"], "hello")
        self.assertEqual(md["labels"]["app"], "hello")
        ref = md["ownerReferences"][0]
        cj = self.get_cj("hello")
        self.assertEqual((ref["kind"], ref["name"], ref["uid"], ref["controller"]),
                         ("CronJob", "hello", cj["metadata"]["uid"], True))
        self.assertEqual(job["spec"]["template"]["spec"]["containers"][0]["image"], "busybox")
        st = self.wait("status", lambda: self.get_cj("hello").get("status", {}).get("active")
                       and self.get_cj("hello")["status"])
        self.assertEqual([(a["kind"], a["name"], a["uid"]) for a in st["active"]],
                         [("Job", md["name"], md["uid"])])
        self.assertEqual(st["lastScheduleTime"], rfc3339(minute * 60))
        ev = self.wait("SuccessfulCreate", lambda: self.events("hello", "SuccessfulCreate"))
        self.assertEqual(ev[0]["message"], "Created job " + md["name"])
        # Its Job finishes: out of status.active, lastSuccessfulTime set.
        self.finish(job)
        st = self.wait("job seen complete", lambda: (lambda s: "active" not in s and s.get(
            "lastSuccessfulTime") and s)(self.get_cj("hello").get("status", {})))
        self.wait("SawCompletedJob", lambda: self.events("hello", "SawCompletedJob"))
        self.assertEqual(self.events("hello", "SawCompletedJob")[0]["message"],
                         "Saw completed job: %s, status: Complete" % md["name"])

    def test_time_zone(self):
        # The previous minute, as a daily schedule in Kolkata (UTC+05:30).
        target = (int(time.time()) // 60 - 1) * 60
        local = time.gmtime(target + 19800)
        self.start("zoned", target - 600, schedule="%d %d * * *" % (local.tm_min, local.tm_hour),
                   timeZone="Asia/Kolkata")
        job = self.wait("a job", lambda: self.n_jobs("zoned", 1))[0]
        self.assertEqual(job["metadata"]["name"], "zoned-%d" % (target // 60))
        self.assertEqual(job["metadata"]["annotations"][SCHEDULED],
                         time.strftime("%Y-%m-%dT%H:%M:%S+05:30", local))

    def test_too_many_missed_start_times(self):
        self.start("late", time.time() - 200 * 60)
        self.wait("a job", lambda: self.n_jobs("late", 1))
        ev = self.wait("TooManyMissedTimes", lambda: self.events("late", "TooManyMissedTimes"))
        self.assertEqual(ev[0]["type"], "Warning")

    def test_history_limits(self):
        cj = self.ok("POST", CJS, cronjob("hist", successfulJobsHistoryLimit=1,
                                          failedJobsHistoryLimit=1), 201)
        owner = {"apiVersion": "batch/v1", "kind": "CronJob", "name": "hist",
                 "uid": cj["metadata"]["uid"], "controller": True}
        names = []
        for i, ctype in enumerate(["Complete", "Failed", "Complete", "Failed", "Complete"]):
            name = "hist-old-%d" % i
            body = cronjob("x")["spec"]["jobTemplate"]
            job = {"apiVersion": "batch/v1", "kind": "Job",
                   "metadata": {"name": name, "ownerReferences": [owner]}, "spec": body["spec"]}
            self.ok("POST", JOBS, job, 201)
            self.finish({"metadata": {"name": name}}, ctype)
            names.append(name)
            time.sleep(1.05)  # distinct start times (whole seconds)
        # Kept: the newest success and the newest failure.
        left = self.wait("pruned", lambda: [j["metadata"]["name"] for j in self.jobs_of("hist")]
                         if len(self.jobs_of("hist")) == 2 else None)
        self.assertEqual(left, ["hist-old-3", "hist-old-4"])
        self.wait("3 SuccessfulDelete", lambda: len(self.events("hist", "SuccessfulDelete")) == 3)

    def test_zz_next_start_time(self):
        """Waits for a real minute boundary: Allow, Forbid, Replace, suspend."""
        t = time.time()
        for name, policy in (("allow", "Allow"), ("forbid", "Forbid"), ("replace", "Replace")):
            self.start(name, t - 300, concurrencyPolicy=policy)
        self.start("stopped", t - 300)
        self.ok("POST", CJS, cronjob("paused"), 201)
        first = {n: self.wait(n + " first job", lambda: self.n_jobs(n, 1))[0]
                 for n in ("allow", "forbid", "replace", "stopped")}
        self.ok("PATCH", CJS + "/stopped", {"spec": {"suspend": True}}, ctype=MERGE)
        # Past the next start time after all the first jobs.
        last = max(int(j["metadata"]["name"].rsplit("-", 1)[1]) for j in first.values())
        boundary = (last + 1) * 60
        time.sleep(max(0, boundary - time.time()) + 1)
        self.wait("allow: a second job", lambda: self.n_jobs("allow", 2), timeout=10)
        self.assertEqual(len(self.get_cj("allow")["status"]["active"]), 2)
        # Replace: the first job was deleted, the new one is the only active.
        new = self.wait("replace: a new job", lambda: [
            j for j in self.jobs_of("replace")
            if j["metadata"]["name"] != first["replace"]["metadata"]["name"]], timeout=10)
        self.wait("replace: old job deleted", lambda: self.req(
            "GET", JOBS + "/" + first["replace"]["metadata"]["name"])[0] == 404)
        self.wait("replace: status", lambda: [a["name"] for a in self.get_cj("replace")["status"].get(
            "active", [])] == [new[0]["metadata"]["name"]])
        self.wait("replace: SuccessfulDelete", lambda: self.events("replace", "SuccessfulDelete"))
        # Forbid: nothing new while the first one runs.
        ev = self.wait("forbid: JobAlreadyActive", lambda: self.events("forbid", "JobAlreadyActive"))
        self.assertEqual(ev[0]["message"], "Not starting job because prior execution is running "
                         "and concurrency policy is Forbid")
        self.assertEqual(len(self.jobs_of("forbid")), 1)
        # Suspended: nothing at all.
        self.assertEqual(self.jobs_of("paused"), [])
        self.assertEqual(len(self.jobs_of("stopped")), 1)


if __name__ == "__main__":
    main()
