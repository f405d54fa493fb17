#!/usr/bin/env bash
# `make test-client`: the service's contract proven from the client side, against a live
# service on loopback with the demo organization, in a throwaway data folder:
#   a TypeScript client generated from the served openapi.json, compiled with tsc --strict
#   and run (src/contract.ts); GraphQL documents validated with graphql-js and run
#   (src/graphql.ts); a reference page on another origin and the service's docs in headless
#   Chromium with the network beyond 127.0.0.1 blocked (src/browser.ts).
# Needs node 20+ and npm, and the project venv (make builds it first); installs the npm
# packages from the lockfile (npm ci) and Debian's chromium when missing.
set -euo pipefail
cd "$(dirname "$0")"
OKR=${OKR:-../.venv/bin/okr}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
# The service must start from this script's settings alone: never the caller's database.
unset DATABASE_URL $(compgen -e | grep '^OKR_' || true)

now() { date +%s%N; }
seconds() {  # seconds FROM TO (nanoseconds) -> "12.3"
  local ms=$(( ($2 - $1) / 1000000 ))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
BEGAN=$(now); SUMMARY=(); CURRENT=""; DATA=""; SERVE_PID=""

step() {  # step NAME COMMAND...: run it, timed, into the summary
  CURRENT=$1; shift
  echo "== $CURRENT"
  local started; started=$(now)
  "$@"
  SUMMARY+=("$(printf '%6ss  %s' "$(seconds "$started" "$(now)")" "$CURRENT")")
  CURRENT=""
}

stop_service() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID"  # okr serve stops its embedded Postgres on the way out
    for _ in $(seq 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVE_PID" 2>/dev/null || true
  fi
  local postmaster="$DATA/pgdata/postmaster.pid"
  if [ -n "$DATA" ] && [ -f "$postmaster" ]; then  # left behind by a killed serve
    kill -INT "$(head -1 "$postmaster")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$postmaster" ] || break; sleep 0.2; done
  fi
}

finish() {
  local status=$?
  stop_service
  if [ "$status" -ne 0 ] && [ -n "$DATA" ] && [ -s "$DATA/serve.log" ]; then
    echo "-- the service's log (last lines):"; tail -n 20 "$DATA/serve.log"
  fi
  [ -n "$DATA" ] && rm -rf "$DATA"
  echo "== summary"
  printf '%s\n' "${SUMMARY[@]}"
  [ -n "$CURRENT" ] && echo "  FAILED  $CURRENT"
  printf '%6ss  total\n' "$(seconds "$BEGAN" "$(now)")"
  if [ "$status" -eq 0 ]; then echo "make test-client: ok"; else echo "make test-client: FAILED"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

install_packages() {  # npm ci again only when the lockfile changed
  local stamp=node_modules/.installed
  if [ ! "$stamp" -nt package-lock.json ] || [ ! "$stamp" -nt package.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

install_chromium() {
  local missing=()
  [ -x "$CHROMIUM" ] || missing+=(chromium)
  # The demo's names are Chinese: without a CJK font the screenshots show boxes.
  fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

free_ports() {  # two free loopback ports, held together so they differ
  node -e 'const net = require("net"); const a = net.createServer(), b = net.createServer();
    a.listen(0, "127.0.0.1", () => b.listen(0, "127.0.0.1", () => {
      console.log(a.address().port, b.address().port); a.close(); b.close(); }));'
}

ready() {  # whether the service answers /readyz (node, not curl: one prerequisite fewer)
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "$API/readyz"
}

start_service() {
  read -r API_PORT PAGE_PORT < <(free_ports)
  API="http://127.0.0.1:$API_PORT"
  DATA=$(mktemp -d "${TMPDIR:-/tmp}/okr-client.XXXXXX")
  export OKR_DATA_DIR="$DATA" OKR_LOG_LEVEL=warning
  OKR_HOST=127.0.0.1 OKR_PORT="$API_PORT" OKR_CORS_ORIGINS="[\"http://127.0.0.1:$PAGE_PORT\"]" \
    "$OKR" serve >"$DATA/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 600); do
    ready && break
    kill -0 "$SERVE_PID" 2>/dev/null || { echo "okr serve exited"; return 1; }
    sleep 0.1
  done
  ready || { echo "okr serve not ready in time"; return 1; }
  "$OKR" demo --ttl 30m >"$DATA/demo.json" 2>>"$DATA/serve.log"
  local ids
  ids=$(node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
    console.log(d.organization_id, d.members.admin)' "$DATA/demo.json")
  read -r ORG ADMIN <<<"$ids"
  TOKEN=$("$OKR" token --org "$ORG" --member "$ADMIN" --role admin --ttl 30m)
  echo "  $API (page origin http://127.0.0.1:$PAGE_PORT), demo organization $ORG"
}

generate_client() {
  rm -rf generated && mkdir generated
  # --default-non-nullable false: a field with a default stays optional in request bodies
  # (openapi-typescript would otherwise make the caller send every defaulted field).
  node_modules/.bin/openapi-typescript "$API/openapi.json" -o generated/api.ts \
    --default-non-nullable false
}

compile() {
  node_modules/.bin/tsc -p tsconfig.json --strict --noEmit
  node_modules/.bin/esbuild src/contract.ts src/graphql.ts src/browser.ts --bundle \
    --platform=node --format=esm --target=node20 --packages=external --outdir=build \
    --log-level=warning
  node_modules/.bin/esbuild page/main.ts --bundle --platform=browser --target=es2022 \
    --outfile=build/page/app.js --log-level=warning
}

node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' ||
  { echo "node 20+ is needed (found $(node --version))"; exit 1; }
step "npm ci (client/package-lock.json)" install_packages
step "Debian chromium (and a CJK font)" install_chromium
step "start the service, load the demo, mint a token" start_service
step "generate the TypeScript client from /openapi.json" generate_client
step "tsc --strict, esbuild" compile
step "generated client against the service" node build/contract.js "$API" "$TOKEN"
step "GraphQL documents (graphql-js)" node build/graphql.js "$API" "$TOKEN"
step "headless Chromium: page, /docs, /graphql" node build/browser.js "$API" "$TOKEN" "$PAGE_PORT"
step "stop the service" stop_service
echo "  screenshots: $(pwd)/artifacts/*.png"
