#!/usr/bin/env bash
# Runs every test file under test/ with Node's own test runner (through tsx for TypeScript).
# Node 20's --test does not expand globs itself, so the list is made here.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-reporter=spec "$@" "${files[@]}"
