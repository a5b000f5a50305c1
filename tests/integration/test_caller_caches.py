"""What proctor keeps about its callers between calls: their working
directories and directory descriptors (supervisor/basedir.c) and their
umask (proctab.c); and the direct way for read-only opens
(supervisor/emulate_open.c).

 - fidelity: one script of relative-name cases (dirfd reused by dup2,
   chdir and fchdir, working directory renamed and removed, a CLONE_FS
   sibling changing the shared working directory, "..", symlinks on the
   way, FIFOs, O_DIRECTORY, O_NONBLOCK kept or not) and umask cases (set,
   queried the usual way, inherited, changed by a CLONE_FS sibling) runs
   natively and under proctor with an allow-everything policy; every line
   must be the same;
 - evidence: relative opens are recorded with the directory's real path,
   also after the directory was renamed.
"""
import os
import subprocess

from conftest import ROOT

PY = "/usr/bin/python3"

SCRIPT = r'''
import ctypes, errno, fcntl, os, shutil, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
base = sys.argv[1]
os.chdir(base)

def t(name, fn):
    try:
        r = fn()
        print(f"{name}: ok {r if r is not None else ''}")
    except OSError as e:
        print(f"{name}: {errno.errorcode.get(e.errno, e.errno)}")

def content(path, dir_fd=None, flags=os.O_RDONLY):
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        return os.read(fd, 100).decode()
    finally:
        os.close(fd)

for d in ("a", "b", "a/sub"):
    os.makedirs(d, exist_ok=True)
for p, text in (("a/f", "in a"), ("b/f", "in b"), ("a/sub/g", "deep")):
    with open(p, "w") as f:
        f.write(text)
os.symlink("a", "link-a")
os.mkfifo("a/fifo")

# the working directory
t("rel f in base", lambda: content("a/f"))
t("rel dot", lambda: content("./a/f"))
t("rel dotdot", lambda: content("a/sub/../f"))
t("rel through symlink", lambda: content("link-a/f"))
t("rel missing", lambda: content("a/nothing"))
t("rel not a dir", lambda: content("a/f/x"))
t("rel O_DIRECTORY on file", lambda: content("a/f", flags=os.O_RDONLY | os.O_DIRECTORY))
t("rel dir O_DIRECTORY", lambda: os.close(os.open("a/sub", os.O_RDONLY | os.O_DIRECTORY)))
t("rel fifo nonblock", lambda: os.close(os.open("a/fifo", os.O_RDONLY | os.O_NONBLOCK)))
def fl(flags):
    fd = os.open("a/f", flags)
    try:
        return fcntl.fcntl(fd, fcntl.F_GETFL) & (os.O_NONBLOCK | os.O_APPEND | os.O_ACCMODE)
    finally:
        os.close(fd)
t("status flags plain", lambda: fl(os.O_RDONLY))
t("status flags nonblock", lambda: fl(os.O_RDONLY | os.O_NONBLOCK))
os.chdir("a")
t("after chdir a", lambda: content("f"))
t("after chdir a, up", lambda: content("../b/f"))
os.chdir(base)
bfd = os.open("b", os.O_RDONLY | os.O_DIRECTORY)
os.fchdir(bfd)
t("after fchdir b", lambda: content("f"))
os.chdir(base)

# directory descriptors
afd = os.open("a", os.O_RDONLY | os.O_DIRECTORY)
t("dirfd a", lambda: content("f", dir_fd=afd))
t("dirfd a sub", lambda: content("sub/g", dir_fd=afd))
os.dup2(bfd, afd)
t("dirfd number now b", lambda: content("f", dir_fd=afd))
os.close(afd)
t("dirfd closed", lambda: content("f", dir_fd=afd))
afd = os.open("a", os.O_RDONLY | os.O_DIRECTORY)
t("dirfd a again", lambda: content("f", dir_fd=afd))
os.rename("a", "a2")
t("dirfd after rename", lambda: content("f", dir_fd=afd))
os.rename("a2", "a")
ffd = os.open("a/f", os.O_RDONLY)
t("dirfd is a file", lambda: content("x", dir_fd=ffd))
os.close(ffd)

# the working directory renamed, then removed, in a child that inherited it
os.makedirs("w", exist_ok=True)
with open("w/f", "w") as f:
    f.write("in w")
pid = os.fork()
if pid == 0:
    os.chdir(os.path.join(base, "w"))
    pid2 = os.fork()
    if pid2 == 0:
        t("child rel", lambda: content("f"))
        os.rename(os.path.join(base, "w"), os.path.join(base, "w2"))
        t("child after rename", lambda: content("f"))
        os.unlink(os.path.join(base, "w2", "f"))
        os.rmdir(os.path.join(base, "w2"))
        t("child after rmdir", lambda: content("f"))
        t("child cwd", lambda: os.getcwd())
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid2, 0)
    os._exit(0)
os.waitpid(pid, 0)

# umask: what new files and directories get
def mode_of_new(name, mkdir=False):
    if mkdir:
        os.mkdir(name, 0o777)
    else:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o666))
    return oct(os.stat(name).st_mode & 0o777)
t("umask default file", lambda: mode_of_new("um0"))
os.umask(0o077)
t("umask 077 file", lambda: mode_of_new("um1"))
t("umask 077 dir", lambda: mode_of_new("umd1", mkdir=True))
old = os.umask(0)          # the usual way to read it
os.umask(old)
t("umask queried back", lambda: oct(old))
t("umask after query", lambda: mode_of_new("um2"))
pid = os.fork()
if pid == 0:
    t("umask inherited", lambda: mode_of_new("um3"))
    os.umask(0o002)
    t("umask child 002", lambda: mode_of_new("um4"))
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
t("umask parent unchanged", lambda: mode_of_new("um5"))
os.umask(0o022)

# a CLONE_FS sibling changes the shared working directory
CLONE_FS = 0x200
stack = ctypes.create_string_buffer(65536)
target = os.path.join(base, "b").encode()
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
cb = CB(lambda arg: libc.chdir(target))
t("before clone_fs", lambda: content("a/f"))
sp = ctypes.c_void_p(ctypes.addressof(stack) + 65536)
p = libc.clone(cb, sp, CLONE_FS | signal.SIGCHLD, None)
if p > 0:
    os.waitpid(p, 0)
t("after clone_fs sibling chdir", lambda: content("f"))
# ... and the shared umask
cb2 = CB(lambda arg: libc.umask(0o027) * 0)
t("umask before clone_fs", lambda: mode_of_new(os.path.join(base, "um6")))
p = libc.clone(cb2, sp, CLONE_FS | signal.SIGCHLD, None)
if p > 0:
    os.waitpid(p, 0)
t("umask after clone_fs sibling umask", lambda: mode_of_new(os.path.join(base, "um7")))
sys.stdout.flush()
'''


def run_both(session, script_dir):
    script = os.path.join(session.tmp, "relnames.py")
    with open(script, "w") as f:
        f.write(SCRIPT)
    outs = []
    for i, sup in enumerate((False, True)):
        d = os.path.join(script_dir, "native" if not sup else "supervised")
        os.makedirs(d)
        if sup:
            r = session.run([PY, script, d], cwd=d)
        else:
            r = subprocess.run([PY, script, d], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=d, timeout=60)
        assert r.returncode == 0, r.stderr.decode()
        outs.append(r.stdout.decode().replace(d, "DIR"))
    return outs


def test_relative_names_match_native(session):
    session.policy("default allow\n")
    native, supervised = run_both(session, session.tmp)
    assert "dirfd number now b: ok in b" in native
    assert "after clone_fs sibling chdir: ok in b" in native
    assert "umask after clone_fs sibling umask: ok 0o640" in native
    nl, sl = native.splitlines(), supervised.splitlines()
    assert len(nl) == len(sl) and len(nl) >= 37, (native, supervised)
    for a, b in zip(nl, sl):
        assert a == b, "native: %s\nproctor: %s" % (a, b)


def test_relative_opens_recorded_with_real_path(session):
    d = os.path.join(session.tmp, "tree")
    os.makedirs(os.path.join(d, "x"))
    with open(os.path.join(d, "x", "f"), "w") as f:
        f.write("x")
    session.policy("default allow\n")
    prog = ("import os\n"
            "fd = os.open('x', os.O_RDONLY | os.O_DIRECTORY)\n"
            "os.close(os.open('f', os.O_RDONLY, dir_fd=fd))\n"
            "os.rename('x', 'y')\n"
            "os.close(os.open('f', os.O_RDONLY, dir_fd=fd))\n"
            "os.close(os.open('y/f', os.O_RDONLY))\n")
    r = session.run([PY, "-c", prog], cwd=d)
    assert r.returncode == 0, r.stderr
    rows = [e for e in session.events()
            if e["op"] == "read" and e["target"] in ("f", "y/f")]
    assert [e["resolved"] for e in rows] == [
        os.path.join(d, "x", "f"), os.path.join(d, "y", "f"),
        os.path.join(d, "y", "f")], rows
    assert all(e["final"] == "allow" for e in rows)


def test_thread_with_its_own_fs_struct(session):
    """A thread created with CLONE_THREAD but not CLONE_FS has its own
    working directory and umask: its chdir and umask must not change what
    the main thread gets (proctor keeps both per process only while every
    fs_struct is exactly one process's)."""
    helper = os.path.join(ROOT, "build", "tests", "helpers",
                          "private_fs_thread")
    session.policy("default allow\n")
    outs = []
    for sup in (False, True):
        d = os.path.join(session.tmp, "sup" if sup else "nat")
        for sub, text in (("a", "in a"), ("b", "in b")):
            os.makedirs(os.path.join(d, sub))
            with open(os.path.join(d, sub, "f"), "w") as f:
                f.write(text)
        if sup:
            r = session.run([helper, d])
        else:
            r = subprocess.run([helper, d], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout.decode())
    assert "umask after the thread's umask: 644" in outs[0], outs[0]
    assert outs[0] == outs[1], outs
