"""Durability and robustness: restarts, kill -9, races, hostile bodies, flags."""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, Capstand, cm, main

CMS = "/api/v1/namespaces/default/configmaps"


class RestartTest(unittest.TestCase):
    def test_restart_keeps_every_object_and_revision(self):
        d = tempfile.mkdtemp(prefix="capstan-it-")
        try:
            cs = Capstand(data_dir=d).start()
            for i in range(200):
                cs.request("POST", CMS, cm("r%03d" % i, {"i": str(i)}))
            cs.request("DELETE", CMS + "/r007")
            before = cs.request("GET", CMS)[1]
            ns_before = cs.request("GET", "/api/v1/namespaces")[1]
            cs.stop()
            cs = Capstand(data_dir=d).start()
            after = cs.request("GET", CMS)[1]
            self.assertEqual(after["items"], before["items"])
            self.assertEqual(after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"])
            self.assertEqual(cs.request("GET", "/api/v1/namespaces")[1]["items"], ns_before["items"])
            # Revisions keep increasing after a restart.
            o = cs.request("POST", CMS, cm("after"))[1]
            self.assertGreater(int(o["metadata"]["resourceVersion"]), int(before["metadata"]["resourceVersion"]))
            cs.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_sigterm_ends_watch_streams_cleanly(self):
        cs = Capstand().start()
        try:
            c = cs.conn(timeout=5)
            c.request("GET", CMS + "?watch=1")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            cs.proc.send_signal(signal.SIGTERM)
            # A complete chunked response (terminal chunk), not a reset.
            r.read()
            self.assertTrue(r.isclosed())
            self.assertEqual(cs.proc.wait(10), 0)
        finally:
            cs.cleanup()

    def test_data_files_are_private(self):
        cs = Capstand().start()
        try:
            cs.request("POST", "/api/v1/namespaces/default/secrets",
                       {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                        "data": {"k": "dmFsdWU="}})
            for root, dirs, files in os.walk(os.path.join(cs.data_dir, "store")):
                for f in files:
                    mode = os.stat(os.path.join(root, f)).st_mode & 0o777
                    self.assertEqual(mode & 0o077, 0, "%s is mode %o" % (f, mode))
        finally:
            cs.cleanup()

    def test_kill_9_loses_no_acknowledged_write(self):
        d = tempfile.mkdtemp(prefix="capstan-it-")
        try:
            cs = Capstand(data_dir=d).start()
            acked, lock, stop = [], threading.Lock(), threading.Event()

            def writer(w):
                c = cs.conn(timeout=5)
                i = 0
                while not stop.is_set():
                    name = "k%d-%d" % (w, i)
                    try:
                        code, _ = cs.request("POST", CMS, cm(name), conn=c)
                    except (OSError, http.client.HTTPException):
                        return
                    if code == 201:
                        with lock:
                            acked.append(name)
                    i += 1

            ts = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
            for t in ts:
                t.start()
            time.sleep(1.5)
            cs.proc.send_signal(signal.SIGKILL)
            cs.proc.wait()
            stop.set()
            for t in ts:
                t.join(10)
            cs.proc = None
            cs.log.close()
            self.assertGreater(len(acked), 100)
            cs = Capstand(data_dir=d).start()
            have = {o["metadata"]["name"] for o in cs.request("GET", CMS)[1]["items"]}
            lost = [n for n in acked if n not in have]
            self.assertEqual(lost, [], "acknowledged writes lost after kill -9")
            cs.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


class HostileInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cs = Capstand().start()

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()

    def post_raw(self, body, ctype="application/json"):
        return self.cs.request("POST", CMS, body, ctype=ctype)

    def assert_alive(self):
        self.assertEqual(self.cs.request("GET", "/healthz"), (200, "ok"))

    def test_malformed_json(self):
        for body in (b"{", b"{\"apiVersion\":", b"\xff\xfe", b"[]", b"\"str\"", b"null", b"{\"a\":1}{",
                     b"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":[]}"):
            code, st = self.post_raw(body)
            self.assertEqual(code, 400, body)
            self.assertEqual(st["kind"], "Status")
        self.assert_alive()

    def test_oversized_body_is_413(self):
        big = b"{\"data\":\"" + b"a" * (3 << 20) + b"\"}"
        code, st = self.post_raw(big)
        self.assertEqual(code, 413)
        self.assertEqual(st["reason"], "RequestEntityTooLarge")
        self.assert_alive()

    def test_deep_nesting(self):
        for body in (b"[" * 10000 + b"]" * 10000, b"{\"a\":" * 10000 + b"1" + b"}" * 10000,
                     b"[" * 100000):
            code, st = self.post_raw(body)
            self.assertEqual(code, 400)
            self.assertIn("depth", st["message"])
        self.assert_alive()

    def test_wrong_content_type(self):
        code, st = self.post_raw(b"{}", ctype="text/plain")
        self.assertEqual(code, 415)
        self.assert_alive()

    def test_garbage_http(self):
        for raw in (b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                    b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"):
            s = socket.create_connection(("127.0.0.1", self.cs.port), timeout=5)
            try:
                s.sendall(raw)
                s.recv(4096)
            except OSError:
                pass
            s.close()
        self.assert_alive()

    def test_path_tricks(self):
        # ".." segments are normalised away by the HTTP layer; an encoded
        # slash must not reach a store key.
        for p in ("/api/v1/namespaces/default/configmaps/a%2Fb",
                  "/api/v1/namespaces/a%2F..%2Fb/configmaps/x"):
            code, _ = self.cs.request("GET", p)
            self.assertIn(code, (400, 404), p)
        self.assert_alive()


class ConcurrencyTest(unittest.TestCase):
    def test_concurrent_conflicting_updates_exactly_one_wins(self):
        cs = Capstand().start()
        try:
            for round_ in range(5):
                name = "race%d" % round_
                o = cs.request("POST", CMS, cm(name, {"v": "0"}))[1]
                results = []
                barrier = threading.Barrier(10)

                def update(i):
                    body = dict(o)
                    body["data"] = {"v": str(i + 1)}  # never a no-op
                    c = cs.conn()
                    c.connect()
                    barrier.wait()
                    results.append(cs.request("PUT", CMS + "/" + name, body, conn=c)[0])

                ts = [threading.Thread(target=update, args=(i,)) for i in range(10)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join(10)
                self.assertEqual(sorted(results), [200] + [409] * 9)
        finally:
            cs.cleanup()


class FlagsTest(unittest.TestCase):
    def run_cs(self, *args):
        return subprocess.run([CAPSTAND] + list(args), capture_output=True, text=True, timeout=10)

    def test_version_and_check_config(self):
        r = self.run_cs("--version")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("capstand "))
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        r = self.run_cs("--check-config", "-c", os.path.join(root, "etc", "capstan.conf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write('role = "all"\napi {\n  lisen = "127.0.0.1:1"\n}\n')
        r = self.run_cs("--check-config", "-c", f.name)
        os.unlink(f.name)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f.name + ":3:", r.stderr)
        self.assertIn("lisen", r.stderr)

    def test_refuses_non_loopback(self):
        r = self.run_cs("--listen", "0.0.0.0:6443", "--data-dir", "/tmp/never")
        self.assertEqual(r.returncode, 1)
        self.assertIn("TLS", r.stderr)
        self.assertFalse(os.path.exists("/tmp/never"))

    def test_port_in_use(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        d = tempfile.mkdtemp()
        r = self.run_cs("--listen", "127.0.0.1:%d" % s.getsockname()[1], "--data-dir", d)
        s.close()
        shutil.rmtree(d, ignore_errors=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot listen", r.stderr)


if __name__ == "__main__":
    main()
