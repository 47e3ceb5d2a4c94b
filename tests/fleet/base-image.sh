#!/bin/sh
# base-image.sh - build, once, the Debian bookworm base image of the test fleet
#
# Usage: sh tests/fleet/base-image.sh [--path] [--rebuild]
#
#   (no option)  build the image if it is missing; progress on stderr
#   --path       print only the image path on stdout (building it if missing)
#   --rebuild    build it again even if it exists
#
# The image is a debootstrap --variant=minbase bookworm tree with
# openssh-server, sudo and ca-certificates, apt sources for bookworm,
# bookworm-updates and bookworm-security, and fresh package lists, so that
# `chroot IMAGE apt-get -s dist-upgrade` shows the updates really pending
# (security fixes newer than the point release debootstrap installed). It
# is deliberately NOT upgraded: those pending updates are what scans find.
#
# Invariants:
# - The image lives outside the tree, in $TP_IMAGE_CACHE (default
#   /var/cache/tidepatch), as base-<key>, where key is the first 12 hex
#   digits of the SHA-256 of this script: editing the script rebuilds.
# - It is built in a temporary directory beside its final place and renamed
#   into place, so base-<key> is complete or absent, never half built.
# - A lock (flock) serialises builds of the same key; the waiter then finds
#   the image built and uses it.
# - Every mount this script or debootstrap makes under the build directory is
#   unmounted on every exit path before anything is removed, and removal is
#   refused while anything is still mounted there (rm -rf through a bind
#   mount of /dev would be a disaster).
#
# Trade-offs: no --variant=buildd, no recommends (debootstrap never installs
# them): a few packages keep a cold build at about a minute. Old images
# (other keys) are not pruned automatically: a fleet may still be running
# on one. --rebuild of an image a running fleet uses is not supported.
set -eu

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
INCLUDE=openssh-server,sudo,ca-certificates
CACHE=${TP_IMAGE_CACHE:-/var/cache/tidepatch}
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() {
	printf 'base-image: %s\n' "$*" >&2
}

die() {
	say "error: $*"
	exit 1
}

usage() {
	echo "usage: $0 [--path] [--rebuild]" >&2
	exit 2
}

print_path=0
rebuild=0
for arg in "$@"; do
	case "$arg" in
	--path) print_path=1 ;;
	--rebuild) rebuild=1 ;;
	-h|--help) usage ;;
	*) say "unknown option: $arg"; usage ;;
	esac
done

[ -f "$0" ] || die "run this script by its path (sh $0 will not do)"
key=$(sha256sum <"$0" | cut -c1-12)
case "$key" in
*[!0-9a-f]*|'') die "cannot hash $0" ;;
esac

if [ -d "$CACHE" ]; then
	CACHE=$(cd "$CACHE" && pwd -P)
fi
image=$CACHE/base-$key

done_path() {
	if [ "$print_path" = 1 ]; then
		printf '%s\n' "$image"
	else
		say "ready: $image"
	fi
	exit 0
}

# Fast path, no lock needed: base-<key> only ever appears by an atomic
# rename of a finished build.
if [ "$rebuild" = 0 ] && [ -d "$image" ]; then
	done_path
fi

[ "$(id -u)" = 0 ] || die "building the image needs root (debootstrap, chroot)"
for tool in debootstrap chroot flock mount umount awk; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (make deps)"
done
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P)
case "$CACHE" in
/*[!A-Za-z0-9/._-]*|/) die "unsuitable cache directory: $CACHE" ;;
esac
image=$CACHE/base-$key

# Mount points at or below $1, deepest first. mountinfo field 5 is the
# mount point; paths here have no characters that mountinfo escapes.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}

umount_under() {
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			say "warning: cannot unmount $m"
	done
}

remove_tree() {
	[ -e "$1" ] || return 0
	umount_under "$1"
	if [ -n "$(mounts_under "$1")" ]; then
		say "refusing to remove $1: something is still mounted in it"
		return 1
	fi
	rm -rf --one-file-system "$1"
}

tmp=""
old=""
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$tmp" ]; then
		remove_tree "$tmp" || rc=1
	fi
	if [ "$rc" != 0 ]; then
		say "build failed (exit $rc); log: $log"
		[ -f "$log" ] && tail -n 20 "$log" >&2
	fi
	exit "$rc"
}
log=$CACHE/base-$key.log
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# fd 9 holds the lock; every child gets 9>&- so that nothing started in
# the image can keep holding it after we exit.
exec 9>"$CACHE/base-$key.lock"
if ! flock -n 9; then
	say "another build of $image is running; waiting"
	flock 9
	if [ -d "$image" ]; then
		rebuild=0
		done_path
	fi
fi
if [ "$rebuild" = 0 ] && [ -d "$image" ]; then
	done_path
fi

# We hold the lock: leftovers of this key are from runs that died hard.
for stale in "$CACHE"/.base-"$key".tmp.* "$CACHE"/.base-"$key".old.*; do
	[ -e "$stale" ] || continue
	say "removing leftover $stale"
	remove_tree "$stale"
done

start=$(date +%s)
tmp=$(mktemp -d "$CACHE/.base-$key.tmp.XXXXXX")
chmod 0755 "$tmp"
: >"$log"

# Containers without CAP_MKNOD (or a nodev cache) make debootstrap's
# mknod of /dev/null fail. Its lxc mode then bind-mounts the host's
# device nodes instead; the finished image has an empty /dev and callers
# must bind-mount /dev/null themselves (base-image.sh says so below).
probe=$tmp/.mknod-probe
if mknod "$probe" c 1 3 2>/dev/null && (: >"$probe") 2>/dev/null; then
	devmode=mknod
else
	devmode=bind
	container=lxc
	export container
	say "cannot create device nodes here; debootstrap will bind-mount /dev"
fi
rm -f "$probe"

say "debootstrap $SUITE (minbase + $INCLUDE) from $MIRROR"
if ! debootstrap --variant=minbase --components=main \
	--include="$INCLUDE" "$SUITE" "$tmp" "$MIRROR" >>"$log" 2>&1 9>&-; then
	die "debootstrap failed"
fi
umount_under "$tmp"	# debootstrap unmounts its own, but be sure

say "writing apt sources ($SUITE, $SUITE-updates, $SUITE-security)"
rm -f "$tmp/etc/apt/sources.list"
cat >"$tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# Descriptions in other languages are of no use to a scan and would be a
# third of the lists (~35 MB) in every host of the fleet.
cat >"$tmp/etc/apt/apt.conf.d/99tidepatch-no-translations" <<EOF
Acquire::Languages "none";
EOF

# apt-get update is the one step that runs helpers in the image (download
# methods as _apt, gpgv). apt 2.6 was seen to work without /proc, but
# nothing promises that, and a missing /dev/null gets created as a plain
# file; so mount both for the duration only. cleanup() unmounts whatever
# is left on any exit path. Scans need neither (see the report).
in_image() {
	env -i PATH="$CHROOT_PATH" LC_ALL=C DEBIAN_FRONTEND=noninteractive \
		chroot "$tmp" "$@" 9>&-
}
mount -t proc proc "$tmp/proc"
null_placeholder=0
if [ ! -c "$tmp/dev/null" ]; then
	: >"$tmp/dev/null"
	null_placeholder=1
	mount --bind /dev/null "$tmp/dev/null"
fi

say "apt-get update inside the image"
in_image apt-get update -q >>"$log" 2>&1 || die "apt-get update failed"
# Drop the downloaded .debs, keep the lists; rebuild the binary cache so
# every host of the fleet does not regenerate it in its overlay.
in_image apt-get clean >>"$log" 2>&1 || die "apt-get clean failed"
in_image apt-cache gencaches >>"$log" 2>&1 || die "apt-cache gencaches failed"

# Sanity: the two commands scans run must work in the image.
npkg=$(in_image dpkg-query -W | wc -l) || die "dpkg-query failed"
sim=$(in_image apt-get -s dist-upgrade) || die "apt-get -s failed"
ninst=$(printf '%s\n' "$sim" | grep -c '^Inst ' || true)
nsec=$(printf '%s\n' "$sim" | grep '^Inst ' | grep -c -- '-security[ ,]' ||
	true)
say "$npkg packages installed; $ninst pending updates," \
	"$nsec from a security pocket"

umount_under "$tmp"
if [ "$null_placeholder" = 1 ]; then
	rm -f "$tmp/dev/null"
fi
[ -z "$(mounts_under "$tmp")" ] || die "mounts left in $tmp"

cat >"$tmp/etc/tidepatch-base-image" <<EOF
key=$key
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
suite=$SUITE
mirror=$MIRROR
include=$INCLUDE
devices=$devmode
EOF

if [ -d "$image" ]; then
	old=$(mktemp -u "$CACHE/.base-$key.old.XXXXXX")
	mv -T "$image" "$old"
fi
mv -T "$tmp" "$image"
tmp=""
if [ -n "$old" ]; then
	remove_tree "$old"
fi

end=$(date +%s)
say "built $image in $((end - start))s ($(du -sh "$image" | cut -f1))"
if [ "$devmode" = bind ]; then
	say "note: the image has no device nodes; bind-mount /dev/null into it"
fi
done_path
