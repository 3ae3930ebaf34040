#!/usr/bin/env bash
# The bench's smoke test for CI: a handful of orders per scenario (orchestrator, naive, engine ceiling),
# pay-ins then payouts, no thresholds. Fails only when the bench cannot run or an order fails.
# One bench process measures both kinds on one system: about 15 s of compiling and 20 s of bench on an
# idle 2-core machine. Needs the Temporal CLI (scripts/install-temporal.sh). Extra arguments go to the
# bench: `bash bench/smoke.sh --log-level=info`. Exit status: the bench's (0 when every order succeeded).
# It builds dist-bench/ as `npm run bench` does and writes no artifacts/bench figures.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

out="$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")"
trap 'rm -rf "$out"' EXIT
npx tsc -p tsconfig.bench.json

node dist-bench/bench/main.js --kind=payment,payout --orders=6 --warmup=2 --rounds=2 --concurrency=2 --out-dir="$out" "$@"
