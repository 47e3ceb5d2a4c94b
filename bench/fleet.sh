#!/bin/sh
# bench/fleet.sh [HOSTS] - scan and `exec true` over a test fleet of HOSTS
# hosts (default 100), with parallel-ssh and Ansible ad-hoc (-m raw) at
# the same parallelism when they are installed (pssh, ansible-core). Needs root (the fleet is chroots
# with their own sshd). Prints figures; judges nothing.
#
# Targets (issue 3): controller CPU <= 5 ms/host for exec true, <= 10
# ms/host for a scan; <= 64 MiB with 200 sessions; wall time no worse
# than parallel-ssh at equal parallelism. Wall time of a scan is bound by
# the hosts' own apt-get work, which here shares this machine's cores.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100}
par=32
dir=/tmp/tp-fleet-bench-$$
bench=./build/bench/bench

trap 'sh tests/fleet/fleet.sh down "$dir" >/dev/null 2>&1 || true' EXIT INT TERM
sh tests/fleet/fleet.sh up "$dir" --hosts "$n" >/dev/null
inv=$dir/inventory

echo "fleet: $n hosts, --parallel $par (all-at-once rows: --parallel $n)"
$bench cmd "tidepatch exec true" "$n" 3 -- ./tidepatch exec -i "$inv" \
	--parallel "$par" fleet -- true
if command -v parallel-ssh >/dev/null 2>&1; then
	grep -o '"127\.0\.1\.[0-9]*"' "$inv/hosts.json" | tr -d '"' |
		sed 's/^/tp@/' >"$dir/pssh-hosts"
	$bench cmd "parallel-ssh true" "$n" 3 -- parallel-ssh \
		-h "$dir/pssh-hosts" -p "$par" -t 60 \
		-O "UserKnownHostsFile=$inv/known_hosts" \
		-O StrictHostKeyChecking=yes \
		-O "IdentityFile=$dir/client/id_ed25519" -O BatchMode=yes true
else
	echo "parallel-ssh: not installed (apt-get install pssh) - no ratio"
fi
if command -v ansible >/dev/null 2>&1; then
	# -m raw: the fleet's minimal hosts have no python for other modules
	{
		echo "[fleet]"
		grep -o '"127\.0\.1\.[0-9]*"' "$inv/hosts.json" | tr -d '"'
	} >"$dir/ansible-hosts"
	# no PTY: the fleet's chroots have no /dev/pts
	ANSIBLE_SSH_USETTY=False ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_SSH_ARGS="-o UserKnownHostsFile=$inv/known_hosts -o StrictHostKeyChecking=yes" \
	$bench cmd "ansible -m raw true" "$n" 3 -- ansible all \
		-i "$dir/ansible-hosts" -u tp --private-key "$dir/client/id_ed25519" \
		-f "$par" -m raw -a true
else
	echo "ansible: not installed (apt-get install ansible-core) - no ratio"
fi
$bench cmd "tidepatch exec (all)" "$n" 1 -- ./tidepatch exec -i "$inv" \
	--parallel "$n" fleet -- sleep 2
$bench cmd "tidepatch scan" "$n" 1 -- ./tidepatch scan -i "$inv" \
	--parallel "$par" --format json -o /dev/null fleet
