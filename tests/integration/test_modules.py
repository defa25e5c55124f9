"""Modules in a real capstand: --check-config and --list-modules, failing modules (an
optional one is reported and the daemon goes on, a required one stops it), and SIGHUP
reloads that switch modules without dropping API clients.

Uses the loader's test modules (tests/unit/testmods, built into <build>/testmods beside
capstand by the unit-test rule of the Makefile)."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import CAPSTAND, ROOT, Capstand, cm, main

BUILD = os.path.dirname(os.path.abspath(CAPSTAND))
TESTMODS = os.path.join(BUILD, "testmods")
# Module files are owned by whoever built them: only root's are trusted by default.
DEV = [] if os.geteuid() == 0 else ["--dev-modules"]
CMS = "/api/v1/namespaces/default/configmaps"
ANNOTATION = "testmods.capstan.io/label"
with open(os.path.join(ROOT, "sdk", "include", "capstan", "module.h")) as _f:
    _h = _f.read()
# The ABI this capstand provides: CS_ABI_MAJOR, CS_ABI_MINOR.
ABI = tuple(int(re.search(r"#define CS_ABI_%s (\d+)" % k, _h).group(1)) for k in ("MAJOR", "MINOR"))


def setUpModule():
    srcs = [f[:-2] for f in os.listdir(os.path.join(ROOT, "tests", "unit", "testmods")) if f.endswith(".c")]
    missing = [os.path.join(os.path.basename(BUILD), "testmods", n + ".so") for n in srcs
               if not os.path.exists(os.path.join(TESTMODS, n + ".so"))]
    if missing:  # `make all` does not build them; the unit tests' rule does
        subprocess.run(["make", "-C", ROOT, "BUILD=" + os.path.basename(BUILD)] + missing,
                       check=True, stdout=subprocess.DEVNULL)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def conf_text(body, modpath=TESTMODS):
    return 'module-path = "%s"\n%s' % (modpath, body)


def run_cs(*args, timeout=30):
    r = subprocess.run([CAPSTAND] + DEV + list(args), capture_output=True, text=True,
                       timeout=timeout)
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        if marker in r.stderr:  # under make check SANITIZE=1
            raise AssertionError("sanitizer report from capstand %s:\n%s" % (args, r.stderr))
    return r


def wait_for(fn, timeout=10, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="capstan-mod-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def conf(self, body, name="capstan.conf"):
        path = os.path.join(self.dir, name)
        write(path, conf_text(body))
        return path


class CheckConfigTest(TempDirTest):
    def test_valid(self):
        c = self.conf('module "good-ctrl" {\n  label = "x"\n  namespaces = {"a", "b"}\n}\n'
                      'module "sched-test" {\n  label = {"zone"}\n}\n')
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("is valid", r.stdout)

    def test_option_typo(self):
        c = self.conf('module "good-ctrl" {\n  enabled = true\n  retyr-ms = 5\n}\n')
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stderr, re.escape(c) + r":\d+: .*good-ctrl.*retyr-ms")
        self.assertNotIn("is valid", r.stdout)

    def test_option_mistyped(self):
        c = self.conf('module "good-ctrl" {\n  retry-ms = "soon"\n}\n')
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(c + ":3: ", r.stderr)
        self.assertIn("retry-ms", r.stderr)

    def test_option_of_another_module(self):
        c = self.conf('module "sched-test" { }\nmodule "good-ctrl" {\n  prefer = {"n1"}\n}\n')
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stderr, re.escape(c) + r":\d+: .*good-ctrl.*prefer")

    def test_required_module_that_cannot_load(self):
        c = self.conf('module "wrong-major" {\n  required = true\n}\n')
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("required module wrong-major: %s/wrong-major.so was built for module ABI "
                      "%d.%d; this capstand provides ABI %d.%d" % ((TESTMODS, ABI[0] + 1, ABI[1]) + ABI),
                      r.stderr)

    def test_optional_module_that_cannot_load_is_reported(self):
        c = self.conf('module "newer-minor" { }\nmodule "good-ctrl" { }\n')
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("module newer-minor: %s/newer-minor.so needs module ABI %d.%d" %
                      (TESTMODS, ABI[0], ABI[1] + 1), r.stderr)


class ListModulesTest(TempDirTest):
    ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$")

    def listing(self, *args):
        r = run_cs(*args, "--list-modules")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "KIND", "VERSION", "ABI", "STATE", "FILE"])
        rows, last = {}, None
        for line in lines[1:]:
            if line.startswith("  error: "):
                self.assertIsNotNone(last, line)
                rows[last]["error"] = line[len("  error: "):]
                continue
            if line.startswith("  option "):  # NAME TYPE default DEFAULT DOC
                self.assertIsNotNone(last, line)
                name, type_, word, rest = line.split(None, 4)[1:]
                self.assertEqual(word, "default", line)
                rows[last]["options"].append((name, type_, rest))
                continue
            m = self.ROW.match(line)
            self.assertIsNotNone(m, "unexpected line: %r" % line)
            name = m.group(1)
            self.assertNotIn(name, rows, "listed twice")
            rows[name] = dict(zip(("kind", "version", "abi", "state", "file"), m.groups()[1:]))
            rows[name]["options"] = []
            last = name
        return rows

    def test_every_file_of_the_path(self):
        rows = self.listing("--module-path", TESTMODS)
        names = sorted(f[:-3] for f in os.listdir(TESTMODS) if f.endswith(".so"))
        self.assertEqual(sorted(rows), names)
        abi = "%d.%d" % ABI
        g = rows["good-ctrl"]
        self.assertEqual((g["kind"], g["version"], g["abi"], g["state"], g["file"]),
                         ("controller", "1.2.3", abi, "available", TESTMODS + "/good-ctrl.so"))
        self.assertNotIn("error", g)
        # its options, typed, with their defaults (docs follow the defaults)
        opts = [(n, t) for n, t, _ in g["options"]]
        self.assertEqual(opts, [("annotate", "bool"), ("retry-ms", "int"), ("ratio", "float"),
                                ("label", "string"), ("namespaces", "list")])
        for (_, _, rest), default in zip(g["options"], ("true", "42", "0.5", "seen",
                                                        '{"default", "kube-system"}')):
            self.assertTrue(rest.startswith(default + " "), rest)
        s = rows["sched-test"]
        self.assertEqual((s["kind"], s["version"], s["abi"], s["state"]), ("scheduler", "0.9", abi, "available"))
        broken = {
            "no-symbol": "does not export the symbol capstan_module",
            "wrong-major": "was built for module ABI %d.%d; this capstand provides ABI %s" % (ABI[0] + 1, ABI[1], abi),
            "newer-minor": "needs module ABI %d.%d" % (ABI[0], ABI[1] + 1),
            "bad-magic": "bad magic",
            "name-mismatch": 'calls itself "other-name"',
            "bad-kind": "unknown module kind 99",
            "small-desc": "descriptor too small",
            "small-ops": "ops table missing or too small",
            "ctrl-no-reconcile": "needs a primary resource and reconcile",
            "bad-default": 'default "abc" of option "retries"',
            "reserved-opt": 'option "enabled"',
        }
        for name, why in broken.items():
            with self.subTest(module=name):
                row = rows[name]
                self.assertEqual((row["state"], row["file"]), ("failed", "%s/%s.so" % (TESTMODS, name)))
                self.assertIn("error", row)
                self.assertTrue(row["error"].startswith("module %s: %s/%s.so" % (name, TESTMODS, name)), row["error"])
                self.assertIn(why, row["error"])

    def test_configured_states(self):
        c = self.conf('module "good-ctrl" { }\nmodule "sched-test" {\n  enabled = false\n}\n'
                      'module "fail-init" {\n  required = true\n}\nmodule "bad-magic" { }\n')
        data = os.path.join(self.dir, "data")
        rows = self.listing("-c", c, "--data-dir", data)
        self.assertEqual(rows["good-ctrl"]["state"], "enabled")
        self.assertEqual(rows["sched-test"]["state"], "disabled")
        self.assertEqual(rows["fail-init"]["state"], "enabled*")  # required
        self.assertEqual(rows["bad-magic"]["state"], "failed")
        self.assertIn("bad magic", rows["bad-magic"]["error"])
        self.assertEqual(rows["fail-start"]["state"], "available")
        # a listing initialises nothing: no module made its state directory
        self.assertFalse(os.path.exists(os.path.join(data, "modules")))


class WatchStream:
    """A watch opened before the test changes things; collects events until closed."""

    def __init__(self, cs, query):
        self.events, self.ended = [], False
        self.conn = http.client.HTTPConnection("127.0.0.1", cs.port, timeout=120)
        self.conn.request("GET", CMS + query)
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise AssertionError("watch: %d" % self.resp.status)
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        try:
            while True:
                line = self.resp.fp.readline()
                if not line or line.strip() == b"0":
                    break
                line = line.strip()
                if line and not all(ch in b"0123456789abcdef" for ch in line):
                    self.events.append(json.loads(line))
        except (OSError, ValueError):
            pass
        self.ended = True

    def seen(self, type_, name, pred=lambda o: True):
        return any(e["type"] == type_ and e["object"]["metadata"]["name"] == name and pred(e["object"])
                   for e in list(self.events))

    def close(self):
        try:  # wake the reader up: closing alone leaves its socket file open
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.thread.join(10)


def annotated(o, value):
    return (o.get("metadata", {}).get("annotations") or {}).get(ANNOTATION) == value


class DaemonTest(TempDirTest):
    """One daemon per test, from a configuration in the test's directory."""

    def start(self, body):
        self.path = self.conf(body)
        self.cs = Capstand(config=self.path, extra=DEV).start()
        return self.cs

    def tearDown(self):
        if getattr(self, "cs", None):
            self.cs.cleanup()
        super().tearDown()

    def get(self, path):
        code, doc = self.cs.request("GET", path)
        self.assertEqual(code, 200, "GET %s: %s" % (path, doc))
        return doc

    def metrics(self):
        return self.get("/metrics")

    def healthz(self):
        c = self.cs.conn()
        c.request("GET", "/healthz?verbose")
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return r.status, body

    def cm_annotation(self, name):
        code, o = self.cs.request("GET", CMS + "/" + name)
        return code == 200 and (o["metadata"].get("annotations") or {}).get(ANNOTATION)

    def sighup(self, body, expect):
        """Rewrite the configuration, SIGHUP, wait for the log line `expect`."""
        before = self.cs.logtext().count(expect)
        write(self.path, conf_text(body))
        self.cs.proc.send_signal(signal.SIGHUP)
        try:
            wait_for(lambda: self.cs.logtext().count(expect) > before, what="log line " + expect)
        except AssertionError as e:
            raise AssertionError("%s; capstand's log:\n%s" % (e, self.cs.logtext()[-3000:]))


class FailingModuleTest(DaemonTest):
    def test_optional_failure_is_reported_and_the_daemon_goes_on(self):
        self.start('module "fail-init" { }\nmodule "good-ctrl" {\n  label = "it"\n}\n')
        err = "module fail-init (%s/fail-init.so): init failed" % TESTMODS
        code, body = self.healthz()
        self.assertEqual(code, 200, body)
        self.assertIn("[+]module fail-init failed (optional): " + err, body)
        self.assertIn("[+]module good-ctrl ok", body)
        self.assertIn("healthz check passed", body)
        # a Warning Event in kube-system says the same
        def event():
            for e in self.get("/api/v1/namespaces/kube-system/events")["items"]:
                if e.get("reason") == "ModuleFailed" and "fail-init" in e.get("message", ""):
                    return e
        try:
            e = wait_for(event, what="ModuleFailed Event")
        except AssertionError as x:
            raise AssertionError("%s; capstand's log:\n%s" % (x, self.cs.logtext()[-3000:]))
        self.assertEqual(e["type"], "Warning")
        self.assertTrue(e["message"].startswith(err), e["message"])
        self.assertEqual(e["metadata"]["namespace"], "kube-system")
        self.assertIn("cannot initialise: this module always fails", self.cs.logtext())
        # the other module does its work through the API
        self.assertEqual(self.cs.request("POST", CMS, cm("probe"))[0], 201)
        wait_for(lambda: self.cm_annotation("probe") == "it", what="good-ctrl's annotation")
        self.assertIn('testmod_reconciles_total{module="good-ctrl"}', self.metrics())

    def exits(self, body, want):
        c = self.conf(body)
        r = run_cs("-c", c, "--data-dir", os.path.join(self.dir, "data"),
                   "--listen", "127.0.0.1:0", timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(want, r.stderr)
        return r

    def test_required_failure_stops_startup(self):
        self.exits('module "good-ctrl" { }\nmodule "fail-init" {\n  required = true\n}\n',
                   "required module fail-init (%s/fail-init.so): init failed" % TESTMODS)
        self.exits('module "fail-start" {\n  required = true\n}\n',
                   "required module fail-start (%s/fail-start.so): start failed" % TESTMODS)
        self.exits('module "name-mismatch" {\n  required = true\n}\n',
                   'required module name-mismatch: %s/name-mismatch.so calls itself "other-name"' % TESTMODS)

    def test_unsafe_file_is_refused(self):
        mods = os.path.join(self.dir, "mods")
        os.mkdir(mods)
        shutil.copy(os.path.join(TESTMODS, "good-ctrl.so"), mods)
        os.chmod(os.path.join(mods, "good-ctrl.so"), 0o666)
        c = os.path.join(self.dir, "unsafe.conf")
        write(c, conf_text('module "good-ctrl" {\n  required = true\n}\n', modpath=mods))
        r = run_cs("-c", c, "--check-config")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("required module good-ctrl: refusing %s/good-ctrl.so: writable by others "
                      "(mode 0666)" % mods, r.stderr)


class ReloadTest(DaemonTest):
    GOOD = 'testmod_reconciles_total{module="good-ctrl"}'
    SCHED = 'testmod_filter_calls_total{module="sched-test"}'

    def test_sighup_switches_modules_and_keeps_clients(self):
        self.start('module "sched-test" { }\nmodule "good-ctrl" {\n  enabled = false\n}\n')
        m = self.metrics()
        self.assertIn(self.SCHED, m)
        self.assertNotIn(self.GOOD, m)
        rv = self.get(CMS)["metadata"]["resourceVersion"]
        watch = WatchStream(self.cs, "?watch=1&resourceVersion=" + rv)
        try:
            self.assertEqual(self.cs.request("POST", CMS, cm("before"))[0], 201)
            wait_for(lambda: watch.seen("ADDED", "before"), what="watch event before SIGHUP")

            # enable good-ctrl, disable sched-test
            self.sighup('module "sched-test" {\n  enabled = false\n}\n'
                        'module "good-ctrl" {\n  label = "hup"\n}\n', "reload: modules updated")
            m = self.metrics()
            self.assertIn(self.GOOD, m)
            self.assertNotIn(self.SCHED, m)
            self.assertEqual(self.cs.request("POST", CMS, cm("after"))[0], 201)
            wait_for(lambda: self.cm_annotation("after") == "hup", what="annotation after SIGHUP")
            # the controller's informer listed what existed before it ran
            wait_for(lambda: self.cm_annotation("before") == "hup", what="annotation of 'before'")
            # the watch opened before the reload saw all of it
            wait_for(lambda: watch.seen("ADDED", "after") and
                     watch.seen("MODIFIED", "after", lambda o: annotated(o, "hup")),
                     what="watch events after SIGHUP")
            self.assertFalse(watch.ended)

            # an invalid configuration is logged; the old modules keep running
            self.sighup('module "good-ctrl" {\n  label = "typo"\n  labl = "x"\n}\n',
                        "keeping the running modules")
            self.assertRegex(self.cs.logtext(), r"reload: .*good-ctrl.*labl.*; keeping the running modules")
            self.sighup('module "good-ctrl" {\n  label = = "broken"\n}\n', "keeping the running configuration")
            self.assertIn(self.GOOD, self.metrics())
            self.assertEqual(self.cs.request("POST", CMS, cm("after-bad"))[0], 201)
            wait_for(lambda: self.cm_annotation("after-bad") == "hup", what="annotation after a bad SIGHUP")

            # changed options: the module restarts with them
            self.sighup('module "good-ctrl" {\n  label = "v2"\n}\n', "reload: modules updated")
            self.assertEqual(self.cs.request("POST", CMS, cm("v2"))[0], 201)
            wait_for(lambda: self.cm_annotation("v2") == "v2", what="annotation with the new option")
            wait_for(lambda: self.cm_annotation("after") == "v2", what="re-annotation of 'after'")

            # disable it: its metric goes, and nothing annotates any more
            self.sighup('module "good-ctrl" {\n  enabled = false\n}\n', "reload: modules updated")
            self.assertNotIn(self.GOOD, self.metrics())
            self.assertEqual(self.cs.request("POST", CMS, cm("off"))[0], 201)
            wait_for(lambda: watch.seen("ADDED", "off"), what="watch event after disabling")
            time.sleep(0.5)
            self.assertIsNone(self.cm_annotation("off") or None)
            self.assertFalse(any(e["object"]["metadata"]["name"] == "off" and e["type"] == "MODIFIED"
                                 for e in watch.events))
            self.assertFalse(watch.ended, "the watch opened before the reloads was dropped")
            code, body = self.healthz()
            self.assertEqual(code, 200, body)
        finally:
            watch.close()
        lines = self.cs.logtext()
        self.assertIn("module good-ctrl stopped", lines)
        self.assertIn("module sched-test stopped", lines)


class InProcessWatchTest(DaemonTest):
    """An in-process module's informer gets watch events as the server's own parse (no
    text between them): with a label selector it must see exactly what an HTTP watch
    with that selector sees -- objects entering the selector as added, leaving it as
    deleted (with the state that made them leave), in order, with their contents."""

    def probe_lines(self):
        path = os.path.join(self.cs.data_dir, "modules", "watch-probe", "events")
        try:
            with open(path) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def patch(self, name, body):
        code, o = self.cs.request("PATCH", CMS + "/" + name, body,
                                  ctype="application/merge-patch+json")
        self.assertEqual(code, 200, o)
        return o

    def test_selector_events_match_an_http_watch(self):
        self.start('module "watch-probe" {\n  selector = "probe=yes"\n}\n')
        code, s = self.cs.request("POST", CMS, cm("sentinel", labels={"probe": "yes"}))
        self.assertEqual(code, 201, s)
        rv0 = s["metadata"]["resourceVersion"]
        # Seen (by list or watch): from here on the informer is watching.
        wait_for(lambda: any(" default/sentinel " in l for l in self.probe_lines()),
                 what="the probe's informer to see the sentinel")
        skip = len(self.probe_lines())
        w = WatchStream(self.cs, "?watch=1&labelSelector=probe%%3Dyes&resourceVersion=%s" % rv0)
        try:
            self.assertEqual(self.cs.request("POST", CMS, cm("a", {"echo": "1"}, {"probe": "yes"}))[0], 201)
            self.assertEqual(self.cs.request("POST", CMS, cm("b", {"echo": "x"}))[0], 201)
            self.patch("a", {"data": {"echo": "2"}})
            self.patch("a", {"metadata": {"labels": {"probe": "no"}}})  # leaves
            self.patch("b", {"metadata": {"labels": {"probe": "yes"}}})  # enters
            self.patch("a", {"data": {"echo": "3"}})  # outside: nobody hears
            self.patch("a", {"metadata": {"labels": {"probe": "yes"}}})  # back
            self.assertEqual(self.cs.request("DELETE", CMS + "/a")[0], 200)
            wait_for(lambda: len(w.events) >= 6, what="the HTTP watch's 6 events")
            # on_delete gets the last state the informer knew (module.h).
            want, last = [], {}
            for e in w.events:
                o = e["object"]
                name, rv = o["metadata"]["name"], o["metadata"]["resourceVersion"]
                echo = (o.get("data") or {}).get("echo")
                tail = " echo=%s" % echo if echo else ""
                if e["type"] == "ADDED":
                    want.append("add default/%s %s%s" % (name, rv, tail))
                elif e["type"] == "MODIFIED":
                    want.append("update default/%s %s %s%s" % (name, last[name][0], rv, tail))
                else:
                    want.append("delete default/%s %s%s" % (name, *last[name]))
                last[name] = (rv, tail)
            self.assertEqual([e["type"] for e in w.events],
                             ["ADDED", "MODIFIED", "DELETED", "ADDED", "ADDED", "DELETED"])
            wait_for(lambda: len(self.probe_lines()) >= skip + len(want),
                     what="the probe's %d events" % len(want))
            self.assertEqual(self.probe_lines()[skip:], want)
        finally:
            w.close()


if __name__ == "__main__":
    main()
