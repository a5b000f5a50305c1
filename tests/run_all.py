#!/usr/bin/env python3
"""run_all.py - runs every test suite of `make check` and sums them up.

Suites, in order (each can be named on the command line to run alone):
  unit         every build/tests/unit/test_* (cmocka, ASan/UBSan build)
  policies     `proctor policy test` of each rules/NAME.policy against
               rules/NAME.cases
  fuzz         the policy fuzz target over tests/fuzz/corpus (regression)
  integration  pytest tests/integration (real programs under build/proctor)
  security     pytest tests/security (hostile programs, with and without)

The last line is "N passed, N failed" over all suites; exit 1 on failure.
PROCTOR_CHECK_FULL=1 makes the long suites run in full.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
passed = 0
failed = 0
failures = []


def count(ok, name):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        failures.append(name)


def run_unit():
    for exe in sorted(glob.glob("build/tests/unit/test_*")):
        if not os.access(exe, os.X_OK) or exe.endswith(".d"):
            continue
        print(f"== unit: {exe}", flush=True)
        r = subprocess.run([exe], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors="replace")
        sys.stdout.write(r.stdout)
        m = re.findall(r"\[  PASSED  \] (\d+) test", r.stdout)
        f = re.findall(r"\[  FAILED  \] (\d+) test", r.stdout)
        np = sum(int(x) for x in m)
        nf = sum(int(x) for x in f)
        global passed, failed
        passed += np
        failed += nf
        if r.returncode != 0 and nf == 0:
            count(False, exe + " (exit %d)" % r.returncode)
        elif nf:
            failures.append(exe)


def run_policies():
    for pol in sorted(glob.glob("rules/*.policy")):
        cases = pol[:-len(".policy")] + ".cases"
        if not os.path.exists(cases):
            count(False, f"{pol}: no cases file {cases}")
            continue
        print(f"== policies: {pol} {cases}", flush=True)
        r = subprocess.run(["build/proctor", "policy", "test", "--policy",
                            pol, cases], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors="replace")
        sys.stdout.write(r.stdout)
        count(r.returncode == 0, f"policy cases {cases}")


def run_fuzz():
    exe = "build/tests/fuzz/fuzz_policy_regress"
    if not os.path.exists("tests/fuzz/fuzz_policy.c"):
        return
    files = sorted(glob.glob("tests/fuzz/corpus/*"))
    print(f"== fuzz regression: {len(files)} inputs", flush=True)
    r = subprocess.run([exe] + files, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    sys.stdout.write(r.stdout[-2000:])
    count(r.returncode == 0, "fuzz regression corpus")


def run_pytest(path):
    if not glob.glob(os.path.join(path, "test_*.py")):
        return
    print(f"== pytest {path}", flush=True)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p",
                        "no:cacheprovider", "-rfE", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    sys.stdout.write(r.stdout)
    global passed, failed
    m = re.search(r"(\d+) passed", r.stdout)
    f = re.search(r"(\d+) failed", r.stdout)
    e = re.search(r"(\d+) error", r.stdout)
    passed += int(m.group(1)) if m else 0
    nf = (int(f.group(1)) if f else 0) + (int(e.group(1)) if e else 0)
    failed += nf
    if nf:
        failures.append(path)
    if r.returncode not in (0, 5) and nf == 0:
        count(False, f"pytest {path} (exit {r.returncode})")


SUITES = {
    "unit": run_unit,
    "policies": run_policies,
    "fuzz": run_fuzz,
    "integration": lambda: run_pytest("tests/integration"),
    "security": lambda: run_pytest("tests/security"),
}

wanted = sys.argv[1:] or list(SUITES)
for name in wanted:
    SUITES[name]()
if failures:
    print("failed suites: " + ", ".join(failures))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
