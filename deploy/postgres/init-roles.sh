#!/usr/bin/env bash
# Run once by the postgres image when it initialises an empty data directory
# (/docker-entrypoint-initdb.d), before 20-database.sql. Creates one role per password secret it
# is given, /run/secrets/pg_<name>_password -> cp_<name> (docker-compose.yml gives it exactly the
# roles some service connects as, from src/Deployment/Services.cs), and makes the migrator the
# database's owner: the migrator owns every schema and runs the migrations; every other role owns
# nothing and is granted, by the migrator, its own schema (or, the read-only role, SELECT on all).
# The development tool creates the same roles from the same definition on a development machine.
set -euo pipefail

create_role() {
  local role="$1" password="$2"
  psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$role" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SQL
}

for file in /run/secrets/pg_*_password; do
  name="$(basename "$file")"
  name="${name#pg_}"
  name="${name%_password}"
  [ "$name" = superuser ] && continue
  create_role "cp_$name" "$(tr -d '\n' < "$file")"
done

psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "ALTER DATABASE \"$POSTGRES_DB\" OWNER TO cp_migrator"
