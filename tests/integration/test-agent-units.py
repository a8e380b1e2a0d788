# SPDX-License-Identifier: LGPL-2.1-or-later
"""The service files as installed: `systemd-analyze verify` has nothing to say about
weft-agent@.service and the registry's units, and a call to an agent's bus name, through
the activation file from data/dbus, starts a weft-agent that registers with a real registry,
answers, and deregisters on Quit.

The files are the ones the build generated for installation, with the installed binary
paths pointed at the build tree. The test starts its own dbus-daemon with the activation
directory, as a desktop session has ~/.local/share/dbus-1/services."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_harness import Agent, Registry, Workdir, binary, wait_for  # noqa: E402

BINDIR = os.environ["WEFT_INSTALL_BINDIR"]
SYSTEMD_ANALYZE = shutil.which("systemd-analyze", path=os.environ.get("PATH", "") + ":/usr/bin")

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <servicedir>%s</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def as_built(path):
    """The text of an installed file with the installed binaries replaced by the built ones."""
    with open(path) as f:
        text = f.read()
    for name in ("weft-agent", "weft-registry"):
        text = text.replace(BINDIR + "/" + name, binary("WEFT_" + name[5:].upper()))
    return text


class UnitsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="weft-units-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def verify(self, *units):
        runtime = os.path.join(self.dir, "run")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
        return subprocess.run([SYSTEMD_ANALYZE, "verify", "--user", "--man=no"]
                              + [os.path.join(self.dir, u) for u in units],
                              capture_output=True, text=True, env=env, timeout=60)

    @unittest.skipUnless(SYSTEMD_ANALYZE, "systemd-analyze is not installed")
    def test_units_verify(self):
        for name, source in (("weft-agent@.service", os.environ["WEFT_AGENT_UNIT"]),
                             ("weft-registry.service", os.environ["WEFT_REGISTRY_UNIT"]),
                             ("weft-registry.socket", os.environ["WEFT_REGISTRY_SOCKET_UNIT"])):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(as_built(source))
        os.symlink("weft-agent@.service", os.path.join(self.dir, "weft-agent@demo.service"))
        r = self.verify("weft-agent@demo.service", "weft-registry.service",
                        "weft-registry.socket")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout + r.stderr, "")

        # the check itself: the same unit with a mistake in it is reported
        with open(os.path.join(self.dir, "weft-agent@.service")) as f:
            broken = f.read().replace("[Service]\n", "[Service]\nRestartt=always\n")
        with open(os.path.join(self.dir, "broken@.service"), "w") as f:
            f.write(broken)
        os.symlink("broken@.service", os.path.join(self.dir, "broken@demo.service"))
        self.assertIn("Restartt", self.verify("broken@demo.service").stderr)

    def test_dbus_activation(self):
        work = Workdir()
        reg = Registry(work.path)
        reg.start()
        daemon = None
        try:
            # the manifest where the activation file looks for it
            config_home = os.path.join(work.path, "config")
            agent = Agent(os.path.join(config_home, "weft", "agents"), reg, "alpha", "ak_alpha",
                          skills=["upper"])
            services = os.path.join(work.path, "services")
            os.makedirs(services)
            with open(os.path.join(services, "org.weft.Agent1.alpha.service"), "w") as f:
                f.write(as_built(os.environ["WEFT_AGENT_ACTIVATION"]).replace("NAME", "alpha"))
            conf = os.path.join(work.path, "bus.conf")
            with open(conf, "w") as f:
                f.write(BUS_CONFIG % (work.path, services))

            daemon = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork",
                                       "--print-address=1"], stdout=subprocess.PIPE, text=True,
                                      env=dict(os.environ, XDG_CONFIG_HOME=config_home))
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=daemon.stdout.readline().strip())

            def call(method, *args):
                return subprocess.run(["gdbus", "call", "--session", "-d", agent.bus_name, "-o",
                                       "/org/weft/Agent1", "-m", method] + list(args),
                                      capture_output=True, text=True, env=env, timeout=60)

            self.assertIsNone(reg.agent("alpha"))
            # the first call starts the agent
            r = call("org.freedesktop.DBus.Properties.Get", "org.weft.Agent1", "Name")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), "(<'alpha'>,)")
            wait_for(lambda: reg.agent("alpha"), what="the activated agent registered")
            r = call("org.weft.Agent1.Invoke", "upper", '{"message": "activated"}')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("ACTIVATED", r.stdout)

            r = call("org.weft.Agent1.Quit")
            self.assertEqual(r.returncode, 0, r.stderr)
            wait_for(lambda: reg.agent("alpha") is None, what="the agent deregistered")
        finally:
            if daemon is not None:
                daemon.terminate()
                daemon.wait(timeout=10)
                daemon.stdout.close()
            reg.stop()
            work.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
