#!/bin/sh
# Schema set-up of the Temporal cluster in docker-compose.yml (temporalio/admin-tools image): creates
# the two databases when missing and brings both schemas to the server's version. Safe to run at
# every start: `setup-schema -v 0.0` leaves an existing schema alone and `update-schema` applies only
# what is new — which is also how the schema is upgraded with a new server version. Any error stops
# it with a non-zero status, and the server (which depends on its success) does not start.
# The native cluster (`npm run cluster`) runs the same steps (src/cluster/temporal.ts).
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
export SQL_PLUGIN=postgres12 SQL_PORT="${SQL_PORT:-5432}"
schema=/etc/temporal/schema/postgresql/v12

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  dir="${pair##*:}"
  if ! out="$(temporal-sql-tool --db "$db" create-database 2>&1)"; then
    case "$out" in
      *"already exists"*) ;;
      *) echo "$out" >&2; echo "setup-postgres: creating database $db failed" >&2; exit 1 ;;
    esac
  fi
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
echo 'setup-postgres: schemas of temporal and temporal_visibility are up to date'
