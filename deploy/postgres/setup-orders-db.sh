#!/bin/sh
# The order book's database in docker-compose.yml (postgres image, as the server's superuser): a role
# `orders` and a database `orders` it owns, created when missing. Safe at every start, and it is how
# the password is rotated: the role's password is set to ORDERS_DB_PASSWORD each time. A one-shot
# rather than /docker-entrypoint-initdb.d, which runs only on an empty data volume — an existing
# installation would never get the database. The tables are the application's: the API and the
# workers apply migrations/*.sql at start. The native cluster (`npm run cluster`) does the same
# (src/cluster/postgres.ts, ensureOrdersDatabase).
set -eu
: "${PGHOST:?}" "${PGUSER:?}" "${PGPASSWORD:?}" "${ORDERS_DB_PASSWORD:?}"

# psql variables (:'name') quote the password as a literal: no shell or SQL injection through it.
psql -v ON_ERROR_STOP=1 -v pw="$ORDERS_DB_PASSWORD" -d postgres <<'SQL'
SELECT 'CREATE ROLE orders LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orders')\gexec
ALTER ROLE orders WITH LOGIN PASSWORD :'pw';
SELECT 'CREATE DATABASE orders OWNER orders' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'orders')\gexec
-- Only its owner (and the superuser) connects to the book.
REVOKE ALL ON DATABASE orders FROM PUBLIC;
SQL
echo 'setup-orders-db: database orders (owner orders) is ready'
