"""The module host in an agent process: the same module binary that runs in
the server works in `capstand --role agent --server URL`, where the host
reaches the API over HTTP instead of in-process."""
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
from harness import Capstand, ROOT, CAPSTAND  # noqa: E402


def build_hello(dest):
    """ctrl-hello from sdk/examples, built against the tree's SDK headers."""
    so = os.path.join(dest, "ctrl-hello.so")
    subprocess.check_call(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC",
                           "-shared", "-fvisibility=hidden",
                           "-I" + os.path.join(ROOT, "sdk", "include"), "-o", so,
                           os.path.join(ROOT, "sdk", "examples", "ctrl-hello", "ctrl-hello.c")])
    os.chmod(so, 0o644)
    return so


def wait(fn, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


class AgentModules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="capstan-agent-")
        cls.mods = os.path.join(cls.tmp, "mods")
        os.mkdir(cls.mods)
        build_hello(cls.mods)
        cls.server = Capstand().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def agent(self, greeting, extra=()):
        conf = os.path.join(self.tmp, "agent.conf")
        with open(conf, "w") as f:
            f.write('role = "agent"\nmodule-path = "%s"\nmodule "ctrl-hello" {\n'
                    '  enabled = true\n  greeting = "%s"\n}\n' % (self.mods, greeting))
        args = [CAPSTAND, "-c", conf, "--server", "http://127.0.0.1:%d" % self.server.port,
                "--node-name", "n1", "--data-dir", os.path.join(self.tmp, "agent-data")]
        if os.geteuid() != 0:
            args.append("--dev-modules")
        log = open(os.path.join(self.tmp, "agent.log"), "ab")
        p = subprocess.Popen(args + list(extra), stdout=log, stderr=log)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), log.close()))
        return p

    def greeting(self, ns):
        code, body = self.server.request("GET", "/api/v1/namespaces/%s/configmaps/hello" % ns)
        return body.get("data", {}).get("greeting") if code == 200 else None

    def agent_log(self):
        with open(os.path.join(self.tmp, "agent.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def test_1_module_works_over_http(self):
        p = self.agent("from the agent")
        self.assertTrue(wait(lambda: self.greeting("default") == "from the agent"),
                        self.agent_log())
        # A namespace created later is seen through the agent's watch.
        code, _ = self.server.request("POST", "/api/v1/namespaces",
                                      {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": "agent-ns"}})
        self.assertEqual(code, 201)
        self.assertTrue(wait(lambda: self.greeting("agent-ns") == "from the agent"))
        # The Event it records reaches the server too.
        code, evs = self.server.request("GET", "/api/v1/namespaces/default/events")
        self.assertTrue(any(e.get("source", {}).get("component") == "ctrl-hello"
                            and e.get("source", {}).get("host") == "n1"
                            for e in evs.get("items", [])), evs)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0, self.agent_log())
        self.assertIn("module ctrl-hello stopped", self.agent_log())

    def test_2_agent_survives_server_restart(self):
        p = self.agent("again")
        self.assertTrue(wait(lambda: self.greeting("default") == "again"), self.agent_log())
        port = self.server.port
        self.server.stop()
        time.sleep(0.5)
        self.assertIsNone(p.poll(), "the agent must keep running without its server")
        # Same data dir, same port: the agent's watch reconnects and relists.
        args = [CAPSTAND, "--listen", "127.0.0.1:%d" % port, "--data-dir", self.server.data_dir]
        self.server.port = port
        self.server.log = open(os.path.join(self.server.data_dir, "capstand.log"), "ab")
        self.server.proc = subprocess.Popen(args, stdout=self.server.log, stderr=self.server.log)
        self.assertTrue(wait(lambda: self._ready(), 10), self.server.logtext())
        code, _ = self.server.request("POST", "/api/v1/namespaces",
                                      {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": "after-restart"}})
        self.assertEqual(code, 201)
        self.assertTrue(wait(lambda: self.greeting("after-restart") == "again", 20),
                        self.agent_log())
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0, self.agent_log())

    def _ready(self):
        try:
            return self.server.request("GET", "/readyz")[0] == 200
        except OSError:
            return False

    def test_3_agent_needs_a_server(self):
        r = subprocess.run([CAPSTAND, "--role", "agent"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--server", r.stderr)


if __name__ == "__main__":
    harness.main()
