"""The write path's shortcuts keep the API's results: status writes that skip
the copy of the stored object, the parse a write hands to the store (and its
release when the event leaves a small watch history), bindings, and many
concurrent writes seen by a watch in revision order."""
import http.client
import json
import os
import tempfile
import threading

from harness import CapstanTest, cm, main

NS = "/api/v1/namespaces/default"
PODS = NS + "/pods"
CMS = NS + "/configmaps"


def pod(name, labels=None):
    md = {"name": name}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def read_events(resp, n):
    events = []
    while len(events) < n:
        line = resp.fp.readline()
        if not line:
            break
        line = line.strip()
        if line == b"0":
            break
        if not line or all(ch in b"0123456789abcdef" for ch in line):
            continue
        events.append(json.loads(line))
    return events


class WritePathTest(CapstanTest):
    @classmethod
    def setUpClass(cls):
        # A small history, so that events (and the parses they carry)
        # are evicted while the tests below still watch and write.
        fd, cls.config = tempfile.mkstemp(suffix=".conf")
        os.write(fd, b"store { watch-history = 100 }\n")
        os.close(fd)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.config)

    def watch(self, path, query):
        c = http.client.HTTPConnection("127.0.0.1", self.cs.port, timeout=10)
        c.request("GET", path + "?watch=1&" + query)
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        return c, r

    def test_status_write_changes_only_status(self):
        self.ok("POST", PODS, pod("st1", {"a": "1"}), 201)
        cur = self.ok("GET", PODS + "/st1")
        keys = list(cur)
        # As a status writer sends it: the object with a new status.
        body = json.loads(json.dumps(cur))
        body["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        got = self.ok("PUT", PODS + "/st1/status", body, 200)
        self.assertEqual(got["status"]["phase"], "Running")
        self.assertEqual(got["spec"], cur["spec"])
        self.assertEqual(list(got), keys)
        self.assertGreater(int(got["metadata"]["resourceVersion"]),
                           int(cur["metadata"]["resourceVersion"]))
        self.assertEqual(self.ok("GET", PODS + "/st1"), got)
        # Other changes in a status write are dropped, and the stored
        # key order stays whatever order the body has.
        body = json.loads(json.dumps(got))
        body["spec"]["containers"][0]["image"] = "nginx"
        body["metadata"]["labels"] = {"a": "2"}
        body["status"]["phase"] = "Succeeded"
        reordered = {"status": body.pop("status")}
        reordered.update(body)
        got2 = self.ok("PUT", PODS + "/st1/status", reordered, 200)
        self.assertEqual(got2["spec"]["containers"][0]["image"], "busybox")
        self.assertEqual(got2["metadata"]["labels"], {"a": "1"})
        self.assertEqual(got2["status"]["phase"], "Succeeded")
        self.assertEqual(list(got2), keys)
        # A body without status drops it (defaulting then starts over).
        body = json.loads(json.dumps(got2))
        del body["status"]
        got3 = self.ok("PUT", PODS + "/st1/status", body, 200)
        self.assertEqual(got3["status"]["phase"], "Pending")
        self.assertNotIn("conditions", got3["status"])
        # A stale resourceVersion is still a conflict.
        body["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
        body["status"] = {"phase": "Failed"}
        code, st = self.req("PUT", PODS + "/st1/status", body)
        self.assertEqual(code, 409, st)

    def test_binding_and_its_watch_events(self):
        self.ok("POST", PODS, pod("b1", {"w": "b"}), 201)
        rv = self.ok("GET", PODS + "/b1")["metadata"]["resourceVersion"]
        c, r = self.watch(PODS, "fieldSelector=spec.nodeName%21%3D&resourceVersion=" + rv)
        try:
            code, st = self.req("POST", PODS + "/b1/binding",
                                {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "b1"},
                                 "target": {"kind": "Node", "name": "n1"}})
            self.assertEqual(code, 201, st)
            self.assertEqual(st, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                  "status": "Success", "code": 201})
            code, st = self.req("POST", PODS + "/b1/binding",
                                {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "b1"},
                                 "target": {"kind": "Node", "name": "n2"}})
            self.assertEqual(code, 409, st)
            got = self.ok("GET", PODS + "/b1")
            body = json.loads(json.dumps(got))
            body["status"] = {"phase": "Running"}
            self.ok("PUT", PODS + "/b1/status", body, 200)
            evs = read_events(r, 2)
        finally:
            c.close()
        # The pod enters the selector when bound: ADDED, then MODIFIED.
        self.assertEqual([e["type"] for e in evs], ["ADDED", "MODIFIED"])
        self.assertEqual(evs[0]["object"]["spec"]["nodeName"], "n1")
        self.assertEqual(evs[0]["object"], got)
        self.assertEqual(evs[1]["object"]["status"]["phase"], "Running")

    def test_binding_over_empty_node_name(self):
        # spec.nodeName "" is unassigned: the binding replaces it in place
        # and is validated as a change of nodeName alone.
        p = pod("b2")
        p["spec"]["nodeName"] = ""
        p["spec"]["priority"] = 0
        self.ok("POST", PODS, p, 201)
        before = self.ok("GET", PODS + "/b2")
        code, st = self.req("POST", PODS + "/b2/binding",
                            {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "b2"},
                             "target": {"kind": "Node", "name": "n3"}})
        self.assertEqual(code, 201, st)
        after = self.ok("GET", PODS + "/b2")
        self.assertEqual(after["spec"]["nodeName"], "n3")
        self.assertEqual(list(after["spec"]), list(before["spec"]))
        del after["spec"]["nodeName"], before["spec"]["nodeName"]
        self.assertEqual(after["spec"], before["spec"])

    def test_selector_watch_across_evicted_history(self):
        # Objects move in and out of a label selector while the history
        # (100 events) turns over several times: each event is classified
        # from the parse of its object and of the previous version.
        c, r = self.watch(CMS, "labelSelector=sel%3Din&resourceVersion=" +
                          self.ok("GET", CMS)["metadata"]["resourceVersion"])
        want = []
        try:
            for i in range(6):
                name = "sw%d" % i
                self.ok("POST", CMS, cm(name, {"v": "0"}, {"sel": "in"}), 201)
                want.append(("ADDED", name, "0"))
                for j in range(40):  # unrelated writes evict history
                    self.ok("POST", CMS, cm("filler-%d-%d" % (i, j)), 201)
                o = self.ok("GET", CMS + "/" + name)
                o["data"] = {"v": "1"}
                self.ok("PUT", CMS + "/" + name, o, 200)
                want.append(("MODIFIED", name, "1"))
                o = self.ok("GET", CMS + "/" + name)
                o["metadata"]["labels"] = {"sel": "out"}
                self.ok("PUT", CMS + "/" + name, o, 200)
                want.append(("DELETED", name, "1"))
                o = self.ok("GET", CMS + "/" + name)
                o["metadata"]["labels"] = {"sel": "in"}
                o["data"] = {"v": "2"}
                self.ok("PUT", CMS + "/" + name, o, 200)
                want.append(("ADDED", name, "2"))
                self.ok("DELETE", CMS + "/" + name, want=200)
                want.append(("DELETED", name, "2"))
                # The watcher reads as it goes, so it keeps up.
                got = read_events(r, 5)
                self.assertEqual([(e["type"], e["object"]["metadata"]["name"],
                                   e["object"]["data"]["v"]) for e in got], want[-5:])
        finally:
            c.close()

    def test_concurrent_writes_answered_and_watched_in_order(self):
        rv = self.ok("GET", CMS)["metadata"]["resourceVersion"]
        c, r = self.watch(CMS, "labelSelector=burst%3D1&resourceVersion=" + rv)
        writers, per = 16, 25
        acked, errors, lock = {}, [], threading.Lock()

        def writer(w):
            conn = self.cs.conn(timeout=10)
            for i in range(per):
                name = "burst-%d-%d" % (w, i)
                try:
                    code, o = self.cs.request("POST", CMS, cm(name, {"i": str(i)}, {"burst": "1"}),
                                              conn=conn)
                except OSError as e:
                    with lock:
                        errors.append(repr(e))
                    return
                with lock:
                    if code == 201:
                        acked[name] = int(o["metadata"]["resourceVersion"])
                    else:
                        errors.append((code, o))
            conn.close()

        ts = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        try:
            for t in ts:
                t.start()
            # The history holds 100 events: a watcher that keeps reading
            # sees every one of them in order, whatever the batching.
            evs = read_events(r, writers * per)
            for t in ts:
                t.join()
        finally:
            c.close()
        self.assertEqual(errors, [])
        self.assertEqual(len(acked), writers * per)
        self.assertEqual(len(set(acked.values())), writers * per, "revisions are unique")
        if len(evs) < writers * per:
            # Fell out of the 100-event window: an Expired error, never a gap.
            self.assertEqual(evs[-1]["type"], "ERROR")
            self.assertEqual(evs[-1]["object"]["code"], 410)
            evs = evs[:-1]
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
        self.assertEqual(rvs, sorted(rvs))
        for e in evs:
            self.assertEqual(e["type"], "ADDED")
            self.assertEqual(acked[e["object"]["metadata"]["name"]],
                             int(e["object"]["metadata"]["resourceVersion"]))
        # Every acknowledged write is visible at its revision.
        items = {o["metadata"]["name"]: int(o["metadata"]["resourceVersion"])
                 for o in self.ok("GET", CMS + "?labelSelector=burst%3D1")["items"]}
        self.assertEqual(items, acked)


if __name__ == "__main__":
    main()
