#!/usr/bin/env bash
# Registers the order workflows' custom search attributes (ORDER_SEARCH_ATTRIBUTES in
# src/contracts/search-attributes.ts) on a real Temporal cluster, with the Temporal CLI.
#
#   TEMPORAL_ADDRESS=temporal.internal:7233 TEMPORAL_NAMESPACE=payments scripts/register-search-attributes.sh
#
# The CLI also reads its usual TLS / API-key variables (TEMPORAL_TLS_CERT, TEMPORAL_API_KEY, ...).
# Safe to run again: an attribute that already exists with the same type is left alone; one that
# exists with another type is an error (changing a type needs a new attribute name).
# The dev server started by src/temporal/dev-server.ts registers them by itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
address="${TEMPORAL_ADDRESS:-localhost:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"

definitions="$root/dist/contracts/search-attributes.js"
if [[ ! -f "$definitions" ]]; then
  echo "register-search-attributes: $definitions missing; run \`npm run build\` first" >&2
  exit 1
fi
cli="$(cd "$root" && node -e 'process.stdout.write(require("./dist/temporal/binaries").temporalCliPath())')"

mapfile -t pairs < <(node -e '
  const { ORDER_SEARCH_ATTRIBUTES } = require(process.argv[1]);
  for (const [name, type] of Object.entries(ORDER_SEARCH_ATTRIBUTES)) console.log(`${name} ${type}`);
' "$definitions")

failed=0
for pair in "${pairs[@]}"; do
  read -r name type <<<"$pair"
  if output="$("$cli" operator search-attribute create --address "$address" --namespace "$namespace" \
    --name "$name" --type "$type" 2>&1)"; then
    continue
  fi
  if [[ "$output" == *"already exists"* && "$output" != *"different type"* ]]; then
    continue
  fi
  echo "register-search-attributes: $name ($type): $output" >&2
  failed=1
done
if ((failed)); then exit 1; fi
echo "register-search-attributes: ${#pairs[@]} search attributes present on $address namespace $namespace"
