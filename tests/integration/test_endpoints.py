"""The Endpoints controller module (ctrl-endpoints) against a real capstand.

No node agent runs here: the test plays the kubelet, writing pods/status
(phase, the Ready condition, podIP).  It checks what kube-proxy, DNS and
users read from Endpoints: ready and not-ready addresses, targetPorts
resolved by number and by name (pods serving a name on different ports
land in different subsets), target references, hostnames for a headless
service, publishNotReadyAddresses, terminating and IP-less pods left out,
services without selector left alone, deletion with the service, and the
1000-address cap."""
import http.client
import json
import os
import shutil
import tempfile
import time
import unittest

from harness import CAPSTAND, Capstand, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
SVCS = NS + "/services"
EPS = NS + "/endpoints"
MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")
MERGE = "application/merge-patch+json"
TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"


def write_config(directory):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "debug"\n')
        f.write("store { sync = false }\n")
        f.write('module "ctrl-endpoints" { enabled = true  required = true }\n')
    return path


def start_capstand():
    conf_dir = tempfile.mkdtemp(prefix="capstan-ep-conf-")
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(config=write_config(conf_dir), extra=extra)
    cs.conf_dir = conf_dir
    try:
        return cs.start()
    except BaseException:
        cs.cleanup()
        shutil.rmtree(conf_dir, ignore_errors=True)
        raise


def service(name, selector=None, ports=None, headless=False, publish=False, labels=None):
    spec = {}
    if selector is not None:
        spec["selector"] = selector
    if ports is not None:
        spec["ports"] = ports
    if headless:
        spec["clusterIP"] = "None"
    if publish:
        spec["publishNotReadyAddresses"] = True
    md = {"name": name}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec}


def pod(name, labels, ports=None, hostname=None, subdomain=None, node=None, finalizers=None):
    c = {"name": "c", "image": "busybox"}
    if ports:
        c["ports"] = ports
    spec = {"containers": [c]}
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    if node:
        spec["nodeName"] = node
    md = {"name": name, "labels": labels}
    if finalizers:
        md["finalizers"] = finalizers
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class EndpointsTest(unittest.TestCase):
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

    def run_pod(self, name, ip, ready=True, phase="Running"):
        p = self.ok("GET", PODS + "/" + name)
        p["status"] = {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}] if ip else [],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "lastTransitionTime": now()}]}
        self.ok("PUT", PODS + "/" + name + "/status", p)
        return p

    def endpoints(self, name):
        code, doc = self.req("GET", EPS + "/" + name)
        return doc if code == 200 else None

    def subsets_are(self, name, want):
        ep = self.endpoints(name)
        got = ep and ep.get("subsets", [])
        if ep is None or simplify(got) != want:
            return None
        return ep

    def stays(self, fn, seconds=0.6):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.assertTrue(fn())
            time.sleep(0.05)


def simplify(subsets):
    """Subsets as (ready IPs, not-ready IPs, ports) for comparison."""
    return [([a["ip"] for a in s.get("addresses", [])],
             [a["ip"] for a in s.get("notReadyAddresses", [])],
             [(p.get("name"), p["port"]) for p in s.get("ports", [])]) for s in subsets]


class EndpointsControllerTest(EndpointsTest):
    def test_ready_and_not_ready(self):
        svc = self.ok("POST", SVCS, service("rn", {"app": "rn"},
                                            [{"name": "http", "port": 80, "targetPort": 8080}],
                                            labels={"team": "a"}), 201)
        # An Endpoints with no subsets exists as soon as the service does.
        ep = self.wait("empty endpoints", lambda: self.subsets_are("rn", []))
        # The service's labels (and, while it has no cluster IP, the
        # headless marker, as Kubernetes puts it on such services).
        self.assertEqual(ep["metadata"]["labels"]["team"], "a")
        self.assertIn(TRIGGER, ep["metadata"]["annotations"])
        for n in ("rn-a", "rn-b", "rn-c"):
            self.ok("POST", PODS, pod(n, {"app": "rn"}, node="node-1" if n == "rn-a" else None), 201)
        self.ok("POST", PODS, pod("rn-other", {"app": "other"}), 201)
        a = self.run_pod("rn-a", "10.0.0.2")
        self.run_pod("rn-b", "10.0.0.1", ready=False)
        self.run_pod("rn-other", "10.0.0.9")
        # rn-c has no IP yet: left out.
        ep = self.wait("split", lambda: self.subsets_are(
            "rn", [(["10.0.0.2"], ["10.0.0.1"], [("http", 8080)])]))
        addr = ep["subsets"][0]["addresses"][0]
        self.assertEqual(addr["nodeName"], "node-1")
        self.assertEqual(addr["targetRef"], {"kind": "Pod", "namespace": "default", "name": "rn-a",
                                             "uid": a["metadata"]["uid"]})
        self.assertEqual(ep["subsets"][0]["ports"][0]["protocol"], "TCP")
        self.assertNotIn("hostname", addr)
        self.run_pod("rn-c", "10.0.0.0")
        self.wait("sorted by IP", lambda: self.subsets_are(
            "rn", [(["10.0.0.0", "10.0.0.2"], ["10.0.0.1"], [("http", 8080)])]))
        # Ready flips, IP changes.
        self.run_pod("rn-b", "10.0.0.1")
        self.run_pod("rn-a", "10.0.0.7")
        self.wait("all ready, new IP", lambda: self.subsets_are(
            "rn", [(["10.0.0.0", "10.0.0.1", "10.0.0.7"], [], [("http", 8080)])]))
        # A pod that stops matching leaves.
        self.ok("PATCH", PODS + "/rn-c", {"metadata": {"labels": {"app": "gone"}}}, ctype=MERGE)
        self.wait("relabelled pod out", lambda: self.subsets_are(
            "rn", [(["10.0.0.1", "10.0.0.7"], [], [("http", 8080)])]))
        # Failed pods and deleted pods leave.
        self.run_pod("rn-b", "10.0.0.1", ready=False, phase="Failed")
        self.ok("DELETE", PODS + "/rn-a")
        self.wait("emptied", lambda: self.subsets_are("rn", []))
        self.assertTrue(svc)

    def test_named_target_port(self):
        self.ok("POST", SVCS, service("named", {"app": "named"},
                                      [{"name": "web", "port": 80, "targetPort": "web"},
                                       {"name": "metrics", "port": 9100, "targetPort": 9100}]), 201)
        self.ok("POST", PODS, pod("named-a", {"app": "named"},
                                  [{"name": "web", "containerPort": 8080}]), 201)
        self.ok("POST", PODS, pod("named-b", {"app": "named"},
                                  [{"name": "web", "containerPort": 9090}]), 201)
        # No port named web, and a UDP one: only the numeric port applies.
        self.ok("POST", PODS, pod("named-c", {"app": "named"},
                                  [{"name": "web", "containerPort": 7070, "protocol": "UDP"}]), 201)
        self.run_pod("named-a", "10.1.0.1")
        self.run_pod("named-b", "10.1.0.2")
        self.run_pod("named-c", "10.1.0.3")
        self.wait("subsets per resolved port", lambda: self.repacked("named"))

    def repacked(self, name):
        """Pods serving "web" on different ports are in different subsets;
        all three serve the numeric metrics port.  (Subset order is the
        controller's own, as in Kubernetes, so compare sorted.)"""
        ep = self.endpoints(name)
        got = sorted(simplify((ep or {}).get("subsets", [])), key=lambda s: json.dumps(s))
        want = sorted([(["10.1.0.1"], [], [("web", 8080)]),
                       (["10.1.0.2"], [], [("web", 9090)]),
                       (["10.1.0.1", "10.1.0.2", "10.1.0.3"], [], [("metrics", 9100)])],
                      key=lambda s: json.dumps(s))
        return ep if got == want else None

    def test_same_addresses_share_a_subset(self):
        self.ok("POST", SVCS, service("share", {"app": "share"},
                                      [{"name": "b", "port": 81, "targetPort": 8081},
                                       {"name": "a", "port": 80, "targetPort": 8080}]), 201)
        self.ok("POST", PODS, pod("share-a", {"app": "share"}), 201)
        self.run_pod("share-a", "10.2.0.1", ready=False)
        self.wait("one subset, ports sorted", lambda: self.subsets_are(
            "share", [([], ["10.2.0.1"], [("a", 8080), ("b", 8081)])]))

    def test_headless_hostname_and_publish_not_ready(self):
        self.ok("POST", SVCS, service("hl", {"app": "hl"}, headless=True, publish=True), 201)
        self.ok("POST", PODS, pod("hl-0", {"app": "hl"}, hostname="hl-0", subdomain="hl"), 201)
        self.ok("POST", PODS, pod("hl-x", {"app": "hl"}, hostname="x", subdomain="elsewhere"), 201)
        self.run_pod("hl-0", "10.3.0.1", ready=False)
        self.run_pod("hl-x", "10.3.0.2", ready=False)
        # Not ready, but published; no ports on a headless service.
        ep = self.wait("published", lambda: self.subsets_are(
            "hl", [(["10.3.0.1", "10.3.0.2"], [], [])]))
        addrs = ep["subsets"][0]["addresses"]
        self.assertEqual(addrs[0]["hostname"], "hl-0")
        self.assertNotIn("hostname", addrs[1])  # its subdomain is another service
        self.assertEqual(ep["metadata"]["labels"], {"service.kubernetes.io/headless": ""})

    def test_terminating_pods_left_out(self):
        self.ok("POST", SVCS, service("term", {"app": "term"}, [{"port": 80}]), 201)
        self.ok("POST", PODS, pod("term-a", {"app": "term"}, finalizers=["example.com/hold"]), 201)
        self.ok("POST", PODS, pod("term-b", {"app": "term"}), 201)
        self.run_pod("term-a", "10.4.0.1")
        self.run_pod("term-b", "10.4.0.2")
        self.wait("both", lambda: self.subsets_are("term", [(["10.4.0.1", "10.4.0.2"], [], [(None, 80)])]))
        self.ok("DELETE", PODS + "/term-a", want=202)
        self.wait("terminating out", lambda: self.subsets_are("term", [(["10.4.0.2"], [], [(None, 80)])]))
        self.ok("PATCH", PODS + "/term-a", {"metadata": {"finalizers": None}}, ctype=MERGE)

    def test_without_selector_left_alone(self):
        self.ok("POST", SVCS, service("manual", None, [{"port": 80}]), 201)
        manual = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "manual"},
                  "subsets": [{"addresses": [{"ip": "192.168.9.9"}], "ports": [{"port": 80}]}]}
        self.ok("POST", EPS, manual, 201)
        self.ok("POST", PODS, pod("manual-a", {"app": "manual"}), 201)
        self.run_pod("manual-a", "10.5.0.1")
        self.stays(lambda: self.subsets_are("manual", [(["192.168.9.9"], [], [(None, 80)])]))
        self.assertNotIn(TRIGGER, self.endpoints("manual")["metadata"].get("annotations", {}))

    def test_deleted_with_service_and_recreated(self):
        self.ok("POST", SVCS, service("del", {"app": "del"}, [{"port": 80}]), 201)
        self.ok("POST", PODS, pod("del-a", {"app": "del"}), 201)
        self.run_pod("del-a", "10.6.0.1")
        self.wait("endpoints", lambda: self.subsets_are("del", [(["10.6.0.1"], [], [(None, 80)])]))
        # Deleted by hand: it comes back.
        self.ok("DELETE", EPS + "/del")
        self.wait("recreated", lambda: self.subsets_are("del", [(["10.6.0.1"], [], [(None, 80)])]))
        self.ok("DELETE", SVCS + "/del")
        self.wait("gone with the service", lambda: self.endpoints("del") is None)
        self.stays(lambda: self.endpoints("del") is None, 0.3)

    def test_over_capacity_truncated(self):
        self.ok("POST", SVCS, service("big", {"app": "big"}, [{"port": 80}]), 201)
        conn = http.client.HTTPConnection("127.0.0.1", self.cs.port, timeout=30)
        n = 1003
        for i in range(n):
            p = pod("big-%d" % i, {"app": "big"})
            p["status"] = {}
            code, doc = self.cs.request("POST", PODS, p, conn=conn)
            self.assertEqual(code, 201, doc)
            doc["status"] = {"phase": "Running", "podIP": "10.100.%d.%d" % (i // 256, i % 256),
                             "conditions": [{"type": "Ready", "status": "True" if i % 2 else "False"}]}
            code, doc = self.cs.request("PUT", PODS + "/big-%d/status" % i, doc, conn=conn)
            self.assertEqual(code, 200, doc)
        conn.close()

        def counts(ep):
            return (sum(len(s.get("addresses", [])) for s in ep["subsets"]),
                    sum(len(s.get("notReadyAddresses", [])) for s in ep["subsets"]))

        # Truncated as soon as more than 1000 pods have IPs, possibly while
        # the last statuses are still arriving: wait for the final state.
        def truncated():
            ep = self.endpoints("big")
            ann = (ep or {}).get("metadata", {}).get("annotations", {})
            done = ann.get("endpoints.kubernetes.io/over-capacity") == "truncated"
            return ep if done and counts(ep)[0] == 501 else None
        ep = self.wait("truncated", truncated, timeout=30)
        # The ready ones are kept; the not-ready ones are cut to fit.
        self.assertEqual(counts(ep), (501, 499))


if __name__ == "__main__":
    main()
