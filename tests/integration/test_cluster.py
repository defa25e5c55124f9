"""The whole control plane against simulated nodes: a real capstand server
with the scheduler, the admission modules and every controller, and two
real node-agent processes, one serving three hollow nodes and one serving a
single node of its own.  Nothing here acts as scheduler or kubelet: pods are
bound by the scheduler and run (as far as rt-hollow runs anything) by the
agents, so the tests see what a user of the cluster sees.

Covered: deployment -> replicaset -> pods bound and Running; scaling; a
rolling update that never drops below replicas - maxUnavailable ready pods;
rollback; a daemonset with one pod per schedulable node; statefulset
ordering; job completion counts; garbage collection with each propagation
policy; and a node whose agent dies turning unready, its pods evicted and
rescheduled on the other nodes."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, Capstand, main

MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
DEV = [] if os.geteuid() == 0 else ["--dev-modules"]
NS = "/api/v1/namespaces/default"
APPS = "/apis/apps/v1/namespaces/default"
BATCH = "/apis/batch/v1/namespaces/default"
MERGE = "application/merge-patch+json"

# The server runs what etc/capstan.conf enables, in its order; the node
# lifecycle controller with a grace period above the agents' 10 s Lease
# renewals but well below Kubernetes' 40 s, so that a lost node is noticed
# within the test's patience.
SERVER_MODULES = [
    "sched-nodebasics", "sched-nodeaffinity", "sched-noderesources",
    "sched-balancedallocation", "sched-podtopologyspread", "sched-interpodaffinity",
    "sched-framework", "admit-limitranger", "admit-resourcequota", "ctrl-replicaset",
    "ctrl-deployment", "ctrl-daemonset", "ctrl-statefulset", "ctrl-endpoints", "ctrl-job",
    "ctrl-cronjob", "ctrl-gc",
]
NODELIFECYCLE = ('module "ctrl-nodelifecycle" {\n  node-monitor-period = 0.5\n'
                 '  node-monitor-grace-period = 15\n  node-eviction-rate = 100\n}\n')


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def container(image="busybox"):
    return {"name": "c", "image": image, "resources": {"requests": {"cpu": "100m"}}}


def deployment(name, replicas, image="busybox", extra_spec=None, strategy=None):
    spec = {"containers": [container(image)]}
    spec.update(extra_spec or {})
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}
    if strategy:
        d["spec"]["strategy"] = strategy
    return d


def running_ready(p):
    conds = {c["type"]: c["status"] for c in p.get("status", {}).get("conditions", [])}
    return p.get("status", {}).get("phase") == "Running" and conds.get("Ready") == "True"


class Cluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="capstan-cluster-")
        conf = 'module-path = "%s"\nstore { sync = false }\n' % MODULE_DIR
        conf += "".join('module "%s" { }\n' % m for m in SERVER_MODULES) + NODELIFECYCLE
        cls.server = Capstand(config=write(os.path.join(cls.tmp, "server.conf"), conf),
                              extra=["--role", "server"] + DEV)
        cls.server.start()
        cls.url = "http://127.0.0.1:%d" % cls.server.port
        cls.agents = {}
        agent_conf = 'role = "agent"\nmodule-path = "%s"\n' % MODULE_DIR
        # Three hollow nodes in one process.
        cls.start_agent("hollow", agent_conf, ["--hollow-nodes", "3"])
        # One node of its own, whose pods exit (succeed) after half a
        # second: Jobs run there.  A taint keeps other pods away.
        cls.start_agent("worker", agent_conf +
                        'module "rt-hollow" {\n  run-ms = 500\n}\n', ["--node-name", "worker-1"])
        cls.wait_cls("4 nodes Ready", lambda: len(cls.ready_nodes()) == 4, 20)
        code, doc = cls.server.request(
            "PATCH", "/api/v1/nodes/worker-1",
            {"spec": {"taints": [{"key": "jobs-only", "value": "yes", "effect": "NoSchedule"}]}},
            ctype=MERGE)
        assert code == 200, doc

    @classmethod
    def start_agent(cls, name, conf, args):
        d = os.path.join(cls.tmp, name)
        os.mkdir(d)
        log = open(os.path.join(d, "agent.log"), "ab")
        p = subprocess.Popen([CAPSTAND, "-c", write(os.path.join(d, "agent.conf"), conf),
                              "--server", cls.url, "--data-dir", os.path.join(d, "data")]
                             + args + DEV, stdout=log, stderr=log)
        cls.agents[name] = (p, log, d)

    @classmethod
    def stop_agent(cls, name, sig=signal.SIGTERM):
        p, log, d = cls.agents[name]
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()
        with open(os.path.join(d, "agent.log"), "rb") as f:
            text = f.read().decode(errors="replace")
        if sig == signal.SIGTERM:
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    raise AssertionError("sanitizer report in the %s agent's log:\n%s"
                                         % (name, text[-4000:]))

    @classmethod
    def tearDownClass(cls):
        try:
            for name in list(cls.agents):
                if cls.agents[name][0].returncode is None:
                    cls.stop_agent(name)
        finally:
            cls.server.cleanup()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def ready_nodes(cls):
        code, doc = cls.server.request("GET", "/api/v1/nodes")
        out = []
        for n in doc.get("items", []) if code == 200 else []:
            conds = {c["type"]: c["status"] for c in n.get("status", {}).get("conditions", [])}
            if conds.get("Ready") == "True":
                out.append(n["metadata"]["name"])
        return out

    @classmethod
    def wait_cls(cls, what, fn, timeout=20):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = fn()
            if last:
                return last
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s (last: %r)\n%s"
                             % (what, last, cls.server.logtext()[-3000:]))

    def wait(self, what, fn, timeout=20):
        return self.wait_cls(what, fn, timeout)

    def ok(self, method, path, body=None, want=(200, 201, 202), **kw):
        code, doc = self.server.request(method, path, body, **kw)
        self.assertIn(code, want if isinstance(want, tuple) else (want,),
                      "%s %s -> %d %s" % (method, path, code, doc))
        return doc

    def pods(self, app):
        return self.ok("GET", NS + "/pods?labelSelector=app%3D" + app)["items"]

    def running(self, app, n):
        ps = [p for p in self.pods(app) if not p["metadata"].get("deletionTimestamp")]
        return len(ps) == n and all(running_ready(p) and p["spec"].get("nodeName")
                                    for p in ps) and ps

    # ---- workloads ----

    def test_1_deployment_runs_scales_rolls_and_rolls_back(self):
        self.ok("POST", APPS + "/deployments", deployment(
            "web", 4, strategy={"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}))
        ps = self.wait("4 web pods Running", lambda: self.running("web", 4))
        self.assertTrue({p["spec"]["nodeName"] for p in ps} <= {"hollow-0", "hollow-1",
                                                               "hollow-2"})
        rs = self.ok("GET", APPS + "/replicasets")["items"]
        self.assertEqual([r["metadata"]["ownerReferences"][0]["name"] for r in rs
                          if r["metadata"]["name"].startswith("web-")], ["web"])
        self.ok("PATCH", APPS + "/deployments/web/scale", {"spec": {"replicas": 6}},
                ctype=MERGE)
        self.wait("6 web pods Running", lambda: self.running("web", 6))
        self.ok("PATCH", APPS + "/deployments/web/scale", {"spec": {"replicas": 4}},
                ctype=MERGE)
        self.wait("4 web pods Running again", lambda: self.running("web", 4))

        # A rolling update, watched: ready pods never below 4 - 1, pods never
        # above 4 + 1.
        seen = {"min_ready": 99, "max_pods": 0}
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                ps = [p for p in self.pods("web")]
                ready = sum(1 for p in ps if running_ready(p) and
                            not p["metadata"].get("deletionTimestamp"))
                seen["min_ready"] = min(seen["min_ready"], ready)
                seen["max_pods"] = max(seen["max_pods"], len(ps))
                time.sleep(0.02)
        t = threading.Thread(target=watch)
        t.start()
        try:
            self.ok("PATCH", APPS + "/deployments/web",
                    {"spec": {"template": {"spec": {"containers": [
                        container("busybox:1.36")]}}}}, ctype=MERGE)

            def rolled():
                d = self.ok("GET", APPS + "/deployments/web")
                st = d.get("status", {})
                ps = self.running("web", 4)
                return (st.get("updatedReplicas") == 4 and st.get("availableReplicas") == 4
                        and ps and all(p["spec"]["containers"][0]["image"] == "busybox:1.36"
                                       for p in ps))
            self.wait("the rollout", rolled, 30)
        finally:
            stop.set()
            t.join()
        self.assertGreaterEqual(seen["min_ready"], 3, seen)
        self.assertLessEqual(seen["max_pods"], 5, seen)

        # Rollback, as `kubectl rollout undo` does it (capctl, client side).
        out = subprocess.run([os.environ.get("CAPCTL", os.path.join(
            os.path.dirname(CAPSTAND), "capctl")), "-s", self.url, "rollout", "undo",
            "deployment/web"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.wait("the rollback", lambda: (lambda ps: ps and all(
            p["spec"]["containers"][0]["image"] == "busybox" for p in ps))(
                self.running("web", 4)), 30)

    def test_2_daemonset_one_pod_per_schedulable_node(self):
        ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agentd"},
              "spec": {"selector": {"matchLabels": {"app": "agentd"}},
                       "template": {"metadata": {"labels": {"app": "agentd"}},
                                    "spec": {"containers": [container()]}}}}
        self.ok("POST", APPS + "/daemonsets", ds)
        ps = self.wait("one agentd pod per hollow node", lambda: self.running("agentd", 3))
        # worker-1's taint is not tolerated: no pod there.
        self.assertEqual(sorted(p["spec"]["nodeName"] for p in ps),
                         ["hollow-0", "hollow-1", "hollow-2"])
        st = self.wait("daemonset status", lambda: (lambda s: s.get("numberReady") == 3 and s)(
            self.ok("GET", APPS + "/daemonsets/agentd").get("status", {})))
        self.assertEqual(st["desiredNumberScheduled"], 3)

    def test_3_statefulset_in_order(self):
        sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
               "spec": {"replicas": 3, "serviceName": "db",
                        "selector": {"matchLabels": {"app": "db"}},
                        "template": {"metadata": {"labels": {"app": "db"}},
                                     "spec": {"containers": [container()]}}}}
        self.ok("POST", APPS + "/statefulsets", sts)
        ps = self.wait("db-0..2 Running", lambda: self.running("db", 3), 30)
        by_name = {p["metadata"]["name"]: p for p in ps}
        self.assertEqual(sorted(by_name), ["db-0", "db-1", "db-2"])
        # OrderedReady: each created only once the one before ran.
        for a, b in (("db-0", "db-1"), ("db-1", "db-2")):
            started = by_name[a]["status"]["startTime"]
            created = by_name[b]["metadata"]["creationTimestamp"]
            self.assertLessEqual(started, created, (a, b))

    def test_4_job_completions(self):
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "count"},
               "spec": {"completions": 3, "parallelism": 2, "template": {"spec": {
                   "restartPolicy": "Never",
                   "nodeSelector": {"kubernetes.io/hostname": "worker-1"},
                   "tolerations": [{"key": "jobs-only", "operator": "Exists"}],
                   "containers": [container()]}}}}
        self.ok("POST", BATCH + "/jobs", job)

        def complete():
            j = self.ok("GET", BATCH + "/jobs/count")
            conds = {c["type"]: c["status"] for c in j.get("status", {}).get("conditions", [])}
            return conds.get("Complete") == "True" and j["status"]
        st = self.wait("the job to complete", complete, 40)
        self.assertEqual(st["succeeded"], 3)
        self.assertFalse(st.get("failed"))

    def test_5_garbage_collection(self):
        for name in ("fg", "bg", "orph"):
            self.ok("POST", APPS + "/deployments", deployment(name, 2))
        for name in ("fg", "bg", "orph"):
            self.wait(name + " Running", lambda name=name: self.running(name, 2))

        def rs_of(name):
            return [r for r in self.ok("GET", APPS + "/replicasets")["items"]
                    if r["metadata"]["name"].startswith(name + "-")]
        self.ok("DELETE", APPS + "/deployments/fg", {"propagationPolicy": "Foreground"})
        self.ok("DELETE", APPS + "/deployments/bg", {"propagationPolicy": "Background"})
        self.ok("DELETE", APPS + "/deployments/orph", {"propagationPolicy": "Orphan"})
        self.wait("fg and its pods gone", lambda: not self.pods("fg") and not rs_of("fg") and
                  self.server.request("GET", APPS + "/deployments/fg")[0] == 404)
        self.wait("bg's pods gone", lambda: not self.pods("bg") and not rs_of("bg"))
        self.wait("orph gone", lambda: self.server.request(
            "GET", APPS + "/deployments/orph")[0] == 404)
        time.sleep(1)
        left = rs_of("orph")
        self.assertEqual(len(left), 1)
        self.assertFalse(left[0]["metadata"].get("ownerReferences"))
        self.assertTrue(self.running("orph", 2))

    def test_9_lost_node_pods_evicted_and_rescheduled(self):
        # Prefers worker-1 and tolerates its taint, and its unreachability
        # for a second only.
        spec = {"tolerations": [
            {"key": "jobs-only", "operator": "Exists"},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 1},
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 1}],
            "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "preference": {"matchExpressions": [
                    {"key": "kubernetes.io/hostname", "operator": "In",
                     "values": ["worker-1"]}]}}]}}}
        # Runs longer than rt-hollow's run-ms there: restartPolicy Always
        # keeps it going (restarts), which is fine for this test.
        self.ok("POST", APPS + "/deployments", deployment("mover", 1, extra_spec=spec))
        ps = self.wait("mover on worker-1", lambda: (lambda ps: ps and ps[0]["spec"].get(
            "nodeName") == "worker-1" and ps)([p for p in self.pods("mover")]))
        first = ps[0]["metadata"]["name"]
        self.stop_agent("worker", signal.SIGKILL)

        def unready():
            n = self.ok("GET", "/api/v1/nodes/worker-1")
            conds = {c["type"]: c["status"] for c in n["status"].get("conditions", [])}
            taints = {t["key"] for t in n["spec"].get("taints", [])}
            return conds.get("Ready") == "Unknown" and \
                "node.kubernetes.io/unreachable" in taints
        self.wait("worker-1 unreachable", unready, 40)
        moved = self.wait("mover rescheduled and Running elsewhere", lambda: (lambda ps: ps and (
            ps[0]["metadata"]["name"] != first and ps[0]["spec"]["nodeName"] != "worker-1"
            and ps))(self.running("mover", 1)), 30)
        self.assertIn(moved[0]["spec"]["nodeName"], ("hollow-0", "hollow-1", "hollow-2"))
        self.assertEqual(self.server.request("GET", NS + "/pods/" + first)[0], 404)


if __name__ == "__main__":
    main()
