#!/usr/bin/python3
"""run_bench.py - proctor's benchmarks: figures and ratios, never pass/fail.

Run by `make bench` (bench/Makefile) after the programs are built into
build/bench/. Sections, each independent (one that cannot run says why and
the others go on):

  micro    added cost per trapped call: micro OP N natively and under
           `proctor run -q --policy bench/bench.policy --audit DB`
  macro    an agent-like session (bench/workload.sh) natively, under
           proctor, under strace -f and under strace -f --seccomp-bpf,
           interleaved, medians of several repetitions
  policy   build/bench/policy_bench (bench/policy_bench.c), if built
  audit    build/bench/audit_bench (bench/audit_bench.c), if built
  startup  `proctor run -- /bin/true` against `/bin/true` (hyperfine)
  scale    64 threads, and 200 short processes, opening at once
  memory   the supervisor's VmHWM/VmRSS after one million trapped opens
  profile  what the supervisor does per trapped open: strace -c -f -p of
           the proctor process during a micro loop, perf when it works

Environment: BENCH_QUICK=1 for a smoke run of under a minute (fewer and
smaller runs: its figures are rough); BENCH_DOCS=1 to also rewrite the
results block of docs/benchmarks.md and docs/benchmarks.png;
BENCH_ONLY=micro,macro,... to run some sections only; BENCH_PROCTOR=PATH
to measure another proctor binary than build/proctor.

Output: the tables on stdout, and build/bench/results.{json,md} and
build/bench/benchmarks.png. Nothing outside build/ (and docs/ with
BENCH_DOCS=1) and a temporary directory, which is removed, is written.
"""
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
BB = os.path.join(BUILD, "bench")
PROCTOR = os.environ.get("BENCH_PROCTOR") or os.path.join(BUILD, "proctor")
POLICY = os.path.join(ROOT, "bench", "bench.policy")
WORKLOAD = os.path.join(ROOT, "bench", "workload.sh")
DOC_MD = os.path.join(ROOT, "docs", "benchmarks.md")
DOC_PNG = os.path.join(ROOT, "docs", "benchmarks.png")


def flag(name):
    return os.environ.get(name, "") not in ("", "0")


QUICK = flag("BENCH_QUICK")
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]

# Sizes: (full, quick). Full takes ~3 minutes on 2 vCPUs (limit: 10).
MICRO_N = {"open": (20000, 2000),
           "floor_addfd": (20000, 2000), "floor_continue": (20000, 2000),
           "open_rel": (20000, 2000), "create": (10000, 1000),
           "open_denied": (2000, 200),
           "open_denied_nopreload": (20000, 2000),
           "unlink": (10000, 1000), "rename": (20000, 2000),
           "connect": (5000, 500), "exec": (1000, 100)}
# rows that run a micro OP under proctor with extra options
MICRO_VARIANT = {"open_denied_nopreload": ("open_denied", ["--no-preload"]),
                 "floor_addfd": ("open", []), "floor_continue": ("open", [])}
# rows whose supervised run is bench/floor.c (the bare mechanism, no
# proctor) instead of proctor: MODE for floor
MICRO_FLOOR = {"floor_addfd": "addfd", "floor_continue": "continue"}
MICRO_REPS = (5, 1)
MACRO_REPS = (5, 1)
MACRO_STEPS = ["grep", "cp", "gcc", "python", "git", "tar"]
MACRO_TIMEOUT = (60, 20)	# seconds for one session; native takes ~1-2
STARTUP_RUNS = (40, 10)
SCALE = {"threads": (64, 500, 100), "procs": (200, 20, 10)}
SCALE_REPS = (3, 1)
MEMORY_N = (1000000, 100000)
AUDIT_N = (200000, 20000)
PROFILE_N = (20000, 2000)


def q(pair):
    return pair[1] if QUICK else pair[0]


class BenchError(Exception):
    pass


def log(msg=""):
    print(msg, flush=True)


def fmt(x, digits=2):
    if x is None:
        return "n/a"
    if isinstance(x, str):
        return x
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run(argv, env=None, timeout=300, check=True, cwd=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=e, timeout=timeout,
                           cwd=cwd)
    except subprocess.TimeoutExpired:
        raise BenchError(f"timed out after {timeout}s: {argv[0]} ...")
    if check and p.returncode != 0:
        tail = p.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise BenchError(f"{os.path.basename(argv[0])} exited "
                         f"{p.returncode}: " + " | ".join(tail))
    return p


def kv(line):
    """'a=1 b=2.5' -> {'a': 1.0, 'b': 2.5} (numbers only)."""
    out = {}
    for m in re.finditer(r"(\w+)=([-0-9.]+)", line):
        out[m.group(1)] = float(m.group(2))
    return out


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "Threads"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def snapshot(tmp):
    """Copies proctor (and the preload library it finds next to itself)
    into tmp/bin, so that a rebuild during the run (others work in this
    tree) cannot change or remove the binary being measured. Returns the
    copy's path and a description of what was copied."""
    import hashlib
    src_dir = os.path.dirname(PROCTOR)
    dst_dir = os.path.join(tmp, "bin")
    os.makedirs(dst_dir)
    for attempt in range(30):
        try:
            with open(PROCTOR, "rb") as f:
                data = f.read()
            st = os.stat(PROCTOR)
            if st.st_mode & 0o111:
                break
        except OSError:
            pass
        time.sleep(2)	# being relinked right now
    else:
        raise BenchError(f"cannot read {PROCTOR}")
    dst = os.path.join(dst_dir, "proctor")
    with open(dst, "wb") as f:
        f.write(data)
    os.chmod(dst, 0o755)
    lib = os.path.join(src_dir, "libproctor-preload.so")
    if os.path.exists(lib):
        shutil.copy2(lib, dst_dir)
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                           "HEAD"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout.decode().strip()
    return dst, {"path": PROCTOR, "sha256": hashlib.sha256(
        data).hexdigest()[:16], "built": time.strftime(
        "%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime)),
        "git_head": head or "?"}


class Bench:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="proctor-bench-")
        self.ndb = 0
        self.res = {"quick": QUICK, "machine": machine(), "notes": []}
        self.exe, self.res["binary"] = snapshot(self.tmp)
        self.dir = os.path.join(self.tmp, "micro")
        os.makedirs(os.path.join(self.dir, "proctor-bench-denied"))
        for name in ("file", "proctor-bench-denied/secret"):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write("x" * 100)

    def note(self, msg):
        log(f"  note: {msg}")
        self.res["notes"].append(msg)

    def db(self):
        self.ndb += 1
        return os.path.join(self.tmp, f"audit-{self.ndb}.db")

    def drop_db(self, path):
        for suffix in ("", "-wal", "-shm", "-journal", ".journal"):
            try:
                os.unlink(path + suffix)
            except OSError:
                pass
        for name in os.listdir(self.tmp):
            if name.startswith(os.path.basename(path)):
                full = os.path.join(self.tmp, name)
                if os.path.isdir(full):
                    shutil.rmtree(full, ignore_errors=True)
                else:
                    os.unlink(full)

    def proctor(self, db, extra=()):
        return [self.exe, "run", "-q"] + list(extra) + [
            "--policy", POLICY, "--audit", db, "--"]

    # ---- micro ----------------------------------------------------------

    def micro_once(self, name, n, under):
        op, extra = MICRO_VARIANT.get(name, (name, []))
        argv = [os.path.join(BB, "micro"), op, str(n), self.dir]
        env = {}
        db = None
        if under and name in MICRO_FLOOR:
            argv = [os.path.join(BB, "floor"), MICRO_FLOOR[name], str(n),
                    os.path.join(self.dir, "file")]
        elif under:
            db = self.db()
            argv = self.proctor(db, extra) + argv
            env["BENCH_EXPECT_DENY"] = "1"
        try:
            p = run(argv, env=env)
        finally:
            if db:
                self.drop_db(db)
        for line in p.stdout.decode().splitlines():
            if line.startswith("micro "):
                return kv(line)
        if p.returncode != 0:
            raise BenchError(f"micro {name}: exit {p.returncode}: "
                             + p.stderr.decode(errors="replace")[-300:])
        raise BenchError(f"micro {op}: no result line")

    def micro(self):
        ops = list(MICRO_N)
        rows = {op: {"native": [], "proctor": [], "fails": 0}
                for op in ops}
        for rep in range(q(MICRO_REPS)):
            for op in ops:
                n = q(MICRO_N[op])
                for under in (False, True) if rep % 2 == 0 else \
                        (True, False):
                    r = self.micro_once(op, n, under)
                    rows[op]["proctor" if under else "native"].append(
                        r["ns_per_op"])
                    rows[op]["fails"] += int(r["fails"])
        out = {}
        log(f"{'op':<12} {'native us':>10} {'proctor us':>11} "
            f"{'added us':>9} {'ratio':>7} {'fails':>6}")
        for op in ops:
            nat = median(rows[op]["native"]) / 1e3
            pro = median(rows[op]["proctor"]) / 1e3
            out[op] = {"n": q(MICRO_N[op]), "native_us": nat,
                       "proctor_us": pro, "added_us": pro - nat,
                       "ratio": pro / nat if nat else None,
                       "fails": rows[op]["fails"],
                       "samples_native_us": [x / 1e3 for x in
                                             rows[op]["native"]],
                       "samples_proctor_us": [x / 1e3 for x in
                                              rows[op]["proctor"]]}
            o = out[op]
            log(f"{op:<12} {fmt(nat):>10} {fmt(pro):>11} "
                f"{fmt(o['added_us']):>9} {fmt(o['ratio']):>7} "
                f"{o['fails']:>6}")
        self.res["micro"] = out

    # ---- macro ----------------------------------------------------------

    def macro_input(self):
        """A source tree (600 files) and a dozen C files, deterministic."""
        base = os.path.join(self.tmp, "macro-in")
        tree = os.path.join(base, "tree")
        csrc = os.path.join(base, "csrc")
        os.makedirs(csrc)
        seed = 12345
        for d in range(30):
            sub = os.path.join(tree, f"pkg{d:02d}", "src")
            os.makedirs(sub)
            for i in range(20):
                lines = []
                for j in range(40 + (d * 7 + i) % 60):
                    seed = (seed * 1103515245 + 12345) & 0x7fffffff
                    lines.append(f"line {j} of module {d}.{i}: "
                                 f"value {seed:x}\n")
                with open(os.path.join(sub, f"mod{i:02d}.txt"), "w") as f:
                    f.writelines(lines)
        for i in range(11):
            with open(os.path.join(csrc, f"unit{i:02d}.c"), "w") as f:
                f.write(C_UNIT.format(i=i))
        with open(os.path.join(csrc, "main.c"), "w") as f:
            f.write("#include <stdio.h>\n")
            for i in range(11):
                f.write(f"long unit{i:02d}(long);\n")
            f.write("int main(void)\n{\n\tlong s = 0;\n")
            for i in range(11):
                f.write(f"\ts += unit{i:02d}({i});\n")
            f.write('\tprintf("%ld\\n", s);\n\treturn 0;\n}\n')
        return base

    def strace_set(self):
        """The calls proctor traps, read from supervisor/filter.c."""
        names = []
        try:
            with open(os.path.join(ROOT, "supervisor", "filter.c")) as f:
                src = f.read()
            m = re.search(r"filter_notify\[\]\s*=\s*\{(.*?)\};", src, re.S)
            if m:
                names = re.findall(r"__NR_(\w+)", m.group(1))
            if "__NR_sendto" in src and "sendto" not in names:
                names.append("sendto")
        except OSError:
            pass
        if not names:
            raise BenchError("cannot read the trapped calls from "
                             "supervisor/filter.c")
        # '?': strace 6.1 may not know the newest names (fchmodat2)
        return "trace=" + ",".join("?" + n for n in names)

    def macro(self):
        if not shutil.which("strace"):
            self.note("strace not installed: macro without strace peers")
        base = self.macro_input()
        trace = self.strace_set()
        modes = ["native", "proctor", "proctor-nopreload", "strace",
                 "strace-seccomp"]
        if not shutil.which("strace"):
            modes = modes[:3]
        runs = {m: [] for m in modes}	# per session: {step: seconds}
        hung = {m: [] for m in modes}	# steps that hung, per tool
        reps = q(MACRO_REPS)
        # warm the page cache (grep reads 130 MB of headers) and gcc
        warm = os.path.join(self.tmp, "macro-warm")
        os.makedirs(warm)
        run(["/bin/bash", WORKLOAD, base, warm])
        shutil.rmtree(warm, ignore_errors=True)
        for rep in range(reps):
            order = modes[rep % len(modes):] + modes[:rep % len(modes)]
            for mode in order:
                work = os.path.join(self.tmp, f"macro-{rep}-{mode}")
                os.makedirs(work)
                argv = ["/bin/bash", WORKLOAD, base, work]
                db = None
                if mode.startswith("proctor"):
                    db = self.db()
                    argv = self.proctor(db, ["--no-preload"] if mode ==
                                        "proctor-nopreload" else []) + argv
                elif mode.startswith("strace"):
                    pre = ["strace", "-f", "-qq", "-e", trace, "-o",
                           "/dev/null"]
                    if mode == "strace-seccomp":
                        pre.append("--seccomp-bpf")
                    argv = pre + ["--"] + argv
                env = {"BENCH_SKIP": " ".join(hung[mode])}
                t0 = time.perf_counter()
                try:
                    p = subprocess.run(argv, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE,
                                       stdin=subprocess.DEVNULL,
                                       env=dict(os.environ, **env),
                                       timeout=q(MACRO_TIMEOUT))
                    out, rc = p.stdout, p.returncode
                except subprocess.TimeoutExpired as e:
                    out, rc = e.stdout or b"", None
                finally:
                    t1 = time.perf_counter()
                    if db:
                        self.drop_db(db)
                    shutil.rmtree(work, ignore_errors=True)
                done = []
                one = {}
                runs[mode].append(one)
                for line in out.decode().splitlines():
                    f = line.split()
                    if len(f) == 4 and f[0] == "step":
                        done.append(f[1])
                        one[f[1]] = float(f[3]) - float(f[2])
                    elif len(f) == 2 and f[0] == "skip":
                        done.append(f[1])
                if rc is None:
                    left = [x for x in MACRO_STEPS if x not in done]
                    self.note(f"macro: {mode} hung in step "
                              f"'{left[0] if left else '?'}' (killed "
                              f"after {q(MACRO_TIMEOUT)} s); later runs "
                              f"under {mode} skip it")
                    if left:
                        hung[mode].append(left[0])
                    continue
                if rc != 0:
                    raise BenchError(f"workload under {mode} exited {rc}: "
                                     + p.stderr.decode(errors="replace")
                                     [-300:])
                if not hung[mode]:
                    one["total"] = t1 - t0
            log(f"  macro repetition {rep + 1}/{reps} done")
        skipped = sorted({x for m in modes for x in hung[m]})
        key = "total"
        if skipped:
            # the same steps for every tool, so the ratios compare alike
            common = [x for x in MACRO_STEPS if x not in skipped]
            key = "steps w/o " + ",".join(skipped)
            for m in modes:
                for one in runs[m]:
                    one.pop("total", None)
                    if all(x in one for x in common):
                        one[key] = sum(one[x] for x in common)
        times = {m: {} for m in modes}
        for m in modes:
            for one in runs[m]:
                for x, v in one.items():
                    times[m].setdefault(x, []).append(v)
        steps = [x for x in MACRO_STEPS if x not in skipped] + [key]
        out = {}
        hdr = f"{'step':<8} {'native s':>9}"
        for m in modes[1:]:
            hdr += f" {m:>17} {'x':>5}"
        log(hdr)
        for s in steps:
            nat = median(times["native"].get(s, []))
            row = {"native_s": nat}
            line = f"{s:<8} {fmt(nat, 3):>9}"
            for m in modes[1:]:
                v = median(times[m].get(s, []))
                row[m + "_s"] = v
                row[m + "_ratio"] = v / nat if v and nat else None
                line += f" {fmt(v, 3):>17} {fmt(row[m + '_ratio']):>5}"
            out[s] = row
            log(line)
        self.res["macro"] = {"reps": reps, "steps": out, "modes": modes,
                             "strace_trace": trace, "hung": hung,
                             "total_key": key}

    # ---- policy / audit (programs of the other engineers) ---------------

    def external(self, name, source, args=()):
        exe = os.path.join(BB, name)
        if not os.path.exists(os.path.join(ROOT, "bench", source)):
            raise BenchError(f"bench/{source} does not exist (yet)")
        if not os.path.exists(exe):
            raise BenchError(f"bench/{source} exists but did not build")
        env = {"BENCH_QUICK": "1"} if QUICK else {}
        p = run([exe] + list(args), env=env, timeout=600)
        text = p.stdout.decode(errors="replace").strip()
        for line in text.splitlines():
            log("  | " + line)
        return text

    def policy(self):
        """policy_bench [RULES]: prints "median decision time: X ns (p90
        Y ns, ...) ...; N rules"."""
        text = self.external("policy_bench", "policy_bench.c")
        out = {"output": text}
        m = re.search(r"median decision time: ([0-9.]+) (ns|us)"
                      r"(?: \(p90 ([0-9.]+) (ns|us))?.*?(\d+) rules", text)
        if m:
            scale = 1000 if m.group(2) == "ns" else 1
            out["us_per_decision"] = float(m.group(1)) / scale
            if m.group(3):
                out["p90_us"] = float(m.group(3)) / (
                    1000 if m.group(4) == "ns" else 1)
            out["rules"] = int(m.group(5))
        self.res["policy"] = out

    def audit(self):
        """audit_bench [EVENTS_PER_THREAD] [DIR]: flat out with 1 and 2
        threads, then paced at 100,000/s. The figure held against the
        target is the sustained rate (appended, folded into SQLite and
        hash-chained) of the slower flat-out run."""
        text = self.external("audit_bench", "audit_bench.c",
                             [str(q(AUDIT_N)), self.tmp])
        out = {"output": text, "events_per_thread": q(AUDIT_N)}
        flat = re.findall(r"flat out: (\d+) threads?.*\n\s*appended "
                          r"([0-9.]+)/s; sustained[^0-9]*([0-9.]+)/s",
                          text)
        if flat:
            out["flat"] = [{"threads": int(t), "appended_per_s": float(a),
                            "sustained_per_s": float(s)}
                           for t, a, s in flat]
            out["per_s"] = min(f["sustained_per_s"] for f in out["flat"])
        self.res["audit"] = out

    # ---- start-up -------------------------------------------------------

    def startup(self):
        db = self.db()
        pro = self.proctor(db) + ["/bin/true"]
        runs = q(STARTUP_RUNS)
        out = {"runs": runs}
        if shutil.which("hyperfine"):
            js = os.path.join(self.tmp, "hyperfine.json")
            run(["hyperfine", "-N", "--warmup", "3",
                 "--runs", str(runs), "--export-json", js, "/bin/true",
                 " ".join(shlex.quote(a) for a in pro)], timeout=600)
            with open(js) as f:
                r = json.load(f)["results"]
            out["tool"] = "hyperfine -N"
            out["native_ms"] = r[0]["median"] * 1e3
            out["proctor_ms"] = r[1]["median"] * 1e3
            out["proctor_min_ms"] = r[1]["min"] * 1e3
            out["proctor_max_ms"] = r[1]["max"] * 1e3
        else:
            out["tool"] = "own loop"
            for key, argv in (("native_ms", ["/bin/true"]),
                              ("proctor_ms", pro)):
                ts = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    subprocess.run(argv, check=True)
                    ts.append(time.perf_counter() - t0)
                out[key] = statistics.median(ts) * 1e3
        self.drop_db(db)
        out["added_ms"] = out["proctor_ms"] - out["native_ms"]
        log(f"  /bin/true {fmt(out['native_ms'])} ms, proctor run -- "
            f"/bin/true {fmt(out['proctor_ms'])} ms (added "
            f"{fmt(out['added_ms'])} ms), medians of {runs}, "
            f"{out['tool']}")
        self.res["startup"] = out

    # ---- scale ----------------------------------------------------------

    def scale(self):
        out = {}
        log(f"{'mode':<8} {'under':<8} {'calls/s':>9} {'p50 us':>8} "
            f"{'p99 us':>8} {'max us':>9} {'first s':>8} {'last s':>7} "
            f"{'fails':>5}")
        for mode, (workers, k_full, k_quick) in SCALE.items():
            k = k_quick if QUICK else k_full
            for under in ("native", "proctor"):
                rs = []
                for _ in range(q(SCALE_REPS)):
                    argv = [os.path.join(BB, "scale"), mode, str(workers),
                            str(k), self.dir]
                    db = None
                    if under == "proctor":
                        db = self.db()
                        argv = self.proctor(db) + argv
                    try:
                        p = run(argv, timeout=600)
                    finally:
                        if db:
                            self.drop_db(db)
                    line = [x for x in p.stdout.decode().splitlines()
                            if x.startswith("scale ")][0]
                    rs.append(kv(line))
                r = {"workers": workers, "calls_each": k,
                     "calls_per_s": median([x["calls_per_s"] for x in rs]),
                     "p50_us": median([x["p50_us"] for x in rs]),
                     "p99_us": median([x["p99_us"] for x in rs]),
                     "max_us": max(x["max_us"] for x in rs),
                     "first_done_s": median([x["first_done_s"]
                                             for x in rs]),
                     "last_done_s": median([x["last_done_s"] for x in rs]),
                     "fails": sum(int(x["fails"]) for x in rs),
                     "reps": len(rs)}
                out[f"{mode}-{under}"] = r
                log(f"{mode:<8} {under:<8} {fmt(r['calls_per_s']):>9} "
                    f"{fmt(r['p50_us'], 1):>8} {fmt(r['p99_us'], 1):>8} "
                    f"{fmt(r['max_us'], 0):>9} "
                    f"{fmt(r['first_done_s'], 3):>8} "
                    f"{fmt(r['last_done_s'], 3):>7} {r['fails']:>5}")
        self.res["scale"] = out

    # ---- memory ---------------------------------------------------------

    def held_proctor(self, n, env):
        """Starts micro open N under proctor, waiting at its sync points."""
        db = self.db()
        e = dict(os.environ)
        e.update(env)
        p = subprocess.Popen(self.proctor(db) + [
            os.path.join(BB, "micro"), "open", str(n), self.dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=e)
        return p, db

    @staticmethod
    def expect(p, word):
        line = p.stdout.readline().decode().strip()
        if line != word:
            p.kill()
            err = p.stderr.read().decode(errors="replace").strip()
            raise BenchError(f"expected {word} from micro, got "
                             f"{line!r}; stderr: {err[-300:]}")

    def memory(self):
        n = q(MEMORY_N)
        p, db = self.held_proctor(n, {"BENCH_HOLD": "1"})
        peak = {}
        done = threading.Event()

        def sample():
            while not done.is_set():
                s = proc_status(p.pid)
                if s:
                    peak.update(s)
                time.sleep(0.2)

        t = threading.Thread(target=sample, daemon=True)
        t0 = time.perf_counter()
        t.start()
        try:
            self.expect(p, "LOOP-DONE")
            secs = time.perf_counter() - t0
            at_end = proc_status(p.pid)
            p.stdin.write(b"x")
            p.stdin.close()
            rest = p.stdout.read().decode()
            p.wait(timeout=600)
        finally:
            done.set()
            t.join()
            if p.poll() is None:
                p.kill()
        size = sum(os.path.getsize(os.path.join(self.tmp, f))
                   for f in os.listdir(self.tmp)
                   if f.startswith(os.path.basename(db)) and
                   os.path.isfile(os.path.join(self.tmp, f)))
        self.drop_db(db)
        r = kv(rest)
        out = {"events": n, "loop_s": secs,
               "us_per_open": r.get("ns_per_op", 0) / 1e3,
               "fails": int(r.get("fails", -1)),
               "vmhwm_mb_at_loop_end": at_end.get("VmHWM", 0) / 1024,
               "vmrss_mb_at_loop_end": at_end.get("VmRSS", 0) / 1024,
               "vmhwm_mb_last_sample": peak.get("VmHWM", 0) / 1024,
               "threads_at_loop_end": at_end.get("Threads"),
               "audit_db_mb": size / 2**20}
        log(f"  {n:,} trapped opens in {fmt(secs)} s "
            f"({fmt(out['us_per_open'])} us/open); proctor VmHWM "
            f"{fmt(out['vmhwm_mb_at_loop_end'], 1)} MB, VmRSS "
            f"{fmt(out['vmrss_mb_at_loop_end'], 1)} MB at loop end, VmHWM "
            f"{fmt(out['vmhwm_mb_last_sample'], 1)} MB at last sample "
            f"before exit; audit files {fmt(out['audit_db_mb'], 1)} MB")
        self.res["memory"] = out

    # ---- profile --------------------------------------------------------

    def profile(self):
        n = q(PROFILE_N)
        out = {"n": n}
        try:
            r = run(["perf", "stat", "-e", "instructions", "true"],
                    check=False)
            out["perf_counters"] = b"<not supported>" not in r.stderr
        except (OSError, BenchError):
            out["perf_counters"] = False
        if not shutil.which("strace"):
            raise BenchError("strace not installed")
        p, db = self.held_proctor(n, {"BENCH_WAIT": "1", "BENCH_HOLD": "1"})
        sout = os.path.join(self.tmp, "strace-c.txt")
        s = None
        try:
            self.expect(p, "READY")
            s = subprocess.Popen(["strace", "-c", "-f", "-qq", "-o", sout,
                                  "-p", str(p.pid)],
                                 stderr=subprocess.DEVNULL)
            time.sleep(1.5)
            p.stdin.write(b"x")
            p.stdin.flush()
            self.expect(p, "LOOP-DONE")
            s.send_signal(signal.SIGINT)
            s.wait(timeout=60)
            p.stdin.write(b"x")
            p.stdin.close()
            p.wait(timeout=120)
        finally:
            if s and s.poll() is None:
                s.kill()
            if p.poll() is None:
                p.kill()
            self.drop_db(db)
        calls = []
        with open(sout) as f:
            for line in f:
                fld = line.split()
                if len(fld) >= 5 and re.match(r"^[0-9.]+$", fld[0]) and \
                        fld[-1] != "total":
                    name = fld[-1]
                    ncalls = int(fld[3])
                    errs = int(fld[4]) if len(fld) == 6 else 0
                    calls.append((name, ncalls / n, errs / n))
        calls.sort(key=lambda c: -c[1])
        out["per_open"] = calls
        out["total_per_open"] = sum(c[1] for c in calls)
        log(f"  supervisor system calls per trapped open (strace -c -f -p,"
            f" {n:,} opens): total {fmt(out['total_per_open'])}")
        for name, per, errs in calls[:15]:
            log(f"    {name:<22} {per:6.2f}" +
                (f"  ({errs:.2f} failing)" if errs else ""))
        self.res["profile"] = out

    # ---- driver ---------------------------------------------------------

    def section(self, name, fn):
        if ONLY and name not in ONLY:
            return
        log(f"\n== {name} ==")
        t0 = time.perf_counter()
        try:
            fn()
        except (BenchError, OSError, KeyError, ValueError,
                IndexError) as e:
            msg = f"not measured: {e}"
            log("  " + msg)
            self.res[name] = {"error": str(e)}
        log(f"  ({time.perf_counter() - t0:.0f} s)")

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


C_UNIT = """#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item{i} {{
	char name[32];
	long value;
}};

static int cmp{i}(const void *a, const void *b)
{{
	const struct item{i} *x = a, *y = b;

	return (x->value > y->value) - (x->value < y->value);
}}

long unit{i:02d}(long seed)
{{
	struct item{i} v[64];
	long s = 0;
	int k;

	for (k = 0; k < 64; k++) {{
		v[k].value = (seed * 7919 + k * 104729) % 1000;
		snprintf(v[k].name, sizeof(v[k].name), "n%d", k);
	}}
	qsort(v, 64, sizeof(v[0]), cmp{i});
	for (k = 0; k < 64; k++)
		s += v[k].value * (long)strlen(v[k].name);
	return s;
}}
"""


def machine():
    m = {"nproc": os.cpu_count(), "kernel": os.uname().release}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            m["mem_gb"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return m


# ---- targets, report, plot -----------------------------------------------

def targets(res):
    """[(what, target, measured, verdict)] - the issue's targets."""
    t = []

    def add(what, goal, val, ok, shown):
        verdict = "n/a" if val is None else ("met" if ok else "missed")
        t.append((what, goal, shown if val is not None else
                  "not measured", verdict))

    def by(v, goal, unit, higher_is_better=False):
        """How far from the goal, e.g. ' (goal +6.3 us, 2.3x)'."""
        if v is None:
            return ""
        if higher_is_better:
            return f" ({fmt(v / goal)}x the goal)"
        return f" (goal {v - goal:+.2f} {unit}, {fmt(v / goal)}x)"

    mi = res.get("micro", {}).get("open", {})
    v = mi.get("added_us")
    add("added per trapped allowed open", "<= 5 us", v,
        v is not None and v <= 5, f"{fmt(v)} us" + by(v, 5, "us"))
    mac = res.get("macro", {})
    ma = mac.get("steps", {}).get(mac.get("total_key", "total"), {})
    v = ma.get("proctor_ratio")
    add("macro session under proctor" + (
        f" ({mac['total_key']})" if mac.get("total_key", "total") != "total"
        else ""), "<= 1.15x native", v,
        v is not None and v <= 1.15, f"{fmt(v)}x native" if v else "")
    v = res.get("policy", {}).get("us_per_decision")
    add("policy decision at 1,000 rules", "<= 1 us", v,
        v is not None and v <= 1, f"{fmt(v, 3)} us" + by(v, 1, "us"))
    v = res.get("audit", {}).get("per_s")
    add("audit decisions per second", ">= 100,000/s", v,
        v is not None and v >= 100000,
        f"{fmt(v)}/s" + by(v, 100000, "", True))
    v = res.get("startup", {}).get("proctor_ms")
    add("start-up (proctor run -- /bin/true)", "<= 20 ms", v,
        v is not None and v <= 20, f"{fmt(v)} ms" + by(v, 20, "ms"))
    me = res.get("memory", {})
    v = me.get("vmhwm_mb_last_sample")
    add(f"supervisor memory after {me.get('events', 0):,} events",
        "<= 32 MB", v, v is not None and v <= 32,
        f"VmHWM {fmt(v, 1)} MB" + by(v, 32, "MB"))
    # Starvation: a caller left waiting while the others go on. Every
    # caller must finish its calls, and the slowest must not finish much
    # later than the fastest (within half the run); the worst single wait
    # is shown, not judged (the scheduler alone gives tens of ms here).
    sc = res.get("scale", {})
    worst, spread, ok = None, None, True
    for key in ("threads-proctor", "procs-proctor"):
        r = sc.get(key)
        if r:
            worst = max(worst or 0, r["max_us"])
            sp = r["last_done_s"] - r["first_done_s"]
            spread = max(spread or 0, sp)
            ok = ok and r["fails"] == 0 and sp <= 0.5 * r["last_done_s"]
    sp_ms = spread * 1e3 if spread is not None else None
    worst_ms = worst / 1e3 if worst is not None else None
    add("no starvation (64 threads, 200 processes)",
        "all finish; slowest within 50% of the run of the fastest", worst,
        ok, f"all finished; slowest {fmt(sp_ms, 0)} ms after the "
        f"fastest; worst single wait {fmt(worst_ms, 0)} ms")
    return t


def report_md(res):
    m = res["machine"]
    L = []
    bi = res.get("binary", {})
    L.append(f"Machine: {m.get('nproc')} vCPUs, {m.get('cpu', '?')}, "
             f"{m.get('mem_gb', '?')} GB, Linux {m.get('kernel')}. "
             f"Binary: {os.path.relpath(bi.get('path', '?'), ROOT)} built "
             f"{bi.get('built', '?')} "
             f"(sha256 {bi.get('sha256', '?')}…, tree at "
             f"{bi.get('git_head', '?')} plus work in progress); run "
             f"{res.get('date', '?')}, {fmt(res.get('runtime_s'), 0)} s."
             + (" **Quick run (BENCH_QUICK=1): rough figures.**"
                if res["quick"] else ""))
    L.append("")
    mi = res.get("micro")
    if mi and "error" not in mi:
        L.append("### Micro: one trapped call (median ns/op of "
                 f"{q(MICRO_REPS)} runs each)")
        L.append("")
        L.append("| call | N | native µs | proctor µs | added µs | ratio |"
                 " failures |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for op, o in mi.items():
            L.append(f"| {MICRO_LABEL.get(op, op)} | {o['n']:,} | "
                     f"{fmt(o['native_us'])} | {fmt(o['proctor_us'])} | "
                     f"{fmt(o['added_us'])} | {fmt(o['ratio'])}× | "
                     f"{o['fails']} |")
        L.append("")
    ma = res.get("macro")
    if ma and "error" not in ma:
        modes = ma["modes"]
        L.append(f"### Macro: an agent-like session (median seconds of "
                 f"{ma['reps']} interleaved runs; × native)")
        L.append("")
        L.append("| step | native s | " + " | ".join(
            f"{MODE_LABEL[x]} s | ×" for x in modes[1:]) + " |")
        L.append("| --- | ---: |" + " ---: | ---: |" * (len(modes) - 1))
        for s, r in ma["steps"].items():
            cells = [f"{fmt(r.get(x + '_s'), 3)} | "
                     f"{fmt(r.get(x + '_ratio'))}×" for x in modes[1:]]
            L.append(f"| {s} | {fmt(r['native_s'], 3)} | " +
                     " | ".join(cells) + " |")
        L.append("")
    su = res.get("startup")
    if su and "error" not in su:
        L.append(f"### Start-up ({su['tool']}, median of {su['runs']})")
        L.append("")
        rng = (f"; range {fmt(su['proctor_min_ms'])}–"
               f"{fmt(su['proctor_max_ms'])} ms" if "proctor_min_ms" in su
               else "")
        L.append(f"`/bin/true` {fmt(su['native_ms'])} ms; `proctor run -- "
                 f"/bin/true` {fmt(su['proctor_ms'])} ms (added "
                 f"{fmt(su['added_ms'])} ms{rng}).")
        L.append("")
    sc = res.get("scale")
    if sc and "error" not in sc:
        L.append("### Scale: callers opening at once (open+close of one "
                 "file)")
        L.append("")
        L.append("| callers | under | calls/s | p50 µs | p99 µs | worst µs "
                 "| fastest done s | slowest done s | failures |")
        L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
                 " ---: |")
        for key, r in sc.items():
            mode, under = key.split("-")
            who = (f"{r['workers']} threads × {r['calls_each']}"
                   if mode == "threads" else
                   f"{r['workers']} processes × {r['calls_each']}")
            L.append(f"| {who} | {under} | {fmt(r['calls_per_s'])} | "
                     f"{fmt(r['p50_us'], 1)} | {fmt(r['p99_us'], 1)} | "
                     f"{fmt(r['max_us'], 0)} | {fmt(r['first_done_s'], 3)}"
                     f" | {fmt(r['last_done_s'], 3)} | {r['fails']} |")
        L.append("")
    me = res.get("memory")
    if me and "error" not in me:
        L.append(f"### Memory after {me['events']:,} trapped opens")
        L.append("")
        L.append(f"proctor VmHWM {fmt(me['vmhwm_mb_at_loop_end'], 1)} MB "
                 f"and VmRSS {fmt(me['vmrss_mb_at_loop_end'], 1)} MB when "
                 f"the loop ended ({me['threads_at_loop_end']} threads); "
                 f"VmHWM {fmt(me['vmhwm_mb_last_sample'], 1)} MB at the "
                 f"last sample before exit. Loop: {fmt(me['loop_s'])} s, "
                 f"{fmt(me['us_per_open'])} µs per open; audit files "
                 f"{fmt(me['audit_db_mb'], 1)} MB.")
        L.append("")
    for key, title in (("policy", "Policy engine (bench/policy_bench.c)"),
                       ("audit", "Audit store (bench/audit_bench.c)")):
        r = res.get(key)
        if r and "error" not in r:
            L.append(f"### {title}")
            L.append("")
            L.append("```")
            L.append(r["output"])
            L.append("```")
            L.append("")
    pr = res.get("profile")
    if pr and "error" not in pr:
        L.append(f"### Supervisor system calls per trapped open "
                 f"(strace -c -f -p PROCTOR, {pr['n']:,} opens)")
        L.append("")
        L.append("| call | per open | failing per open |")
        L.append("| --- | ---: | ---: |")
        for name, per, errs in pr["per_open"][:15]:
            L.append(f"| {name} | {per:.2f} | {errs:.2f} |")
        L.append(f"| total | {pr['total_per_open']:.2f} | |")
        L.append("")
    if res["notes"]:
        L.append("### Notes")
        L.append("")
        for n in res["notes"]:
            L.append(f"- {n}")
        L.append("")
    missing = [k for k in SECTIONS if isinstance(res.get(k), dict) and
               "error" in res[k]]
    if missing:
        L.append("### Not measured")
        L.append("")
        for k in missing:
            L.append(f"- {k}: {res[k]['error']}")
        L.append("")
    L.append("### Targets")
    L.append("")
    L.append("| target | goal | measured | verdict |")
    L.append("| --- | --- | --- | --- |")
    for what, goal, val, verdict in targets(res):
        L.append(f"| {what} | {goal} | {val} | {verdict} |")
    L.append("")
    return "\n".join(L)


MICRO_LABEL = {"open": "open+close, allowed",
               "floor_addfd": "open+close, the bare mechanism (copy, "
                              "openat2, ADDFD+SEND; no proctor)",
               "floor_continue": "open+close, the bare mechanism with "
                                 "CONTINUE (not race-free; no proctor)",
               "open_rel": "open+close, allowed, relative name",
               "create": "create a new file + close",
               "open_denied": "open, denied",
               "open_denied_nopreload": "open, denied, --no-preload",
               "unlink": "unlink", "rename": "rename",
               "connect": "socket+connect+close, loopback TCP",
               "exec": "fork+execve+wait, static no-op"}
MODE_LABEL = {"proctor": "proctor",
              "proctor-nopreload": "proctor --no-preload",
              "strace": "strace -f",
              "strace-seccomp": "strace -f --seccomp-bpf"}
SECTIONS = ["micro", "macro", "policy", "audit", "startup", "scale",
            "memory", "profile"]


def plot(res, png):
    ma = res.get("macro")
    if not ma or "error" in ma or not shutil.which("gnuplot"):
        return False
    modes = ma["modes"][1:]
    dat = png + ".dat"
    with open(dat, "w") as f:
        for s, r in ma["steps"].items():
            f.write('"' + s + '"\t' + "\t".join(
                f"{r.get(m + '_ratio') or 0:.3f}" for m in modes) + "\n")
    cols = " , ".join(
        f"'{dat}' using {i + 2}:xtic(1) title '{MODE_LABEL[m]}'"
        for i, m in enumerate(modes))
    script = f"""
set terminal pngcairo size 900,480 font ',10'
set output '{png}'
set datafile separator '\\t'
set title 'Agent-like session: time relative to native (median of \
{ma['reps']} runs; 1.15 = target)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key outside bottom center horizontal
set ylabel 'x native'
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
set arrow from graph 0, first 1.15 to graph 1, first 1.15 nohead \
lc rgb 'red' dt 3
plot {cols}
"""
    r = subprocess.run(["gnuplot"], input=script.encode(),
                       stderr=subprocess.PIPE)
    os.unlink(dat)
    if r.returncode != 0:
        log("  gnuplot: " + r.stderr.decode(errors="replace")[-300:])
        return False
    return True


def main():
    if not os.path.exists(PROCTOR):
        log(f"{PROCTOR} is not built: run `make` first")
        return 0
    os.makedirs(BB, exist_ok=True)
    t0 = time.perf_counter()
    try:
        b = Bench()
    except BenchError as e:
        log(f"cannot start: {e}")
        return 0
    log(f"proctor benchmarks{' (BENCH_QUICK=1)' if QUICK else ''}; "
        f"temporary files in {b.tmp}")
    try:
        b.section("micro", b.micro)
        b.section("macro", b.macro)
        b.section("policy", b.policy)
        b.section("audit", b.audit)
        b.section("startup", b.startup)
        b.section("scale", b.scale)
        b.section("memory", b.memory)
        b.section("profile", b.profile)
    finally:
        b.close()
    res = b.res
    res["runtime_s"] = time.perf_counter() - t0
    res["date"] = time.strftime("%Y-%m-%d %H:%M")
    log("\n== targets ==")
    for what, goal, val, verdict in targets(res):
        log(f"  {verdict:<7} {what}: {val}; goal {goal}")
    with open(os.path.join(BB, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    md = report_md(res)
    with open(os.path.join(BB, "results.md"), "w") as f:
        f.write(md)
    png = os.path.join(BB, "benchmarks.png")
    have_png = plot(res, png)
    log(f"\nresults: build/bench/results.md, results.json"
        + (", benchmarks.png" if have_png else "")
        + f"; {res['runtime_s']:.0f} s in all")
    if flag("BENCH_DOCS"):
        update_docs(md, png if have_png else None)
    return 0


def update_docs(md, png):
    begin, end = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"
    try:
        with open(DOC_MD) as f:
            doc = f.read()
    except OSError:
        log(f"  {DOC_MD} missing: not updated")
        return
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < i:
        log(f"  no results markers in {DOC_MD}: not updated")
        return
    doc = doc[:i + len(begin)] + "\n" + md + "\n" + doc[j:]
    with open(DOC_MD, "w") as f:
        f.write(doc)
    if png:
        shutil.copyfile(png, DOC_PNG)
    log("  docs/benchmarks.md" + (" and docs/benchmarks.png" if png else "")
        + " updated")


if __name__ == "__main__":
    sys.exit(main())
