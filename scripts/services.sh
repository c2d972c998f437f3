#!/usr/bin/env bash
# Make sure the machine's PostgreSQL and Redis answer, start them if they do not, and give the
# test leg a fresh database and an empty Redis database.
#   scripts/services.sh ensure DATABASE_URL REDIS_URL
set -euo pipefail

database_url="$2"
redis_url="$3"
db_name="${database_url##*/}"
redis_db="${redis_url##*/}"

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS ${db_name} WITH (FORCE)" \
  -c "DROP DATABASE IF EXISTS test_${db_name} WITH (FORCE)" -c "CREATE DATABASE ${db_name}"
redis-cli -h 127.0.0.1 -p 6379 -n "${redis_db}" flushdb >/dev/null
echo "services: PostgreSQL database ${db_name} and Redis db ${redis_db} are ready"
