# Shared by ops/run, ops/test and ops/cli-test. Source it; do not run it.

# Installs what Stockroom needs from Debian when it is missing (root on a fresh machine).
ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
  [ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "ops: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v swift >/dev/null 2>&1 || { echo "ops: swift is not on PATH (Swift 6 toolchain needed)" >&2; exit 1; }
}

# ensure_promtool: Prometheus's promtool, from Debian's prometheus package, for ops/metrics-test.
# The package's own Prometheus service must not start: a policy-rc.d that refuses every service
# start is put in place for the install when the machine has none.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  echo "ops: installing prometheus (for promtool)"
  local sudo="" policy=/usr/sbin/policy-rc.d placed=0
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && placed=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  [ "$placed" = 0 ] || $sudo rm -f "$policy"
}

# ensure_browser: Debian's Chromium and python3-websocket, for ops/browser-test.
ensure_browser() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  /usr/bin/python3 -c 'import websocket' >/dev/null 2>&1 || missing+=(python3-websocket)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ops: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts a private redis-server on a free loopback port, never the system service or 6379.
# Arguments are more redis-server options; later ones win (e.g. --appendonly yes --appendfsync always).
# Sets OPS_REDIS_PORT, OPS_REDIS_DIR and OPS_REDIS_URL; stop it with stop_redis.
start_redis() {
  OPS_REDIS_PORT=$(free_port)
  OPS_REDIS_DIR=$(mktemp -d /tmp/stockroom-redis.XXXXXX)
  OPS_REDIS_ARGS=("$@")
  OPS_REDIS_URL="redis://127.0.0.1:$OPS_REDIS_PORT"
  launch_redis
}

# Starts the private redis-server again on the same port, directory and options (after a crash: with
# an append-only file it loads what was acknowledged).
restart_redis() { launch_redis; }

# kill -9 of the private redis-server: no shutdown save, no goodbye to its clients.
kill_redis_hard() {
  local pid
  pid=$(cat "$OPS_REDIS_DIR/redis.pid" 2>/dev/null) || return 0
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$OPS_REDIS_DIR/redis.pid"
}

launch_redis() {
  redis-server --port "$OPS_REDIS_PORT" --bind 127.0.0.1 --dir "$OPS_REDIS_DIR" \
    --save "" --appendonly no --daemonize yes --pidfile "$OPS_REDIS_DIR/redis.pid" \
    --logfile "$OPS_REDIS_DIR/redis.log" "${OPS_REDIS_ARGS[@]}" >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -p "$OPS_REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "ops: redis-server did not start; see $OPS_REDIS_DIR/redis.log" >&2
  return 1
}

stop_redis() {
  if [ -n "${OPS_REDIS_DIR:-}" ] && [ -f "$OPS_REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$OPS_REDIS_DIR/redis.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$(cat "$OPS_REDIS_DIR/redis.pid" 2>/dev/null)" 2>/dev/null || break
      sleep 0.1
    done
  fi
  [ -n "${OPS_REDIS_DIR:-}" ] && rm -rf "$OPS_REDIS_DIR"
  OPS_REDIS_DIR=""
}

# Waits until a `stockroom serve` whose stdout goes to $1 prints its listening line; echoes HOST:PORT.
wait_for_listening() {
  local log=$1 pid=$2
  for _ in $(seq 1 200); do
    if grep -q '^stockroom listening on' "$log" 2>/dev/null; then
      sed -n 's/^stockroom listening on \([^ ]*\) .*/\1/p' "$log" | head -1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "ops: the server exited early:" >&2; cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "ops: the server did not start listening" >&2
  return 1
}
