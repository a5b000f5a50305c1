"""The audit log as proctor run writes it (issue #4): write-ahead under
kill -9, fail closed when it cannot be written, the agent cannot touch its
own record, signed checkpoints."""
import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import PROCTOR

BASE = """
default deny
allow read /**
allow exec /** *
allow write /dev/null
allow write ${CWD}/**
"""


def verify(db, *extra):
    return subprocess.run([PROCTOR, "audit", "verify", "--db", db]
                          + list(extra), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)


def test_kill9_every_file_has_its_row(session):
    """Stop proctor with SIGKILL at random points while the agent creates
    files; every file that exists must have its allow row, and the log
    must verify."""
    session.policy(BASE)
    rng = random.Random(4242)
    for round_no in range(12):
        d = os.path.join(session.tmp, f"r{round_no}")
        os.mkdir(d)
        p = subprocess.Popen(
            [PROCTOR, "run", "-q", "--audit", session.db, "--policy",
             session.policy_path, "--", "sh", "-c",
             f"i=0; while [ $i -lt 100000 ]; do : > {d}/f$i; "
             f"i=$((i+1)); done"],
            cwd=session.tmp)
        time.sleep(0.05 + rng.random() * 0.4)
        p.send_signal(signal.SIGKILL)
        p.wait()
        time.sleep(0.05)
        created = set(os.listdir(d))
        # reopening for writing recovers the journal into SQLite
        r = subprocess.run([PROCTOR, "run", "-q", "--audit", session.db,
                            "--policy", session.policy_path, "--",
                            "true"], cwd=session.tmp)
        assert r.returncode == 0
        rows = session.events("op='write' AND decision='allow' AND "
                              "resolved LIKE ?", (d + "/%",))
        logged = {os.path.basename(e["resolved"]) for e in rows}
        missing = created - logged
        assert not missing, f"round {round_no}: no row for {missing}"
    r = verify(session.db)
    assert r.returncode == 0, r.stdout


def test_agent_cannot_touch_its_record(session):
    session.policy("default allow\n")
    db = session.db
    script = (f"echo x >> {db}; echo rc1=$?; rm -f {db}; echo rc2=$?; "
              f"mv {db} {db}.moved; echo rc3=$?; "
              f"ln {db} {session.tmp}/alias; echo rc4=$?; "
              f"chmod 777 {db}; echo rc5=$?; "
              f": > {db}-wal; echo rc6=$?; "
              f"mv {session.tmp} {session.tmp}.moved; echo rc7=$?")
    r = session.run(["sh", "-c", script])
    out = r.stdout.decode()
    for i in range(1, 8):
        assert f"rc{i}=0" not in out, out
    assert os.path.exists(db)
    denied = session.find(rule="protected")
    assert len(denied) >= 6
    assert verify(db).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs")
def test_disk_full_fails_closed(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs",
                        str(mnt)])
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        pol = tmp_path / "p.policy"
        pol.write_text(BASE.replace("${CWD}/**", f"{tmp_path}/**"))
        db = mnt / "audit.db"
        t0 = time.monotonic()
        r = subprocess.run(
            [PROCTOR, "run", "-q", "--audit", str(db), "--policy",
             str(pol), "--", "sh", "-c",
             "while :; do cat /etc/hostname > /dev/null; done"],
            stderr=subprocess.PIPE, timeout=120)
        assert r.returncode == 125
        assert b"audit" in r.stderr
        assert time.monotonic() - t0 < 100
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def test_signed_session_verifies(session):
    sk = os.path.join(session.tmp, "key.secret")
    pk = os.path.join(session.tmp, "key.public")
    r = subprocess.run([PROCTOR, "audit", "keygen", "--secret", sk,
                        "--public", pk], stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    session.policy(BASE)
    r = session.run(["sh", "-c", f"cat {sk}; for i in 1 2 3 4 5; do "
                     "cat /etc/hostname >/dev/null; done"],
                    args=["--sign-key", sk, "--checkpoint-every", "5"])
    # the agent cannot read the signing key, whatever the policy says
    assert b"Permission denied" in r.stderr
    assert session.find(op="read", resolved=sk, rule="protected")
    assert verify(session.db, "--pubkey", pk).returncode == 0
    con = sqlite3.connect(session.db)
    n = con.execute("SELECT count(*) FROM checkpoints WHERE signature "
                    "IS NOT NULL AND signature != ''").fetchone()[0]
    con.close()
    assert n >= 2
    # someone else's key does not verify it
    sk2 = os.path.join(session.tmp, "other.secret")
    pk2 = os.path.join(session.tmp, "other.public")
    subprocess.run([PROCTOR, "audit", "keygen", "--secret", sk2,
                    "--public", pk2], check=True)
    assert verify(session.db, "--pubkey", pk2).returncode != 0
