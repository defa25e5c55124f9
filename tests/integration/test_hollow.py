"""The node agent with hollow nodes: `capstand --role agent --hollow-nodes N`
registers N simulated nodes, keeps their Leases, and runs the pods bound to
them through the rt-hollow runtime, against a real server."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Capstand, CAPSTAND  # noqa: E402

MODULE_DIR = os.environ.get("MODULE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules"))


def wait(fn, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


def pod(name, node, image="nginx:1.25", restart=None):
    spec = {"nodeName": node, "containers": [{"name": "web", "image": image}]}
    if restart:
        spec["restartPolicy"] = restart
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def condition(obj, kind):
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == kind:
            return c
    return None


class Hollow(unittest.TestCase):
    nodes = 3
    hollow_options = None  # rt-hollow options, through a configuration file

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="capstan-hollow-")
        cls.server = Capstand().start()
        cls.proc = None
        cls.start_agent()

    @classmethod
    def tearDownClass(cls):
        cls.stop_agent()
        cls.server.stop()
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def start_agent(cls):
        args = [CAPSTAND, "--role", "agent", "--server", "http://127.0.0.1:%d" % cls.server.port,
                "--hollow-nodes", str(cls.nodes), "--module-path", MODULE_DIR,
                "--data-dir", os.path.join(cls.tmp, "agent-data")]
        if os.geteuid() != 0:
            args.append("--dev-modules")
        if cls.hollow_options:
            conf = os.path.join(cls.tmp, "agent.conf")
            with open(conf, "w") as f:
                f.write('module "rt-hollow" {\n  enabled = false\n  %s\n}\n' % cls.hollow_options)
            args += ["-c", conf]
        cls.log = open(os.path.join(cls.tmp, "agent.log"), "ab")
        cls.proc = subprocess.Popen(args, stdout=cls.log, stderr=cls.log)

    @classmethod
    def stop_agent(cls):
        """SIGTERM: a clean exit (status 0) within a couple of seconds."""
        if not cls.proc:
            return None
        t0 = time.time()
        cls.proc.send_signal(signal.SIGTERM)
        try:
            rc = cls.proc.wait(5)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()
            rc = "timeout"
        cls.log.close()
        cls.proc = None
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert marker not in cls.agent_log(), cls.agent_log()
        return rc, time.time() - t0

    @classmethod
    def agent_log(cls):
        with open(os.path.join(cls.tmp, "agent.log"), "rb") as f:
            return f.read().decode(errors="replace")[-6000:]

    def get(self, path):
        code, doc = self.server.request("GET", path)
        return doc if code == 200 else None

    def ready_nodes(self):
        items = (self.get("/api/v1/nodes") or {}).get("items", [])
        return [n for n in items if (condition(n, "Ready") or {}).get("status") == "True"]

    def pod_running(self, name):
        p = self.get("/api/v1/namespaces/default/pods/" + name)
        if p and p.get("status", {}).get("phase") == "Running" and \
                (condition(p, "Ready") or {}).get("status") == "True":
            return p
        return None


class HollowThree(Hollow):
    def test_1_nodes_registered(self):
        self.assertTrue(wait(lambda: len(self.ready_nodes()) == 3), self.agent_log())
        names = sorted(n["metadata"]["name"] for n in self.ready_nodes())
        self.assertEqual(names, ["hollow-0", "hollow-1", "hollow-2"])
        n = self.get("/api/v1/nodes/hollow-1")
        st = n["status"]
        want = {"cpu": "4", "memory": "32Gi", "pods": "110"}
        for k, v in want.items():
            self.assertEqual(st["capacity"][k], v)
            self.assertEqual(st["allocatable"][k], v)
        self.assertIn("ephemeral-storage", st["capacity"])
        labels = n["metadata"]["labels"]
        self.assertEqual(labels["kubernetes.io/hostname"], "hollow-1")
        self.assertEqual(labels["kubernetes.io/os"], "linux")
        self.assertIn("kubernetes.io/arch", labels)
        ready = condition(n, "Ready")
        self.assertEqual((ready["status"], ready["reason"]), ("True", "KubeletReady"))
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure"):
            self.assertEqual(condition(n, kind)["status"], "False", kind)
        self.assertTrue(st["nodeInfo"]["containerRuntimeVersion"].startswith("hollow://"))
        self.assertTrue(st["nodeInfo"]["kubeletVersion"].startswith("v1."))
        types = {a["type"]: a["address"] for a in st["addresses"]}
        self.assertEqual(types["Hostname"], "hollow-1")
        self.assertIn("InternalIP", types)
        # capctl shows them as any client would.
        out = subprocess.run([os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "capctl"),
                              "-s", "http://127.0.0.1:%d" % self.server.port, "get", "nodes"],
                             capture_output=True, text=True)
        if out.returncode == 0:
            self.assertRegex(out.stdout, r"hollow-2\s+Ready")

    def test_2_leases_renewed(self):
        self.assertTrue(wait(lambda: len(self.ready_nodes()) == 3), self.agent_log())
        path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/hollow-0"
        lease = wait(lambda: self.get(path), 5)
        self.assertIsNotNone(lease, self.agent_log())
        self.assertEqual(lease["spec"]["holderIdentity"], "hollow-0")
        self.assertEqual(lease["spec"]["leaseDurationSeconds"], 40)
        self.assertRegex(lease["spec"]["renewTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        ref = lease["metadata"]["ownerReferences"][0]
        self.assertEqual((ref["kind"], ref["name"]), ("Node", "hollow-0"))
        first = lease["spec"]["renewTime"]
        # kubelet's renew interval is 10 s.
        self.assertTrue(wait(lambda: self.get(path)["spec"]["renewTime"] > first, 14),
                        self.agent_log())
        leases = self.get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")
        self.assertEqual(len(leases["items"]), 3)

    def test_3_pod_runs(self):
        code, _ = self.server.request("POST", "/api/v1/namespaces/default/pods", pod("web", "hollow-1"))
        self.assertEqual(code, 201)
        p = wait(lambda: self.pod_running("web"))
        self.assertIsNotNone(p, self.agent_log())
        st = p["status"]
        for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready"):
            self.assertEqual(condition(p, kind)["status"], "True", kind)
        node = self.get("/api/v1/nodes/hollow-1")
        internal = [a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"]
        self.assertEqual(st["hostIP"], internal[0])
        self.assertRegex(st["podIP"], r"^10\.\d+\.\d+\.\d+$")
        self.assertIn("startTime", st)
        cs = st["containerStatuses"][0]
        self.assertEqual(cs["name"], "web")
        self.assertTrue(cs["ready"] and cs["started"])
        self.assertEqual(cs["restartCount"], 0)
        self.assertIn("startedAt", cs["state"]["running"])
        self.assertRegex(cs["containerID"], r"^hollow://[0-9a-f]{64}$")
        self.assertTrue(cs["imageID"])
        self.assertEqual(cs["image"], "nginx:1.25")
        # A second pod gets another address.
        self.server.request("POST", "/api/v1/namespaces/default/pods", pod("web2", "hollow-2"))
        p2 = wait(lambda: self.pod_running("web2"))
        self.assertIsNotNone(p2, self.agent_log())
        self.assertNotEqual(p2["status"]["podIP"], st["podIP"])
        # Pods of nodes the agent does not serve are left alone.
        self.server.request("POST", "/api/v1/namespaces/default/pods", pod("elsewhere", "node-x"))
        time.sleep(1)
        other = self.get("/api/v1/namespaces/default/pods/elsewhere")
        self.assertNotIn("containerStatuses", other.get("status", {}))

    def test_4_pod_deleted(self):
        self.server.request("POST", "/api/v1/namespaces/default/pods", pod("gone", "hollow-0"))
        first = wait(lambda: self.pod_running("gone"))
        self.assertIsNotNone(first, self.agent_log())
        code, _ = self.server.request("DELETE", "/api/v1/namespaces/default/pods/gone")
        self.assertIn(code, (200, 202))
        self.assertTrue(wait(lambda: self.get("/api/v1/namespaces/default/pods/gone") is None))
        # The same name again is a new pod: a new sandbox and container.
        self.server.request("POST", "/api/v1/namespaces/default/pods", pod("gone", "hollow-0"))
        again = wait(lambda: self.pod_running("gone"))
        self.assertIsNotNone(again, self.agent_log())
        self.assertNotEqual(again["status"]["containerStatuses"][0]["containerID"],
                            first["status"]["containerStatuses"][0]["containerID"])
        # A pod being deleted (a finalizer holds it) is stopped by the agent,
        # which then deletes it with grace period 0 as the kubelet does.
        body = pod("held", "hollow-2")
        body["metadata"]["finalizers"] = ["example.com/hold"]
        self.server.request("POST", "/api/v1/namespaces/default/pods", body)
        self.assertIsNotNone(wait(lambda: self.pod_running("held")), self.agent_log())
        self.server.request("DELETE", "/api/v1/namespaces/default/pods/held")
        p = self.get("/api/v1/namespaces/default/pods/held")
        self.assertIn("deletionTimestamp", p["metadata"])
        p["metadata"]["finalizers"] = []
        code, _ = self.server.request("PUT", "/api/v1/namespaces/default/pods/held", p)
        self.assertIn(code, (200, 409))
        if code == 409:
            p = self.get("/api/v1/namespaces/default/pods/held")
            p["metadata"]["finalizers"] = []
            self.server.request("PUT", "/api/v1/namespaces/default/pods/held", p)
        self.assertTrue(wait(lambda: self.get("/api/v1/namespaces/default/pods/held") is None))

    def test_5_restart_adopts(self):
        self.assertTrue(wait(lambda: len(self.ready_nodes()) == 3), self.agent_log())
        self.server.request("POST", "/api/v1/namespaces/default/pods", pod("kept", "hollow-2"))
        self.assertIsNotNone(wait(lambda: self.pod_running("kept")), self.agent_log())
        uids = {n["metadata"]["name"]: n["metadata"]["uid"] for n in self.ready_nodes()}
        pods_before = sorted(p["metadata"]["name"]
                             for p in self.get("/api/v1/namespaces/default/pods")["items"])
        rc, took = type(self).stop_agent()
        self.assertEqual(rc, 0)
        self.assertLess(took, 3)
        type(self).start_agent()
        # The runtime starts empty: the pod's container runs again, counted
        # as a restart; nodes and pods are the same objects.
        self.assertTrue(wait(lambda: (self.pod_running("kept") or {}).get("status", {})
                             .get("containerStatuses", [{}])[0].get("restartCount") == 1),
                        self.agent_log())
        nodes = self.get("/api/v1/nodes")["items"]
        self.assertEqual({n["metadata"]["name"]: n["metadata"]["uid"] for n in nodes}, uids)
        self.assertEqual(len(self.ready_nodes()), 3)
        pods_after = sorted(p["metadata"]["name"]
                            for p in self.get("/api/v1/namespaces/default/pods")["items"])
        self.assertEqual(pods_before, pods_after)
        leases = self.get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")
        self.assertEqual(len(leases["items"]), 3)


class HollowMany(Hollow):
    nodes = 200

    def test_many_nodes_and_pods(self):
        self.assertTrue(wait(lambda: len(self.ready_nodes()) == 200, 30), self.agent_log())
        for i in range(60):
            code, _ = self.server.request("POST", "/api/v1/namespaces/default/pods",
                                          pod("m%d" % i, "hollow-%d" % (i * 3 % 200)))
            self.assertEqual(code, 201)

        def running():
            items = self.get("/api/v1/namespaces/default/pods")["items"]
            return sum(1 for p in items if p.get("status", {}).get("phase") == "Running")
        self.assertTrue(wait(lambda: running() == 60, 20), self.agent_log())
        ips = {p["status"]["podIP"] for p in self.get("/api/v1/namespaces/default/pods")["items"]}
        self.assertEqual(len(ips), 60)


class HollowExits(Hollow):
    """rt-hollow's run-ms and exit-code decide how containers end; the
    agent turns that into phases and restarts as the kubelet does."""
    nodes = 1
    hollow_options = "run-ms = 300\n  exit-code = 3"

    def phase(self, name):
        p = self.get("/api/v1/namespaces/default/pods/" + name)
        return p and p.get("status", {}).get("phase")

    def test_never_fails(self):
        self.server.request("POST", "/api/v1/namespaces/default/pods",
                            pod("once", "hollow-0", restart="Never"))
        self.assertTrue(wait(lambda: self.phase("once") == "Failed", 10), self.agent_log())
        p = self.get("/api/v1/namespaces/default/pods/once")
        t = p["status"]["containerStatuses"][0]["state"]["terminated"]
        self.assertEqual((t["exitCode"], t["reason"]), (3, "Error"))
        self.assertEqual(condition(p, "Ready")["reason"], "PodCompleted")
        time.sleep(1)
        self.assertEqual(self.phase("once"), "Failed")  # stays so, no restart

    def test_always_restarts(self):
        self.server.request("POST", "/api/v1/namespaces/default/pods", pod("again", "hollow-0"))

        def restarted():
            p = self.get("/api/v1/namespaces/default/pods/again")
            cs = (p or {}).get("status", {}).get("containerStatuses", [{}])[0]
            return cs.get("restartCount", 0) >= 1 and "terminated" in cs.get("lastState", {}) \
                and p
        p = wait(restarted, 10)
        self.assertTrue(p, self.agent_log())
        self.assertEqual(p["status"]["phase"], "Running")
        cs = p["status"]["containerStatuses"][0]
        self.assertEqual(cs["lastState"]["terminated"]["exitCode"], 3)
        # The second exit waits out the kubelet's 10 s back-off.
        self.assertTrue(wait(lambda: self.get("/api/v1/namespaces/default/pods/again")
                             ["status"]["containerStatuses"][0]["state"].get("waiting", {})
                             .get("reason") == "CrashLoopBackOff", 10), self.agent_log())


class BadFlags(unittest.TestCase):
    def test_bad_hollow_counts(self):
        for bad in ("0", "-1", "x", "99999999999", "", "3x"):
            r = subprocess.run([CAPSTAND, "--role", "agent", "--server", "http://127.0.0.1:1",
                                "--hollow-nodes", bad], capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn("--hollow-nodes \"%s\": must be a number of nodes from 1 to" % bad,
                          r.stderr)

    def test_role_server_refuses_hollow(self):
        r = subprocess.run([CAPSTAND, "--role", "server", "--hollow-nodes", "3"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--hollow-nodes needs role", r.stderr)


if __name__ == "__main__":
    harness.main()
