#!/bin/sh
# make bench: build and run the benchmarks; prints figures, judges nothing.
set -eu
cd "$(dirname "$0")/.."
make -s build/bench/bench
./build/bench/bench tests/fixtures ./tidepatch
if [ "$(id -u)" -eq 0 ]; then
	sh bench/fleet.sh "${TP_BENCH_HOSTS:-100}"
else
	echo "fleet bench: needs root (chroots with their own sshd); skipped"
fi
