"""test_audit_cli.py - `proctor audit ...` end to end.

Databases are written through the real audit API by a small C helper
(tests/integration/audit_fill.c, compiled here against audit/*.c). The CLI
is build/proctor when it dispatches `audit`, else the helper's `cli` mode,
which calls the same audit_cli_main().
"""
import csv
import io
import json
import os
import sqlite3
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def helper(tmp_path_factory):
    out = tmp_path_factory.mktemp("bin") / "audit_fill"
    srcs = sorted(os.path.join(ROOT, "audit", f)
                  for f in os.listdir(os.path.join(ROOT, "audit"))
                  if f.endswith(".c"))
    cmd = [os.environ.get("CC", "cc"), "-O1", "-g", "-D_GNU_SOURCE",
           "-DPROCTOR_VERSION=\"test\"", "-pthread",
           "-I" + os.path.join(ROOT, "audit"), "-o", str(out),
           os.path.join(ROOT, "tests", "integration", "audit_fill.c")]
    cmd += srcs + ["-lsqlite3", "-lsodium", "-lnettle", "-ljson-c"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        pytest.fail("cannot build the helper:\n" + r.stdout)
    return str(out)


@pytest.fixture(scope="module")
def cli(helper):
    proctor = os.path.join(ROOT, "build", "proctor")
    base = [helper, "cli"]
    if os.access(proctor, os.X_OK):
        r = subprocess.run([proctor, "audit", "--help"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode == 0 and "proctor audit" in r.stdout:
            base = [proctor]

    def run(*args):
        return subprocess.run(base + ["audit"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, errors="replace", timeout=60)
    return run


def fill(helper, db, n=40, *extra):
    r = subprocess.run([helper, "fill", str(db), str(n)] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture()
def db(helper, tmp_path):
    path = tmp_path / "audit.db"
    fill(helper, path, 40)
    return path


def one_error_line(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("proctor audit: ")
    assert "Traceback" not in r.stderr and "AddressSanitizer" not in r.stderr
    return lines[0]


def test_help_everywhere(cli):
    for sub in ["sessions", "show", "events", "export", "verify", "keygen"]:
        r = cli(sub, "--help")
        assert r.returncode == 0, sub
        assert r.stdout.startswith("usage: proctor audit " + sub)
    assert cli("--help").returncode == 0
    assert cli("frobnicate").returncode == 2


def test_sessions_table_and_json(cli, db):
    r = cli("sessions", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "end_reason" in r.stdout.splitlines()[0]
    assert "exited" in r.stdout
    r = cli("sessions", "--db", str(db), "--json")
    rows = json.loads(r.stdout)
    assert len(rows) == 1
    s = rows[0]
    assert s["session"] == 1 and s["events"] == 40
    assert s["argv"] == ["agent", "--task", "fix \"bug\", now"]
    assert s["denied"] + s["allowed"] == 40
    assert s["start"].endswith("Z") and "T" in s["start"]


def test_show_json(cli, db):
    r = cli("show", "latest", "--db", str(db), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["session"]["user"] == "alice"
    assert d["chain"]["intact"] is True
    assert {x["op"] for x in d["operations"]} == {"read", "write",
                                                   "connect"}
    assert all(x["errno_name"] in ("EACCES", "ECONNREFUSED")
               for x in d["denied"])
    assert d["network"][0]["hostname"] == "github.com"
    root = d["processes"][0]
    assert root["pid"] == 100
    assert root["children"][0]["exe"] == "/usr/bin/make"
    assert root["children"][0]["argv"] == ["make"]
    r = cli("show", "1", "--db", str(db))
    assert r.returncode == 0
    for title in ["Decisions", "Operations", "Denied", "Asked",
                  "Network destinations", "Programs run", "Process tree"]:
        assert title in r.stdout


def test_events_filters(cli, db):
    def events(*a):
        r = cli("events", "--db", str(db), "--json", *a)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)
    everything = events()
    assert [e["seq"] for e in everything] == list(range(1, 41))
    deny = events("--decision", "deny")
    assert deny and all(e["decision"] == "deny" for e in deny)
    conn = events("--op", "connect", "--session", "1")
    assert conn and all(e["op"] == "connect" for e in conn)
    assert all(e["approver_channel"] == "tty" for e in conn)
    assert all(e["pid"] == 100 for e in events("--pid", "100"))
    assert len(events("--since", "3650d")) == 40
    assert events("--since", "2200-01-01") == []
    assert len(events("--limit", "5")) == 5
    r = cli("events", "--db", str(db), "--since", "yesterday-ish")
    one_error_line(r)


def test_export(cli, db):
    r = cli("export", "--db", str(db), "--format", "jsonl")
    assert r.returncode == 0
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    kinds = [x["record"] for x in recs]
    assert kinds.count("session") == 1
    assert kinds.count("event") == 40
    assert kinds.count("process") == 2
    assert kinds.count("checkpoint") == 1
    r = cli("export", "--db", str(db), "--format", "csv", "--session",
            "last")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 40
    assert rows[0]["seq"] == "1"
    assert cli("export", "--db", str(db), "--format", "xml").returncode == 2


def test_verify_intact_and_tampered(cli, db):
    r = cli("verify", "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "intact" in r.stdout
    con = sqlite3.connect(str(db))
    con.execute("UPDATE events SET target = '/x' WHERE seq = 17")
    con.commit()
    con.close()
    r = cli("verify", "--db", str(db), "--json")
    assert r.returncode == 1
    d = json.loads(r.stdout)
    assert d["intact"] is False
    assert d["sessions"][0]["kind"] == "edited"
    assert d["sessions"][0]["bad_seq"] == 17


def test_verify_deleted_session(cli, helper, tmp_path):
    path = tmp_path / "two.db"
    fill(helper, path, 5)
    fill(helper, path, 5)
    fill(helper, path, 5)
    con = sqlite3.connect(str(path))
    con.execute("DELETE FROM events WHERE session = 2")
    con.execute("DELETE FROM checkpoints WHERE session = 2")
    con.execute("DELETE FROM sessions WHERE id = 2")
    con.commit()
    con.close()
    r = cli("verify", "--db", str(path), "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["missing_sessions"] == [2]


def test_signed_sessions(cli, helper, tmp_path):
    sec, pub = tmp_path / "k.sec", tmp_path / "k.pub"
    r = cli("keygen", "--secret", str(sec), "--public", str(pub))
    assert r.returncode == 0, r.stderr
    assert oct(os.stat(sec).st_mode & 0o777) == "0o600"
    assert cli("keygen", "--secret", str(sec), "--public",
               str(tmp_path / "x")).returncode == 2
    path = tmp_path / "signed.db"
    fill(helper, path, 30, str(sec), "10")
    r = cli("verify", "--db", str(path), "--pubkey", str(pub), "--json")
    assert r.returncode == 0, r.stdout
    s = json.loads(r.stdout)["sessions"][0]
    assert s["signed_checkpoints"] == 4
    other_sec, other_pub = tmp_path / "o.sec", tmp_path / "o.pub"
    cli("keygen", "--secret", str(other_sec), "--public", str(other_pub))
    r = cli("verify", "--db", str(path), "--pubkey", str(other_pub))
    assert r.returncode == 1
    assert "bad-signature" in r.stdout
    r = cli("verify", "--db", str(path), "--pubkey", str(sec))
    one_error_line(r)


def test_killed_proctor_recovered(cli, helper, tmp_path):
    path = tmp_path / "killed.db"
    subprocess.run([helper, "fill", str(path), "500", "--no-end"],
                   check=True)
    # the next writer recovers the journal of the dead one
    fill(helper, path, 3)
    r = cli("sessions", "--db", str(path), "--json")
    first = json.loads(r.stdout)[0]
    assert first["events"] == 500
    assert first["end_reason"] == "supervisor-killed"
    assert cli("verify", "--db", str(path)).returncode == 0


def test_bad_databases(cli, helper, tmp_path):
    missing = tmp_path / "missing.db"
    assert "No such file" in one_error_line(cli("sessions", "--db",
                                                 str(missing)))
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert "not a proctor audit database" in one_error_line(
        cli("events", "--db", str(empty)))
    rnd = tmp_path / "random.db"
    rnd.write_bytes(os.urandom(8192))
    assert "not an SQLite database" in one_error_line(
        cli("verify", "--db", str(rnd)))
    plain = tmp_path / "plain.db"
    con = sqlite3.connect(str(plain))
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    assert "not a proctor audit database" in one_error_line(
        cli("show", "1", "--db", str(plain)))
    newer = tmp_path / "newer.db"
    fill(helper, newer, 2)
    con = sqlite3.connect(str(newer))
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    assert "schema version 7 is newer" in one_error_line(
        cli("export", "--db", str(newer)))


def test_unknown_session(cli, db):
    assert "no session 9" in one_error_line(cli("show", "9", "--db",
                                                 str(db)))
    one_error_line(cli("show", "banana", "--db", str(db)))
    one_error_line(cli("verify", "--db", str(db), "--session", "9"))


def test_default_path(cli, helper, tmp_path):
    state = tmp_path / "state"
    fill(helper, state / "proctor" / "audit.db", 3)
    old = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(state)
    try:
        r = cli("sessions", "--json")
    finally:
        if old is None:
            del os.environ["XDG_STATE_HOME"]
        else:
            os.environ["XDG_STATE_HOME"] = old
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["events"] == 3
