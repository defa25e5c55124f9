"""Starts a real capstand on a free loopback port with a temp data dir."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPSTAND = os.environ.get("CAPSTAND", os.path.join(ROOT, "build", "capstand"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Capstand:
    def __init__(self, data_dir=None, config=None, extra=()):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="capstan-it-")
        self.config = config
        self.extra = list(extra)
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        args = [CAPSTAND, "--listen", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir]
        if self.config:
            args += ["-c", self.config]
        args += self.extra
        self.log = open(os.path.join(self.data_dir, "capstand.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                # The port was free when picked, not when bound: pick again.
                if "address in use" in self.logtext()[-400:] and not getattr(self, "_retried", 0) > 3:
                    self._retried = getattr(self, "_retried", 0) + 1
                    self.log.close()
                    return self.start()
                raise RuntimeError("capstand exited with %d: %s" % (self.proc.returncode, self.logtext()))
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("capstand did not become ready: " + self.logtext())

    def logtext(self):
        with open(os.path.join(self.data_dir, "capstand.log"), "rb") as f:
            return f.read().decode(errors="replace")[-6000:]

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
            self.check_sanitizers()
        self.proc = None

    def check_sanitizers(self):
        # Under `make check SANITIZE=1` capstand reports memory errors and
        # leaks in its log; any report fails the test that ran it.
        text = self.logtext()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                raise AssertionError("sanitizer report in capstand log:\n" + text)

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, ctype="application/json", headers=None, conn=None):
        c = conn or self.conn()
        h = dict(headers or {})
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            h["Content-Type"] = ctype
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = data.decode(errors="replace")
        return r.status, doc


class CapstanTest(unittest.TestCase):
    """One daemon per test class."""

    config = None

    @classmethod
    def setUpClass(cls):
        cls.cs = Capstand(config=cls.config).start()

    @classmethod
    def tearDownClass(cls):
        cls.cs.cleanup()

    def req(self, *a, **kw):
        return self.cs.request(*a, **kw)

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        code, doc = self.req(method, path, body, **kw)
        if isinstance(want, int):
            want = (want,)
        self.assertIn(code, want, "%s %s -> %d %s" % (method, path, code, doc))
        return doc


def cm(name, data=None, labels=None, ns=None):
    md = {"name": name}
    if labels:
        md["labels"] = labels
    if ns:
        md["namespace"] = ns
    o = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md}
    if data is not None:
        o["data"] = data
    return o


def deployment(name, replicas=1, image="busybox"):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": image}]}}},
    }


def main():
    """Run the module's tests; print the summary line make check counts."""
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    name = os.path.basename(sys.argv[0]).replace(".py", "")
    print("%s: %d passed, %d failed" % (name.replace("_", "-"), r.testsRun - failed - len(r.skipped), failed))
    sys.exit(1 if failed else 0)
