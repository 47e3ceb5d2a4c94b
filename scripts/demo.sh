#!/bin/sh
# demo.sh - a rollout from plan to rollback on a throw-away fleet
#
# Usage: sh scripts/demo.sh        (as root, from the top of the tree,
#                                   after make; `make demo` does both)
#
# Builds the local apt repository (tests/fleet/aptrepo.sh), starts four
# hosts on it (tests/fleet/fleet.sh, 127.0.1.1-4), then:
#   1. plans a rollout that leaves tp-service alone, commits the plan to
#      a scratch git repository, applies it in two waves (canary, then
#      the rest), shows the run history and one run;
#   2. plans and applies a second rollout with tp-service 1.1-1, whose
#      verification fails on the canary: the canary is rolled back to the
#      exact old version and the spent budget halts the run before any
#      other host is touched;
#   3. takes the first rollout back on one host, scans, and prints the
#      compliance report: what is still missing where.
#
# Invariants:
# - Never a real reboot: the hosts are chroots on this machine's kernel.
#   The playbooks reboot with tp-fake-reboot and prove it with tp-boot-id
#   (tests/fleet/README.md, "Reboots").
# - One fleet at a time on this machine (fixed addresses 127.0.1.N): the
#   fleet part holds flock(1)'s lock /tmp/tp-fleet.lock, as the tests'
#   callers do, and waits for it if someone else has the fleet.
# - The fleet is always torn down and the scratch directory removed: on
#   success, on failure and on Ctrl-C (the EXIT trap).
set -eu

cd "$(dirname "$0")/.."
TOP=$(pwd -P)
TP=$TOP/tidepatch
LOCK=/tmp/tp-fleet.lock

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

# Show a command, then run it; its status is echoed, not fatal (some
# steps are meant to fail).
run() {
	printf '$ %s\n' "$*" | sed "s|$WORK|\$DEMO|g; s|$TOP/||g"
	rc=0
	"$@" || rc=$?
	[ "$rc" = 0 ] || printf '(exit status %s)\n' "$rc"
	return 0
}

[ "$(id -u)" = 0 ] || { echo "demo: needs root (the fleet mounts and chroots)" >&2; exit 1; }
[ -x "$TP" ] || { echo "demo: no ./tidepatch: run make first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tp-demo.XXXXXX)
FLEET=$WORK/fleet
REPO=$WORK/repo
OPS=$WORK/ops
INV=$FLEET/inventory

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	# fd 9 (the fleet lock) is closed for everything started from here
	if [ -e "$FLEET" ]; then
		echo
		echo "== tearing the fleet down"
		sh tests/fleet/fleet.sh down "$FLEET" 9>&- || true
	fi
	rm -rf --one-file-system "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

exec 9>"$LOCK"
if ! flock -n 9; then
	echo "demo: waiting for $LOCK (someone else has the test fleet)" >&2
	flock 9
fi
# A fleet whose owner let go of the lock may still be going down.
i=0
while ss -Hltn 'sport = :22' | grep -q ' 127\.0\.1\.[1-4]:22 '; do
	if [ $i -ge 60 ]; then
		echo "demo: another fleet still listens on 127.0.1.1-4 after" \
			"60 s; is one left over? (tests/fleet/fleet.sh down DIR)" >&2
		exit 1
	fi
	[ $i -gt 0 ] || echo "demo: waiting for the previous fleet to go down" >&2
	sleep 1
	i=$((i + 1))
done

step "a local apt repository: four packages installed, an update for each"
sh tests/fleet/aptrepo.sh build "$REPO" 9>&- >/dev/null
sh tests/fleet/aptrepo.sh list "$REPO" 9>&-

step "four hosts (chroots with their own sshd on 127.0.1.1-4) using it"
sh tests/fleet/fleet.sh up "$FLEET" --hosts 4 --repo "$REPO" 9>&- >/dev/null

# The playbooks and plans live in git, as they would in a real team.
mkdir -p "$OPS/playbooks" "$OPS/plans"
git -C "$OPS" init -q
# reboot_commands: tp-fake-reboot, never a real reboot (see the top)
playbook() {
	cat >"$OPS/playbooks/$1.json" <<EOF
// $1: $2
{
  "targets": ["fleet"],
  "select": $3,
  "waves": [1, "100%"],
  "soak": "5s",
  "reboot": "if-required",
  "reboot_commands": { "reboot": "tp-fake-reboot", "boot_id": "tp-boot-id" },
  "verify": { "commands": ["tp-service-check"], "retries": 1, "delay": "2s" },
  "on_failure": "rollback-host",
  "notify": [{ "command": "cat >>$WORK/notify.log",
               "events": ["wave-end", "host-failed", "rollout-end"] }]
}
EOF
}
playbook monthly "every update but tp-service" '{ "exclude": ["tp-service"] }'
playbook service "the tp-service update alone" '{ "include": ["tp-service"] }'
git -C "$OPS" add playbooks
git -C "$OPS" -c user.name=demo -c user.email=demo@localhost \
	commit -q -m "playbooks: monthly and service"

step "1. plan the monthly rollout: exact versions per host, in waves"
echo "(the plan scans every target; tp-service is excluded by the playbook)"
run "$TP" plan -i "$INV" -o "$OPS/plans/monthly.json" \
	"$OPS/playbooks/monthly.json"
git -C "$OPS" add plans
git -C "$OPS" -c user.name=demo -c user.email=demo@localhost \
	commit -q -m "plan: monthly rollout"
echo
echo "committed for review: $(git -C "$OPS" log --oneline -1)"

step "what apply would do, from the reviewed plan alone (--dry-run)"
run "$TP" apply -i "$INV" --dry-run "$OPS/plans/monthly.json"

step "apply it: the canary h001, 5 s of soak, then the other three"
echo "(each host: pre-checks, stage + SHA-256 against the canary's files,"
echo " keep the old versions, apply, reboot if asked and prove it by the"
echo " boot id, verify with tp-service-check)"
run "$TP" apply -i "$INV" --yes "$OPS/plans/monthly.json"
RUN1=$(ls "$FLEET/runs" | grep -v '^\.' | sort | tail -1)

step "the run history, and the run in detail"
run "$TP" runs -i "$INV"
echo
run "$TP" runs -i "$INV" "$RUN1"

step "2. the tp-service update: 1.1-1 breaks the service"
echo "(a playbook may be applied directly: it is planned on the spot)"
run "$TP" apply -i "$INV" --yes --events "$WORK/events.jsonl" \
	"$OPS/playbooks/service.json"
RUN2=$(ls "$FLEET/runs" | grep -v '^\.' | sort | tail -1)
echo
echo "the canary failed verification, was rolled back to 1.0-1, and the"
echo "default budget (no failure allowed) kept the other hosts untouched:"
run "$TP" runs -i "$INV" "$RUN2"
echo
echo "--events wrote JSON Lines (the first four and the last):"
head -4 "$WORK/events.jsonl"
tail -1 "$WORK/events.jsonl"
echo
echo "the notify hook (wave-end, host-failed, rollout-end) heard:"
sed 's/"time":"[^"]*",//' "$WORK/notify.log"

step "3. take the monthly rollout back on h004 only"
run "$TP" rollback -i "$INV" --yes "$RUN1" h004

step "scan again, then the compliance report: what is missing where"
printf '$ tidepatch -q scan -i $DEMO/fleet/inventory fleet >/dev/null\n'
"$TP" -q scan -i "$INV" fleet >/dev/null || true
run "$TP" report -i "$INV"
run "$TP" runs -i "$INV"

step "done"
