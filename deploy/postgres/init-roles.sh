#!/usr/bin/env bash
# Run once by the postgres image when it initialises an empty data directory
# (/docker-entrypoint-initdb.d). Creates the pipeline's roles, each with the password in its
# compose secret: the migrator owns the database and every schema in it and runs the
# migrations; each worker's role owns nothing and is granted, by the migrator, use of its own
# schema only; the operations role reads every worker's schema and writes nothing.
# build/postgres.sh creates the same roles on a development machine.
set -euo pipefail

secret() { tr -d '\n' < "/run/secrets/$1"; }

create_role() {
  local role="$1" password="$2"
  psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$role" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SQL
}

create_role cp_migrator "$(secret pg_migrator_password)"
for worker in ingestion scoring settlement payout operations player_api; do
  create_role "cp_$worker" "$(secret "pg_${worker}_password")"
done

psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
ALTER DATABASE "$POSTGRES_DB" OWNER TO cp_migrator;
-- Nobody but the migrator creates anything: not in public, not a temporary table.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE "$POSTGRES_DB" FROM PUBLIC;
SQL
