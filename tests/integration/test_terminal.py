"""proctor in a real terminal (tmux): job control (Ctrl-Z, fg) and
Ctrl-C reach the agent, and proctor reports the agent's status."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import PROCTOR

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed")


class Tmux:
    def __init__(self, name):
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name],
                       stderr=subprocess.DEVNULL)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x",
                        "200", "-y", "50", "bash --norc --noprofile -i"],
                       check=True)
        self.keys("PS1='$ '", "Enter")

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name] + list(keys),
                       check=True)

    def screen(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t",
                               self.name], stdout=subprocess.PIPE,
                              text=True).stdout

    def wait_for(self, text, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.screen():
                return True
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not on screen:\n{self.screen()}")

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name])


@pytest.fixture
def term(session):
    t = Tmux(f"proctor-test-{os.getpid()}")
    yield t
    t.close()


def test_ctrl_z_fg_and_status(session, term):
    session.policy("default allow\n")
    term.keys(f"{PROCTOR} run -q --ask deny --policy {session.policy_path}"
              f" --audit {session.db} -- sh -c 'for i in 1 2 3 4 5; do "
              f"echo tick$i; sleep 0.5; done; echo finished'", "Enter")
    term.wait_for("tick2")
    term.keys("C-z")
    term.wait_for("Stopped")
    before = term.screen().count("tick")
    time.sleep(1.5)
    assert term.screen().count("tick") == before, "the agent kept running"
    term.keys("fg", "Enter")
    term.wait_for("finished")
    term.keys("echo rc=$?", "Enter")
    term.wait_for("rc=0")


def test_ctrl_c_reaches_the_agent(session, term):
    session.policy("default allow\n")
    term.keys(f"{PROCTOR} run -q --ask deny --policy {session.policy_path}"
              f" --audit {session.db} -- sleep 30", "Enter")
    time.sleep(1)
    term.keys("C-c")
    term.keys("echo rc=$?", "Enter")
    term.wait_for("rc=130")
