#!/bin/sh
# check.sh - smoke test of the test fleet with the real OpenSSH client
#
# Usage: sh tests/fleet/check.sh [DIR]
#
#   DIR given   check the fleet already up in DIR (fleet.sh up DIR ...)
#   no DIR      bring up a fleet of $TP_FLEET_HOSTS (default 10) hosts with
#               --special in a temporary directory, check it, tear it down
#
# Prints one line per check on stderr and exits non-zero if any check
# failed. Every ssh runs under timeout(1) and with ConnectTimeout; the
# whole run is bounded (about a minute for 200 hosts).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
FLEET=$HERE/fleet.sh
T=20	# seconds any one ssh may take
fails=0
own=""

say() {
	printf 'check: %s\n' "$*" >&2
}

ok() {
	say "ok   $*"
}

bad() {
	say "FAIL $*"
	fails=$((fails + 1))
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$own" ]; then
		sh "$FLEET" down "$own" || rc=1
	fi
	exit "$rc"
}

if [ $# -ge 1 ]; then
	d=$(cd "$1" && pwd -P)
else
	own=$(mktemp -d /tmp/tp-fleet-check.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	sh "$FLEET" up "$own" --hosts "${TP_FLEET_HOSTS:-10}" --special \
		>/dev/null
	d=$own
fi
[ -f "$d/state" ] || { say "$d is not an up fleet"; exit 1; }
cfg=$d/ssh_config
out=$d/check.out
err=$d/check.err

# run HOST COMMAND [ssh options...]: exit status in $rc, output in $out
# and $err.
run() {
	host=$1
	rcmd=$2
	shift 2
	rc=0
	timeout "$T" ssh -F "$cfg" "$@" "$host" "$rcmd" >"$out" 2>"$err" ||
		rc=$?
}

addr_of() {
	awk -v n="$1" '$1 == n { print $2 }' "$d/hosts.tsv"
}

has() {
	grep -qF -- "$1" "$2"
}

# Every plain host, in parallel: strict host key checking against the
# generated known_hosts, key auth as tp, passwordless sudo.
plain=$(awk '$3 == "plain" { print $1 }' "$d/hosts.tsv")
n=$(printf '%s\n' "$plain" | grep -c . || true)
t0=$(date +%s%3N)
# shellcheck disable=SC2016 # expanded by the inner sh
failed=$(printf '%s\n' "$plain" | grep . | xargs -P 32 -I{} sh -c '
	timeout "$2" ssh -F "$1" "$3" "sudo -n true" >/dev/null 2>&1 ||
		echo "$3"' sh "$cfg" "$T" {} | sort | tr '\n' ' ')
t1=$(date +%s%3N)
if [ -z "$failed" ]; then
	ok "$n plain hosts: ssh + sudo -n in $((t1 - t0)) ms"
else
	bad "plain hosts failed: $failed"
fi

# Host keys: each host its own, none from the image.
dups=$(awk '$2 == "ssh-ed25519" { print $3 }' "$d/inventory/known_hosts" |
	sort | uniq -d | wc -l)
image=$(cat "$d/image")
if [ "$dups" = 0 ] &&
	! grep -qF "$(cut -d' ' -f2 "$image/etc/ssh/ssh_host_ed25519_key.pub")" \
		"$d/inventory/known_hosts"; then
	ok "host keys: all distinct, none is the image's"
else
	bad "host keys shared between hosts or with the image"
fi
if grep -q '^127\.0\.1\.2 ' "$d/inventory/known_hosts"; then
	bad "h002 has plain known_hosts entries (should be hashed only)"
elif [ "$n" -ge 2 ] && ! printf '%s\n' "$failed" | grep -qw h002; then
	ok "h002 known only by hashed entries, and accepted"
fi

if ! grep -q ' jump$' "$d/hosts.tsv"; then
	say "no special hosts (up without --special)"
	[ "$fails" = 0 ] || exit 1
	exit 0
fi
jump=$(addr_of jump)

run jump 'id -un'
if [ "$rc" = 0 ] && [ "$(cat "$out")" = tp ]; then
	ok "jump: reachable"
else
	bad "jump: rc=$rc $(cat "$err")"
fi

# shellcheck disable=SC2016 # expanded remotely
run h001 'echo $SSH_CONNECTION' -J jump
if [ "$rc" = 0 ] && [ "$(cut -d' ' -f1 "$out")" = "$jump" ]; then
	ok "h001 through jump: peer address is the jump host's ($jump)"
else
	bad "h001 through jump: rc=$rc $(cat "$out" "$err")"
fi

# shellcheck disable=SC2016 # expanded remotely
# behind1 admits only connections from the jump host's address.
run behind1 'echo $SSH_CONNECTION'
if [ "$rc" = 0 ] && [ "$(cut -d' ' -f1 "$out")" = "$jump" ]; then
	ok "behind1 via ProxyJump jump: peer address $jump"
else
	bad "behind1 via jump: rc=$rc $(cat "$out" "$err")"
fi
run behind1 true -o ProxyJump=none
if [ "$rc" = 255 ] && has 'Permission denied' "$err"; then
	ok "behind1 directly: refused"
else
	bad "behind1 directly: expected refusal, rc=$rc $(cat "$err")"
fi

run changedkey true
if [ "$rc" = 255 ] && has 'REMOTE HOST IDENTIFICATION HAS CHANGED' "$err"
then
	ok "changedkey: refused, host key changed"
else
	bad "changedkey: rc=$rc $(cat "$err")"
fi
run changedkey true -o UserKnownHostsFile=/dev/null \
	-o StrictHostKeyChecking=no
if [ "$rc" = 0 ]; then
	ok "changedkey: a real sshd behind the wrong key"
else
	bad "changedkey: not reachable at all: rc=$rc $(cat "$err")"
fi

run unknown true
if [ "$rc" = 255 ] && has 'host key is known' "$err"; then
	ok "unknown: refused, no known host key"
else
	bad "unknown: rc=$rc $(cat "$err")"
fi
run unknown true -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no
if [ "$rc" = 0 ]; then
	ok "unknown: a real sshd"
else
	bad "unknown: not reachable at all: rc=$rc $(cat "$err")"
fi

s0=$(date +%s%3N)
run blackhole true -o ConnectTimeout=2
s1=$(date +%s%3N)
if [ "$rc" = 255 ] && has 'timed out' "$err" &&
	[ $((s1 - s0)) -ge 1500 ] && [ $((s1 - s0)) -lt 10000 ]; then
	ok "blackhole: timed out after $((s1 - s0)) ms (ConnectTimeout=2)"
else
	bad "blackhole: rc=$rc after $((s1 - s0)) ms: $(cat "$err")"
fi

run closed true
if [ "$rc" = 255 ] && has 'Connection refused' "$err"; then
	ok "closed: connection refused"
else
	bad "closed: rc=$rc $(cat "$err")"
fi

# flood never stops by itself; head closing the pipe must end it.
fbytes=$(timeout "$T" ssh -F "$cfg" flood flood 2>/dev/null |
	head -c 1048576 | wc -c)
if [ "$fbytes" = 1048576 ]; then
	ok "flood: at least 1 MiB of output, stopped by the reader"
else
	bad "flood: only $fbytes bytes"
fi

run sudopw 'sudo -n true'
if [ "$rc" != 0 ] && has 'password is required' "$err"; then
	ok "sudopw: sudo -n fails (password required), no hang"
else
	bad "sudopw: rc=$rc $(cat "$err")"
fi

rm -f "$out" "$err"
if [ "$fails" != 0 ]; then
	say "$fails check(s) failed"
	exit 1
fi
say "all checks passed"
