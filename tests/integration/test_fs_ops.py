"""The file-tree and metadata calls emulated by supervisor/emulate_fs.c:
unlink, rename, mkdir, mknod, link, symlink, truncate, chmod, chown,
utimes, xattrs.

Two kinds of test:
 - fidelity: one script of edge cases (trailing slashes, ".", "..",
   missing parents, bad flags, umask, AT_EMPTY_PATH...) runs natively and
   under proctor with an allow-everything policy; every line it prints
   (the result or the errno name of each call) must be the same;
 - decisions: allowed and denied changes, seen both by the program (exit
   status, files on disk) and in the audit log (events rows).
"""
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

from conftest import PROCTOR

PY = "/usr/bin/python3"		# reachable by uid 65534 too
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

# Lines that differ from a native run, on purpose or by a documented
# limit. link() without AT_SYMLINK_FOLLOW on /proc/self/fd/N: natively the
# magic link itself would be linked (EXDEV); resolve.c always resolves a
# caller's magic link to its object, which is then judged and linked.
KNOWN_DIFFERENCES = {"link proc fd nofollow"}

EDGE_SCRIPT = r'''
import ctypes, errno, os, shutil, socket, stat, sys
libc = ctypes.CDLL(None, use_errno=True)
base = sys.argv[1]
os.chdir(base)

def t(name, fn):
    try:
        r = fn()
        print(f"{name}: ok {r if r is not None else ''}")
    except OSError as e:
        print(f"{name}: {errno.errorcode.get(e.errno, e.errno)}")

def sc(nr, *a):
    r = libc.syscall(nr, *a)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r

def fresh():
    shutil.rmtree("d", ignore_errors=True)
    os.mkdir("d")
    with open("d/f", "w") as f:
        f.write("hello")
    os.symlink("f", "d/l")
    os.symlink("nowhere", "d/dang")
    os.mkdir("d/sub")
    open("d/sub/x", "w").close()
    os.mkdir("d/empty")

def rd(path):
    return os.open(path, os.O_RDONLY)

class TS(ctypes.Structure):
    _fields_ = [("s", ctypes.c_long), ("n", ctypes.c_long)]

class TV(ctypes.Structure):
    _fields_ = [("s", ctypes.c_long), ("u", ctypes.c_long)]

UTIME_OMIT = (1 << 30) - 2
NR_renameat2, NR_fchmodat2, NR_fchownat = 316, 452, 260
NR_utimensat, NR_utimes, NR_futimesat = 280, 235, 261
NR_setxattr, NR_unlinkat, NR_linkat = 188, 263, 265
AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW = 0x1000, 0x100

fresh()   # ---- unlink, rmdir
t("unlink dir", lambda: os.unlink("d/sub"))
t("unlink dot", lambda: os.unlink("d/."))
t("unlink dotdot", lambda: os.unlink("d/.."))
t("unlink root", lambda: os.unlink("/"))
t("unlink missing", lambda: os.unlink("d/missing"))
t("unlink missing parent", lambda: os.unlink("d/missing/x"))
t("unlink through file", lambda: os.unlink("d/f/x"))
t("unlink trailing file", lambda: os.unlink("d/f/"))
t("unlink trailing dangling", lambda: os.unlink("d/dang/"))
t("unlink empty", lambda: os.unlink(""))
t("unlink symlink", lambda: os.unlink("d/l"))
t("target kept", lambda: os.path.exists("d/f"))
t("unlinkat dirfd", lambda: os.unlink("x", dir_fd=rd("d/sub")))
t("unlinkat bad dirfd", lambda: os.unlink("x", dir_fd=987))
t("unlinkat file dirfd", lambda: os.unlink("x", dir_fd=rd("d/f")))
t("unlinkat bad flags", lambda: sc(NR_unlinkat, -100, b"d/f", 0x100))
t("rmdir dot", lambda: os.rmdir("d/."))
t("rmdir dotdot", lambda: os.rmdir("d/.."))
t("rmdir root", lambda: os.rmdir("/"))
t("rmdir file", lambda: os.rmdir("d/f"))
t("rmdir notempty", lambda: (open("d/sub/y", "w").close(), os.rmdir("d/sub"))[1])
t("rmdir symlink to dir", lambda: (os.symlink("sub", "d/ls"), os.rmdir("d/ls/"))[1])
t("rmdir trailing", lambda: os.rmdir("d/empty/"))
t("rmdir via /dev/fd", lambda: (os.mkdir("d/pc"), os.rmdir("/dev/fd/%d/pc" % rd("d")))[1])

fresh()   # ---- mkdir, mknod, symlink
t("mkdir dot", lambda: os.mkdir("d/."))
t("mkdir dotdot", lambda: os.mkdir(".."))
t("mkdir root", lambda: os.mkdir("/"))
t("mkdir exists", lambda: os.mkdir("d/f"))
t("mkdir dangling", lambda: os.mkdir("d/dang"))
t("mkdir trailing", lambda: os.mkdir("d/newdir/"))
t("mkdir exists trailing", lambda: os.mkdir("d/f/"))
t("mkdir long name", lambda: os.mkdir("d/" + "a" * 300))
t("mkdir via /proc/self/cwd", lambda: os.mkdir("/proc/self/cwd/d/pc"))
t("pc is dir", lambda: os.path.isdir("d/pc"))
t("mknod trailing", lambda: os.mknod("d/node/"))
t("mknod fifo", lambda: os.mknod("d/fifo", 0o600 | stat.S_IFIFO))
t("fifo is fifo", lambda: stat.S_ISFIFO(os.lstat("d/fifo").st_mode))
t("mknod dir type", lambda: os.mknod("d/nd", 0o040755))
t("mknod bad type", lambda: os.mknod("d/nd", 0o170755))
t("symlink empty target", lambda: os.symlink("", "d/s0"))
t("symlink exists", lambda: os.symlink("x", "d/f"))
t("symlink trailing", lambda: os.symlink("x", "d/s1/"))
t("symlink stored as written", lambda: (os.symlink("../../etc/passwd", "d/s2"), os.readlink("d/s2"))[1])
old = os.umask(0o077)
t("mkdir umask", lambda: (os.mkdir("d/um", 0o777), oct(os.stat("d/um").st_mode))[1])
t("mknod umask", lambda: (os.mknod("d/umf", 0o666), oct(os.stat("d/umf").st_mode))[1])
os.umask(old)

fresh()   # ---- link
t("link to dir", lambda: os.link("d/sub", "d/hl"))
t("link missing", lambda: os.link("d/missing", "d/hl"))
t("link exists", lambda: os.link("d/f", "d/l"))
t("link trailing new", lambda: os.link("d/f", "d/hl3/"))
t("link nofollow", lambda: (os.link("d/l", "d/hl", follow_symlinks=False), os.path.islink("d/hl"))[1])
t("linkat follow", lambda: (sc(NR_linkat, -100, b"d/l", -100, b"d/hl2", 0x400), os.path.islink("d/hl2"), os.stat("d/hl2").st_nlink)[1:])
t("linkat bad flags", lambda: sc(NR_linkat, -100, b"d/f", -100, b"d/hl4", 0x1))
t("linkat empty path tmpfile", lambda: (sc(NR_linkat, os.open("d", os.O_TMPFILE | os.O_WRONLY, 0o600), b"", -100, b"d/tmpl", AT_EMPTY_PATH), os.path.isfile("d/tmpl"))[1])
t("link proc fd follow", lambda: (sc(NR_linkat, -100, b"/proc/self/fd/%d" % os.open("d", os.O_TMPFILE | os.O_WRONLY, 0o600), -100, b"d/tmpl2", 0x400), os.path.isfile("d/tmpl2"))[1])
t("link proc fd nofollow", lambda: os.link("/proc/self/fd/%d" % rd("d/f"), "d/tmpl3", follow_symlinks=False))

fresh()   # ---- rename
NOREPLACE, EXCHANGE = 1, 2
t("rename missing", lambda: os.rename("d/missing", "d/x"))
t("rename dot", lambda: os.rename("d/.", "d/x"))
t("rename to dot", lambda: os.rename("d/f", "d/."))
t("rename file trailing", lambda: os.rename("d/f/", "d/x"))
t("rename to trailing", lambda: os.rename("d/f", "d/x/"))
t("rename dir into itself", lambda: os.rename("d/sub", "d/sub/inner"))
t("rename dir over file", lambda: os.rename("d/sub", "d/f"))
t("rename file over dir", lambda: os.rename("d/f", "d/empty"))
t("rename dir over notempty", lambda: os.rename("d/empty", "d/sub"))
t("rename ok", lambda: (os.rename("d/f", "d/g"), os.path.exists("d/f"), open("d/g").read())[1:])
t("rename back", lambda: os.rename("d/g", "d/f"))
t("renameat2 noreplace exists", lambda: sc(NR_renameat2, -100, b"d/f", -100, b"d/l", NOREPLACE))
t("renameat2 exchange missing", lambda: sc(NR_renameat2, -100, b"d/f", -100, b"d/zz", EXCHANGE))
t("renameat2 bad flags", lambda: sc(NR_renameat2, -100, b"d/f", -100, b"d/zz", 3))
t("renameat2 exchange", lambda: (sc(NR_renameat2, -100, b"d/f", -100, b"d/l", EXCHANGE), os.path.islink("d/f"), os.path.islink("d/l"))[1:])
t("rename across mounts", lambda: os.rename("d/empty", "/dev/shm/proctor-fs-test-x"))
t("rename dir trailing both", lambda: (os.rename("d/empty/", "d/empty2/"), os.path.isdir("d/empty2"))[1])

fresh()   # ---- truncate, chmod, chown
t("truncate via symlink", lambda: (os.truncate("d/l", 2), open("d/f").read())[1])
t("truncate negative", lambda: os.truncate("d/f", -1))
t("truncate dir", lambda: os.truncate("d/sub", 0))
t("truncate dangling", lambda: os.truncate("d/dang", 0))
t("truncate trailing", lambda: os.truncate("d/f/", 0))
t("chmod via symlink", lambda: (os.chmod("d/l", 0o640), oct(os.stat("d/f").st_mode))[1])
t("fchmodat2 nofollow symlink", lambda: sc(NR_fchmodat2, -100, b"d/dang", 0o600, AT_SYMLINK_NOFOLLOW))
t("fchmodat2 bad flag", lambda: sc(NR_fchmodat2, -100, b"d/f", 0o600, 0x2))
t("fchmodat2 empty path", lambda: (sc(NR_fchmodat2, rd("d/sub/x"), b"", 0o604, AT_EMPTY_PATH), oct(os.stat("d/sub/x").st_mode))[1])
t("fchmod", lambda: (os.fchmod(rd("d/sub/x"), 0o600), oct(os.stat("d/sub/x").st_mode))[1])
t("fchmod bad fd", lambda: os.fchmod(999, 0o600))
t("fchmod pipe", lambda: os.fchmod(os.pipe()[0], 0o600))
t("chown via symlink", lambda: (os.chown("d/l", 1, 2), os.stat("d/f").st_uid, os.stat("d/f").st_gid)[1:])
t("lchown", lambda: (os.lchown("d/dang", 3, 4), os.lstat("d/dang").st_uid)[1])
t("chown -1", lambda: (os.chown("d/f", -1, 5), os.stat("d/f").st_gid)[1])
t("fchownat bad flags", lambda: sc(NR_fchownat, -100, b"d/f", 0, 0, 0x2))
t("fchownat empty path", lambda: (sc(NR_fchownat, rd("d/f"), b"", 6, 6, AT_EMPTY_PATH), os.stat("d/f").st_uid)[1])
t("fchown", lambda: (os.fchown(rd("d/sub/x"), 7, 8), os.stat("d/sub/x").st_uid)[1])
t("chown missing", lambda: os.chown("d/missing", 0, 0))

fresh()   # ---- utime family
t("utime", lambda: (os.utime("d/l", (1000, 2000)), os.stat("d/f").st_mtime)[1])
t("utime ns", lambda: (os.utime("d/f", ns=(1000000001, 2000000002)), os.stat("d/f").st_mtime_ns)[1])
t("utime now", lambda: os.utime("d/f"))
t("utime nofollow", lambda: (os.utime("d/dang", (5, 6), follow_symlinks=False), os.lstat("d/dang").st_mtime)[1])
t("utime missing", lambda: os.utime("d/missing", None))
t("futimens", lambda: (os.utime(rd("d/sub/x"), (7, 8)), os.stat("d/sub/x").st_mtime)[1])
t("utimensat omit on missing", lambda: sc(NR_utimensat, -100, b"d/missing", (TS * 2)(TS(0, UTIME_OMIT), TS(0, UTIME_OMIT)), 0))
t("utimensat bad nsec", lambda: sc(NR_utimensat, -100, b"d/f", (TS * 2)(TS(0, 2000000000), TS(0, 0)), 0))
t("utimensat null path fdcwd", lambda: sc(NR_utimensat, -100, None, None, 0))
t("utimensat null path flags", lambda: sc(NR_utimensat, rd("d/f"), None, None, AT_SYMLINK_NOFOLLOW))
t("utimensat bad flags", lambda: sc(NR_utimensat, -100, b"d/f", None, 0x2))
t("utimes bad usec", lambda: sc(NR_utimes, b"d/f", (TV * 2)(TV(0, 1000000), TV(0, 0))))
t("utimes", lambda: (sc(NR_utimes, b"d/f", (TV * 2)(TV(10, 500), TV(20, 600))), os.stat("d/f").st_mtime_ns)[1])
t("futimesat null path", lambda: (sc(NR_futimesat, rd("d/sub/x"), None, (TV * 2)(TV(30, 0), TV(40, 0))), os.stat("d/sub/x").st_mtime)[1])

fresh()   # ---- xattrs
t("setxattr via symlink", lambda: (os.setxattr("d/l", "user.a", b"v1"), os.getxattr("d/f", "user.a"))[1])
t("setxattr create exists", lambda: os.setxattr("d/f", "user.a", b"v2", os.XATTR_CREATE))
t("setxattr replace missing", lambda: os.setxattr("d/f", "user.b", b"v2", os.XATTR_REPLACE))
t("setxattr bad flags", lambda: os.setxattr("d/f", "user.b", b"v2", 4))
t("setxattr empty name", lambda: sc(NR_setxattr, b"d/f", b"", b"v", 1, 0))
t("setxattr long name", lambda: os.setxattr("d/f", "user." + "n" * 300, b"v"))
t("setxattr too big", lambda: os.setxattr("d/f", "user.big", b"v" * 70000))
t("setxattr empty value", lambda: (os.setxattr("d/f", "user.e", b""), os.getxattr("d/f", "user.e"))[1])
t("setxattr bad namespace", lambda: os.setxattr("d/f", "bogus.x", b"v"))
t("lsetxattr user on symlink", lambda: os.setxattr("d/dang", "user.x", b"v", follow_symlinks=False))
t("fsetxattr", lambda: (os.setxattr(rd("d/sub/x"), "user.c", b"v3"), os.getxattr("d/sub/x", "user.c"))[1])
t("setxattr via /proc/self/fd", lambda: (os.setxattr("/proc/self/fd/%d" % rd("d/sub/x"), "user.p", b"1"), os.getxattr("d/sub/x", "user.p"))[1])
t("removexattr", lambda: os.removexattr("d/l", "user.a"))
t("removexattr missing", lambda: os.removexattr("d/f", "user.a"))
t("fremovexattr", lambda: os.removexattr(rd("d/sub/x"), "user.c"))
t("lremovexattr missing", lambda: os.removexattr("d/dang", "user.zz", follow_symlinks=False))
if os.getuid() == 0:
    t("lsetxattr trusted on symlink", lambda: (os.setxattr("d/dang", "trusted.x", b"v", follow_symlinks=False), os.getxattr("d/dang", "trusted.x", follow_symlinks=False))[1])
    t("lremovexattr trusted", lambda: os.removexattr("d/dang", "trusted.x", follow_symlinks=False))

fresh()   # ---- unix socket files
def bound(path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    return s.getsockname()
t("bind relative", lambda: (bound("d/sk"), stat.S_ISSOCK(os.lstat("d/sk").st_mode))[:2])
t("bind absolute", lambda: bound(os.path.join(base, "d/sk2")) == os.path.join(base, "d/sk2"))
t("bind exists", lambda: bound("d/sk"))
t("bind over symlink", lambda: bound("d/dang"))
t("bind trailing", lambda: bound("d/sk3/"))
t("bind missing dir", lambda: bound("d/nope/sk"))
t("bind through file", lambda: bound("d/f/sk"))
print("done")
'''


def run_native(cmd, cwd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=cwd, timeout=60)


def shared_dir(owner=None):
    """A directory every user can reach (pytest's own is 0700)."""
    d = tempfile.mkdtemp(prefix="proctor-fs-", dir="/tmp")
    os.chmod(d, 0o755)
    if owner is not None:
        os.chown(d, owner, owner)
    return d


def compare(native, proctor):
    n = native.decode().splitlines()
    p = proctor.decode().splitlines()
    assert n and n[-1] == "done", native
    assert p and p[-1] == "done", proctor
    assert len(n) == len(p)
    diffs = [(a, b) for a, b in zip(n, p)
             if a != b and a.split(":")[0] not in KNOWN_DIFFERENCES]
    assert diffs == []


def fidelity(session, prefix, owner):
    session.policy("default allow\n")
    dirs = [shared_dir(owner), shared_dir(owner), shared_dir()]
    script = os.path.join(dirs[2], "edge.py")
    with open(script, "w") as f:
        f.write(EDGE_SCRIPT)
    os.chmod(script, 0o644)
    try:
        nat = run_native(prefix + [PY, script, dirs[0]], dirs[0])
        assert nat.returncode == 0, nat.stderr
        # like for like: the native run has every capability, so the
        # supervised one keeps them too (proctor drops most by default)
        sup = session.run(prefix + [PY, script, dirs[1]], cwd=dirs[1],
                          args=["--keep-caps", "all"])
        assert sup.returncode == 0, sup.stderr
        compare(nat.stdout, sup.stdout)
    finally:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree("/dev/shm/proctor-fs-test-x", ignore_errors=True)
    return dirs[1]


def test_edge_cases_match_native_as_root(session):
    d = fidelity(session, [], None)
    # every kind of call was judged and recorded with its real path
    for sc in ("unlink", "unlinkat", "rmdir", "mkdir", "mknodat",
               "symlink", "link", "linkat", "rename", "renameat2",
               "truncate", "chmod", "fchmodat2", "fchmod", "chown",
               "lchown", "fchownat", "fchown", "utimensat", "utimes",
               "futimesat", "setxattr", "lsetxattr", "fsetxattr",
               "removexattr", "fremovexattr", "bind"):
        rows = session.find(syscall=sc, op="write", final="allow")
        assert rows, sc
    rows = session.find(syscall="rename", target="d/f")
    assert rows and rows[0]["resolved"] == os.path.join(d, "d/f")
    # the new name of a rename is judged as well as the old one
    assert session.find(syscall="rename", target="d/g",
                        resolved=os.path.join(d, "d/g"))


def test_edge_cases_match_native_as_nobody(session):
    fidelity(session, NOBODY, 65534)


POLICY = """
default deny
allow read /**
allow exec /** *
allow write /dev/null /dev/tty
allow write {ok}/**
deny write {ok}/locked/**
"""


@pytest.fixture
def tree(session):
    ok = os.path.join(session.tmp, "ok")
    no = os.path.join(session.tmp, "no")
    for d in (ok, no, os.path.join(ok, "locked")):
        os.mkdir(d)
    for p in (os.path.join(ok, "a"), os.path.join(no, "b"),
              os.path.join(ok, "locked", "c")):
        with open(p, "w") as f:
            f.write("data")
    session.policy(POLICY.format(ok=ok))
    return ok, no


def denied(session, syscall, resolved):
    rows = session.find(syscall=syscall, resolved=resolved, final="deny")
    assert rows, (syscall, resolved)
    assert rows[0]["op"] == "write"
    assert rows[0]["errno"] == 13
    return rows[0]


def allowed(session, syscall, resolved):
    rows = session.find(syscall=syscall, resolved=resolved, final="allow")
    assert rows, (syscall, resolved)
    assert rows[0]["op"] == "write"
    assert rows[0]["rule"] != "default"
    return rows[0]


# (shell command, exit status, paths that must exist after, must not
# exist after, expected (syscall, path, allowed?) audit rows)
CASES = [
    ("mkdir ok/d1", 0, ["ok/d1"], [], [("mkdir", "ok/d1", True)]),
    ("mkdir no/d1", 1, [], ["no/d1"], [("mkdir", "no/d1", False)]),
    ("mv ok/a ok/a2", 0, ["ok/a2"], ["ok/a"],
     [("renameat2", "ok/a", True), ("renameat2", "ok/a2", True)]),
    ("mv ok/a no/a", 1, ["ok/a"], ["no/a"], [("renameat2", "no/a", False)]),
    ("mv no/b ok/b", 1, ["no/b"], ["ok/b"], [("renameat2", "no/b", False)]),
    ("mv ok/a ok/locked/a", 1, ["ok/a"], ["ok/locked/a"],
     [("renameat2", "ok/locked/a", False)]),
    ("rm ok/a", 0, [], ["ok/a"], [("unlinkat", "ok/a", True)]),
    ("rm no/b", 1, ["no/b"], [], [("unlinkat", "no/b", False)]),
    ("rm -r ok/locked", 1, ["ok/locked/c"], [],
     [("unlinkat", "ok/locked/c", False)]),
    ("chmod 600 ok/a", 0, [], [], [("fchmodat", "ok/a", True)]),
    ("chmod 600 no/b", 1, [], [], [("fchmodat", "no/b", False)]),
    ("ln ok/a ok/h", 0, ["ok/h"], [],
     [("linkat", "ok/a", True), ("linkat", "ok/h", True)]),
    # a new name for a file the policy protects is a way to change it
    ("ln no/b ok/h", 1, [], ["ok/h"], [("linkat", "no/b", False)]),
    ("ln ok/a no/h", 1, [], ["no/h"], [("linkat", "no/h", False)]),
    ("ln -s /etc/passwd ok/s", 0, ["ok/s"], [], [("symlinkat", "ok/s", True)]),
    ("ln -s ok/a no/s", 1, [], ["no/s"], [("symlinkat", "no/s", False)]),
    ("truncate -s 1 ok/a", 0, [], [], []),
    ("truncate -s 1 no/b", 1, [], [], []),
    ("touch -d 2001-01-01 ok/a", 0, [], [], [("utimensat", "ok/a", True)]),
    ("touch -d 2001-01-01 no/b", 1, [], [], [("utimensat", "no/b", False)]),
    ("mkfifo ok/p", 0, ["ok/p"], [], [("mknodat", "ok/p", True)]),
    ("mkfifo no/p", 1, [], ["no/p"], [("mknodat", "no/p", False)]),
    # moving a directory moves everything below it
    ("mv ok no/moved", 1, ["ok/a"], ["no/moved"],
     [("renameat2", "no/moved", False)]),
]


@pytest.mark.parametrize("cmd,status,present,absent,rows", CASES,
                         ids=[c[0] for c in CASES])
def test_allowed_and_denied(session, tree, cmd, status, present, absent,
                            rows):
    r = session.run(["sh", "-c", cmd])
    assert r.returncode == status, r.stderr
    for p in present:
        assert os.path.lexists(os.path.join(session.tmp, p)), p
    for p in absent:
        assert not os.path.lexists(os.path.join(session.tmp, p)), p
    if status:
        assert b"Permission denied" in r.stderr
    for sc, path, ok in rows:
        full = os.path.join(session.tmp, path)
        if ok:
            allowed(session, sc, full)
        else:
            denied(session, sc, full)


def test_truncate_decisions(session, tree):
    ok, no = tree
    r = session.run(["sh", "-c", "truncate -s 1 ok/a; truncate -s 1 no/b"])
    assert os.path.getsize(os.path.join(ok, "a")) == 1
    assert os.path.getsize(os.path.join(no, "b")) == 4
    # coreutils opens with O_WRONLY|O_CREAT; the truncate(2) call itself:
    r = session.run([PY, "-c", "import os\n"
                     "os.truncate('ok/a', 0)\n"
                     "try:\n os.truncate('no/b', 0)\n"
                     "except PermissionError: print('EACCES')\n"])
    assert r.stdout == b"EACCES\n", r.stderr
    assert os.path.getsize(os.path.join(ok, "a")) == 0
    assert os.path.getsize(os.path.join(no, "b")) == 4
    allowed(session, "truncate", os.path.join(ok, "a"))
    denied(session, "truncate", os.path.join(no, "b"))


def test_xattr_and_chown_decisions(session, tree):
    ok, no = tree
    r = session.run([PY, "-c", "import os\n"
                     "os.setxattr('ok/a', 'user.k', b'v')\n"
                     "os.chown('ok/a', 5, 5)\n"
                     "for f in (lambda: os.setxattr('no/b', 'user.k', b'v'),"
                     " lambda: os.chown('no/b', 5, 5),"
                     " lambda: os.removexattr('no/b', 'user.k')):\n"
                     "  try: f()\n"
                     "  except PermissionError: print('EACCES')\n"])
    assert r.stdout == b"EACCES\nEACCES\nEACCES\n", r.stderr
    assert os.getxattr(os.path.join(ok, "a"), "user.k") == b"v"
    assert os.stat(os.path.join(ok, "a")).st_uid == 5
    assert os.stat(os.path.join(no, "b")).st_uid == 0
    denied(session, "setxattr", os.path.join(no, "b"))
    denied(session, "chown", os.path.join(no, "b"))
    denied(session, "removexattr", os.path.join(no, "b"))
    allowed(session, "setxattr", os.path.join(ok, "a"))


def test_audit_log_is_protected(session):
    session.policy("default allow\n")
    work = os.path.join(session.tmp, "w")
    os.mkdir(work)
    db = session.db
    script = f"""
ln {db} {work}/h; echo ln=$?
mv {session.tmp} {session.tmp}.moved; echo mvtree=$?
rm {db}; echo rm=$?
chmod 777 {db}; echo chmod=$?
touch -d 2001-01-01 {db}; echo touch=$?
mv {work} {db}-journal; echo mvdst=$?
"""
    r = session.run(["sh", "-c", script])
    out = r.stdout.decode()
    for k in ("ln", "mvtree", "rm", "chmod", "touch", "mvdst"):
        assert f"{k}=1" in out, (k, out, r.stderr)
    assert not os.path.exists(os.path.join(work, "h"))
    assert os.path.exists(db)
    rows = session.find(rule="protected")
    calls = {e["syscall"] for e in rows}
    assert {"linkat", "renameat2", "unlinkat", "fchmodat",
            "utimensat"} <= calls, calls
    assert all(e["final"] == "deny" and e["errno"] == 13 for e in rows)


def test_nobody_owns_what_it_creates(session):
    d = shared_dir(65534)
    try:
        session.policy(f"default deny\nallow read /**\nallow exec /** *\n"
                       f"allow write /dev/null {d}/**\n")
        script = ("umask 027; mkdir sub && touch sub/f && ln -s f sub/s && "
                  "mkfifo sub/p && ln sub/f sub/h && mv sub/h sub/h2 && "
                  "chmod 600 sub/f && " + PY + " -c \"import socket; "
                  "socket.socket(socket.AF_UNIX).bind('sub/sock')\" && "
                  "echo done")
        r = session.run(NOBODY + ["sh", "-c", script], cwd=d)
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"done\n"
        for name in ("sub", "sub/f", "sub/s", "sub/p", "sub/h2",
                     "sub/sock"):
            st = os.lstat(os.path.join(d, name))
            assert (st.st_uid, st.st_gid) == (65534, 65534), name
        assert stat.S_IMODE(os.stat(os.path.join(d, "sub")).st_mode) == \
            0o750
        assert stat.S_IMODE(os.stat(os.path.join(d, "sub/p")).st_mode) == \
            0o640
        assert stat.S_IMODE(os.stat(os.path.join(d, "sub/f")).st_mode) == \
            0o600
        assert stat.S_ISSOCK(os.lstat(os.path.join(d, "sub/sock")).st_mode)
        allowed(session, "mkdir", os.path.join(d, "sub"))
        allowed(session, "bind", os.path.join(d, "sub/sock"))
        # the caller's own permissions still apply: a root-owned file in
        # a directory nobody may not write, and one it cannot search
        os.mkdir(os.path.join(d, "rootdir"), 0o755)
        os.mkdir(os.path.join(d, "private"), 0o700)
        os.mkdir(os.path.join(d, "private", "pub"))
        os.chmod(os.path.join(d, "private", "pub"), 0o777)
        with open(os.path.join(d, "rootdir", "r"), "w"):
            pass
        r = session.run(NOBODY + ["sh", "-c",
                                  "rm -f rootdir/r; echo $?; "
                                  "mkdir private/pub/x; echo $?; "
                                  "chmod 777 rootdir/r; echo $?"], cwd=d)
        assert r.stdout == b"1\n1\n1\n", r.stderr
        assert os.path.exists(os.path.join(d, "rootdir", "r"))
        assert not os.path.exists(os.path.join(d, "private", "pub", "x"))
        # the policy allowed these; the kernel refused them (EACCES/EPERM)
        row = session.find(syscall="unlinkat",
                           resolved=os.path.join(d, "rootdir/r"))
        assert row and row[0]["final"] == "allow"
    finally:
        shutil.rmtree(d, ignore_errors=True)


NEW_NAME_POLICY = """
default deny
allow read /**
allow exec /** *
allow write /dev/null /dev/tty
allow write {ok}/**
deny write {ok}/locked/c
deny read **/.env **/.env.*
deny read {ok}/secret/**
"""


@pytest.fixture
def names(session):
    """ok/ writable; ok/locked/c write-denied; ok/secret/ unreadable;
    ok/proj/.env unreadable wherever it goes."""
    ok = os.path.join(session.tmp, "ok")
    for d in ("", "locked", "secret", "plain", "proj", "empty"):
        os.mkdir(os.path.join(ok, d))
    for p in ("locked/c", "secret/k", "plain/p", "proj/.env", "proj/x"):
        with open(os.path.join(ok, p), "w") as f:
            f.write("data")
    session.policy(NEW_NAME_POLICY.format(ok=ok))
    return ok


def refused(session, syscall, target, op, rule_line):
    rows = session.find(syscall=syscall, target=target, final="deny")
    assert rows, (syscall, target, session.events())
    e = rows[0]
    assert (e["op"], e["errno"]) == (op, 13), e
    assert e["rule"] == "%s:%d" % (session.policy_path, rule_line), e
    assert e["detail"], e
    return e


# (shell command, exit status, paths that must exist after, that must not)
NEW_NAME_CASES = [
    # directories without restrictions below them move freely
    ("mv ok/plain ok/plain2", 0, ["ok/plain2/p"], ["ok/plain"]),
    ("mv ok/plain ok/empty/p", 0, ["ok/empty/p/p"], ["ok/plain"]),
    # `**/.env` restricts the new place as much as the old one
    ("mv ok/proj ok/proj2", 0, ["ok/proj2/.env"], ["ok/proj"]),
    ("mv ok/proj/.env ok/proj/.env.old", 0, ["ok/proj/.env.old"], []),
    # a file may not be written below: its directory may not move
    ("mv ok/locked ok/unlocked", 1, ["ok/locked/c"], ["ok/unlocked"]),
    # unreadable below: the same
    ("mv ok/secret ok/open", 1, ["ok/secret/k"], ["ok/open"]),
    # a read-denied file gets no readable name
    ("ln ok/secret/k ok/k2", 1, ["ok/secret/k"], ["ok/k2"]),
    ("mv ok/secret/k ok/k3", 1, ["ok/secret/k"], ["ok/k3"]),
    ("mv ok/proj/.env ok/proj/env", 1, ["ok/proj/.env"], ["ok/proj/env"]),
    # ...but a readable one does, and so does one still denied there
    ("ln ok/plain/p ok/p2", 0, ["ok/p2"], []),
    ("ln ok/secret/k ok/secret/k2", 0, ["ok/secret/k2"], []),
]


@pytest.mark.parametrize("cmd,status,present,absent", NEW_NAME_CASES,
                         ids=[c[0] for c in NEW_NAME_CASES])
def test_new_names_keep_restrictions(session, names, cmd, status, present,
                                     absent):
    r = session.run(["sh", "-c", cmd])
    assert r.returncode == status, r.stderr
    for p in present:
        assert os.path.lexists(os.path.join(session.tmp, p)), p
    for p in absent:
        assert not os.path.lexists(os.path.join(session.tmp, p)), p
    if status:
        assert b"Permission denied" in r.stderr


def test_new_name_refusals_are_recorded(session, names):
    ok = names
    script = (
        "mv ok/locked ok/unlocked; ln ok/secret/k ok/k2; "
        "mv ok/secret/k ok/k3; mv ok/secret ok/open; " + PY + " -c '"
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "r = libc.syscall(316, -100, b\"ok/locked\", -100, b\"ok/empty\", 2)\n"
        "print(r, os.strerror(ctypes.get_errno()))\n"
        "r = libc.syscall(316, -100, b\"ok/empty\", -100, b\"ok/locked\", 2)\n"
        "print(r, os.strerror(ctypes.get_errno()))'")
    r = session.run(["sh", "-c", script])
    assert r.stdout == b"-1 Permission denied\n" * 2, r.stderr
    assert os.path.exists(os.path.join(ok, "locked", "c"))
    assert os.path.exists(os.path.join(ok, "secret", "k"))
    # the two write decisions allowed the names; the tree check refused
    e = refused(session, "renameat2", os.path.join(ok, "locked"), "write",
                7)
    assert os.path.join(ok, "unlocked") in e["detail"]
    refused(session, "linkat", os.path.join(ok, "secret/k"), "read", 9)
    refused(session, "renameat2", os.path.join(ok, "secret/k"), "read", 9)
    refused(session, "renameat2", os.path.join(ok, "secret"), "read", 9)
    # both sides of an exchange move
    rows = session.find(syscall="renameat2", final="deny",
                        target=os.path.join(ok, "locked"))
    assert len(rows) >= 3, rows


def test_new_names_permissive(session, names):
    """In permissive mode the refusal is recorded and the call done."""
    ok = names
    r = session.run(["mv", "ok/locked", "ok/unlocked"],
                    args=["--mode", "permissive"])
    assert r.returncode == 0, r.stderr
    assert os.path.exists(os.path.join(ok, "unlocked", "c"))
    rows = session.find(syscall="renameat2",
                        target=os.path.join(ok, "locked"))
    assert rows and rows[-1]["final"] == "allow"
    assert rows[-1]["decision"] == "deny"


def test_exec_right_after_write(session):
    """A file written, closed and executed at once, with no call in
    between, 300 times: never ETXTBSY. proctor answers an open for
    writing in one step and closes its own copy a few microseconds later;
    an exec of that file waits for the close (supervisor/writers.h).
    Without that wait about a third of these execs failed."""
    helper = os.path.join(os.path.dirname(PROCTOR), "tests", "helpers",
                          "write_then_exec")
    d = os.path.join(session.tmp, "wte")
    os.mkdir(d)
    nat = subprocess.run([helper, d, "300"], stdout=subprocess.PIPE,
                         timeout=120)
    assert nat.stdout == b"ETXTBSY 0 of 300\nfailed 0\n", nat.stdout
    session.policy("default allow\n")
    r = session.run([helper, d, "300"], timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"ETXTBSY 0 of 300\nfailed 0\n", r.stdout
