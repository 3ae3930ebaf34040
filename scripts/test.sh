#!/usr/bin/env bash
# The project's test command (`npm test`): install the Temporal binaries, build, lint, type-check
# the tests, run jest. Extra arguments go to jest: `npm test -- test/gateway`.
# Ends with one line "N passed, N failed[, N skipped]" and a non-zero status on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-temporal.sh
npm run --silent build
npm run --silent lint
npx tsc --noEmit -p tsconfig.test.json

# ---- Browser tests hook ------------------------------------------------------------------------
# No browser test exists yet. When one does (playwright-core driving the system's chromium), install
# Debian's chromium here, only when such a test exists and no browser is present, e.g.
#   if find test -name '*.browser.test.ts' -print -quit | grep -q . && ! command -v chromium >/dev/null; then
#     apt-get install -y --no-install-recommends chromium
#   fi
# ------------------------------------------------------------------------------------------------

mkdir -p artifacts
results=artifacts/jest-results.json
rm -f "$results"
jest_status=0
# --forceExit: a failing test that leaves a worker polling must fail the run, not hang it (in band,
# jest waits forever for open handles; it still names them as "Force exiting Jest").
npx jest --json --outputFile="$results" --forceExit "$@" || jest_status=$?

# A suite that could not run at all (import error, failing beforeAll outside any test) has no failed
# test of its own: count it as one failure so the summary never reads "0 failed" on a red run.
summary_status=0
node -e '
  const fs = require("node:fs");
  let r;
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {
    console.log("jest wrote no results (" + process.argv[1] + ")");
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ""));
  process.exit(failed > 0 || !r.success ? 1 : 0);
' "$results" || summary_status=$?

if ((jest_status != 0 || summary_status != 0)); then exit 1; fi
