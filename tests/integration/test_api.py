"""API behaviour against a real capstand: verbs, errors, watch, subresources."""
import http.client
import json
import threading
import time

from harness import CapstanTest, cm, deployment, main
from modconf import start_capstand

NS = "/api/v1/namespaces/default"
CMS = NS + "/configmaps"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"


class CrudTest(CapstanTest):
    def test_create_get_update_delete(self):
        o = self.ok("POST", CMS, cm("crud", {"a": "1"}), 201)
        md = o["metadata"]
        self.assertTrue(md["uid"])
        self.assertTrue(md["creationTimestamp"].endswith("Z"))
        rv = int(md["resourceVersion"])
        g = self.ok("GET", CMS + "/crud")
        self.assertEqual(g, o)
        o["data"]["a"] = "2"
        u = self.ok("PUT", CMS + "/crud", o)
        self.assertGreater(int(u["metadata"]["resourceVersion"]), rv)
        self.assertEqual(u["metadata"]["uid"], md["uid"])
        # The old resourceVersion is now stale: 409, nothing changes.
        code, st = self.req("PUT", CMS + "/crud", o)
        self.assertEqual(code, 409)
        self.assertEqual(st["reason"], "Conflict")
        self.assertEqual(self.ok("GET", CMS + "/crud")["data"]["a"], "2")
        self.ok("DELETE", CMS + "/crud")
        code, st = self.req("GET", CMS + "/crud")
        self.assertEqual((code, st["reason"], st["kind"]), (404, "NotFound", "Status"))
        self.assertEqual(st["message"], 'configmaps "crud" not found')

    def test_already_exists_and_generate_name(self):
        self.ok("POST", CMS, cm("dup"), 201)
        code, st = self.req("POST", CMS, cm("dup"))
        self.assertEqual((code, st["reason"]), (409, "AlreadyExists"))
        o = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}}
        a = self.ok("POST", CMS, o, 201)["metadata"]["name"]
        b = self.ok("POST", CMS, o, 201)["metadata"]["name"]
        self.assertTrue(a.startswith("gen-") and len(a) == 9 and a != b)

    def test_generation_bumps_on_spec_change_only(self):
        d = self.ok("POST", DEPLOYS, deployment("gen"), 201)
        self.assertEqual(d["metadata"]["generation"], 1)
        d["metadata"]["labels"] = {"x": "y"}
        d = self.ok("PUT", DEPLOYS + "/gen", d)
        self.assertEqual(d["metadata"]["generation"], 1)
        d["spec"]["replicas"] = 3
        d = self.ok("PUT", DEPLOYS + "/gen", d)
        self.assertEqual(d["metadata"]["generation"], 2)

    def test_status_subresource_is_separate(self):
        d = self.ok("POST", DEPLOYS, deployment("st"), 201)
        d["status"] = {"replicas": 5}
        d = self.ok("PUT", DEPLOYS + "/st", d)
        self.assertNotIn("replicas", d.get("status", {}))
        d["status"] = {"replicas": 5}
        d["spec"]["replicas"] = 9
        d = self.ok("PUT", DEPLOYS + "/st/status", d)
        self.assertEqual(d["status"]["replicas"], 5)
        self.assertEqual(d["spec"]["replicas"], 1)

    def test_create_drops_client_status(self):
        d = deployment("cst")
        d["status"] = {"replicas": 7, "readyReplicas": 7}
        got = self.ok("POST", DEPLOYS, d, 201)
        self.assertNotIn("replicas", got.get("status", {}))
        c = cm("cmst")
        c["status"] = {"kept": True}  # ConfigMaps have no status subresource
        self.assertEqual(self.ok("POST", CMS, c, 201)["status"], {"kept": True})

    def test_scale_subresource(self):
        self.ok("POST", DEPLOYS, deployment("sc", replicas=2), 201)
        s = self.ok("GET", DEPLOYS + "/sc/scale")
        self.assertEqual((s["kind"], s["apiVersion"], s["spec"]["replicas"]), ("Scale", "autoscaling/v1", 2))
        self.assertEqual(s["status"]["selector"], "app=sc")
        s["spec"]["replicas"] = 4
        self.ok("PUT", DEPLOYS + "/sc/scale", s)
        self.assertEqual(self.ok("GET", DEPLOYS + "/sc")["spec"]["replicas"], 4)
        self.ok("PATCH", DEPLOYS + "/sc/scale", {"spec": {"replicas": 1}}, ctype="application/merge-patch+json")
        self.assertEqual(self.ok("GET", DEPLOYS + "/sc")["spec"]["replicas"], 1)
        code, st = self.req("PUT", DEPLOYS + "/sc/scale", {"spec": {"replicas": -1}})
        self.assertEqual(code, 422)

    def test_finalizers_delay_deletion(self):
        o = cm("fin")
        o["metadata"]["finalizers"] = ["example.com/hold"]
        self.ok("POST", CMS, o, 201)
        code, d = self.req("DELETE", CMS + "/fin")
        self.assertIn(code, (200, 202))
        g = self.ok("GET", CMS + "/fin")
        self.assertIn("deletionTimestamp", g["metadata"])
        g["metadata"]["finalizers"] = []
        self.ok("PUT", CMS + "/fin", g)
        code, _ = self.req("GET", CMS + "/fin")
        self.assertEqual(code, 404)

    def test_delete_preconditions(self):
        o = self.ok("POST", CMS, cm("pre"), 201)
        code, st = self.req("DELETE", CMS + "/pre", {"preconditions": {"resourceVersion": "1"}})
        self.assertEqual(code, 409)
        code, st = self.req("DELETE", CMS + "/pre", {"preconditions": {"uid": "nope"}})
        self.assertEqual(code, 409)
        self.ok("DELETE", CMS + "/pre", {"propagationPolicy": "Background",
                                         "preconditions": {"uid": o["metadata"]["uid"]}})

    def test_missing_namespace_and_wrong_kind(self):
        code, st = self.req("POST", "/api/v1/namespaces/nope/configmaps", cm("x"))
        self.assertEqual((code, st["reason"]), (404, "NotFound"))
        self.assertIn("nope", st["message"])
        code, st = self.req("POST", CMS, deployment("x"))
        self.assertEqual(code, 400)
        code, st = self.req("POST", CMS, cm("x", ns="other"))
        self.assertEqual(code, 400)

    def test_validation_is_422_with_causes(self):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
               "spec": {"containers": [{"name": "c"}]}}
        code, st = self.req("POST", NS + "/pods", pod)
        self.assertEqual((code, st["reason"]), (422, "Invalid"))
        fields = {c["field"] for c in st["details"]["causes"]}
        self.assertIn("metadata.name", fields)
        self.assertIn("spec.containers[0].image", fields)
        d = deployment("mismatch")
        d["spec"]["selector"]["matchLabels"] = {"app": "other"}
        code, st = self.req("POST", DEPLOYS, d)
        self.assertEqual(code, 422)

    def test_defaults_applied(self):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dflt"},
               "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        p = self.ok("POST", NS + "/pods", pod, 201)
        self.assertEqual(p["spec"]["restartPolicy"], "Always")
        self.assertEqual(p["spec"]["containers"][0]["imagePullPolicy"], "Always")
        self.assertEqual(p["status"]["phase"], "Pending")


class PatchTest(CapstanTest):
    def test_three_patch_types(self):
        self.ok("POST", CMS, cm("p", {"a": "1", "b": "2"}), 201)
        o = self.ok("PATCH", CMS + "/p", {"data": {"a": None, "c": "3"}}, ctype="application/merge-patch+json")
        self.assertEqual(o["data"], {"b": "2", "c": "3"})
        o = self.ok("PATCH", CMS + "/p", [{"op": "replace", "path": "/data/b", "value": "x"},
                                          {"op": "add", "path": "/metadata/labels", "value": {"l": "v"}}],
                    ctype="application/json-patch+json")
        self.assertEqual(o["data"]["b"], "x")
        self.assertEqual(o["metadata"]["labels"], {"l": "v"})
        code, st = self.req("PATCH", CMS + "/p", [{"op": "test", "path": "/data/b", "value": "nope"}],
                            ctype="application/json-patch+json")
        self.assertEqual(code, 422)
        self.ok("POST", DEPLOYS, deployment("smp"), 201)
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"},
                                                               {"name": "side", "image": "busybox"}]}}}}
        d = self.ok("PATCH", DEPLOYS + "/smp", patch, ctype="application/strategic-merge-patch+json")
        names = [c["name"] for c in d["spec"]["template"]["spec"]["containers"]]
        self.assertEqual(sorted(names), ["c", "side"])
        self.assertEqual(d["metadata"]["generation"], 2)
        code, st = self.req("PATCH", CMS + "/p", {"data": {}}, ctype="text/plain")
        self.assertEqual(code, 415)
        # Server-side apply is not supported yet: a clear 415, not a parse error.
        code, st = self.req("PATCH", CMS + "/p", "data: {}", ctype="application/apply-patch+yaml")
        self.assertEqual(code, 415)
        code, st = self.req("PATCH", CMS + "/p", "{nope", ctype="application/merge-patch+json")
        self.assertEqual(code, 400)
        code, st = self.req("PATCH", CMS + "/missing", {"data": {}}, ctype="application/merge-patch+json")
        self.assertEqual(code, 404)

    def test_patch_with_stale_resource_version_conflicts(self):
        o = self.ok("POST", CMS, cm("prv"), 201)
        self.ok("PATCH", CMS + "/prv", {"data": {"x": "1"}}, ctype="application/merge-patch+json")
        code, _ = self.req("PATCH", CMS + "/prv", {"metadata": {"resourceVersion": o["metadata"]["resourceVersion"]},
                                                   "data": {"x": "2"}}, ctype="application/merge-patch+json")
        self.assertEqual(code, 409)


class ListTest(CapstanTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for i in range(25):
            labels = {"app": "web" if i % 2 else "db", "idx": str(i)}
            if i % 5 == 0:
                labels["tier"] = "front"
            cls.cs.request("POST", CMS, cm("l%02d" % i, labels=labels))

    def names(self, query):
        return [o["metadata"]["name"] for o in self.ok("GET", CMS + query)["items"] if o["metadata"]["name"].startswith("l")]

    def test_label_selectors(self):
        self.assertEqual(len(self.names("?labelSelector=app%3Dweb")), 12)
        self.assertEqual(len(self.names("?labelSelector=app%3D%3Ddb")), 13)
        self.assertEqual(len(self.names("?labelSelector=app!%3Dweb")), 13)
        self.assertEqual(self.names("?labelSelector=idx+in+(1,2,3)"), ["l01", "l02", "l03"])
        self.assertEqual(len(self.names("?labelSelector=idx+notin+(1,2,3)")), 22)
        self.assertEqual(len(self.names("?labelSelector=tier")), 5)
        self.assertEqual(len(self.names("?labelSelector=!tier")), 20)
        self.assertEqual(self.names("?labelSelector=tier,app%3Dweb"), ["l05", "l15"])
        code, st = self.req("GET", CMS + "?labelSelector=a%20in%20(")
        self.assertEqual(code, 400)

    def test_field_selectors(self):
        self.assertEqual(self.names("?fieldSelector=metadata.name%3Dl07"), ["l07"])
        self.assertEqual(len(self.names("?fieldSelector=metadata.name!%3Dl07")), 24)
        code, st = self.req("GET", CMS + "?fieldSelector=spec.bogus%3D1")
        self.assertEqual(code, 400)
        all_ns = self.ok("GET", "/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault")
        self.assertGreaterEqual(len(all_ns["items"]), 25)

    def test_paging(self):
        seen, cont, pages = [], None, 0
        while True:
            q = "?limit=7" + ("&continue=" + cont if cont else "")
            page = self.ok("GET", CMS + q)
            seen += [o["metadata"]["name"] for o in page["items"]]
            pages += 1
            cont = page["metadata"].get("continue")
            if not cont:
                break
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(len(set(seen)), len(seen))
        self.assertGreaterEqual(len([n for n in seen if n.startswith("l")]), 25)
        self.assertGreaterEqual(pages, 4)
        code, _ = self.req("GET", CMS + "?limit=2&continue=garbage!")
        self.assertEqual(code, 400)

    def test_table_for_kubectl(self):
        t = self.ok("GET", CMS + "?limit=3", headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        self.assertEqual(t["kind"], "Table")
        cols = [c["name"] for c in t["columnDefinitions"]]
        self.assertEqual(cols[0], "Name")
        self.assertIn("Age", cols)
        self.assertEqual(len(t["rows"]), 3)
        self.assertEqual(t["rows"][0]["object"]["kind"], "PartialObjectMetadata")

    def test_table_rejects_bad_include_object(self):
        table = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
        for path in (CMS + "?includeObject=Bogus", CMS + "/l01?includeObject=Bogus",
                     CMS + "?watch=1&includeObject=Bogus"):
            code, st = self.req("GET", path, headers=table)
            self.assertEqual((code, st["reason"]), (400, "BadRequest"), path)
            self.assertIn("Bogus", st["message"])
        t = self.ok("GET", CMS + "?limit=1&includeObject=None", headers=table)
        self.assertNotIn("object", t["rows"][0])

    def test_deletecollection(self):
        for i in range(4):
            self.ok("POST", CMS, cm("dc%d" % i, labels={"dc": "yes"}), 201)
        self.ok("DELETE", CMS + "?labelSelector=dc%3Dyes")
        self.assertEqual(self.ok("GET", CMS + "?labelSelector=dc%3Dyes")["items"], [])


class WatchTest(CapstanTest):
    def stream(self, query, n, timeout=5):
        c = http.client.HTTPConnection("127.0.0.1", self.cs.port, timeout=timeout)
        c.request("GET", CMS + query)
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        events = []
        while len(events) < n:
            line = r.fp.readline()
            if not line:
                break
            line = line.strip()
            if line == b"0":
                break  # terminal chunk: the server ended the stream
            if not line or all(ch in b"0123456789abcdef" for ch in line):
                continue  # chunk sizes (http.client does not de-chunk readline)
            events.append(json.loads(line))
        c.close()
        return events

    def test_watch_from_resource_version(self):
        o = self.ok("POST", CMS, cm("w1"), 201)
        rv = o["metadata"]["resourceVersion"]
        got = []
        t = threading.Thread(target=lambda: got.extend(self.stream("?watch=1&resourceVersion=" + rv, 3)))
        t.start()
        time.sleep(0.3)
        o["data"] = {"k": "v"}
        self.ok("PUT", CMS + "/w1", o)
        self.ok("POST", CMS, cm("w2"), 201)
        self.ok("DELETE", CMS + "/w1")
        t.join(10)
        self.assertEqual([e["type"] for e in got], ["MODIFIED", "ADDED", "DELETED"])
        self.assertEqual(got[0]["object"]["data"], {"k": "v"})
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in got]
        self.assertEqual(rvs, sorted(rvs))

    def test_watch_without_rv_lists_first(self):
        self.ok("POST", CMS, cm("w3", labels={"w": "3"}), 201)
        evs = self.stream("?watch=true&labelSelector=w%3D3", 1)
        self.assertEqual((evs[0]["type"], evs[0]["object"]["metadata"]["name"]), ("ADDED", "w3"))

    def test_selector_transitions(self):
        rv = self.current_rv()
        got = []
        t = threading.Thread(target=lambda: got.extend(
            self.stream("?watch=1&labelSelector=sel%3Din&resourceVersion=" + rv, 3)))
        t.start()
        time.sleep(0.3)
        o = self.ok("POST", CMS, cm("tr"), 201)                 # not matching: nothing
        o = self.ok("PATCH", CMS + "/tr", {"metadata": {"labels": {"sel": "in"}}},
                    ctype="application/merge-patch+json")        # enters: ADDED
        o = self.ok("PATCH", CMS + "/tr", {"data": {"a": "b"}},
                    ctype="application/merge-patch+json")        # stays: MODIFIED
        o = self.ok("PATCH", CMS + "/tr", {"metadata": {"labels": {"sel": "out"}}},
                    ctype="application/merge-patch+json")        # leaves: DELETED
        t.join(10)
        self.assertEqual([e["type"] for e in got], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(got[2]["object"]["metadata"]["labels"], {"sel": "out"})

    def test_table_watch_for_kubectl(self):
        self.ok("POST", CMS, cm("tw1", {"a": "1"}), 201)
        c = http.client.HTTPConnection("127.0.0.1", self.cs.port, timeout=5)
        c.request("GET", CMS + "?watch=1&fieldSelector=metadata.name%3Dtw1&timeoutSeconds=1",
                  headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        body = c.getresponse().read().decode()
        c.close()
        ev = json.loads([l for l in body.splitlines() if l.startswith("{")][0])
        self.assertEqual((ev["type"], ev["object"]["kind"]), ("ADDED", "Table"))
        self.assertEqual(ev["object"]["rows"][0]["cells"][0], "tw1")
        self.assertEqual(ev["object"]["columnDefinitions"][1]["name"], "Data")

    def test_timeout_seconds_ends_stream(self):
        t0 = time.time()
        # A stream the server did not end would time the client out (30 s)
        # and fail; the bound leaves room for slow (sanitizer) runs.
        evs = self.stream("?watch=1&resourceVersion=%s&timeoutSeconds=1" % self.current_rv(), 100,
                          timeout=30)
        self.assertEqual(evs, [])
        self.assertLess(time.time() - t0, 10)

    def test_bookmarks(self):
        evs = self.stream("?watch=1&allowWatchBookmarks=true&timeoutSeconds=7&resourceVersion=%s" % self.current_rv(), 1, timeout=10)
        self.assertEqual(evs[0]["type"], "BOOKMARK")
        self.assertTrue(int(evs[0]["object"]["metadata"]["resourceVersion"]) > 0)

    def current_rv(self):
        return self.ok("GET", CMS + "?limit=1")["metadata"]["resourceVersion"]


class WatchWindowTest(CapstanTest):
    """A watch older than the history window is 410 Expired."""

    @classmethod
    def setUpClass(cls):
        import os
        import tempfile
        fd, cls.config = tempfile.mkstemp(suffix=".conf")
        os.write(fd, b"store { watch-history = 100 }\n")
        os.close(fd)
        super().setUpClass()

    def test_expired(self):
        first = self.ok("POST", CMS, cm("e0"), 201)["metadata"]["resourceVersion"]
        for i in range(1, 130):
            self.ok("POST", CMS, cm("e%d" % i), 201)
        c = http.client.HTTPConnection("127.0.0.1", self.cs.port, timeout=5)
        c.request("GET", CMS + "?watch=1&resourceVersion=" + first)
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        ev = json.loads([l for l in body.splitlines() if l.startswith("{")][0])
        self.assertEqual(ev["type"], "ERROR")
        self.assertEqual((ev["object"]["code"], ev["object"]["reason"]), (410, "Expired"))
        # A recent revision still works.
        recent = self.ok("GET", CMS + "?limit=1")["metadata"]["resourceVersion"]
        c = http.client.HTTPConnection("127.0.0.1", self.cs.port, timeout=5)
        c.request("GET", CMS + "?watch=1&timeoutSeconds=1&resourceVersion=" + recent)
        self.assertEqual(c.getresponse().status, 200)
        c.close()


    def test_stalled_watcher_falls_behind_instead_of_buffering(self):
        import socket
        rv = self.ok("GET", CMS + "?limit=1")["metadata"]["resourceVersion"]
        s = socket.create_connection(("127.0.0.1", self.cs.port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(("GET %s?watch=1&resourceVersion=%s HTTP/1.1\r\nHost: x\r\n\r\n" % (CMS, rv)).encode())
        big = "x" * 60000
        for i in range(200):  # ~12 MB of events, the history keeps 100
            self.ok("POST", CMS, cm("stall%03d" % i, {"d": big}), 201)
        data = b""
        s.settimeout(5)
        while True:
            try:
                chunk = s.recv(1 << 20)
            except socket.timeout:
                break  # the stream never ended: asserted below
            if not chunk or data.endswith(b"0\r\n\r\n"):
                break
            data += chunk
            if b'"code":410' in data and data.endswith(b"0\r\n\r\n"):
                break
        s.close()
        self.assertIn(b'"reason":"Expired"', data)
        self.assertLess(data.count(b'"type":"ADDED"'), 200)


class DiscoveryTest(CapstanTest):
    def test_discovery_documents(self):
        self.assertEqual(self.ok("GET", "/api")["versions"], ["v1"])
        v1 = self.ok("GET", "/api/v1")
        pods = [r for r in v1["resources"] if r["name"] == "pods"][0]
        self.assertEqual((pods["kind"], pods["namespaced"], pods["shortNames"]), ("Pod", True, ["po"]))
        self.assertIn("watch", pods["verbs"])
        self.assertIn("pods/status", [r["name"] for r in v1["resources"]])
        groups = {g["name"] for g in self.ok("GET", "/apis")["groups"]}
        self.assertEqual(groups, {"apps", "batch", "storage.k8s.io", "coordination.k8s.io",
                                  "scheduling.k8s.io"})
        apps = self.ok("GET", "/apis/apps/v1")
        self.assertIn("deployments/scale", [r["name"] for r in apps["resources"]])
        self.assertEqual(self.ok("GET", "/apis/apps")["preferredVersion"]["version"], "v1")
        code, _ = self.req("GET", "/apis/nope/v1")
        self.assertEqual(code, 404)

    def test_health_version_metrics(self):
        for p in ("/healthz", "/readyz", "/livez"):
            self.assertEqual(self.req("GET", p), (200, "ok"))
        self.assertIn("store ok", self.req("GET", "/healthz?verbose")[1])
        v = self.ok("GET", "/version")
        self.assertEqual(v["major"], "1")
        self.ok("GET", CMS)
        m = self.req("GET", "/metrics")[1]
        self.assertIn('apiserver_request_total{verb="list",resource="configmaps",code="200"}', m)
        self.assertIn("capstan_store_sync_duration_seconds_count", m)
        self.assertIn('apiserver_storage_objects{resource="namespaces"} 4', m)
        self.assertIn("apiserver_registered_watchers", m)

    def test_openapi(self):
        v2 = self.ok("GET", "/openapi/v2")
        self.assertIn("io.k8s.api.apps.v1.Deployment", v2["definitions"])
        c = self.cs.conn()
        c.request("GET", "/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
        r = c.getresponse()
        body = r.read()
        self.assertEqual(r.status, 200)
        self.assertIn("protobuf", r.getheader("Content-Type"))
        self.assertIn(b"io.k8s.api.core.v1.Pod", body)
        idx = self.ok("GET", "/openapi/v3")
        self.assertIn("apis/apps/v1", idx["paths"])
        self.ok("GET", "/openapi/v3/api/v1")

    def test_unknown_paths_and_methods(self):
        for p in ("/nope", "/api/v1/nopes", "/api/v1/namespaces/default/nodes", "/apis/apps/v1/namespaces/default/deployments/x/nope"):
            code, st = self.req("GET", p)
            self.assertEqual(code, 404, p)
            self.assertEqual(st["kind"], "Status")
        code, _ = self.req("POST", "/healthz", {})
        self.assertEqual(code, 405)
        code, _ = self.req("PUT", CMS, cm("x"))
        self.assertEqual(code, 405)


class NamespaceTest(CapstanTest):
    # Deleting a namespace's content is the namespace controller's work.
    @classmethod
    def setUpClass(cls):
        cls.cs = start_capstand(["ctrl-namespace"])

    def test_builtin_namespaces(self):
        names = {n["metadata"]["name"] for n in self.ok("GET", "/api/v1/namespaces")["items"]}
        self.assertTrue({"default", "kube-system", "kube-public"} <= names)
        code, st = self.req("DELETE", "/api/v1/namespaces/default")
        self.assertEqual(code, 403)

    def test_deleting_a_namespace_deletes_its_contents(self):
        self.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}}, 201)
        for i in range(5):
            self.ok("POST", "/api/v1/namespaces/tmp/configmaps", cm("c%d" % i), 201)
        self.ok("POST", "/apis/apps/v1/namespaces/tmp/deployments", deployment("d"), 201)
        self.ok("DELETE", "/api/v1/namespaces/tmp", want=(200, 202))
        code, st = self.req("POST", "/api/v1/namespaces/tmp/configmaps", cm("late"))
        self.assertIn(code, (403, 404))
        deadline = time.time() + 5
        while time.time() < deadline:
            code, _ = self.req("GET", "/api/v1/namespaces/tmp")
            if code == 404:
                break
            time.sleep(0.1)
        self.assertEqual(code, 404)
        self.assertEqual(self.ok("GET", "/api/v1/namespaces/tmp/configmaps")["items"], [])
        self.assertEqual(self.ok("GET", "/apis/apps/v1/namespaces/tmp/deployments")["items"], [])


    def test_pod_binding(self):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bindme"},
               "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        self.ok("POST", "/api/v1/namespaces/default/pods", pod, 201)
        path = "/api/v1/namespaces/default/pods/bindme/binding"

        def binding(node, name="bindme", kind="Binding"):
            return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name},
                    "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        # Bad bindings change nothing.
        code, st = self.req("POST", path, {"apiVersion": "v1", "kind": "Binding",
                                           "metadata": {"name": "bindme"}, "target": {}})
        self.assertEqual(code, 422, st)
        code, st = self.req("POST", path, binding("n1", name="other"))
        self.assertEqual(code, 400, st)
        code, st = self.req("POST", path, binding("n1", kind="ConfigMap"))
        self.assertEqual(code, 400, st)
        code, st = self.req("POST", "/api/v1/namespaces/default/pods/nosuch/binding",
                            binding("n1", name="nosuch"))
        self.assertEqual(code, 404, st)
        self.assertNotIn("nodeName", self.ok("GET", "/api/v1/namespaces/default/pods/bindme")["spec"])
        # The binding: 201 with a success Status, nodeName and PodScheduled set.
        st = self.ok("POST", path, binding("n1"), 201)
        self.assertEqual(st["status"], "Success")
        got = self.ok("GET", "/api/v1/namespaces/default/pods/bindme")
        self.assertEqual(got["spec"]["nodeName"], "n1")
        cond = [c for c in got["status"]["conditions"] if c["type"] == "PodScheduled"]
        self.assertEqual(cond[0]["status"], "True")
        # Once only.
        code, st = self.req("POST", path, binding("n2"))
        self.assertEqual(code, 409, st)
        self.assertIn("already assigned", st["message"])
        self.assertEqual(self.ok("GET", "/api/v1/namespaces/default/pods/bindme")["spec"]["nodeName"], "n1")
        # Only POST, only on pods.
        code, _ = self.req("GET", path)
        self.assertIn(code, (404, 405))
        code, _ = self.req("POST", "/api/v1/namespaces/default/configmaps/x/binding", binding("n1", name="x"))
        self.assertEqual(code, 404)
        # Pods are otherwise not movable: a plain update of nodeName is refused.
        got["spec"]["nodeName"] = "n2"
        code, st = self.req("PUT", "/api/v1/namespaces/default/pods/bindme", got)
        self.assertEqual(code, 422, st)

    def test_generate_name_is_cut_to_fit(self):
        long = "x" * 70
        got = self.ok("POST", "/api/v1/namespaces/default/configmaps",
                      {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": long}}, 201)
        self.assertEqual(len(got["metadata"]["name"]), 63)
        self.assertTrue(got["metadata"]["name"].startswith("x" * 58))


class FinalizeTest(CapstanTest):
    """namespaces/NAME/finalize, without a namespace controller: what the
    API server does by itself."""

    def make_ns(self, name):
        return self.ok("POST", "/api/v1/namespaces",
                       {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, 201)

    def test_finalize_releases_a_terminating_namespace(self):
        ns = self.make_ns("fin-a")
        self.assertEqual(ns["spec"]["finalizers"], ["kubernetes"])
        self.ok("POST", "/api/v1/namespaces/fin-a/configmaps", cm("c"), 201)
        self.ok("DELETE", "/api/v1/namespaces/fin-a", want=202)
        # Nothing deletes its content: it stays Terminating.
        time.sleep(1)
        ns = self.ok("GET", "/api/v1/namespaces/fin-a")
        self.assertEqual(ns["status"]["phase"], "Terminating")
        self.assertIn("deletionTimestamp", ns["metadata"])
        code, st = self.req("POST", "/api/v1/namespaces/fin-a/configmaps", cm("late"))
        self.assertEqual(code, 403, st)
        # finalize changes spec.finalizers and nothing else.
        ns["spec"]["finalizers"] = ["example.com/other"]
        ns["metadata"].setdefault("labels", {})["x"] = "y"
        ns["status"]["phase"] = "Active"
        got = self.ok("PUT", "/api/v1/namespaces/fin-a/finalize", ns, 200)
        self.assertEqual(got["spec"]["finalizers"], ["example.com/other"])
        self.assertNotIn("x", got["metadata"].get("labels", {}))
        self.assertEqual(got["status"]["phase"], "Terminating")
        # A stale resourceVersion conflicts.
        code, st = self.req("PUT", "/api/v1/namespaces/fin-a/finalize", ns)
        self.assertEqual(code, 409, st)
        got["spec"]["finalizers"] = []
        self.ok("PUT", "/api/v1/namespaces/fin-a/finalize", got, 200)
        self.assertEqual(self.req("GET", "/api/v1/namespaces/fin-a")[0], 404)

    def test_finalize_validates_the_finalizer_names(self):
        ns = self.make_ns("fin-b")
        for bad in ("no-slash-nonstandard", "example.com/", "Bad Name/x"):
            ns["spec"]["finalizers"] = [bad]
            code, st = self.req("PUT", "/api/v1/namespaces/fin-b/finalize", ns)
            self.assertEqual(code, 422, "%s: %s" % (bad, st))
            self.assertEqual(st["reason"], "Invalid")
            self.assertIn("spec.finalizers", st["message"])
            self.assertIn(bad, st["message"])
        self.assertEqual(self.ok("GET", "/api/v1/namespaces/fin-b")["spec"]["finalizers"],
                         ["kubernetes"])

    def test_plain_updates_keep_spec_finalizers(self):
        ns = self.make_ns("fin-c")
        ns["spec"]["finalizers"] = []
        ns["metadata"]["labels"] = {"team": "a"}
        got = self.ok("PUT", "/api/v1/namespaces/fin-c", ns, 200)
        self.assertEqual(got["spec"]["finalizers"], ["kubernetes"])
        self.assertEqual(got["metadata"]["labels"]["team"], "a")
        got = self.ok("PATCH", "/api/v1/namespaces/fin-c", {"spec": {"finalizers": None}}, 200,
                      ctype="application/merge-patch+json")
        self.assertEqual(got["spec"]["finalizers"], ["kubernetes"])
        got["spec"]["finalizers"] = []
        got = self.ok("PUT", "/api/v1/namespaces/fin-c/status", got, 200)
        self.assertEqual(got["spec"]["finalizers"], ["kubernetes"])

    def test_finalize_takes_only_put(self):
        self.make_ns("fin-d")
        for method, body, ctype in (("GET", None, "application/json"),
                                    ("PATCH", {"spec": {"finalizers": []}},
                                     "application/merge-patch+json"),
                                    ("DELETE", None, "application/json"),
                                    ("POST", {"kind": "Namespace"}, "application/json")):
            code, st = self.req(method, "/api/v1/namespaces/fin-d/finalize", body, ctype=ctype)
            self.assertEqual(code, 405, "%s: %s" % (method, st))
            self.assertEqual(st["reason"], "MethodNotAllowed")
        self.assertEqual(self.ok("GET", "/api/v1/namespaces/fin-d")["spec"]["finalizers"],
                         ["kubernetes"])
        code, _ = self.req("PUT", "/api/v1/namespaces/nosuch/finalize",
                           {"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": "nosuch"}, "spec": {"finalizers": []}})
        self.assertEqual(code, 404)
        # Only namespaces have it.
        code, _ = self.req("PUT", "/api/v1/nodes/n1/finalize", {"kind": "Node"})
        self.assertEqual(code, 404)

    def test_discovery_and_openapi_list_finalize(self):
        res = {r["name"]: r for r in self.ok("GET", "/api/v1")["resources"]}
        self.assertEqual(res["namespaces/finalize"]["verbs"], ["update"])
        self.assertEqual(res["namespaces/finalize"]["kind"], "Namespace")
        self.assertFalse(res["namespaces/finalize"]["namespaced"])
        self.assertNotIn("pods/finalize", res)
        names = [r["name"] for r in self.ok("GET", "/api/v1")["resources"]]
        self.assertLess(names.index("namespaces/finalize"), names.index("namespaces/status"))
        paths = self.ok("GET", "/openapi/v2")["paths"]
        op = paths["/api/v1/namespaces/{name}/finalize"]
        self.assertEqual(sorted(k for k in op if k != "parameters"), ["put"])
        self.assertEqual(op["put"]["operationId"], "replaceCoreV1NamespaceFinalize")

    def test_namespace_without_spec_finalizers_goes_at_once(self):
        ns = self.make_ns("fin-e")
        ns["spec"]["finalizers"] = []
        self.ok("PUT", "/api/v1/namespaces/fin-e/finalize", ns, 200)
        self.ok("DELETE", "/api/v1/namespaces/fin-e", want=200)
        self.assertEqual(self.req("GET", "/api/v1/namespaces/fin-e")[0], 404)
        # A metadata finalizer still holds it, Terminating, until removed.
        ns = self.make_ns("fin-f")
        ns["spec"]["finalizers"] = []
        ns = self.ok("PUT", "/api/v1/namespaces/fin-f/finalize", ns, 200)
        ns["metadata"]["finalizers"] = ["example.com/hold"]
        ns = self.ok("PUT", "/api/v1/namespaces/fin-f", ns, 200)
        ns = self.ok("DELETE", "/api/v1/namespaces/fin-f", want=202)
        self.assertEqual(ns["status"]["phase"], "Terminating")
        ns["metadata"]["finalizers"] = []
        self.ok("PUT", "/api/v1/namespaces/fin-f", ns, 200)
        self.assertEqual(self.req("GET", "/api/v1/namespaces/fin-f")[0], 404)


if __name__ == "__main__":
    main()
