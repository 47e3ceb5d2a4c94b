#!/bin/sh
# Lint the man pages with mandoc: any warning fails the build, so the
# pages render the same everywhere. Cross-references to pages that do not
# exist on this machine are not errors, nor is "tidepatch(1)" cited from
# "tidepatch scan" (mandoc reads the two-word name as the page itself).
set -eu
status=0
for page in "$@"; do
	out=$(mandoc -Tlint -W warning "$page" 2>&1 | grep -v -e 'referenced manual not found' -e 'cross reference to self' || true)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "lint-man: $# pages clean"
exit "$status"
