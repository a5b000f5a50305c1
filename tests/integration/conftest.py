"""Shared helpers for the integration tests: run real programs under
build/proctor and read the audit log it wrote."""
import os
import sqlite3
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PROCTOR = os.environ.get("PROCTOR_BIN") or os.path.join(ROOT, "build", "proctor")


class Session:
    """One `proctor run` in a private temporary directory."""

    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.db = os.path.join(self.tmp, "audit.db")
        self.policy_path = None

    def policy(self, text):
        self.policy_path = os.path.join(self.tmp, "test.policy")
        with open(self.policy_path, "w") as f:
            f.write(text)
        return self.policy_path

    def run(self, cmd, *, policy=True, args=(), timeout=60, env=None,
            cwd=None, input=None, proctor=PROCTOR):
        argv = [proctor, "run", "--audit", self.db, "--ask", "deny"]
        if policy and self.policy_path:
            argv += ["--policy", self.policy_path]
        argv += list(args) + ["--"] + list(cmd)
        return subprocess.run(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout,
                              env=env, cwd=cwd or self.tmp, input=input)

    def events(self, where="1", params=()):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute(
                f"SELECT * FROM events WHERE {where} ORDER BY seq",
                params)]
        finally:
            con.close()

    def find(self, **kw):
        """Events whose columns equal the given values (target/resolved
        may be matched by suffix with a leading '*')."""
        out = []
        for e in self.events():
            ok = True
            for k, v in kw.items():
                ev = e.get(k)
                if isinstance(v, str) and v.startswith("*"):
                    ok = ok and isinstance(ev, str) and ev.endswith(v[1:])
                else:
                    ok = ok and ev == v
            if ok:
                out.append(e)
        return out


@pytest.fixture
def session(tmp_path):
    os.chmod(tmp_path, 0o755)
    return Session(tmp_path)
