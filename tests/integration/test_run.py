"""proctor run: the command line, exit statuses, and the basic decisions
seen both by the program and in the audit log (issue #2)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from conftest import PROCTOR

BASE = """
default deny
allow read /**
allow exec /** *
allow write /dev/null
allow write ${CWD}/**
"""


def test_help_and_version():
    r = subprocess.run([PROCTOR, "run", "--help"], stdout=subprocess.PIPE)
    assert r.returncode == 0
    assert b"Usage: proctor run" in r.stdout
    r = subprocess.run([PROCTOR, "--version"], stdout=subprocess.PIPE)
    assert r.returncode == 0 and r.stdout.startswith(b"proctor ")


def test_missing_dashdash_is_125(session):
    r = subprocess.run([PROCTOR, "run", "true"], stderr=subprocess.PIPE)
    assert r.returncode == 125
    assert b"--" in r.stderr


def test_missing_policy_is_125(session):
    r = session.run(["true"], args=["--policy", "/nonexistent.policy"],
                    policy=False)
    assert r.returncode == 125
    assert b"nonexistent.policy" in r.stderr


def test_broken_policy_is_125(session):
    session.policy("allow sideways /tmp\n")
    r = session.run(["true"])
    assert r.returncode == 125
    assert b"test.policy:1:" in r.stderr


def test_unwritable_audit_is_125(session):
    r = subprocess.run([PROCTOR, "run", "--audit",
                        "/proc/version/audit.db", "--", "true"],
                       stderr=subprocess.PIPE)
    assert r.returncode == 125
    assert b"audit" in r.stderr


def test_not_found_127_and_not_executable_126(session):
    session.policy(BASE)
    r = session.run(["no-such-command-xyz"])
    assert r.returncode == 127
    path = os.path.join(session.tmp, "notexec")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n")
    r = session.run([path])
    assert r.returncode == 126


def test_exit_status_and_signal(session):
    session.policy(BASE)
    assert session.run(["sh", "-c", "exit 7"]).returncode == 7
    r = session.run(["sh", "-c", "kill -TERM $$"])
    assert r.returncode == 128 + signal.SIGTERM


def test_allowed_read_and_audit_row(session):
    session.policy(BASE)
    path = os.path.join(session.tmp, "hello.txt")
    with open(path, "w") as f:
        f.write("hello\n")
    r = session.run(["cat", path])
    assert r.returncode == 0 and r.stdout == b"hello\n"
    rows = session.find(op="read", resolved=path)
    assert rows and rows[0]["decision"] == "allow"
    assert rows[0]["final"] == "allow"


def test_denied_read(session):
    secret = os.path.join(session.tmp, "secret")
    with open(secret, "w") as f:
        f.write("top secret\n")
    session.policy(BASE + f"deny read {secret}\n")
    r = session.run(["cat", secret])
    assert r.returncode != 0
    assert b"top secret" not in r.stdout
    assert b"Permission denied" in r.stderr
    # one line: the explanation on the agent's stderr (which here is
    # also proctor's, so proctor does not repeat it)
    assert f"proctor: denied read {secret} by rule ".encode() in r.stderr
    assert b"test.policy:7 (ask the user to allow it)" in r.stderr
    assert r.stderr.count(b"proctor:") == 1
    assert r.stdout.count(b"proctor:") == 0
    rows = session.find(op="read", resolved=secret, decision="deny")
    assert rows and rows[0]["errno"] == 13
    assert rows[0]["rule"].endswith("test.policy:7")


def test_symlink_does_not_launder(session):
    secret = os.path.join(session.tmp, "secret")
    link = os.path.join(session.tmp, "innocent")
    with open(secret, "w") as f:
        f.write("top secret\n")
    os.symlink(secret, link)
    session.policy(BASE + f"deny read {secret}\n")
    r = session.run(["cat", link])
    assert b"top secret" not in r.stdout
    assert session.find(op="read", resolved=secret, decision="deny")


def test_relative_path_and_dotdot(session):
    secret = os.path.join(session.tmp, "secret")
    os.mkdir(os.path.join(session.tmp, "sub"))
    with open(secret, "w") as f:
        f.write("top secret\n")
    session.policy(BASE + f"deny read {secret}\n")
    r = session.run(["cat", "sub/../secret"])
    assert b"top secret" not in r.stdout
    assert session.find(op="read", target="sub/../secret",
                        resolved=secret, decision="deny")


def test_write_create_and_ownership(session):
    session.policy(BASE)
    out = os.path.join(session.tmp, "out.txt")
    r = session.run(["sh", "-c", f"umask 027; echo hi > {out}"])
    assert r.returncode == 0
    assert open(out).read() == "hi\n"
    assert os.stat(out).st_mode & 0o777 == 0o640
    assert session.find(op="write", resolved=out, decision="allow")


def test_write_denied_outside_workspace(session, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    target = os.path.join(str(other), "x")
    session.policy(BASE)
    r = session.run(["sh", "-c", f"echo hi > {target}"])
    assert r.returncode != 0
    assert not os.path.exists(target)
    assert session.find(op="write", resolved=target, decision="deny",
                        rule="default")


def test_python_reads_and_writes(session):
    session.policy(BASE)
    code = ("import os,json;"
            "open('a.txt','w').write('x'*100);"
            "print(len(open('a.txt').read()));"
            "print(sorted(os.listdir('.'))[:1])")
    r = session.run(["/usr/bin/python3", "-c", code])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == b"100"


def test_exec_denied(session):
    session.policy(BASE + "deny exec /usr/bin/id\n")
    r = session.run(["sh", "-c", "/usr/bin/id; echo rc=$?"])
    assert b"rc=126" in r.stdout
    rows = session.find(op="exec", decision="deny")
    assert rows and rows[0]["resolved"] == "/usr/bin/id"


def test_permissive_records_but_allows(session):
    secret = os.path.join(session.tmp, "secret")
    with open(secret, "w") as f:
        f.write("top secret\n")
    session.policy(BASE + f"deny read {secret}\n")
    r = session.run(["cat", secret], args=["--mode", "permissive"])
    assert r.returncode == 0 and b"top secret" in r.stdout
    rows = session.find(op="read", resolved=secret)
    assert rows[0]["decision"] == "deny" and rows[0]["final"] == "allow"
    assert rows[0]["mode"] == "permissive"


def test_ask_answered_by_channel(session):
    f = os.path.join(session.tmp, "askme")
    with open(f, "w") as fh:
        fh.write("data\n")
    session.policy(BASE + f"ask read {f}\n")
    r = session.run(["cat", f])
    assert r.returncode != 0
    r2 = subprocess.run([PROCTOR, "run", "--audit", session.db, "--ask",
                         "allow", "--policy", session.policy_path, "--",
                         "cat", f], stdout=subprocess.PIPE)
    assert r2.stdout == b"data\n"
    rows = session.find(op="read", resolved=f, decision="ask")
    assert [x["final"] for x in rows] == ["deny", "allow"]
    assert [x["approver_channel"] for x in rows] == ["deny", "allow"]


def test_non_root_agent(session):
    # a directory the unprivileged agent can reach (pytest's own base
    # directory is 0700)
    base = tempfile.mkdtemp(prefix="proctor-nonroot-", dir="/tmp")
    try:
        os.chmod(base, 0o755)
        d = os.path.join(base, "nobody")
        os.mkdir(d)
        os.chown(d, 65534, 65534)
        rootfile = os.path.join(base, "rootonly")
        with open(rootfile, "w") as f:
            f.write("root\n")
        os.chmod(rootfile, 0o600)
        # a world-readable file inside a directory nobody cannot search
        hidden_dir = os.path.join(base, "private")
        os.mkdir(hidden_dir, 0o700)
        hidden = os.path.join(hidden_dir, "readable")
        with open(hidden, "w") as f:
            f.write("hidden\n")
        os.chmod(hidden, 0o644)
        session.policy(BASE + f"allow write {base}/**\n")
        r = session.run(["setpriv", "--reuid=65534", "--regid=65534",
                         "--clear-groups", "sh", "-c",
                         f"umask 022; echo hi > {d}/f; cat {rootfile}; "
                         f"cat {hidden}; exit 0"])
        st = os.stat(os.path.join(d, "f"))
        assert (st.st_uid, st.st_gid) == (65534, 65534)
        assert st.st_mode & 0o777 == 0o644
        # the kernel's permission checks apply with the agent's
        # credentials: to the file, and to every directory on the way
        assert b"root\n" not in r.stdout
        assert b"hidden\n" not in r.stdout
        assert r.stderr.count(b"Permission denied") == 2
    finally:
        shutil.rmtree(base)


def test_root_agent_reads_rootonly(session):
    rootfile = os.path.join(session.tmp, "rootonly")
    with open(rootfile, "w") as f:
        f.write("root\n")
    os.chmod(rootfile, 0o600)
    session.policy(BASE)
    r = session.run(["cat", rootfile])
    assert r.stdout == b"root\n"


def test_children_and_leftovers_end(session):
    session.policy(BASE)
    marker = os.path.join(session.tmp, "survivor")
    t0 = time.monotonic()
    r = session.run(["sh", "-c", f"(sleep 30; touch {marker}) & exit 0"])
    assert r.returncode == 0
    assert time.monotonic() - t0 < 20
    time.sleep(0.2)
    assert not os.path.exists(marker)


def test_kill9_of_proctor_kills_agent(session):
    session.policy(BASE)
    marker = os.path.join(session.tmp, "after")
    p = subprocess.Popen([PROCTOR, "run", "--audit", session.db,
                          "--policy", session.policy_path, "--", "sh",
                          "-c", f"sleep 2; touch {marker}"])
    time.sleep(0.7)
    p.send_signal(signal.SIGKILL)
    p.wait()
    time.sleep(2.5)
    assert not os.path.exists(marker)


def test_sigterm_is_forwarded(session):
    session.policy(BASE)
    p = subprocess.Popen([PROCTOR, "run", "--audit", session.db,
                          "--policy", session.policy_path, "--", "sleep",
                          "30"])
    time.sleep(0.7)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 128 + signal.SIGTERM


def test_unix_and_tcp_loopback(session):
    session.policy(BASE + "allow connect 127.0.0.1:* unix:/**\n"
                   "deny connect 127.0.0.2:*\n")
    code = r"""
import socket, threading, os
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); c.sendall(b'pong'); c.close()
threading.Thread(target=serve, daemon=True).start()
c = socket.create_connection(('127.0.0.1', port)); print(c.recv(4).decode())
try:
    socket.create_connection(('127.0.0.2', port), timeout=2)
    print('reached')
except OSError as e:
    print('refused', e.errno)
u = socket.socket(socket.AF_UNIX); p = os.path.abspath('sock')
u.bind(p); u.listen(1)
def userve():
    c, _ = u.accept(); c.sendall(b'unix'); c.close()
threading.Thread(target=userve, daemon=True).start()
k = socket.socket(socket.AF_UNIX); k.connect(p); print(k.recv(4).decode())
"""
    r = session.run(["/usr/bin/python3", "-c", code])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().split()
    assert lines[0] == "pong" and lines[1] == "refused"
    assert lines[3] == "unix"
    allowed = [e for e in session.find(op="connect", decision="allow")
               if "127.0.0.1" in (e["target"] or "")]
    assert allowed
    denied = session.find(op="connect", decision="deny")
    assert denied and "127.0.0.2" in denied[0]["target"]
    assert denied[0]["errno"] == 111  # ECONNREFUSED


def test_o_path_opens(session):
    """O_PATH descriptors cannot be injected: proctor lets the kernel open
    them (see docs/security.md); a denied path is still refused."""
    secret = os.path.join(session.tmp, "secret")
    with open(secret, "w") as f:
        f.write("x")
    session.policy(BASE + f"deny read {secret}\n")
    code = (f"import os\n"
            f"fd = os.open('/etc/hostname', os.O_PATH); print('ok', fd > 2)\n"
            f"d = os.open('/tmp', os.O_PATH | os.O_DIRECTORY)\n"
            f"print('dir', os.listdir(f'/proc/self/fd/{{d}}') is not None)\n"
            f"try:\n    os.open('{secret}', os.O_PATH)\n    print('opened')\n"
            f"except PermissionError:\n    print('denied')\n")
    r = session.run(["/usr/bin/python3", "-c", code], timeout=20)
    assert r.stdout.split() == [b"ok", b"True", b"dir", b"True", b"denied"]


def test_second_sigterm_kills_a_stuck_agent(session):
    """An agent waiting in a call ignores SIGTERM; a second one ends it."""
    fifo = os.path.join(session.tmp, "fifo")
    os.mkfifo(fifo)
    session.policy(BASE)
    p = subprocess.Popen([PROCTOR, "run", "-q", "--audit", session.db,
                          "--policy", session.policy_path, "--", "cat",
                          fifo])
    time.sleep(0.7)
    p.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) in (128 + signal.SIGTERM,
                                  128 + signal.SIGKILL)


INTERRUPT = r"""
import os, signal, socket, sys
class Alarm(Exception):
    pass
def on_alarm(sig, frame):
    raise Alarm()
signal.signal(signal.SIGALRM, on_alarm)
# a FIFO without a writer: open blocks until the alarm interrupts it
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    os.open(sys.argv[1], os.O_RDONLY)
    print("fifo opened")
except Alarm:
    print("fifo interrupted")
# a unix stream send into a full buffer, likewise
a, b = socket.socketpair()
a.setblocking(True)
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    while True:
        a.sendmsg([b"x" * 65536])
except Alarm:
    print("send interrupted")
"""


def test_signals_interrupt_calls_proctor_carries_out(session):
    """A blocking call done by proctor (FIFO open, send into a full
    buffer) is interrupted by a caught signal, as natively."""
    fifo = os.path.join(session.tmp, "fifo")
    os.mkfifo(fifo)
    session.policy(BASE)
    native = subprocess.run(["/usr/bin/python3", "-c", INTERRUPT, fifo],
                            stdout=subprocess.PIPE, timeout=20)
    r = session.run(["/usr/bin/python3", "-c", INTERRUPT, fifo],
                    timeout=20)
    assert native.stdout == b"fifo interrupted\nsend interrupted\n"
    assert r.stdout == native.stdout, r.stderr


def test_killed_while_proctor_waits(session):
    """SIGKILL of an agent whose FIFO open proctor is carrying out: the
    session ends at once (proctor's thread is not left waiting)."""
    fifo = os.path.join(session.tmp, "fifo")
    os.mkfifo(fifo)
    session.policy(BASE)
    t0 = time.monotonic()
    r = session.run(["sh", "-c", f"cat {fifo} & sleep 0.5; kill -9 $!; "
                     "wait; echo done"], timeout=30)
    assert r.stdout == b"done\n"
    assert time.monotonic() - t0 < 10
