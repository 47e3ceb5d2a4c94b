#!/bin/sh
# aptrepo.sh - a tiny local apt repository with deterministic updates
#
# Usage: sh tests/fleet/aptrepo.sh build DIR
#        sh tests/fleet/aptrepo.sh drop DIR PACKAGE VERSION
#        sh tests/fleet/aptrepo.sh list DIR
#
# build  makes the packages of the table below with dpkg-deb (no network,
#        no root needed) and writes a flat-pool repository in DIR (which
#        must not exist or be empty) with one suite per table "suite":
#          dists/SUITE/Release                    Origin/Label tidepatch
#          dists/SUITE/main/binary-ARCH/Packages  (and Packages.gz)
#          pool/SUITE/NAME_VERSION_all.deb
#          preinstall                             NAME=VERSION, one a line
#        The Release files are unsigned: use it as
#          deb [trusted=yes] file:DIR tidepatch main
#          deb [trusted=yes] file:DIR tidepatch-security main
# drop   removes PACKAGE VERSION from the pool and regenerates the indexes
#        (a version that has left the repository, as mirrors do).
# list   prints "suite package version" for what DIR holds.
#
# Invariants:
# - Everything is generated here in sh from dpkg-deb's own view of each
#   package (dpkg-deb -f) plus sha256sum/md5sum/stat: no apt-ftparchive,
#   no reprepro, nothing to install.
# - Builds are reproducible: SOURCE_DATE_EPOCH is fixed, so the same table
#   gives byte-identical .debs (and hashes) on every machine.
# - A suite's archive (Release "Suite") is its name, so apt's origin for a
#   security-suite candidate is "tidepatch:1/tidepatch-security", whose
#   archive ends in "-security": what src/pkg/pkg_apt.c calls security.
# - Every Release's mtime moves forward on each regeneration: apt's file:
#   method treats an unchanged mtime (in seconds) and size as "not
#   modified" and would keep stale lists after a drop.
#
# Trade-offs: Architecture: all packages are listed in every binary-ARCH
# Packages (no binary-all), the layout apt has always read; ARCHES covers
# the architectures the fleet may run on.
set -eu
umask 022	# modes inside the .debs must not depend on the caller's

# The packages. One line per package version:
#   name  version  suite  source  recipe  pre
# suite:  a suite name (its archive); "-security" suffix = security pocket
# source: the Source: field, "-" for none (source = binary name)
# recipe: the shell function recipe_<recipe> that fills the package tree
# pre:    "pre" if the fleet installs this version at up, else "-"
PACKAGES='
tp-libfoo   1.0-1  tidepatch           tp-foo  libfoo        pre
tp-libfoo   1.0-2  tidepatch-security  tp-foo  libfoo        -
tp-service  1.0-1  tidepatch           -       service_ok    pre
tp-service  1.1-1  tidepatch-security  -       service_fail  -
tp-oldgone  1.0-1  tidepatch           -       plain         pre
tp-oldgone  1.1-1  tidepatch           -       plain         -
tp-reboot   1.0-1  tidepatch           -       plain         pre
tp-reboot   1.1-1  tidepatch-security  -       reboot        -
'
SUITES="tidepatch tidepatch-security"
ARCHES="amd64 arm64 i386"
ORIGIN=tidepatch
SOURCE_DATE_EPOCH=1735689600	# 2025-01-01T00:00:00Z
export SOURCE_DATE_EPOCH

say() {
	printf 'aptrepo: %s\n' "$*" >&2
}

die() {
	say "error: $*"
	exit 1
}

usage() {
	cat >&2 <<EOF
usage: $0 build DIR
       $0 drop DIR PACKAGE VERSION
       $0 list DIR
EOF
	exit 2
}

# --- recipes: $1 package tree, $2 name, $3 version ------------------------

recipe_plain() {
	mkdir -p "$1/usr/share/doc/$2"
	printf '%s %s: tidepatch test package\n' "$2" "$3" \
		>"$1/usr/share/doc/$2/README"
}

recipe_libfoo() {
	recipe_plain "$@"
	mkdir -p "$1/usr/lib/tp-foo"
	printf '%s\n' "$3" >"$1/usr/lib/tp-foo/version"
}

# The verify command of the service: 1.0-1 is healthy, 1.1-1 breaks it.
service_check() {
	mkdir -p "$1/usr/bin"
	cat >"$1/usr/bin/tp-service-check" <<EOF
#!/bin/sh
# tp-service-check - health check of tp-service $3
$4
EOF
	chmod 0755 "$1/usr/bin/tp-service-check"
}

recipe_service_ok() {
	recipe_plain "$@"
	service_check "$@" "echo 'tp-service $3: ok'
exit 0"
}

recipe_service_fail() {
	recipe_plain "$@"
	service_check "$@" "echo 'tp-service $3: broken: cannot bind its port' >&2
exit 1"
}

# Like Debian's update-notifier hooks: a package that needs a reboot says
# so in /var/run/reboot-required and names itself in .pkgs.
recipe_reboot() {
	recipe_plain "$@"
	cat >"$1/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	touch /var/run/reboot-required
	grep -qsx '$2' /var/run/reboot-required.pkgs ||
		echo '$2' >>/var/run/reboot-required.pkgs
fi
EOF
	chmod 0755 "$1/DEBIAN/postinst"
}

# --- building ----------------------------------------------------------------

# Build one .deb into $1 (the pool of its suite).
build_deb() {
	pool=$1 name=$2 version=$3 source=$4 recipe=$5
	t=$work/$name-$version
	mkdir -p "$t/DEBIAN"
	command -v "recipe_$recipe" >/dev/null 2>&1 ||
		die "$name $version: no recipe_$recipe"
	"recipe_$recipe" "$t" "$name" "$version"
	{
		echo "Package: $name"
		echo "Version: $version"
		echo "Architecture: all"
		[ "$source" = - ] || echo "Source: $source"
		echo "Maintainer: tidepatch tests <tests@tidepatch.invalid>"
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$t" | cut -f1)"
		echo "Section: misc"
		echo "Priority: optional"
		echo "Description: tidepatch test package $name"
		echo " Version $version of a package made by tests/fleet/aptrepo.sh."
	} >"$t/DEBIAN/control"
	dpkg-deb --root-owner-group -Zgzip --build "$t" \
		"$pool/${name}_${version}_all.deb" >/dev/null ||
		die "dpkg-deb failed for $name $version"
}

# "Packages" stanza of one .deb: its control fields, then where and what.
stanza() {
	deb=$1
	dpkg-deb -f "$deb"
	echo "Filename: ${deb#"$repo"/}"
	echo "Size: $(stat -c %s "$deb")"
	echo "MD5sum: $(md5sum <"$deb" | cut -d' ' -f1)"
	echo "SHA256: $(sha256sum <"$deb" | cut -d' ' -f1)"
	echo
}

release_sums() {
	# $1 field, $2 checksum tool, $3 suite dir; " HASH SIZE PATH" lines
	echo "$1:"
	(cd "$3" && find main -type f | sort | while read -r f; do
		printf ' %s %16s %s\n' "$($2 <"$f" | cut -d' ' -f1)" \
			"$(stat -c %s "$f")" "$f"
	done)
}

# Regenerate every suite's Packages and Release from the pool.
index() {
	for suite in $SUITES; do
		sd=$repo/dists/$suite
		old=0
		[ ! -e "$sd/Release" ] || old=$(stat -c %Y "$sd/Release")
		rm -rf "$sd"
		mkdir -p "$sd"
		first=""
		for arch in $ARCHES; do
			bd=$sd/main/binary-$arch
			mkdir -p "$bd"
			if [ -z "$first" ]; then
				first=$bd
				for deb in "$repo/pool/$suite"/*.deb; do
					[ -e "$deb" ] || continue
					stanza "$deb"
				done >"$bd/Packages"
			else
				cp "$first/Packages" "$bd/Packages"
			fi
			gzip -9n <"$bd/Packages" >"$bd/Packages.gz"
		done
		{
			echo "Origin: $ORIGIN"
			echo "Label: $ORIGIN"
			echo "Suite: $suite"
			echo "Codename: $suite"
			echo "Version: 1"
			echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
			echo "Architectures: $ARCHES"
			echo "Components: main"
			echo "Description: tidepatch test repository, suite $suite"
			release_sums MD5Sum md5sum "$sd"
			release_sums SHA256 sha256sum "$sd"
		} >"$sd/Release.new"
		mv "$sd/Release.new" "$sd/Release"
		# Strictly later than the last one (see Invariants).
		now=$(date +%s)
		[ "$now" -gt "$old" ] || now=$((old + 1))
		touch -d "@$now" "$sd/Release"
	done
	# What the fleet installs at up: the "pre" versions still present.
	printf '%s\n' "$PACKAGES" | while read -r name version suite _ _ pre; do
		[ -n "$name" ] || continue
		[ "$pre" = pre ] || continue
		[ -e "$repo/pool/$suite/${name}_${version}_all.deb" ] || continue
		echo "$name=$version"
	done >"$repo/preinstall"
	# Readable by apt's unprivileged _apt user wherever it is mounted.
	chmod -R u+rwX,go+rX,go-w "$repo"
}

repo_dir() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd -P)" "$1" ;;
	esac
}

do_build() {
	if [ -e "$repo" ] && [ -n "$(ls -A "$repo")" ]; then
		die "$repo exists and is not empty"
	fi
	command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"
	t0=$(date +%s%3N)
	mkdir -p "$repo"
	work=$(mktemp -d "${TMPDIR:-/tmp}/tp-aptrepo.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	printf '%s\n' "$PACKAGES" | {
		while read -r name version suite source recipe _; do
			[ -n "$name" ] || continue
			mkdir -p "$repo/pool/$suite"
			build_deb "$repo/pool/$suite" "$name" "$version" \
				"$source" "$recipe"
		done
	}
	index
	: >"$repo/.tidepatch-aptrepo"
	n=$(find "$repo/pool" -name '*.deb' | wc -l)
	say "built $repo: $n packages in $(($(date +%s%3N) - t0)) ms"
}

check_repo() {
	[ -e "$repo/.tidepatch-aptrepo" ] || die "$repo is not an aptrepo.sh repository"
}

do_drop() {
	check_repo
	found=0
	for suite in $SUITES; do
		f=$repo/pool/$suite/${1}_${2}_all.deb
		[ -e "$f" ] || continue
		rm -f "$f"
		found=1
	done
	[ "$found" = 1 ] || die "$1 $2 is not in $repo"
	index
	say "dropped $1 $2 from $repo"
}

do_list() {
	check_repo
	for suite in $SUITES; do
		awk -v s="$suite" '
			/^Package: / { p = $2 }
			/^Version: / { print s, p, $2 }' \
			"$repo/dists/$suite/main/binary-${ARCHES%% *}/Packages"
	done
}

[ $# -ge 2 ] || usage
cmd=$1
repo=$(repo_dir "$2")
shift 2
case "$cmd" in
build) [ $# = 0 ] || usage; do_build ;;
drop) [ $# = 2 ] || usage; do_drop "$1" "$2" ;;
list) [ $# = 0 ] || usage; do_list ;;
*) usage ;;
esac
