#!/bin/sh
# deps.sh - install the Debian packages proctor needs to build and test.
#
# As root: installs whatever is missing with apt-get. Otherwise: prints the
# one apt-get line to run and fails. Prints nothing when all are present.
PKGS="gcc make libc6-dev pkg-config libseccomp-dev libsqlite3-dev \
libcmocka-dev libunwind-dev libsodium-dev nettle-dev libjson-c-dev libcap-dev \
sqlite3 \
python3 python3-pytest clang git tar util-linux procps iproute2 tmux \
strace gnuplot-nox hyperfine dnsmasq-base curl \
libpython3.11-testsuite python3-venv"
missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$s" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "proctor: missing build dependencies; run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "proctor: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "apt-get install failed" >&2; exit 1; }
