#!/usr/bin/env bash
# The machine's PostgreSQL and Redis for the test leg that runs against them.
#   scripts/services.sh ensure          start PostgreSQL and Redis where they do not answer
#   scripts/services.sh run COMMAND...  run COMMAND with DATABASE_URL naming a fresh database of its own
#                                       and REDIS_URL with a key prefix of its own (CACHE_KEY_PREFIX);
#                                       both are removed afterwards. Another checkout may run the same
#                                       leg on the same services meanwhile: nothing is shared or flushed.
set -euo pipefail

postgres="${SERVICES_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
redis_url="${SERVICES_REDIS_URL:-redis://127.0.0.1:6379/13}"

ensure() {
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
}

case "${1:-}" in
  ensure)
    ensure
    ;;
  run)
    shift
    ensure
    run_id="$$_$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
    database="targetdemo_ci_${run_id}"
    prefix="targetdemo-ci-${run_id}"
    psql "${postgres}/postgres" -q -c "CREATE DATABASE ${database}"
    cleanup() {
      PGOPTIONS="--client-min-messages=warning" psql "${postgres}/postgres" -q \
        -c "DROP DATABASE IF EXISTS ${database} WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS test_${database} WITH (FORCE)"
      redis-cli -u "${redis_url}" --scan --pattern "${prefix}*" | xargs -r redis-cli -u "${redis_url}" del >/dev/null
    }
    trap cleanup EXIT
    echo "services: PostgreSQL database ${database}, Redis keys ${prefix}* at ${redis_url}"
    DATABASE_URL="${postgres}/${database}" REDIS_URL="${redis_url}" CACHE_KEY_PREFIX="${prefix}" "$@"
    ;;
  *)
    echo "usage: scripts/services.sh ensure | run COMMAND..." >&2
    exit 2
    ;;
esac
