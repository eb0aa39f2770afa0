#!/usr/bin/env bash
# Start a throwaway JupyterLab (galata configuration, temporary root), run Playwright against
# it in the system's chromium, stop the server. Usage: run.sh [playwright args...]
# Environment: VENV_BIN (the venv's bin folder, required), PORT (default: a free port).
# Other Jupyter servers may run on this machine: the port is picked free, the server may not move
# to another one, and a marker file in our temporary root proves the answering server is ours.
set -euo pipefail
cd "$(dirname "$0")"
: "${VENV_BIN:?set VENV_BIN to the virtualenv bin folder}"
PORT="${PORT:-$("$VENV_BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
export PATH="$VENV_BIN:$PATH"
export JUPYTERLAB_GALATA_ROOT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/lifecycle-galata-XXXXXX")"
MARKER="galata-server-$(basename "$JUPYTERLAB_GALATA_ROOT_DIR").txt"  # removed once checked
touch "$JUPYTERLAB_GALATA_ROOT_DIR/$MARKER"
export LIFECYCLE_PYTHON="$VENV_BIN/python"
export TARGET_URL="http://127.0.0.1:$PORT"
LOG="$PWD/server.log"

"$VENV_BIN/jupyter" lab --config jupyter_server_test_config.py --no-browser --allow-root \
  --IdentityProvider.token='' --port "$PORT" --ServerApp.port_retries=0 --ServerApp.ip=127.0.0.1 >"$LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$JUPYTERLAB_GALATA_ROOT_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -sf -o /dev/null "$TARGET_URL/api/contents/$MARKER"; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "JupyterLab did not start; its log:" >&2; cat "$LOG" >&2; exit 1
  fi
  sleep 0.5
done
curl -sf -o /dev/null "$TARGET_URL/api/contents/$MARKER" || {
  echo "our JupyterLab did not answer on $TARGET_URL (another server on that port?); its log:" >&2
  cat "$LOG" >&2; exit 1; }
rm "$JUPYTERLAB_GALATA_ROOT_DIR/$MARKER"

jlpm playwright test "$@"
