"""connect, bind, sendto, sendmsg and sendmmsg emulated by
supervisor/emulate_net.c, against servers this test starts itself (TCP and
UDP on loopback, unix sockets by path and abstract name).

Each case checks what the program saw (its printed result or errno name)
and what the audit log recorded (op connect/write, target, decision,
errno 111 ECONNREFUSED for a refused destination).
"""
import os
import shutil
import socket
import stat
import struct
import tempfile
import threading

import pytest

PY = "/usr/bin/python3"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
DENIED_IP = "10.255.255.1"	# TEST-NET-like, never reached: refused first

CLIENT = r'''
import array, ctypes, errno, os, signal, socket, struct, sys
port, uport, upath, abst = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]

def t(name, fn):
    try:
        r = fn()
        print(f"{name}: ok {r!r}", flush=True)
    except OSError as e:
        print(f"{name}: {errno.errorcode.get(e.errno, e.errno)}", flush=True)

def tcp():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"ping")
    return s.recv(100)
t("tcp allowed", tcp)
t("tcp denied", lambda: socket.create_connection(("DENIED", 9), timeout=3))
def nonblock():
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        return "EINPROGRESS"
    return "connected"
t("tcp nonblocking", nonblock)
t("tcp closed port", lambda: socket.create_connection(("127.0.0.1", 1)))
def big():
    s = socket.create_connection(("127.0.0.1", port))
    data = bytes(range(256)) * 12288        # 3 MiB: several short sends
    s.sendall(b"BIG" + data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    return got == b"echo:" + str(len(data) + 3).encode()
t("tcp 3 MiB", big)
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    n = s.sendto(b"hello", ("127.0.0.1", uport))
    return n, s.recvfrom(100)[0]
t("udp sendto", udp)
t("udp denied", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("DENIED", 53)))
t("udp v4-mapped", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"6", ("::ffff:127.0.0.1", uport)))
t("udp sendmsg denied", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg([b"x"], [], 0, ("DENIED", 53)))
t("udp too big", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 70000, ("127.0.0.1", uport)))
def unix_path():
    s = socket.socket(socket.AF_UNIX)
    s.connect(upath)
    s.sendall(b"hi")
    return s.recv(100)
t("unix path", unix_path)
def unix_abstract():
    s = socket.socket(socket.AF_UNIX)
    s.connect("\0" + abst)
    s.sendall(b"hi")
    return s.recv(100)
t("unix abstract", unix_abstract)
t("unix abstract denied", lambda: socket.socket(socket.AF_UNIX).connect("\0other-name"))
t("unix missing", lambda: socket.socket(socket.AF_UNIX).connect(os.path.dirname(upath) + "/missing.sock"))
def rights():
    a, b = socket.socketpair()
    r, w = os.pipe()
    a.sendmsg([b"fd"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w]))])
    msg, anc, fl, ad = b.recvmsg(10, socket.CMSG_LEN(4))
    fd = array.array("i", anc[0][2])[0]
    os.write(fd, b"through")
    return os.read(r, 10)
t("scm_rights", rights)
t("scm_rights bad fd", lambda: socket.socketpair()[0].sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [987]))]))
def passcred():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.sendmsg([b"c"])
    msg, anc, fl, ad = b.recvmsg(10, socket.CMSG_LEN(12))
    return struct.unpack("iII", anc[0][2])[1:]
t("passcred", passcred)
def own_creds():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.sendmsg([b"c"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", os.getpid(), os.getuid(), os.getgid()))])
    msg, anc, fl, ad = b.recvmsg(10, socket.CMSG_LEN(12))
    return struct.unpack("iII", anc[0][2])[1:]
t("scm_credentials own", own_creds)
def forged():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    return a.sendmsg([b"c"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", os.getppid(), 0, 0))])
t("scm_credentials other pid root", forged)
def mmsg():
    libc = ctypes.CDLL(None, use_errno=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", uport))
    class iovec(ctypes.Structure):
        _fields_ = [("b", ctypes.c_void_p), ("l", ctypes.c_size_t)]
    class msghdr(ctypes.Structure):
        _fields_ = [("n", ctypes.c_void_p), ("nl", ctypes.c_uint), ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t), ("c", ctypes.c_void_p), ("cl", ctypes.c_size_t), ("f", ctypes.c_int)]
    class mmsghdr(ctypes.Structure):
        _fields_ = [("h", msghdr), ("len", ctypes.c_uint)]
    bufs = [ctypes.create_string_buffer(b"one"), ctypes.create_string_buffer(b"three")]
    iovs = [iovec(ctypes.addressof(bufs[0]), 3), iovec(ctypes.addressof(bufs[1]), 5)]
    v = (mmsghdr * 2)()
    for i in range(2):
        v[i].h.iov = ctypes.pointer(iovs[i])
        v[i].h.iovlen = 1
    n = libc.sendmmsg(s.fileno(), v, 2, 0)
    return n, v[0].len, v[1].len
t("sendmmsg", mmsg)
t("getaddrinfo", lambda: sorted(set(a[4][0] for a in socket.getaddrinfo("localhost", 80, socket.AF_INET))))
t("if_nameindex", lambda: any(n == "lo" for i, n in socket.if_nameindex()))
def epipe():
    a, b = socket.socketpair()
    b.close()
    got = []
    signal.signal(signal.SIGPIPE, lambda *x: got.append(1))
    try:
        a.sendmsg([b"x"])
    except OSError as e:
        return errno.errorcode[e.errno], got
t("epipe raises SIGPIPE", epipe)
t("sendto bad fd", lambda: (ctypes.CDLL(None, use_errno=True).sendto(987, b"x", 1, 0, b"\x02\x00\x00\x35\x7f\x00\x00\x01" + b"\0" * 8, 16), ctypes.get_errno()))
t("connect not a socket", lambda: socket.socket(fileno=os.open("/dev/null", os.O_RDONLY)).connect(("127.0.0.1", port)))
def bind_path():
    s = socket.socket(socket.AF_UNIX)
    p = os.path.join(os.path.dirname(upath), "mine.sock")
    s.bind(p)
    return s.getsockname() == p
t("bind path", bind_path)
t("bind abstract", lambda: socket.socket(socket.AF_UNIX).bind("\0proctor-bind-%d" % os.getpid()))
t("bind inet", lambda: socket.socket().bind(("127.0.0.1", 0)))
print("done", flush=True)
'''


class Servers:
    """Echo servers on loopback TCP, UDP, a unix path and an abstract
    name. The unix path server remembers the SO_PEERCRED it saw."""

    def __init__(self, d):
        self.d = d
        self.peers = []
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(64)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.upath = os.path.join(d, "srv.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.upath)
        os.chmod(self.upath, 0o777)
        self.unix.listen(64)
        self.abst = "proctor-test-%d-%s" % (os.getpid(),
                                            os.path.basename(d))
        self.abstract = socket.socket(socket.AF_UNIX)
        self.abstract.bind("\0" + self.abst)
        self.abstract.listen(64)
        for s in (self.tcp, self.unix, self.abstract):
            threading.Thread(target=self.serve, args=(s,),
                             daemon=True).start()
        threading.Thread(target=self.serve_udp, daemon=True).start()

    def serve(self, srv):
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=self.echo, args=(srv, c),
                             daemon=True).start()

    def echo(self, srv, c):
        try:
            if srv is self.unix:
                cred = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                    12)
                self.peers.append(struct.unpack("iII", cred))
            data = c.recv(100)
            if data.startswith(b"BIG"):
                n = len(data)
                while True:
                    b = c.recv(1 << 20)
                    if not b:
                        break
                    n += len(b)
                c.sendall(b"echo:" + str(n).encode())
            elif data:
                c.sendall(b"echo:" + data)
        except OSError:
            pass
        c.close()

    def serve_udp(self):
        while True:
            try:
                data, a = self.udp.recvfrom(100)
                if a is None:
                    return	# shut down
                self.udp.sendto(b"echo:" + data, a)
            except OSError:
                return

    def args(self):
        return [str(self.tcp.getsockname()[1]),
                str(self.udp.getsockname()[1]), self.upath, self.abst]

    def close(self):
        for s in (self.tcp, self.udp, self.unix, self.abstract):
            try:
                s.shutdown(socket.SHUT_RDWR)	# wakes accept()
            except OSError:
                pass
            s.close()


@pytest.fixture
def net(session):
    d = tempfile.mkdtemp(prefix="proctor-net-", dir="/tmp")
    os.chmod(d, 0o777)
    try:
        srv = Servers(d)
    except OSError:
        shutil.rmtree(d, ignore_errors=True)
        raise
    script = os.path.join(d, "client.py")
    with open(script, "w") as f:
        f.write(CLIENT.replace("DENIED", DENIED_IP))
    os.chmod(script, 0o644)
    session.policy(f"""
default deny
allow read /**
allow exec /** *
allow write /dev/null /dev/tty {d}/**
allow connect 127.0.0.0/8:*
allow connect unix:{d}/*.sock
allow connect unix:@proctor-test-*
""")
    yield d, srv, script
    srv.close()
    shutil.rmtree(d, ignore_errors=True)


def results(r):
    out = {}
    for line in r.stdout.decode().splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k] = v
    assert r.stdout.decode().splitlines()[-1:] == ["done"], r.stderr
    return out


def check_common(session, d, srv, out):
    assert out["tcp allowed"] == "ok b'echo:ping'"
    assert out["tcp denied"] == "ECONNREFUSED"
    assert out["tcp nonblocking"] == "ok 'EINPROGRESS'"
    assert out["tcp closed port"] == "ECONNREFUSED"
    assert out["tcp 3 MiB"] == "ok True"
    assert out["udp sendto"] == "ok (5, b'echo:hello')"
    assert out["udp denied"] == "ECONNREFUSED"
    assert out["udp v4-mapped"] == "ok 1"
    assert out["udp sendmsg denied"] == "ECONNREFUSED"
    assert out["udp too big"] == "EMSGSIZE"
    assert out["unix path"] == "ok b'echo:hi'"
    assert out["unix abstract"] == "ok b'echo:hi'"
    assert out["unix abstract denied"] == "ECONNREFUSED"
    assert out["unix missing"] == "ENOENT"
    assert out["scm_rights"] == "ok b'through'"
    assert out["scm_rights bad fd"] == "EBADF"
    assert out["sendmmsg"] == "ok (2, 3, 5)"
    assert out["getaddrinfo"] == "ok ['127.0.0.1']"
    assert out["if_nameindex"] == "ok True"
    assert out["epipe raises SIGPIPE"] == "ok ('EPIPE', [1])"
    assert out["sendto bad fd"] == "ok (-1, 9)"
    assert out["connect not a socket"] == "ENOTSOCK"
    assert out["bind path"] == "ok True"
    assert out["bind abstract"] == "ok None"
    assert out["bind inet"] == "ok None"

    port = int(srv.args()[0])
    uport = int(srv.args()[1])
    row = session.find(op="connect", syscall="connect",
                       target=f"127.0.0.1:{port}")
    assert row and row[0]["final"] == "allow"
    row = session.find(op="connect", syscall="connect",
                       target=f"{DENIED_IP}:9")
    assert row and row[0]["final"] == "deny" and row[0]["errno"] == 111
    row = session.find(op="connect", syscall="sendto",
                       target=f"127.0.0.1:{uport}")
    assert row and row[0]["final"] == "allow"
    row = session.find(op="connect", syscall="sendto",
                       target=f"{DENIED_IP}:53")
    assert row and row[0]["final"] == "deny" and row[0]["errno"] == 111
    row = session.find(op="connect", syscall="sendmsg",
                       target=f"{DENIED_IP}:53")
    assert row and row[0]["final"] == "deny"
    row = session.find(op="connect", syscall="connect", target=srv.upath)
    assert row and row[0]["final"] == "allow"
    assert row[0]["resolved"] == srv.upath
    row = session.find(op="connect", target="@" + srv.abst)
    assert row and row[0]["final"] == "allow"
    row = session.find(op="connect", target="@other-name")
    assert row and row[0]["final"] == "deny" and row[0]["errno"] == 111
    row = session.find(op="write", syscall="bind",
                       resolved=os.path.join(d, "mine.sock"))
    assert row and row[0]["final"] == "allow"
    # sends to the connected peer (sendmmsg, socketpairs) are not judged
    assert not session.find(syscall="sendmmsg")
    assert stat.S_ISSOCK(os.lstat(os.path.join(d, "mine.sock")).st_mode)


def test_network_as_root(session, net):
    d, srv, script = net
    # naming another pid in SCM_CREDENTIALS needs CAP_SYS_ADMIN, which
    # proctor drops by default: keep every capability to compare
    r = session.run([PY, script] + srv.args(), cwd=d,
                    args=["--keep-caps", "all"])
    assert r.returncode == 0, r.stderr
    out = results(r)
    check_common(session, d, srv, out)
    assert out["passcred"] == "ok (0, 0)"
    assert out["scm_credentials own"] == "ok (0, 0)"
    # root may name another pid (CAP_SYS_ADMIN), as natively
    assert out["scm_credentials other pid root"] == "ok 1"
    assert b"denied connect " + DENIED_IP.encode() + b":9" in r.stderr


def test_network_as_nobody(session, net):
    d, srv, script = net
    r = session.run(NOBODY + [PY, script] + srv.args(), cwd=d)
    assert r.returncode == 0, r.stderr
    out = results(r)
    check_common(session, d, srv, out)
    # peers see the caller's ids, never proctor's root
    assert out["passcred"] == "ok (65534, 65534)"
    assert out["scm_credentials own"] == "ok (65534, 65534)"
    assert out["scm_credentials other pid root"] == "EPERM"
    assert srv.peers and all(p[1:] == (65534, 65534) for p in srv.peers)
    st = os.lstat(os.path.join(d, "mine.sock"))
    assert (st.st_uid, st.st_gid) == (65534, 65534)


def test_unix_bind_denied(session, net):
    d, srv, script = net
    other = tempfile.mkdtemp(prefix="proctor-net-no-", dir="/tmp")
    try:
        sock = os.path.join(other, "s.sock")
        r = session.run([PY, "-c", "import socket, errno\n"
                         "try:\n"
                         f" socket.socket(socket.AF_UNIX).bind({sock!r})\n"
                         "except OSError as e: print(errno.errorcode[e.errno])"
                         ], cwd=d)
        assert r.stdout == b"EACCES\n", r.stderr
        assert not os.path.exists(sock)
        row = session.find(op="write", syscall="bind", resolved=sock)
        assert row and row[0]["final"] == "deny" and row[0]["errno"] == 13
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_connect_to_protected_path(session, net):
    """A unix connect to one of proctor's own files is refused with EACCES
    (rule "protected"), whatever the policy says."""
    d, srv, script = net
    session.policy("default allow\n")
    r = session.run([PY, "-c", "import socket, errno\n"
                     "try:\n"
                     f" socket.socket(socket.AF_UNIX).connect({session.db!r})\n"
                     "except OSError as e: print(errno.errorcode[e.errno])"
                     ], cwd=d)
    assert r.stdout == b"EACCES\n", r.stderr
    row = session.find(op="connect", resolved=session.db)
    assert row and row[0]["rule"] == "protected"
    assert row[0]["final"] == "deny" and row[0]["errno"] == 13


def test_refused_connect_seen_by_curl_like_client(session, net):
    """A program's ordinary error path: a refused connect is
    ECONNREFUSED, and the deny line names the destination."""
    d, srv, script = net
    r = session.run([PY, "-c", "import urllib.request\n"
                     "try:\n"
                     f" urllib.request.urlopen('http://{DENIED_IP}:8080/',"
                     " timeout=5)\n"
                     "except Exception as e: print(type(e).__name__, e)"],
                    cwd=d)
    assert b"Connection refused" in r.stdout, (r.stdout, r.stderr)
    assert f"{DENIED_IP}:8080".encode() in r.stderr


def test_unix_abstract_padded_name(session, net):
    """A server bound with its abstract name padded with NULs to the whole
    of sun_path (as ss shows @name@@@...): the padding is not part of the
    name the policy judges, so `deny connect unix:@NAME` holds for a client
    that connects with the padded address too, and the allowed padded name
    still connects."""
    d, srv, script = net
    name = "proctor-pad-%d" % os.getpid()
    raw = b"\0" + name.encode()
    padded = raw + b"\0" * (108 - len(raw))
    lsn = socket.socket(socket.AF_UNIX)
    lsn.bind(padded)
    lsn.listen(8)
    threading.Thread(target=srv.serve, args=(lsn,), daemon=True).start()
    client = ("import socket, errno, sys\n"
              "a = sys.argv[1].encode('latin-1')\n"
              "for addr in (a, a + b'\\0' * (107 - len(a))):\n"
              "  s = socket.socket(socket.AF_UNIX)\n"
              "  try:\n"
              "    s.connect(b'\\0' + addr); s.sendall(b'hi')\n"
              "    print('ok', s.recv(100))\n"
              "  except OSError as e: print(errno.errorcode[e.errno])\n")
    try:
        # the net fixture's policy allows unix:@proctor-test-* only
        base = open(session.policy_path).read()
        session.policy(base + "allow connect unix:@proctor-pad-*\n")
        r = session.run([PY, "-c", client, name], cwd=d)
        # the short name is another socket (nobody listens): the kernel
        # refuses it; the padded one reaches the server
        assert r.stdout.decode().splitlines() == \
            ["ECONNREFUSED", "ok b'echo:hi'"], r.stderr
        row = session.find(op="connect", target="@" + name)
        assert len(row) == 2 and all(e["final"] == "allow" for e in row)

        session.policy(base + "allow connect unix:@proctor-pad-*\n"
                       f"deny connect unix:@{name}\n")
        r = session.run([PY, "-c", client, name], cwd=d)
        assert r.stdout.decode().splitlines() == \
            ["ECONNREFUSED", "ECONNREFUSED"], r.stderr
        row = session.find(op="connect", target="@" + name, final="deny")
        assert len(row) == 2 and all(e["errno"] == 111 for e in row)
    finally:
        try:
            lsn.shutdown(socket.SHUT_RDWR)	# wakes accept()
        except OSError:
            pass
        lsn.close()
