#!/bin/bash
# workload.sh - the macro benchmark: what a coding agent does in a session.
#
#   workload.sh INPUT WORK
#
# INPUT was written by run_bench.py (a source tree and a dozen C files);
# WORK is a fresh empty directory. Each step prints
#   step NAME START END
# with bash's $EPOCHREALTIME (a builtin: no process, no trapped call), so
# the harness can time every step of one session. The steps:
#   grep    search the system headers             grep -r /usr/include
#   cp      copy a source tree                    cp -a
#   gcc     compile a dozen C files and link      gcc -O2 -c, gcc -o
#   python  import some standard-library modules  python3 -c 'import ...'
#   git     init, add, commit the copied tree     git
#   tar     pack and unpack the tree              tar czf, tar xzf
# BENCH_SKIP="tar ..." leaves steps out (the harness does so for a step
# that hung under one of the tools, to still time the others); a skipped
# step prints "skip NAME".
# Must not depend on the network or on the user's git configuration.
set -eu

in=$1
w=$2
cd "$w"
export HOME="$w" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench \
	GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench \
	GIT_COMMITTER_EMAIL=bench@example.invalid LC_ALL=C

step() {
	local name=$1 t0 t1
	shift
	if [[ " ${BENCH_SKIP:-} " == *" $name "* ]]; then
		echo "skip $name"
		return
	fi
	t0=$EPOCHREALTIME
	"$@"
	t1=$EPOCHREALTIME
	echo "step $name $t0 $t1"
}

do_grep() {
	grep -r -l -e pthread_mutex_init -e 'define[[:space:]]*EAGAIN' \
		/usr/include >grep.out
}

do_cp() {
	cp -a "$in/tree" tree
}

do_gcc() {
	local f
	mkdir obj
	for f in "$in"/csrc/*.c; do
		gcc -O2 -c -o "obj/$(basename "$f" .c).o" "$f"
	done
	gcc -o prog obj/*.o
	./prog >/dev/null
}

do_python() {
	/usr/bin/python3 -c 'import json, re, argparse, subprocess, pathlib
import email.parser, http.client, sqlite3, decimal, unittest, asyncio
import xml.etree.ElementTree, csv, hashlib, tempfile, logging'
}

do_git() {
	git -C tree init -q
	git -C tree add -A
	git -C tree commit -q -m "bench commit"
	git -C tree log --oneline >/dev/null
}

do_tar() {
	tar czf tree.tgz tree
	mkdir untar
	tar xzf tree.tgz -C untar
}

step grep do_grep
step cp do_cp
step gcc do_gcc
step python do_python
step git do_git
step tar do_tar
