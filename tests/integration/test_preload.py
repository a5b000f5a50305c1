"""The preload library and host names (issue #7). No internet: names come
from a private /etc/hosts bind-mounted in a mount namespace the test makes
(proctor resolves through the same file), connections go to servers on
loopback addresses that the test starts."""
import os
import socket
import subprocess
import sys
import threading

import pytest

from conftest import PROCTOR, ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="needs a mount namespace (root)")

HOSTS = """127.0.0.1 localhost
127.0.0.2 good.example api.good.example
127.0.0.3 evil.example
127.0.0.4 cdn.wild.example
"""

BASE = """
default deny
allow read /**
allow exec /** *
allow write /dev/null /dev/tty
allow connect unix:@nscd unix:/var/run/nscd/socket
"""


class Servers:
    """One TCP listener per address; each answers 'hello <addr>'."""

    def __init__(self, addrs):
        self.socks = []
        self.port = None
        for a in addrs:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a, self.port or 0))
            self.port = s.getsockname()[1]
            s.listen(16)
            s.settimeout(30)
            self.socks.append(s)
            threading.Thread(target=self.serve, args=(s, a),
                             daemon=True).start()

    def serve(self, s, a):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            c.sendall(f"hello {a}\n".encode())
            c.close()

    def close(self):
        for s in self.socks:
            s.close()


@pytest.fixture
def net(session):
    hosts = os.path.join(session.tmp, "hosts")
    with open(hosts, "w") as f:
        f.write(HOSTS)
    srv = Servers(["127.0.0.2", "127.0.0.3", "127.0.0.4"])
    yield session, hosts, srv
    srv.close()


def run_ns(session, hosts, policy, cmd, extra=()):
    session.policy(BASE + policy)
    inner = [PROCTOR, "run", "--ask", "deny", "--audit", session.db,
             "--policy", session.policy_path] + list(extra) + ["--"] + cmd
    script = 'mount --bind "$0" /etc/hosts && exec "$@"'
    return subprocess.run(["unshare", "-m", "--propagation", "private",
                           "sh", "-c", script, hosts] + inner,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=60, cwd=session.tmp)


CLIENT = r"""
import socket, sys
port = int(sys.argv[1])
for name in sys.argv[2:]:
    try:
        c = socket.create_connection((name, port), timeout=5)
        print(name, c.recv(64).decode().strip())
    except OSError as e:
        print(name, "failed", e.errno)
"""


def test_name_rule_allows_python_client(net):
    session, hosts, srv = net
    r = run_ns(session, hosts, "allow connect good.example:*\n",
               ["/usr/bin/python3", "-c", CLIENT, str(srv.port),
                "good.example", "evil.example"])
    out = r.stdout.decode()
    assert "good.example hello 127.0.0.2" in out, r.stderr
    assert "evil.example failed 111" in out
    rows = session.find(op="connect", decision="allow")
    assert any(e["hostname"] == "good.example" for e in rows)
    # the explanation names the rule, on stderr only
    assert b"proctor: denied connect" in r.stderr
    assert b"proctor:" not in r.stdout


def test_name_rule_allows_curl(net):
    session, hosts, srv = net
    if not os.path.exists("/usr/bin/curl"):
        pytest.skip("curl not installed")
    r = run_ns(session, hosts, "allow connect good.example:*\n",
               ["/usr/bin/curl", "-s", "--max-time", "5",
                f"telnet://good.example:{srv.port}"],)
    assert b"hello 127.0.0.2" in r.stdout, r.stderr


def test_wildcard_rule_through_the_preload(net):
    session, hosts, srv = net
    r = run_ns(session, hosts, "allow connect *.wild.example:*\n",
               ["/usr/bin/python3", "-c", CLIENT, str(srv.port),
                "cdn.wild.example"])
    assert "cdn.wild.example hello 127.0.0.4" in r.stdout.decode(), \
        r.stderr
    rows = session.find(op="connect", decision="allow",
                        hostname="cdn.wild.example")
    assert rows


def test_wildcard_needs_the_preload(net):
    session, hosts, srv = net
    r = run_ns(session, hosts, "allow connect *.wild.example:*\n",
               ["/usr/bin/python3", "-c", CLIENT, str(srv.port),
                "cdn.wild.example"], extra=["--no-preload"])
    assert "cdn.wild.example failed 111" in r.stdout.decode()


LIAR = r"""
import socket, sys
from ctypes import CDLL
port = int(sys.argv[1])
# claim, through the preload's channel, that good.example is 127.0.0.3
libc = CDLL(None, use_errno=True)
name = b"\0proctor-hint-v1"
addr = (1).to_bytes(2, "little") + name
msg = b"H1\ngood.example\n127.0.0.3\n"
libc.syscall(44, -1, msg, len(msg), 0, addr, len(addr))
try:
    c = socket.create_connection(("127.0.0.3", port), timeout=5)
    print("reached", c.recv(64).decode().strip())
except OSError as e:
    print("refused", e.errno)
"""


def test_lying_hint_is_not_believed(net):
    session, hosts, srv = net
    r = run_ns(session, hosts, "allow connect good.example:*\n",
               ["/usr/bin/python3", "-c", LIAR, str(srv.port)])
    assert "refused 111" in r.stdout.decode(), (r.stdout, r.stderr)
    assert not session.find(op="connect", hostname="good.example",
                            decision="allow")


STATIC = r"""
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
	for (int i = 2; i < argc; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(atoi(argv[1])) };
		int s = socket(AF_INET, SOCK_STREAM, 0);
		inet_pton(AF_INET, argv[i], &a.sin_addr);
		if (connect(s, (void *)&a, sizeof(a)) == 0) {
			char b[64] = {0};
			read(s, b, sizeof(b) - 1);
			printf("%s %s", argv[i], b);
		} else {
			printf("%s failed\n", argv[i]);
		}
		close(s);
	}
	return 0;
}
"""


def test_static_client_is_enforced_by_address(net):
    session, hosts, srv = net
    src = os.path.join(session.tmp, "static.c")
    exe = os.path.join(session.tmp, "static")
    with open(src, "w") as f:
        f.write(STATIC)
    subprocess.run(["gcc", "-static", "-O1", "-o", exe, src], check=True)
    # good.example is a literal name in the policy: proctor resolved it
    # itself, so the static client (no preload, no DNS) is allowed there
    r = run_ns(session, hosts, "allow connect good.example:*\n",
               [exe, str(srv.port), "127.0.0.2", "127.0.0.3"])
    out = r.stdout.decode()
    assert "127.0.0.2 hello 127.0.0.2" in out, r.stderr
    assert "127.0.0.3 failed" in out


FORKER = r"""
import os, socket, sys, threading
port = int(sys.argv[1])
socket.getaddrinfo("cdn.wild.example", port)   # hint in the parent
def worker():
    pid = os.fork()
    if pid == 0:
        os.execv("/usr/bin/python3", ["python3", "-c",
            "import socket,sys; c=socket.create_connection(('127.0.0.4',"
            + str(port) + "),timeout=5); print('child', c.recv(64).decode().strip())"])
    os.waitpid(pid, 0)
t = threading.Thread(target=worker); t.start(); t.join()
# a program that closed all its descriptors still gets names
for fd in range(3, 1024):
    try: os.close(fd)
    except OSError: pass
c = socket.create_connection(("cdn.wild.example", port), timeout=5)
print("parent", c.recv(64).decode().strip())
"""


def test_hints_survive_fork_exec_and_closed_descriptors(net):
    session, hosts, srv = net
    r = run_ns(session, hosts, "allow connect *.wild.example:*\n",
               ["/usr/bin/python3", "-c", FORKER, str(srv.port)])
    out = r.stdout.decode()
    assert "child hello 127.0.0.4" in out, r.stderr
    assert "parent hello 127.0.0.4" in out, r.stderr


def test_denied_call_gets_a_stack_trace(net):
    session, hosts, srv = net
    r = run_ns(session, hosts, "",
               ["/usr/bin/python3", "-c", CLIENT, str(srv.port),
                "evil.example"])
    assert "failed 111" in r.stdout.decode()
    denied = session.find(op="connect", decision="deny")
    assert denied
    traces = session.find(op="backtrace")
    assert traces, "no stack recorded"
    assert traces[0]["target"] == f"event {denied[0]['seq']}"
    assert "libc" in traces[0]["backtrace"] or \
        "python" in traces[0]["backtrace"]


def test_no_preload_program_is_silent_without_proctor(tmp_path):
    lib = os.path.join(ROOT, "build", "libproctor-preload.so")
    env = dict(os.environ, LD_PRELOAD=lib)
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import socket; print(socket.getaddrinfo("
                        "'localhost', 80)[0][4][0])"],
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    assert r.returncode == 0
    assert r.stderr == b""
    assert r.stdout.strip() in (b"127.0.0.1", b"::1")


def test_user_ld_preload_is_kept(session):
    session.policy(BASE)
    env = dict(os.environ, LD_PRELOAD="libm.so.6")
    r = session.run(["sh", "-c", "echo $LD_PRELOAD"], env=env)
    words = r.stdout.decode().strip().split(":")
    assert words[0].endswith("libproctor-preload.so")
    assert words[1:] == ["libm.so.6"]


def test_asked_call_shows_its_stack_to_the_approver(session):
    """For an ask, proctor fetches the caller's stack before asking (the
    call is restarted once), so the approver sees it under details and it
    is recorded with the answer."""
    import json
    import time
    target = os.path.join(session.tmp, "f")
    with open(target, "w") as f:
        f.write("data\n")
    run_dir = os.path.join(session.tmp, "run")
    os.mkdir(run_dir, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=run_dir)
    session.policy(f"default allow\nask read {target}\n")
    p = subprocess.Popen([PROCTOR, "run", "-q", "--ask", "console",
                          "--policy", session.policy_path, "--audit",
                          session.db, "--", "/usr/bin/cat", target],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    pending = []
    for _ in range(100):
        r = subprocess.run([PROCTOR, "approve", "--list", "--json"],
                           stdout=subprocess.PIPE, env=env)
        sessions = json.loads(r.stdout or b"[]")
        pending = [q for s in sessions for q in s.get("pending", [])]
        if pending:
            break
        time.sleep(0.1)
    assert pending, "no pending request"
    stack = pending[0].get("backtrace") or ""
    assert "__open" in stack or "open64" in stack, stack
    r = subprocess.run([PROCTOR, "approve", str(pending[0]["id"]), "allow"],
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    assert r.returncode == 0, r.stdout
    out, _ = p.communicate(timeout=20)
    assert out == b"data\n"
    rows = session.find(op="read", decision="ask", resolved=target)
    assert len(rows) == 1 and rows[0]["final"] == "allow"
    assert "__open" in rows[0]["backtrace"] or "open64" in rows[0]["backtrace"]
