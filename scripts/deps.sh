#!/bin/sh
# Install the Debian packages tidepatch needs to build and test, and only
# those that are missing: running it again changes nothing.
#
# Build: compiler, pkg-config and the -dev packages of the five libraries.
# Test:  debootstrap (the chroot image the e2e tests scan), openssh for the
#        test fleet, rpm (cross-checks rpm version comparison), mandoc (man
#        page lint), libxml2-utils python3-jsonschema (report validation).
set -eu

PKGS="gcc make pkg-config libc6-dev procps
libssh2-1-dev libssl-dev libjansson-dev libgit2-dev libcriterion-dev
debootstrap openssh-server openssh-client rpm mandoc libxml2-utils python3-jsonschema
ca-certificates"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

# The tests read apt's package lists (version cross-checks, scans): a
# fresh machine may have none until apt-get update has run once.
have_lists=0
for f in /var/lib/apt/lists/*_Packages*; do
	[ -e "$f" ] && have_lists=1
	break
done

if [ -z "$missing" ] && [ "$have_lists" -eq 1 ]; then
	echo "deps: all packages present"
	exit 0
fi

[ -n "$missing" ] && echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: not root and no sudo; install as root:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
