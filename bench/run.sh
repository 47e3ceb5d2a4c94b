#!/bin/sh
# make bench: build and run the benchmarks; prints figures, judges nothing.
set -eu
cd "$(dirname "$0")/.."
make -s build/bench/bench
./build/bench/bench tests/fixtures ./tidepatch
