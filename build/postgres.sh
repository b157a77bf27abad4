#!/usr/bin/env bash
# Starts the machine's PostgreSQL cluster if it is not running and creates the
# pipeline's role and database. Safe to run any number of times.
set -euo pipefail
# Only the connection string goes to stdout (the caller captures it); everything the tools
# print (pg_ctlcluster says "removed stale pid file." after an unclean stop) goes to stderr.
exec 3>&1 1>&2
# Two set-ups started together (two checkouts, a test run beside a demo) would otherwise race in
# the catalog ("tuple concurrently updated"): one at a time. The server must not inherit the lock's
# descriptor (9>&- below), or it would hold the lock for as long as it runs.
exec 9>"${TMPDIR:-/tmp}/contestpipeline-postgres.lock"
flock 9

role="${CONTESTPIPELINE_PG_USER:-contestpipeline}"
password="${CONTESTPIPELINE_PG_PASSWORD:-contestpipeline}"
database="${CONTESTPIPELINE_PG_DATABASE:-contestpipeline}"

if ! command -v pg_ctlcluster >/dev/null; then
  echo "installing postgresql ..." >&2
  apt-get update -qq >&2 9>&-
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 9>&-
fi

# CONTESTPIPELINE_PG_CLUSTER=NAME (optionally CONTESTPIPELINE_PG_PORT, default 5499) uses a
# private cluster of that name instead, created on first use: one a fault campaign may restart
# without touching the cluster other test runs share. Drop it when done
# (pg_dropcluster VERSION NAME --stop): copies of this script before it chose "main" by name
# take the first cluster listed, and "campaign" sorts before "main".
private_cluster="${CONTESTPIPELINE_PG_CLUSTER:-}"
if [ -n "$private_cluster" ]; then
  cluster="$(pg_lsclusters --no-header | awk -v n="$private_cluster" '$2==n {print $1" "$2}')"
  if [ -z "$cluster" ]; then
    pg_version="$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')"
    pg_version="${pg_version:-15}"
    echo "creating PostgreSQL cluster $pg_version/$private_cluster on port ${CONTESTPIPELINE_PG_PORT:-5499} ..." >&2
    pg_createcluster "$pg_version" "$private_cluster" --port "${CONTESTPIPELINE_PG_PORT:-5499}" >&2
    cluster="$pg_version $private_cluster"
  fi
else
  # The shared cluster is "main" when there is one (a private cluster must never be picked
  # just for sorting first); otherwise the first.
  cluster="$(pg_lsclusters --no-header | awk '$2=="main" {print $1" "$2; exit}')"
  [ -n "$cluster" ] || cluster="$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')"
  if [ -z "$cluster" ]; then
    pg_createcluster 15 main >&2
    cluster="15 main"
  fi
fi
read -r pg_version pg_name <<<"$cluster"
status="$(pg_lsclusters --no-header | awk -v v="$pg_version" -v n="$pg_name" '$1==v && $2==n {print $4}')"
started_here=""
if [ "$status" != "online" ]; then
  echo "starting PostgreSQL $pg_version/$pg_name ..." >&2
  pg_ctlcluster "$pg_version" "$pg_name" start 3>&- 9>&-   # the server must not hold the caller's pipe open
  started_here=1
fi
port="$(pg_lsclusters --no-header | awk -v v="$pg_version" -v n="$pg_name" '$1==v && $2==n {print $3}')"

for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -p $port" && break
  sleep 1
done

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -q -X -p $port $*"; }
# Every process of a local stack holds its own connections, and the tests run several stacks side
# by side: 100 (the default) runs out. The setting applies from the next start; a cluster started
# just now is restarted at once (nobody uses it yet), one already running is left alone.
if [ "$(psql_admin "-tAc \"SHOW max_connections\"")" -lt 400 ]; then
  psql_admin "-c \"ALTER SYSTEM SET max_connections = 400\""
  if [ -n "$started_here" ]; then
    pg_ctlcluster "$pg_version" "$pg_name" restart 3>&- 9>&-
    for _ in $(seq 1 30); do su postgres -c "pg_isready -q -p $port" && break; sleep 1; done
  fi
fi
# The settings of src/Deployment/PostgresSettings.cs, which the compose file's postgres service
# starts with too (a test compares the two lists): each takes effect on a reload, so a cluster
# already running picks them up at once.
settings_changed=""
for setting in max_wal_size=4GB checkpoint_timeout=15min wal_compression=lz4; do
  name="${setting%%=*}" value="${setting#*=}"
  if [ "$(psql_admin "-tAc \"SHOW $name\"")" != "$value" ]; then
    psql_admin "-c \"ALTER SYSTEM SET $name = '$value'\""
    settings_changed=1
  fi
done
[ -z "$settings_changed" ] || psql_admin "-tAc \"SELECT pg_reload_conf()\"" >/dev/null
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$role'\"")" != "1" ]; then
  psql_admin "-c \"CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'\""
fi
# The services' roles are created from their one definition (src/Deployment/Services.cs) by the
# development tool, as compose's postgres service creates them from the same definition
# (deploy/postgres/init-roles.sh): the pipeline's role may create roles for that.
psql_admin "-c \"ALTER ROLE $role CREATEDB CREATEROLE\""
# Tests and the demo drop their own databases WITH (FORCE); an autovacuum worker busy in one
# has no role, and only members of pg_signal_backend may end it.
psql_admin "-c \"GRANT pg_signal_backend TO $role\"" 2>/dev/null || true
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_database WHERE datname = '$database'\"")" != "1" ]; then
  psql_admin "-c \"CREATE DATABASE $database OWNER $role\""
fi
echo "Host=127.0.0.1;Port=$port;Username=$role;Password=$password;Database=$database" >&3
