"""A capstand with some in-tree modules loaded, for the tests that need
controllers (the namespace controller for namespace deletion, ...)."""
import os
import shutil
import tempfile

from harness import CAPSTAND, Capstand

MODULE_DIR = os.path.join(os.path.dirname(os.path.abspath(CAPSTAND)), "modules")


def write_config(directory, modules, log_level="debug"):
    path = os.path.join(directory, "capstan.conf")
    with open(path, "w") as f:
        f.write('module-path = "%s"\n' % MODULE_DIR)
        f.write('log-level = "%s"\n' % log_level)
        f.write("store { sync = false }\n")
        for m in modules:
            f.write('module "%s" { enabled = true  required = true }\n' % m)
    return path


def start_capstand(modules, data_dir=None):
    """Starts a capstand loading `modules` (required); cleanup() also removes
    its configuration."""
    conf_dir = tempfile.mkdtemp(prefix="capstan-conf-")
    # Module files built by a user are not root's: trust them explicitly.
    extra = ["--dev-modules"] if os.getuid() != 0 else []
    cs = Capstand(data_dir=data_dir, config=write_config(conf_dir, modules), extra=extra)
    cleanup = cs.cleanup

    def cleanup_all():
        cleanup()
        shutil.rmtree(conf_dir, ignore_errors=True)
    cs.cleanup = cleanup_all
    try:
        return cs.start()
    except BaseException:
        cs.cleanup()
        raise
