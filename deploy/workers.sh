#!/usr/bin/env bash
# This machine's dagster-celery workers for the instance of deploy/dagster-celery.yaml.
#
#   deploy/workers.sh run NAME   one worker in the foreground (a systemd unit, a container)
#   deploy/workers.sh start N    N workers in the background, named reach-1 .. reach-N
#                                ($REACH_WORKER_PREFIX-1 ..); PID files and logs in
#                                $REACH_WORKER_DIR (default $DAGSTER_HOME/workers)
#   deploy/workers.sh stop       stop them by PID: each first finishes the run it is
#                                executing (Celery's warm shutdown), then exits
#   deploy/workers.sh status     which of them run
#
# A worker executes one run at a time (REACH_WORKER_SLOTS, default 1): a day's processing
# already keeps two cores busy. One worker per machine; on a machine with many cores, more
# workers (or slots) each. The pool limit counts the slots of all machines together:
#   dagster instance concurrency set reach_cdf <slots of all workers>
#
# The environment, the same on every machine (deploy/README.md):
#   DAGSTER_HOME          holds deploy/dagster-celery.yaml as dagster.yaml
#   REACH_PG_*            the instance's PostgreSQL
#   REACH_CELERY_BROKER   e.g. pyamqp://guest:guest@127.0.0.1:5672//
#   REACH_CELERY_BACKEND  e.g. redis://127.0.0.1:6379/0
#   REACH_CELERY_QUEUE    the launcher's queue, e.g. dagster
#   REACH_INPUT_DIR, REACH_OUTPUT_DIR, REACH_TELEMETRY_PATH ...  on the shared file system
# and PATH with the virtualenv's bin first (dagster-celery starts `celery` from PATH).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
config=${REACH_CELERY_CONFIG:-$here/celery-worker.yaml}

fail() {
  echo "workers.sh: $*" >&2
  exit 2
}

check_env() {
  local name
  for name in DAGSTER_HOME REACH_CELERY_BROKER REACH_CELERY_BACKEND REACH_CELERY_QUEUE; do
    [ -n "${!name:-}" ] || fail "$name is not set (see the top of $0)"
  done
  [ -f "$DAGSTER_HOME/dagster.yaml" ] || fail "no $DAGSTER_HOME/dagster.yaml (copy deploy/dagster-celery.yaml there)"
  command -v dagster-celery >/dev/null || fail "dagster-celery is not on PATH (pip install 'reach_pipeline[celery]' and put its bin on PATH)"
}

worker_dir() {
  local dir=${REACH_WORKER_DIR:-$DAGSTER_HOME/workers}
  mkdir -p "$dir"
  echo "$dir"
}

run_worker() {
  # dagster-celery turns the nested file into a Celery config module, then runs
  # `celery -A dagster_celery.app worker` as its child, consuming only our queue.
  exec dagster-celery worker start -A dagster_celery.app -y "$config" -n "$1" \
    -q "$REACH_CELERY_QUEUE" -- --concurrency "${REACH_WORKER_SLOTS:-1}"
}

alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_workers() {
  local n=$1 dir i name
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || fail "start wants a number of workers, got '$n'"
  dir=$(worker_dir)
  for i in $(seq 1 "$n"); do
    name="${REACH_WORKER_PREFIX:-reach}-$i"
    if alive "$dir/$name.pid"; then
      fail "$name already runs (PID $(cat "$dir/$name.pid")); stop the workers first"
    fi
    # its own session: a signal to this shell or terminal does not reach it
    setsid "$0" run "$name" >>"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$dir/$name.pid"
    echo "started $name: PID $!, log $dir/$name.log"
  done
}

stop_workers() {
  local dir file pid child
  dir=$(worker_dir)
  for file in "$dir"/*.pid; do
    [ -e "$file" ] || continue
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
      # The Celery main process is the child of dagster-celery (PID in the file): SIGTERM
      # to it is the warm shutdown; dagster-celery exits when it has.
      for child in $(ps -o pid= --ppid "$pid"); do
        kill -TERM "$child" 2>/dev/null || true
      done
      echo "stopping $(basename "$file" .pid) (PID $pid): it finishes its run first"
      while kill -0 "$pid" 2>/dev/null; do sleep 1; done
    fi
    rm -f "$file"
  done
}

status_workers() {
  local dir file state
  dir=$(worker_dir)
  for file in "$dir"/*.pid; do
    [ -e "$file" ] || continue
    if alive "$file"; then state=running; else state=gone; fi
    echo "$(basename "$file" .pid) PID $(cat "$file") $state"
  done
}

case "${1:-}" in
run)
  [ -n "${2:-}" ] || fail "run wants a worker name"
  check_env
  run_worker "$2"
  ;;
start)
  check_env
  start_workers "${2:-1}"
  ;;
stop)
  : "${DAGSTER_HOME:?DAGSTER_HOME is not set}"
  stop_workers
  ;;
status)
  : "${DAGSTER_HOME:?DAGSTER_HOME is not set}"
  status_workers
  ;;
*)
  sed -n '2,11p' "$0" >&2
  exit 2
  ;;
esac
