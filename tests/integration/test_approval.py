"""Human approval of `ask` decisions (issue #6): the tty prompt driven
through a pseudo-terminal, the console channel driven by `proctor approve`
in scripted mode, and what the audit log records about each answer."""
import json
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import PROCTOR

# PROCTOR_BIN=build/asan/proctor runs the same tests on the sanitizer build
PROCTOR = os.environ.get("PROCTOR_BIN") or PROCTOR

BASE = """default deny
allow read /**
allow exec /** *
allow write /dev/null
allow write /dev/tty
allow write /dev/pts/**
"""


class Approval:
    """A proctor session with ask rules, a private socket directory and
    helpers for both channels."""

    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.db = os.path.join(self.tmp, "audit.db")
        self.xdg = os.path.join(self.tmp, "xdg")
        os.mkdir(self.xdg, 0o700)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.xdg)
        self.secret = self.file("secret.txt", "top secret\n")
        self.other = self.file("other.txt", "other\n")
        self.policy_path = os.path.join(self.tmp, "test.policy")
        self.policy(f"ask read {self.secret}\nask read {self.other}\n")
        self.proc = None

    def file(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def policy(self, extra):
        with open(self.policy_path, "w") as f:
            f.write(BASE + extra)

    def argv(self, cmd, ask, args=()):
        return [PROCTOR, "run", "--policy", self.policy_path, "--audit",
                self.db, "--ask", ask] + list(args) + ["--"] + list(cmd)

    # ---- console ----------------------------------------------------------

    def start(self, cmd, ask="console", args=()):
        """Start proctor without a controlling terminal."""
        self.proc = subprocess.Popen(
            self.argv(cmd, ask, args), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=self.env,
            cwd=self.tmp, start_new_session=True)
        return self.proc

    def finish(self, timeout=30):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()

    def approve(self, *args, env=None, timeout=30):
        return subprocess.run([PROCTOR, "approve"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env or self.env, timeout=timeout,
                              text=True)

    def listing(self):
        r = self.approve("--list", "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def pending(self, n=1, timeout=15):
        """Wait until n requests are pending in the one session."""
        end = time.time() + timeout
        while time.time() < end:
            sessions = self.listing()
            if sessions and len(sessions[0]["pending"]) >= n:
                return sessions[0]["pending"]
            time.sleep(0.1)
        raise AssertionError(f"{n} pending request(s) never appeared")

    # ---- audit -----------------------------------------------------------

    def asks(self, target=None):
        """Audit rows of ask decisions (optionally for one target)."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in con.execute(
                "SELECT * FROM events WHERE decision = 'ask' ORDER BY seq")]
        finally:
            con.close()
        if target:
            rows = [r for r in rows if r["resolved"] == target or
                    r["target"] == target]
        return rows

    def reads(self, target):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute(
                "SELECT * FROM events WHERE op = 'read' AND resolved = ? "
                "ORDER BY seq", (target,))]
        finally:
            con.close()


class Tty:
    """proctor on a pseudo-terminal that is its controlling terminal."""

    def __init__(self, argv, env, cwd):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.buf = b""
        self.status = None

    def _read(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.buf += data
        return True

    def expect(self, pattern, timeout=15):
        """Wait for the regex (bytes) after what was already matched."""
        end = time.time() + timeout
        rx = re.compile(pattern)
        while time.time() < end:
            m = rx.search(self.buf, getattr(self, "pos", 0))
            if m:
                self.pos = m.end()
                return m
            if not self._read(0.1):
                break
        raise AssertionError(f"{pattern!r} not seen in:\n"
                             f"{self.buf.decode(errors='replace')}")

    def send(self, data):
        os.write(self.fd, data)

    def wait(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05):
                    pass
                os.close(self.fd)
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
            self._read(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("proctor did not end: " +
                             self.buf.decode(errors="replace"))

    def text(self):
        return self.buf.decode(errors="replace")


@pytest.fixture
def ap(tmp_path):
    os.chmod(tmp_path, 0o755)
    s = Approval(tmp_path)
    yield s
    if s.proc and s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait()


def tty_run(ap, cmd, ask="tty", args=()):
    return Tty(ap.argv(cmd, ask, args), ap.env, ap.tmp)


# ---- console -----------------------------------------------------------


def test_console_allow_once(ap):
    ap.start(["cat", ap.secret])
    req = ap.pending()[0]
    assert req["id"] == 1 and req["op"] == "read"
    assert req["target"] == ap.secret
    assert req["exe"] == "/usr/bin/cat" or req["exe"].endswith("/cat")
    assert req["argv"] == ["cat", ap.secret]
    r = ap.approve("1", "allow")
    assert r.returncode == 0, r.stderr
    rc, out, err = ap.finish()
    assert rc == 0 and out == "top secret\n"
    # one line telling the user what to do, and only one
    hints = [ln for ln in err.splitlines() if "waiting for approval" in ln]
    assert hints == [f"proctor: waiting for approval of request 1 (read "
                     f"{ap.secret}): run 'proctor approve' in another "
                     f"terminal"]
    [row] = ap.asks(ap.secret)
    assert row["final"] == "allow"
    assert row["approver_channel"] == "console"
    assert row["approver_uid"] == os.getuid()
    assert row["approver_pid"] > 0 and row["approver_pid"] != ap.proc.pid
    assert row["wait_ns"] > 0
    assert row["remember"] is None


def test_console_deny(ap):
    ap.start(["cat", ap.secret])
    ap.pending()
    r = ap.approve("1", "deny")
    assert r.returncode == 0, r.stderr
    rc, out, err = ap.finish()
    assert rc != 0 and out == ""
    [row] = ap.asks(ap.secret)
    assert row["final"] == "deny" and row["approver_channel"] == "console"


def test_approver_attaches_after_the_request(ap):
    ap.start(["cat", ap.secret])
    time.sleep(1.5)
    # nobody attached yet: proctor said how to answer on its stderr
    r = ap.approve("--list")
    assert "request 1: read " + ap.secret in r.stdout
    r = ap.approve("1", "allow")
    assert r.returncode == 0, r.stderr
    rc, out, err = ap.finish()
    assert out == "top secret\n"
    assert "run 'proctor approve' in another terminal" in err
    [row] = ap.asks(ap.secret)
    assert row["wait_ns"] >= 1_000_000_000


def test_wait_for_a_request_that_comes_later(ap):
    ap.start(["sh", "-c", f"sleep 1; cat {ap.secret}"])
    r = ap.approve("1", "allow", "--wait", "15")
    assert r.returncode == 0, r.stderr
    rc, out, _ = ap.finish()
    assert out == "top secret\n"


def test_remember_for_the_session(ap):
    ap.start(["sh", "-c", f"cat {ap.secret}; cat {ap.secret}"])
    ap.pending()
    r = ap.approve("1", "allow", "--remember", "session")
    assert r.returncode == 0, r.stderr
    rc, out, _ = ap.finish()
    assert out == "top secret\ntop secret\n"
    [row] = ap.asks(ap.secret)      # asked once only
    assert row["remember"] == "session"
    reads = ap.reads(ap.secret)
    assert len(reads) == 2
    assert reads[1]["final"] == "allow"
    assert reads[1]["rule"].startswith("session:")


def test_deny_for_the_session(ap):
    ap.start(["sh", "-c", f"cat {ap.secret}; cat {ap.secret}; echo end"])
    ap.pending()
    r = ap.approve("1", "deny", "--remember", "session")
    assert r.returncode == 0, r.stderr
    rc, out, _ = ap.finish()
    assert out == "end\n"
    [row] = ap.asks(ap.secret)
    assert row["final"] == "deny" and row["remember"] == "session"
    assert [e["final"] for e in ap.reads(ap.secret)] == ["deny", "deny"]


def test_broader_pattern_for_the_session(ap):
    ap.start(["sh", "-c", f"cat {ap.secret}; cat {ap.other}"])
    req = ap.pending()[0]
    assert req["proposal"] == ap.tmp + "/**"
    r = ap.approve("1", "allow", "--remember", "session", "--pattern",
                   req["proposal"])
    assert r.returncode == 0, r.stderr
    rc, out, _ = ap.finish()
    assert out == "top secret\nother\n"
    assert len(ap.asks()) == 1


def test_save_to_policy_file(ap):
    saved = os.path.join(ap.tmp, "saved.policy")
    ap.start(["sh", "-c", f"cat {ap.secret}; cat {ap.secret}"],
             args=["--save-to", saved])
    req = ap.pending()[0]
    assert req["save_to"] == saved
    r = ap.approve("1", "allow", "--remember", "policy")
    assert r.returncode == 0, r.stderr
    rc, out, _ = ap.finish()
    assert out == "top secret\ntop secret\n"
    text = open(saved).read()
    assert f"allow read {ap.secret}\n" in text
    assert re.search(r"^# added by \S+ via console, proctor session \d+ "
                     r"\(pid \d+\), \d{4}-\d\d-\d\dT", text, re.M)
    chk = subprocess.run([PROCTOR, "policy", "check", saved],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert chk.returncode == 0, chk.stderr
    ev = subprocess.run([PROCTOR, "policy", "eval", "--policy", saved,
                         "read", ap.secret], stdout=subprocess.PIPE,
                        text=True)
    assert ev.stdout.startswith("allow")
    [row] = ap.asks(ap.secret)
    assert row["remember"] == "policy"


def test_save_without_save_to_is_refused(ap):
    ap.start(["cat", ap.secret])
    ap.pending()
    r = ap.approve("1", "allow", "--remember", "policy")
    assert r.returncode == 1 and "--save-to" in r.stderr
    assert ap.approve("1", "allow").returncode == 0
    assert ap.finish()[1] == "top secret\n"


def test_timeout_denies(ap):
    ap.start(["cat", ap.secret], args=["--ask-timeout", "1"])
    rc, out, err = ap.finish()
    assert rc != 0 and out == ""
    [row] = ap.asks(ap.secret)
    assert row["final"] == "deny"
    assert row["approver_channel"] == "timeout"
    assert row["approver_uid"] in (None, -1)
    assert 900_000_000 <= row["wait_ns"] < 10_000_000_000


def test_answer_must_name_the_target(ap):
    ap.start(["cat", ap.secret])
    ap.pending()
    r = ap.approve("1", "allow", "--target", ap.other)
    assert r.returncode == 1 and "refused" in r.stderr
    r = ap.approve("2", "allow")
    assert r.returncode == 1 and "no pending request" in r.stderr
    r = ap.approve("1", "allow", "--target", ap.secret)
    assert r.returncode == 0, r.stderr
    assert ap.finish()[1] == "top secret\n"


AGENT_THREADS = """
import sys, threading
paths = sys.argv[1:]
out = {}
def rd(i, p):
    try:
        out[i] = open(p).read().strip()
    except OSError as e:
        out[i] = "EACCES" if e.errno == 13 else str(e)
ts = [threading.Thread(target=rd, args=(i, p)) for i, p in enumerate(paths)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join(out[i] for i in range(len(paths))))
"""


def test_two_concurrent_asks_from_threads(ap):
    script = ap.file("threads.py", AGENT_THREADS)
    ap.start([sys.executable, script, ap.secret, ap.other])
    reqs = ap.pending(2)
    ids = {r["target"]: r["id"] for r in reqs}
    assert set(ids) == {ap.secret, ap.other}
    tids = {r["tid"] for r in reqs}
    assert len(tids) == 2                   # two threads wait at once
    assert ap.approve(str(ids[ap.other]), "deny").returncode == 0
    assert ap.approve(str(ids[ap.secret]), "allow").returncode == 0
    rc, out, _ = ap.finish()
    assert out == "top secret EACCES\n"
    rows = {r["resolved"]: r for r in ap.asks()}
    assert rows[ap.secret]["final"] == "allow"
    assert rows[ap.other]["final"] == "deny"


def test_identical_requests_are_asked_once(ap):
    script = ap.file("threads.py", AGENT_THREADS)
    ap.start([sys.executable, script, ap.secret, ap.secret])
    end = time.time() + 15
    while True:
        req = ap.pending()[0]
        if req["waiters"] == 2 or time.time() > end:
            break
        time.sleep(0.1)
    assert req["waiters"] == 2
    assert len(ap.listing()[0]["pending"]) == 1
    assert ap.approve("1", "allow").returncode == 0
    rc, out, _ = ap.finish()
    assert out == "top secret top secret\n"
    rows = ap.asks(ap.secret)
    assert len(rows) == 2
    assert all(r["approver_channel"] == "console" for r in rows)


def test_process_killed_while_waiting(ap):
    ap.start(["sh", "-c", f"cat {ap.secret}; echo after"])
    req = ap.pending()[0]
    os.kill(req["pid"], signal.SIGKILL)
    rc, out, _ = ap.finish()
    assert out == "after\n"
    [row] = ap.asks(ap.secret)
    assert row["final"] == "deny"
    assert row["approver_channel"] == "withdrawn"
    r = ap.approve("1", "allow")
    assert r.returncode == 1


def test_agent_cannot_approve_its_own_request(ap):
    ap.policy(f"ask read {ap.secret}\nallow connect unix:/**\n")
    ap.start(["sh", "-c",
              f"cat {ap.secret} & sleep 1; "
              f"{PROCTOR} approve 1 allow --wait 5; echo rc=$?; "
              f"{PROCTOR} approve --list; wait"],
             args=["--ask-timeout", "8"])
    rc, out, err = ap.finish()
    assert "rc=1" in out
    assert "top secret" not in out
    # refused twice over: the socket directory is a protected path (the
    # connect is denied), and were it reached, proctor refuses a peer
    # inside the supervised tree (SO_PEERCRED)
    con = sqlite3.connect(f"file:{ap.db}?mode=ro", uri=True)
    denied = con.execute("SELECT count(*) FROM events WHERE op = 'connect' "
                         "AND final = 'deny' AND rule = 'protected'"
                         ).fetchone()[0]
    con.close()
    assert denied > 0 or "refused an approver connection" in err
    [row] = ap.asks(ap.secret)
    assert row["final"] == "deny"
    assert row["approver_channel"] == "timeout"


def test_socket_directory_is_private(ap):
    ap.start(["cat", ap.secret])
    ap.pending()
    d = os.path.join(ap.xdg, "proctor")
    assert os.stat(d).st_mode & 0o777 == 0o700
    sock = os.path.join(d, f"{ap.proc.pid}.sock")
    assert os.stat(sock).st_mode & 0o777 == 0o600
    ap.approve("1", "deny")
    ap.finish()
    assert not os.path.exists(sock)


def test_default_without_terminal_is_deny(ap):
    argv = ap.argv(["cat", ap.secret], "deny")
    argv.remove("--ask")
    argv.remove("deny")
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=ap.env, cwd=ap.tmp,
                       start_new_session=True, timeout=30)
    assert p.returncode != 0
    [row] = ap.asks(ap.secret)
    assert row["approver_channel"] == "deny"


# ---- tty -------------------------------------------------------------------


def test_tty_allow_once(ap):
    t = tty_run(ap, ["cat", ap.secret])
    t.expect(rb"request 1 asks to read " + re.escape(ap.secret.encode()))
    t.expect(rb"process  \d+ \S*cat: cat ")
    t.expect(rb"rule     \S*test.policy:\d+: ask read ")
    t.expect(rb"answer: ")
    t.send(b"a")
    t.expect(rb"allow once")
    t.expect(rb"top secret")
    assert t.wait() == 0
    [row] = ap.asks(ap.secret)
    assert row["final"] == "allow" and row["approver_channel"] == "tty"
    assert row["approver_uid"] == os.stat("/dev/ptmx").st_uid or \
        row["approver_uid"] == os.getuid()
    assert row["remember"] is None


def test_tty_session_then_deny(ap):
    t = tty_run(ap, ["sh", "-c", f"cat {ap.secret}; cat {ap.secret}; "
                     f"cat {ap.other}; echo end"])
    t.expect(rb"request 1 asks to read ")
    t.expect(rb"answer: ")
    t.send(b"s")
    t.expect(rb"request 2 asks to read " + re.escape(ap.other.encode()))
    t.expect(rb"answer: ")
    t.send(b"d")
    t.expect(rb"end")
    assert t.wait() == 0
    assert t.text().count("top secret") == 2
    assert t.text().count("asks to read") == 2
    rows = ap.asks()
    assert [(r["resolved"], r["final"], r["remember"]) for r in rows] == [
        (ap.secret, "allow", "session"), (ap.other, "deny", None)]


def test_tty_broader_pattern_is_editable(ap):
    t = tty_run(ap, ["sh", "-c", f"cat {ap.secret}; cat {ap.other}"])
    t.expect(rb"answer: ")
    t.send(b"b")
    t.expect(rb"pattern \[" + re.escape(ap.tmp.encode()) + rb"/\*\*\]: ")
    t.send(ap.tmp.encode() + b"/*.txt\r")
    t.expect(rb"allow for the session")
    assert t.wait() == 0
    assert "top secret" in t.text() and "other" in t.text()
    assert len(ap.asks()) == 1


def test_tty_details_and_save(ap):
    saved = os.path.join(ap.tmp, "saved.policy")
    t = tty_run(ap, ["cat", ap.secret], args=["--save-to", saved])
    t.expect(rb"\[p\] allow and save to " + re.escape(saved.encode()))
    t.expect(rb"answer: ")
    t.send(b"?")
    t.expect(rb"details of request 1")
    t.expect(rb"syscall  \w+ by thread")
    t.expect(rb"answer: ")
    t.send(b"p")
    t.expect(rb"pattern \[" + re.escape(ap.secret.encode()) + rb"\]: ")
    t.send(b"\r")
    t.expect(rb"saved to the policy file")
    assert t.wait() == 0
    assert f"allow read {ap.secret}\n" in open(saved).read()
    chk = subprocess.run([PROCTOR, "policy", "check", saved],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert chk.returncode == 0, chk.stderr


def test_tty_escape_sequences_are_not_shown_raw(ap):
    evil = ap.file("a\x1b[2Jb.txt", "x\n")
    ap.policy(f"ask read {ap.tmp}/a*b.txt\n")
    t = tty_run(ap, ["cat", evil])
    t.expect(rb"answer: ")
    assert b"\x1b[2J" not in t.buf
    assert b"a\\x1b[2Jb.txt" in t.buf
    t.send(b"d")
    t.wait()


def test_tty_and_console_first_answer_wins(ap):
    t = tty_run(ap, ["cat", ap.secret], ask="tty,console")
    t.expect(rb"answer: ")
    r = ap.approve("1", "allow")
    assert r.returncode == 0, r.stderr
    # the prompt's line and cat's output race for the terminal: any order
    start = t.pos
    t.expect(rb"top secret")
    t.pos = start
    t.expect(rb"request 1 allowed by \S+ \(console\)")
    assert t.wait() == 0
    [row] = ap.asks(ap.secret)
    assert row["approver_channel"] == "console"


def test_tty_timeout_closes_the_prompt(ap):
    t = tty_run(ap, ["cat", ap.secret], args=["--ask-timeout", "1"])
    t.expect(rb"answer: ")
    t.expect(rb"request 1 timed out: denied")
    assert t.wait() != 0
    [row] = ap.asks(ap.secret)
    assert row["approver_channel"] == "timeout"


def test_sigint_to_a_waiting_agent_keeps_the_answer(ap):
    script = ap.file("sig.py", f"""
import signal
signal.signal(signal.SIGINT, lambda *a: print("sigint", flush=True))
print(open({ap.secret!r}).read(), end="", flush=True)
""")
    ap.start([sys.executable, script])
    req = ap.pending()[0]
    os.kill(req["pid"], signal.SIGINT)
    time.sleep(0.3)
    assert len(ap.listing()[0]["pending"]) == 1     # still waiting
    assert ap.approve("1", "allow").returncode == 0
    rc, out, _ = ap.finish()
    assert rc == 0
    assert "top secret" in out and "sigint" in out
    [row] = ap.asks(ap.secret)
    assert row["final"] == "allow" and row["approver_channel"] == "console"


def test_exec_rule_with_odd_arguments_is_remembered_exactly(ap):
    saved = os.path.join(ap.tmp, "saved.policy")
    ap.policy("ask exec /usr/bin/echo *\n")
    odd = "a b*$~{x}"
    ap.start(["sh", "-c", f"/usr/bin/echo '{odd}'; /usr/bin/echo '{odd}'; "
              f"/usr/bin/echo other"], args=["--save-to", saved])
    req = ap.pending()[0]
    assert req["op"] == "exec" and req["target"] == "/usr/bin/echo"
    assert req["proposal"] == "/usr/bin/echo *"
    r = ap.approve("1", "allow", "--remember", "policy")
    assert r.returncode == 0, r.stderr
    req = ap.pending()[0]           # a different argv: asked again
    assert req["id"] == 2 and req["requested"] == "/usr/bin/echo other"
    assert ap.approve("2", "deny").returncode == 0
    rc, out, _ = ap.finish()
    assert out == f"{odd}\n{odd}\n"
    chk = subprocess.run([PROCTOR, "policy", "eval", "--policy", saved,
                          "exec", "/usr/bin/echo", odd],
                         stdout=subprocess.PIPE, text=True)
    assert chk.stdout.startswith("allow"), chk.stdout
    chk = subprocess.run([PROCTOR, "policy", "eval", "--policy", saved,
                          "exec", "/usr/bin/echo", "a bxx$~{x}"],
                         stdout=subprocess.PIPE, text=True)
    assert chk.stdout.startswith("deny"), chk.stdout


def test_wire_protocol(ap):
    """docs/approval-protocol.md, spoken directly over the socket."""
    import socket
    ap.start(["cat", ap.secret])
    ap.pending()
    path = os.path.join(ap.xdg, "proctor", f"{ap.proc.pid}.sock")
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rw")

    def recv():
        return json.loads(f.readline())

    def send(m):
        f.write(json.dumps(m) + "\n")
        f.flush()

    hello = recv()
    assert hello["type"] == "hello" and hello["protocol"] == 1
    assert hello["pid"] == ap.proc.pid and hello["command"][0] == "cat"
    req = recv()
    assert req["type"] == "request" and req["id"] == 1
    assert req["target"] == ap.secret and req["pattern"] == ap.secret
    assert recv() == {"type": "sync"}
    send({"type": "ping"})
    assert recv() == {"type": "pong"}
    send({"type": "answer", "id": 1, "op": "write", "target": ap.secret,
          "decision": "allow"})
    r = recv()
    assert r["type"] == "result" and r["ok"] is False
    send({"type": "answer", "id": 1, "op": "read", "target": ap.secret,
          "decision": "allow", "remember": "session",
          "pattern": "/[unclosed"})
    r = recv()
    assert r["ok"] is False and "not a valid rule" in r["error"]
    send({"type": "answer", "id": 1, "op": "read", "target": ap.secret,
          "decision": "allow"})
    assert recv() == {"type": "result", "id": 1, "ok": True}
    m = recv()
    assert m["type"] == "resolved" and m["id"] == 1
    assert m["decision"] == "allow" and m["channel"] == "console"
    assert m["uid"] == os.getuid() and m["remember"] is None
    send({"type": "answer", "id": 1, "op": "read", "target": ap.secret,
          "decision": "deny"})
    r = recv()
    assert r["ok"] is False and "not waiting" in r["error"]
    s.close()
    assert ap.finish()[1] == "top secret\n"
