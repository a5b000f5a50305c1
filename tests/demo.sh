#!/bin/sh
# demo.sh - a short scripted agent session under the built-in default
# policy: an allow, a deny and an ask (answered "deny" because the demo
# runs without a person), then that session's audit summary.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
proctor="$here/build/proctor"
work=$(mktemp -d /tmp/proctor-demo.XXXXXX)
db="$work/audit.db"
cd "$work" || exit 1
mkdir -p fakehome/.ssh
echo "not a real key" > fakehome/.ssh/id_rsa
echo "hello from the workspace" > notes.txt

cat <<MSG
== proctor demo (workspace $work)
The "agent" is a shell script. Under the built-in default policy:
  1. reading a workspace file           -> allow
  2. reading ~/.ssh/id_rsa              -> deny (credential store)
  3. running 'git push'                 -> ask (answered: deny, --ask deny)

MSG
HOME="$work/fakehome" "$proctor" run --ask deny --audit "$db" -- sh -c '
	echo "agent: cat notes.txt"; cat notes.txt
	echo "agent: cat ~/.ssh/id_rsa"; cat "$HOME/.ssh/id_rsa"
	echo "agent: git push origin main"; git push origin main
	exit 0'
echo "== proctor run exited with $?"
echo
echo "== audit summary: proctor audit show latest --db $db"
"$proctor" audit show latest --db "$db"
echo
echo "== verify the hash chain: proctor audit verify --db $db"
"$proctor" audit verify --db "$db"
