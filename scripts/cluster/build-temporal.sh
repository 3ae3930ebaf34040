#!/usr/bin/env bash
# Builds the pinned Temporal server, temporal-sql-tool and Temporal UI server (deploy/temporal/versions.env)
# from the Go module proxy into .temporal/cluster/<version>/bin — the same versions as the images of
# docker-compose.yml. Idempotent: does nothing when the binaries of the pinned versions are there.
# Cold, the build takes minutes (about 3 on 2 cores); the Go module and build caches make a rebuild quick.
# Prints the bin folder on stdout (progress goes to stderr). Fails loudly when Go is missing or the build fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../deploy/temporal/versions.env
source "$root/deploy/temporal/versions.env"
readonly server_module='go.temporal.io/server'
readonly ui_module='github.com/temporalio/ui-server/v2'
target="$root/.temporal/cluster/server-$TEMPORAL_SERVER_VERSION-ui-$TEMPORAL_UI_VERSION"
bin="$target/bin"

if [[ -x "$bin/temporal-server" && -x "$bin/temporal-sql-tool" && -x "$bin/temporal-ui-server" && -d "$target/schema/postgresql" ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-temporal: Go is not installed (needed to build the Temporal server $TEMPORAL_SERVER_VERSION)" >&2; exit 1; }

export GOFLAGS='-mod=mod -buildvcs=false' GOTOOLCHAIN=local CGO_ENABLED=0 GONOSUMDB='' GOSUMDB="${GOSUMDB:-sum.golang.org}"
mkdir -p "$target/server-module" "$target/ui-module" "$bin"

# A tiny module per program that requires the pinned version; `go build <package>` then builds it as released.
build() { # <dir> <module> <version> <package> <output>
  local dir="$1" module="$2" version="$3" package="$4" output="$5"
  printf 'module local/build\n\ngo 1.25\n\nrequire %s v%s\n' "$module" "$version" >"$dir/go.mod"
  (cd "$dir" && go mod download "$module" && go build -trimpath -ldflags='-s -w' -o "$bin/$output" "$package")
}

started=$SECONDS
echo "build-temporal: building $server_module v$TEMPORAL_SERVER_VERSION (server, sql tool) and $ui_module v$TEMPORAL_UI_VERSION..." >&2
build "$target/server-module" "$server_module" "$TEMPORAL_SERVER_VERSION" "$server_module/cmd/server" temporal-server
build "$target/server-module" "$server_module" "$TEMPORAL_SERVER_VERSION" "$server_module/cmd/tools/sql" temporal-sql-tool
build "$target/ui-module" "$ui_module" "$TEMPORAL_UI_VERSION" "$ui_module/cmd/server" temporal-ui-server

# The module ships the SQL schemas that temporal-sql-tool applies (setup-schema, update-schema).
module_dir="$(cd "$target/server-module" && go list -m -f '{{.Dir}}' "$server_module")"
rm -rf "$target/schema"
mkdir -p "$target/schema"
cp -R "$module_dir/schema/postgresql" "$target/schema/postgresql"
chmod -R u+w "$target/schema"
echo "build-temporal: built in $((SECONDS - started)) s into ${bin#"$root/"}" >&2
echo "$bin"
