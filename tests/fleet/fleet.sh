#!/bin/sh
# fleet.sh - start and stop a fleet of real sshd hosts on loopback addresses
#
# Usage: sh tests/fleet/fleet.sh up DIR [--hosts N] [--special] [--repo REPO]
#        sh tests/fleet/fleet.sh down DIR
#        sh tests/fleet/fleet.sh status DIR
#
# up    N hosts h001..hNNN (default 10, at most 239) on 127.0.1.1..127.0.1.N,
#       each an overlay of the cached base image (base-image.sh) with its
#       own host keys and its own sshd running chrooted in it; --special
#       adds the special hosts of tests/fleet/README.md. Writes
#       DIR/inventory/hosts.json, DIR/inventory/known_hosts, DIR/ssh_config
#       and DIR/client/id_ed25519, and prints DIR on stdout when ready.
#       --repo REPO (a repository from aptrepo.sh build) makes every host
#       use only that repository: REPO is bind-mounted read-only at
#       /srv/tp-repo in each host, the Debian sources are replaced by its
#       suites, and the shared layer installs REPO/preinstall and runs
#       apt-get update once, so every host starts identical with the
#       repository's updates pending.
# down  stops everything started under DIR and removes DIR; safe to run
#       after a partial or failed up, a killed test, or twice.
#
# Invariants:
# - Nothing listens or connects outside 127.0.0.0/8.
# - Every process of the fleet is chrooted under DIR (sshds, their
#   sessions, the blackhole listener): down finds them by /proc/PID/root
#   even when pid files are lost.
# - DIR is removed only after everything under it is unmounted, and then
#   with rm --one-file-system; a DIR without the marker file is never
#   removed.
# - Every wait is bounded.
#
# Layout: DIR/layer is an overlay upper directory made once per fleet (user
# tp, sudoers, authorized_keys, sshd_config.tp, the image's host keys
# removed); each host mounts lowerdir=DIR/layer/upper:IMAGE with its own
# upper/work under DIR/hosts/NAME/, its host keys written into its upper
# before the mount. Per-host sshd settings are -o options on the command
# line, recorded in DIR/hosts/NAME/sshd.cmd. With --repo, the repository
# is a read-only bind mount on top of each host's overlay (and of the
# layer's while it is built); down unmounts it first, deepest first.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
ME=$HERE/$(basename "$0")
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MARKER=.tidepatch-fleet
MAX_HOSTS=239
PARALLEL=${TP_FLEET_PARALLEL:-16}
READY_TIMEOUT=20
# Where --repo's repository appears inside every host.
REPO_MNT=/srv/tp-repo

# Special hosts: name, address, kind. 127.0.1.240.. stays clear of hNNN.
JUMP_ADDR=127.0.1.240
BEHIND_ADDR=127.0.2.1
SPECIALS="jump $JUMP_ADDR jump
behind1 $BEHIND_ADDR behind
changedkey 127.0.1.241 changedkey
unknown 127.0.1.242 unknown
blackhole 127.0.1.243 blackhole
closed 127.0.1.244 closed
flood 127.0.1.245 flood
sudopw 127.0.1.246 sudopw"

say() {
	printf 'fleet: %s\n' "$*" >&2
}

die() {
	say "error: $*"
	exit 1
}

usage() {
	cat >&2 <<EOF
usage: $ME up DIR [--hosts N] [--special] [--repo REPO]
       $ME down DIR
       $ME status DIR
EOF
	exit 2
}

oneline() {
	printf '%s\n' "$1" | tr '\n' ' '
}

now_ms() {
	date +%s%3N
}

# Absolute path of DIR without requiring it to exist; refuse paths that
# mountinfo would escape or that configs would need quoting for.
abs_dir() {
	case "$1" in
	/*) d=$1 ;;
	*) d=$(pwd -P)/$1 ;;
	esac
	parent=$(dirname "$d")
	[ -d "$parent" ] || die "parent of $d does not exist"
	d=$(cd "$parent" && pwd -P)/$(basename "$d")
	case "$d" in
	*[!A-Za-z0-9/._-]*) die "unsuitable fleet directory: $d" ;;
	/|/*/..|/*/.|/tmp|/var|/usr|/root|/home|/work) die "refusing $d" ;;
	esac
	printf '%s\n' "$d"
}

mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}

# Pids of processes whose root is under $1, among pids $2.. if given,
# else among all. One ls: spawning is what costs on a loaded machine.
fleet_pids() {
	d=$1
	shift
	if [ $# -gt 0 ]; then
		# shellcheck disable=SC2046 # a list of pids
		set -- $(printf '/proc/%s/root\n' "$@")
	else
		set -- /proc/[0-9]*/root
	fi
	# shellcheck disable=SC2012 # paths here are [A-Za-z0-9/._-]
	ls -l "$@" 2>/dev/null | awk -v d="$d" '
		$(NF-1) == "->" && index($NF, d "/") == 1 {
			split($(NF-2), a, "/"); print a[3]
		}' | sort -u
}

# Pids still alive among $1, builtins only. Zombies count as dead: the
# sshds' session processes are reparented to PID 1, which may reap late.
alive() {
	for p in $1; do
		{ read -r st <"/proc/$p/stat"; } 2>/dev/null || continue
		case "${st##*) }" in
		Z* | X*) ;;
		*) echo "$p" ;;
		esac
	done
	return 0
}

# Kill every process of the fleet: pid files first (cheap), then
# whatever is chrooted under DIR; TERM, then KILL. Bounded: 3 rounds of
# at most 5 s.
kill_fleet() {
	d=$1
	# First the workers of an up that was killed: orphaned, they would
	# go on mounting and starting hosts behind our back.
	pids=$(pgrep -f "fleet\\.sh _start $d( |\$)" || true)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $pids 2>/dev/null || true
	fi
	pids=""
	for pf in "$d"/hosts/*/upper/run/*.pid; do
		{ read -r pid <"$pf"; } 2>/dev/null || continue
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		pids="$pids $pid"
	done
	# Only those that really are ours (pids get reused).
	# shellcheck disable=SC2086,SC2046 # lists of pids
	[ -z "$pids" ] || pids=$(fleet_pids "$d" $pids)
	for sig in TERM TERM KILL; do
		# shellcheck disable=SC2086,SC2046 # lists of pids
		pids=$(printf '%s\n' $pids $(fleet_pids "$d") | sort -u)
		[ -n "$pids" ] || return 0
		[ -z "${TP_FLEET_DEBUG:-}" ] ||
			say "kill -$sig $(oneline "$pids")"
		# shellcheck disable=SC2086,SC2046 # lists of pids
		kill -"$sig" $pids 2>/dev/null || true
		i=0
		while [ $i -lt 50 ]; do
			pids=$(alive "$pids")
			[ -n "$pids" ] || break
			sleep 0.1
			i=$((i + 1))
		done
	done
	# shellcheck disable=SC2086,SC2046 # lists of pids
	pids=$(printf '%s\n' $pids $(fleet_pids "$d") | sort -u)
	[ -n "$pids" ] || return 0
	say "warning: processes left: $(oneline "$pids")"
	return 1
}

do_down() {
	d=$1
	[ -e "$d" ] || return 0
	if [ ! -e "$d/$MARKER" ]; then
		if [ -n "$(ls -A "$d" 2>/dev/null)" ]; then
			say "$d has no $MARKER: not a fleet directory, leaving it"
			return 1
		fi
	fi
	t0=$(now_ms)
	rc=0
	kill_fleet "$d" || rc=1
	# One umount for all (deepest first), then one by one, lazily if
	# need be, for whatever is left.
	# shellcheck disable=SC2046 # paths here are [A-Za-z0-9/._-]
	umount $(mounts_under "$d") 2>/dev/null || true
	for m in $(mounts_under "$d"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			say "warning: cannot unmount $m"
	done
	if [ -n "$(mounts_under "$d")" ]; then
		say "refusing to remove $d: something is still mounted in it"
		return 1
	fi
	rm -rf --one-file-system "$d" || rc=1
	say "down in $(($(now_ms) - t0)) ms"
	return $rc
}

in_root() {
	root=$1
	shift
	env -i PATH="$CHROOT_PATH" LC_ALL=C HOME=/root chroot "$root" "$@"
}

# Read-only bind of fleet $1's --repo repository at REPO_MNT in root $2
# (a no-op without --repo). util-linux >= 2.27 makes "bind,ro" read-only
# in one call; the probe makes sure of it.
mount_repo() {
	[ -s "$1/repo" ] || return 0
	mkdir -p "$2$REPO_MNT"
	mount -o bind,ro "$(cat "$1/repo")" "$2$REPO_MNT"
	if touch "$2$REPO_MNT/.rw-probe" 2>/dev/null; then
		rm -f "$2$REPO_MNT/.rw-probe"
		die "$2$REPO_MNT: the bind mount is not read-only"
	fi
}

mount_overlay() {
	# $1 lowerdir list, $2 host dir (upper, work, root below it)
	mkdir -p "$2/upper" "$2/work" "$2/root"
	mount -t overlay overlay \
		-o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/root"
}

# The shared layer: everything all hosts have in common, made once.
build_layer() {
	d=$1
	image=$2
	l=$d/layer
	mount_overlay "$image" "$l"
	r=$l/root
	in_root "$r" useradd -m -s /bin/bash -U tp
	# A locked account ("!") cannot log in even by key with UsePAM no;
	# the password also is what sudo asks for on sudopw.
	echo 'tp:tidepatch' | in_root "$r" chpasswd
	rm -f "$r"/etc/ssh/ssh_host_*
	# The chroots share this machine's hostname; sudo complains on every
	# call if it does not resolve.
	printf '127.0.0.1\tlocalhost %s\n' "$(hostname)" >"$r/etc/hosts"
	mkdir -p "$r/run/sshd" "$r/etc/ssh/tp"
	chmod 0755 "$r/run/sshd"
	chmod 0700 "$r/etc/ssh/tp"
	echo 'tp ALL=(ALL:ALL) NOPASSWD: ALL' >"$r/etc/sudoers.d/tidepatch"
	chmod 0440 "$r/etc/sudoers.d/tidepatch"
	for h in "$r/root" "$r/home/tp"; do
		mkdir -p "$h/.ssh"
		cp "$d/client/id_ed25519.pub" "$h/.ssh/authorized_keys"
		chmod 0700 "$h/.ssh"
		chmod 0600 "$h/.ssh/authorized_keys"
	done
	in_root "$r" chown -R tp:tp /home/tp/.ssh
	cat >"$r/etc/ssh/sshd_config.tp" <<'EOF'
# tidepatch test fleet; per-host settings are -o options (see sshd.cmd)
Port 22
AddressFamily inet
HostKey /etc/ssh/tp/ssh_host_ed25519_key
HostKey /etc/ssh/tp/ssh_host_ecdsa_key
PidFile /run/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AuthorizedKeysFile .ssh/authorized_keys
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
AcceptEnv LANG LC_*
MaxStartups 100:30:200
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	# The flood command exists on every host; only the flood host's
	# inventory entry says to run it. `flood` prints forever, `flood N`
	# prints N bytes.
	cat >"$r/usr/local/bin/flood" <<'EOF'
#!/bin/sh
# flood [BYTES] - print lines forever, or exactly BYTES bytes
line='flood flood flood flood flood flood flood flood flood flood flood'
if [ $# -gt 0 ]; then
	yes "$line" | head -c "$1"
else
	exec yes "$line"
fi
EOF
	chmod 0755 "$r/usr/local/bin/flood"
	# A fleet host is a chroot on this machine's kernel: a real reboot
	# would reboot the machine. reboot/shutdown in the hosts refuse, and
	# tp-fake-reboot does what rollouts can observe of one: a new boot id
	# (tp-boot-id prints it) and /run cleared of reboot requests.
	for cmd in reboot shutdown poweroff halt; do
		cat >"$r/usr/local/sbin/$cmd" <<'EOF'
#!/bin/sh
echo "test fleet: a real $(basename "$0") is refused (use tp-fake-reboot)" >&2
exit 1
EOF
		chmod 0755 "$r/usr/local/sbin/$cmd"
	done
	cat >"$r/usr/local/sbin/tp-fake-reboot" <<'EOF'
#!/bin/sh
# tp-fake-reboot - what a rollout can see of a reboot, in a chroot
rm -f /run/reboot-required /run/reboot-required.pkgs
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >/run/tp-boot-id.new
mv /run/tp-boot-id.new /run/tp-boot-id
EOF
	cat >"$r/usr/local/bin/tp-boot-id" <<'EOF'
#!/bin/sh
# tp-boot-id - this host's boot id under tp-fake-reboot
cat /run/tp-boot-id 2>/dev/null || echo first-boot
EOF
	chmod 0755 "$r/usr/local/sbin/tp-fake-reboot" "$r/usr/local/bin/tp-boot-id"
	if [ -s "$d/repo" ]; then
		layer_repo "$d" "$r"
	fi
	umount "$r"
	rm -rf --one-file-system "$l/work"
	rmdir "$l/root"
}

# Make the layer use only the --repo repository: sources, base versions
# installed, lists fetched once, so hosts need no apt-get update of
# their own. apt's helpers and dpkg want /proc: it is mounted for this
# step only (/dev/null is the image's own device node, see
# base-image.sh). Hosts run apt without /proc, as scans always did.
# There is no /dev/pts: Use-Pty=0 spares dpkg's log its "E: Can not
# write log" (harmless: apt still exits 0).
layer_repo() {
	d=$1
	r=$2
	mount_repo "$d" "$r"
	rm -f "$r/etc/apt/sources.list" "$r"/etc/apt/sources.list.d/*
	while read -r s; do
		echo "deb [trusted=yes] file:$REPO_MNT $s main"
	done <"$d/repo.suites" >"$r/etc/apt/sources.list.d/tidepatch.list"
	mount -t proc proc "$r/proc"
	# shellcheck disable=SC2046 # name=version words, checked in do_up
	set -- $(cat "$d/repo.preinstall")
	{
		in_root "$r" apt-get -q -o APT::Update::Error-Mode=any update &&
			in_root "$r" env DEBIAN_FRONTEND=noninteractive \
				apt-get -q -y --no-install-recommends \
				-o Dpkg::Use-Pty=0 install "$@" &&
			in_root "$r" apt-get clean
	} >"$d/layer/apt.log" 2>&1 || {
		die "apt in the layer failed (the trap unmounts):" \
			"$(tail -n 5 "$d/layer/apt.log")"
	}
	umount "$r/proc" "$r$REPO_MNT"
}

keygen() {
	ssh-keygen -q -t "$1" -N '' -C '' -f "$2"
}

# Prepare, mount and start one host (run in parallel by xargs).
start_host() {
	d=$1
	name=$2
	addr=$3
	kind=$4
	hd=$d/hosts/$name
	image=$(cat "$d/image")
	case "$kind" in
	closed)
		mkdir -p "$hd"
		return 0
		;;
	blackhole)
		# Accepts TCP and never says a word. Chrooted like the sshds
		# so that down finds it the same way.
		mount_overlay "$d/layer/upper:$image" "$hd"
		# shellcheck disable=SC2016 # perl, not shell
		setsid env -i PATH="$CHROOT_PATH" chroot "$hd/root" /usr/bin/perl -MIO::Socket::INET -e '
			my $s = IO::Socket::INET->new(LocalAddr => $ARGV[0],
				LocalPort => 22, Listen => 1024, ReuseAddr => 1)
				or die "blackhole: listen: $!\n";
			open(my $p, ">", "/run/blackhole.pid") or die;
			print $p "$$\n";
			close($p);
			my @held;
			while (my $c = $s->accept) {
				push @held, $c;
				shift @held if @held > 4096;
			}' "$addr" </dev/null >/dev/null 2>"$hd/blackhole.err" &
		return 0
		;;
	esac
	mkdir -p "$hd/upper/etc/ssh/tp"
	chmod 0700 "$hd/upper/etc/ssh/tp"
	keygen ed25519 "$hd/upper/etc/ssh/tp/ssh_host_ed25519_key"
	keygen ecdsa "$hd/upper/etc/ssh/tp/ssh_host_ecdsa_key"
	set -- -f /etc/ssh/sshd_config.tp -E /var/log/sshd.log \
		-o "ListenAddress=$addr:22"
	envs=""
	case "$kind" in
	jump)
		mkdir -p "$hd/upper/usr/local/lib"
		cp "$d/bin/bindsrc.so" "$hd/upper/usr/local/lib/tp-bindsrc.so"
		envs="LD_PRELOAD=/usr/local/lib/tp-bindsrc.so TP_BINDSRC=$addr"
		set -- "$@" -o AllowTcpForwarding=yes
		;;
	behind)
		set -- "$@" -o "AllowUsers=tp@$JUMP_ADDR root@$JUMP_ADDR"
		;;
	changedkey)
		# The keys known_hosts will hold instead of the real ones.
		mkdir -p "$hd/wrong"
		keygen ed25519 "$hd/wrong/ssh_host_ed25519_key"
		keygen ecdsa "$hd/wrong/ssh_host_ecdsa_key"
		;;
	sudopw)
		mkdir -p "$hd/upper/etc/sudoers.d"
		echo 'tp ALL=(ALL:ALL) ALL' >"$hd/upper/etc/sudoers.d/tidepatch"
		chmod 0440 "$hd/upper/etc/sudoers.d/tidepatch"
		;;
	esac
	mount_overlay "$d/layer/upper:$image" "$hd"
	mount_repo "$d" "$hd/root"
	printf 'env -i PATH=%s %s chroot %s /usr/sbin/sshd' \
		"$CHROOT_PATH" "$envs" "$hd/root" >"$hd/sshd.cmd"
	printf " '%s'" "$@" >>"$hd/sshd.cmd"
	echo >>"$hd/sshd.cmd"
	# shellcheck disable=SC2086 # envs is a list of assignments
	env -i PATH="$CHROOT_PATH" $envs chroot "$hd/root" /usr/sbin/sshd "$@" \
		</dev/null >/dev/null 2>"$hd/sshd.err" ||
		die "$name: sshd failed to start: $(cat "$hd/sshd.err")"
}

# Wait until every address in $2 (one per line) listens on port 22.
wait_listening() {
	deadline=$(($(date +%s) + $2))
	while :; do
		missing=$(ss -Hltn 'sport = :22' | awk '
			NR == FNR { want[$1 ":22"] = 1; next }
			{ delete want[$4] }
			END { for (a in want) print a }' "$1" - | sort)
		[ -z "$missing" ] && return 0
		if [ "$(date +%s)" -ge "$deadline" ]; then
			say "not listening after $2 s: $(oneline "$missing")"
			return 1
		fi
		sleep 0.1
	done
}

pubkey() {
	cut -d' ' -f1,2 "$1"
}

write_known_hosts() {
	d=$1
	kh=$d/inventory/known_hosts
	: >"$kh"
	while read -r name addr kind; do
		hd=$d/hosts/$name
		case "$kind" in
		unknown | blackhole | closed) continue ;;
		changedkey) kd=$hd/wrong ;;
		*) kd=$hd/upper/etc/ssh/tp ;;
		esac
		for t in ed25519 ecdsa; do
			echo "$addr $(pubkey "$kd/ssh_host_${t}_key.pub")"
		done >"$hd/known_hosts"
		if [ "$name" = h002 ]; then
			# One host known only by hashed entries.
			ssh-keygen -q -H -f "$hd/known_hosts" >/dev/null 2>&1
			rm -f "$hd/known_hosts.old"
		fi
		cat "$hd/known_hosts" >>"$kh"
	done <"$d/hosts.tsv"
}

write_inventory() {
	d=$1
	inv=$d/inventory/hosts.json
	{
		printf '{\n  "defaults": {"user": "tp", "port": 22, '
		printf '"identity": "%s/client/id_ed25519"},\n' "$d"
		printf '  "hosts": {\n'
		sep=""
		while read -r name addr kind; do
			case "$kind" in
			plain) extra='"groups": ["fleet"]' ;;
			jump) extra='"groups": ["special"], "vars": {"fleet_expect": "ok"}' ;;
			behind) extra='"jump": "jump", "groups": ["special"], "vars": {"fleet_expect": "ok"}' ;;
			changedkey) extra='"groups": ["special"], "vars": {"fleet_expect": "hostkey-changed"}' ;;
			unknown) extra='"groups": ["special"], "vars": {"fleet_expect": "hostkey-unknown"}' ;;
			blackhole) extra='"groups": ["special"], "vars": {"fleet_expect": "timeout"}' ;;
			closed) extra='"groups": ["special"], "vars": {"fleet_expect": "refused"}' ;;
			flood) extra='"groups": ["special"], "vars": {"fleet_expect": "output-cap", "command": "flood"}' ;;
			sudopw) extra='"become": true, "groups": ["special"], "vars": {"fleet_expect": "become-password"}' ;;
			esac
			printf '%s    "%s": {"address": "%s", %s}' \
				"$sep" "$name" "$addr" "$extra"
			sep=",
"
		done <"$d/hosts.tsv"
		printf '\n  },\n  "groups": {\n'
		printf '    "fleet": {"vars": {"fleet_expect": "ok"}}'
		if grep -q ' jump$' "$d/hosts.tsv"; then
			printf ',\n    "special": {"vars": {}}'
		fi
		printf '\n  }\n}\n'
	} >"$inv"
}

write_ssh_config() {
	d=$1
	{
		echo "# tidepatch test fleet: ssh -F $d/ssh_config HOST"
		while read -r name addr kind; do
			echo "Host $name"
			echo "  HostName $addr"
			[ "$kind" = behind ] && echo "  ProxyJump jump"
		done <"$d/hosts.tsv"
		cat <<EOF
Host *
  User tp
  Port 22
  IdentityFile $d/client/id_ed25519
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $d/inventory/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  CheckHostIP no
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
EOF
	} >"$d/ssh_config"
}

do_up() {
	d=$1
	nhosts=$2
	special=$3
	repo=$4
	[ "$(id -u)" = 0 ] || die "the fleet needs root (mount, chroot)"
	for tool in ssh-keygen ssh mount umount chroot ss awk xargs find; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
	done
	if [ "$special" = 1 ]; then
		command -v cc >/dev/null 2>&1 || die "cc not found (--special)"
	fi
	if [ -e "$d/$MARKER" ]; then
		die "$d is already up (or left over): run $ME down $d first"
	fi
	if [ -e "$d" ] && [ -n "$(ls -A "$d")" ]; then
		die "$d exists and is not empty"
	fi
	# Anything else on port 22 of these addresses (or of 0.0.0.0) would
	# make an sshd fail or, worse, answer in its place.
	busy=$(ss -Hltn 'sport = :22' | awk '{ print $4 }' |
		grep -E '^(0\.0\.0\.0|\*|127\.0\.[12]\.[0-9]+):22$' || true)
	[ -z "$busy" ] || die "port 22 already in use on: $(oneline "$busy")"
	if [ -n "$repo" ]; then
		# Every suite of the repository is a source; their names and
		# the preinstall words go unquoted into sources and argv.
		suites=$(find "$repo/dists" -mindepth 2 -maxdepth 2 \
			-name Release 2>/dev/null | awk -F/ '{ print $(NF-1) }' |
			sort)
		[ -n "$suites" ] || die "--repo $repo: no dists/*/Release"
		[ -f "$repo/preinstall" ] || die "--repo $repo: no preinstall"
		if printf '%s\n' "$suites" | grep -qv '^[A-Za-z0-9._-]*$' ||
			grep -qv '^[A-Za-z0-9.+~:_-]*=[A-Za-z0-9.+~:_-]*$' \
				"$repo/preinstall"; then
			die "--repo $repo: unexpected suite or preinstall line"
		fi
	fi
	image=$(sh "$HERE/base-image.sh" --path) || die "no base image"
	[ -d "$image" ] || die "no base image at $image"

	t0=$(now_ms)
	mkdir -p "$d"
	: >"$d/$MARKER"
	# up_rc, not rc: sh has no locals and do_down sets rc, which made
	# a failed up exit 0 after tearing down.
	up_rc=0
	trap 'up_rc=$?; trap - EXIT; if [ $up_rc != 0 ]; then
		say "up failed: tearing down $DIR"; do_down "$DIR" || true; fi
		exit $up_rc' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir -p "$d/hosts" "$d/inventory" "$d/client" "$d/bin" "$d/layer"
	echo "$image" >"$d/image"
	if [ -n "$repo" ]; then
		echo "$repo" >"$d/repo"
		# What the layer uses, as it was at up.
		cp "$repo/preinstall" "$d/repo.preinstall"
		printf '%s\n' "$suites" >"$d/repo.suites"
	fi

	i=1
	: >"$d/hosts.tsv"
	while [ $i -le "$nhosts" ]; do
		printf 'h%03d 127.0.1.%d plain\n' $i $i >>"$d/hosts.tsv"
		i=$((i + 1))
	done
	if [ "$special" = 1 ]; then
		echo "$SPECIALS" >>"$d/hosts.tsv"
		cc -shared -fPIC -O2 -Wall -Wextra -o "$d/bin/bindsrc.so" \
			"$HERE/bindsrc.c" -ldl || die "cannot build bindsrc.so"
	fi

	keygen ed25519 "$d/client/id_ed25519"
	build_layer "$d" "$image"
	t1=$(now_ms)

	awk '{ print $1, $2, $3 }' "$d/hosts.tsv" |
		xargs -P "$PARALLEL" -n 3 sh "$ME" _start "$d" ||
		die "some hosts failed to start"
	t2=$(now_ms)

	awk '$3 != "closed" { print $2 }' \
		"$d/hosts.tsv" >"$d/listen.want"
	wait_listening "$d/listen.want" "$READY_TIMEOUT" ||
		die "hosts not ready"
	t3=$(now_ms)

	write_known_hosts "$d"
	write_inventory "$d"
	write_ssh_config "$d"
	n=$(wc -l <"$d/hosts.tsv")
	cat >"$d/state" <<EOF
up=$(date -u +%Y-%m-%dT%H:%M:%SZ)
hosts=$nhosts
special=$special
image=$image
repo=$repo
ms_layer=$((t1 - t0))
ms_start=$((t2 - t1))
ms_ready=$((t3 - t2))
ms_total=$(($(now_ms) - t0))
EOF
	trap - EXIT INT TERM HUP
	say "up: $n hosts in $(($(now_ms) - t0)) ms" \
		"(layer $((t1 - t0)), start $((t2 - t1)), ready $((t3 - t2)))"
	printf '%s\n' "$d"
}

do_status() {
	d=$1
	[ -e "$d/$MARKER" ] || die "$d is not a fleet directory"
	cat "$d/state" 2>/dev/null || say "no state: up incomplete or failed"
	echo "processes=$(fleet_pids "$d" | sort -u | wc -l)"
	echo "mounts=$(mounts_under "$d" | wc -l)"
}

[ $# -ge 2 ] || usage
cmd=$1
shift
case "$cmd" in
_start)
	# internal: _start DIR NAME ADDR KIND (from xargs in up)
	[ $# = 4 ] || usage
	start_host "$@"
	exit 0
	;;
esac
DIR=$(abs_dir "$1")
shift
case "$cmd" in
up)
	nhosts=10
	special=0
	repo=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--hosts)
			[ $# -ge 2 ] || usage
			nhosts=$2
			shift 2
			;;
		--hosts=*)
			nhosts=${1#--hosts=}
			shift
			;;
		--special)
			special=1
			shift
			;;
		--repo)
			[ $# -ge 2 ] || usage
			repo=$2
			shift 2
			;;
		--repo=*)
			repo=${1#--repo=}
			shift
			;;
		*) usage ;;
		esac
	done
	case "$nhosts" in
	'' | *[!0-9]*) die "--hosts wants a number" ;;
	esac
	[ "$nhosts" -le $MAX_HOSTS ] || die "--hosts: at most $MAX_HOSTS"
	if [ -n "$repo" ]; then
		[ -d "$repo" ] || die "--repo: no directory $repo"
		repo=$(cd "$repo" && pwd -P)
		case "$repo" in
		*[!A-Za-z0-9/._-]*) die "unsuitable --repo directory: $repo" ;;
		"$DIR" | "$DIR"/*) die "--repo must be outside the fleet directory" ;;
		esac
	fi
	do_up "$DIR" "$nhosts" "$special" "$repo"
	;;
down)
	[ $# = 0 ] || usage
	do_down "$DIR"
	;;
status)
	[ $# = 0 ] || usage
	do_status "$DIR"
	;;
*) usage ;;
esac
