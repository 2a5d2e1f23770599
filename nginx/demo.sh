#!/usr/bin/env bash
# The keygate demo: builds keygate, creates a database with a demo key, starts `keygate serve` (HTTP on
# 127.0.0.1:8082, the fast path, and FastCGI on a unix socket) and nginx on 127.0.0.1:8080 in front of a small echo
# upstream, shows a few requests, and keeps running until Ctrl-C.
#   bash nginx/demo.sh            # run it (installs Debian packages it needs: nginx, curl, sqlite/openssl headers)
#   KEYGATE_DEMO_PORT=9080 bash nginx/demo.sh
#   KEYGATE_DEMO_ONCE=1 bash nginx/demo.sh   # show the requests and stop (no waiting)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
port="${KEYGATE_DEMO_PORT:-8080}"
upstream_port=$((port + 1))
keygate_port=$((port + 2))
dir="${KEYGATE_DEMO_DIR:-/tmp/keygate-demo}"

bash "$repo/.ci/install-deps.sh"
echo "building keygate (release)…" >&2
swift build -c release --package-path "$repo" --product keygate >&2
bin="$(swift build -c release --package-path "$repo" --show-bin-path)/keygate"

# Stop anything a previous demo run left behind, by the PIDs it recorded.
for pidfile in "$dir/nginx.pid" "$dir/keygate.pid"; do
    [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
done
sleep 0.3
rm -rf "$dir" && mkdir -p "$dir/logs" && chmod 755 "$dir"

export KEYGATE_DB="$dir/keys.db"
key_json="$("$bin" keys create --name "demo client" --owner demo@example.com --scope reports:read --expires 30d --json)"
key="$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$key_json")"
id="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$key_json")"
limited_json="$("$bin" keys create --name "limited demo" --limit 3/min --quota 1000/day --json)"
limited_key="$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$limited_json")"
other_json="$("$bin" keys create --name "revoked demo" --json)"
other_key="$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$other_json")"
"$bin" keys revoke "$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$other_json")" >/dev/null

"$bin" serve --listen "http://127.0.0.1:$keygate_port" --listen "unix:$dir/keygate.sock" --socket-mode 0666 --workers 1 \
    2>"$dir/logs/keygate.log" &
echo $! >"$dir/keygate.pid"
for _ in $(seq 50); do [[ -S $dir/keygate.sock ]] && break; sleep 0.1; done

cp "$repo/nginx/protect.conf" "$repo/nginx/keygate-http.conf" "$dir/"
sed "s#server 127.0.0.1:9000;#server 127.0.0.1:$keygate_port;#" "$repo/nginx/keygate-http-upstream.conf" \
    >"$dir/keygate-http-upstream.conf"
sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" -e "s#@UPSTREAM_PORT@#$upstream_port#g" \
    "$repo/nginx/example-nginx.conf" >"$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf"
for _ in $(seq 50); do [[ -f $dir/nginx.pid ]] && break; sleep 0.1; done

stop() {
    kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    kill "$(cat "$dir/keygate.pid")" 2>/dev/null || true
}
trap stop EXIT

show() { echo; echo "\$ $*"; "$@" 2>&1 | sed 's/^/  /'; }
cat <<TEXT

keygate demo running: nginx on http://127.0.0.1:$port, keygate on http://127.0.0.1:$keygate_port (used by nginx,
kept alive) and unix:$dir/keygate.sock (FastCGI, for Apache or fastcgi_pass)
demo key ($id, scope reports:read): $key

TEXT
show curl -sS -i -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/reports"
show curl -sS -i "http://127.0.0.1:$port/api/reports"
show curl -sS -i -H "X-API-Key: $other_key" "http://127.0.0.1:$port/api/reports"
show curl -sS -i -H "X-API-Key: $key" "http://127.0.0.1:$port/api/admin"
echo
echo "# a key limited to 3/min (and 1000/day): the 4th request in a minute gets a true 429 through nginx"
for i in 1 2 3 4; do
    echo "\$ curl -sS -o /dev/null -D - -H 'X-API-Key: $limited_key' http://127.0.0.1:$port/api/things   # request $i"
    curl -sS -o /dev/null -D - -H "X-API-Key: $limited_key" "http://127.0.0.1:$port/api/things" | grep -iE '^(HTTP|retry-after|ratelimit)' | sed 's/^/  /'
done
echo
echo "# keygate's HTTP listener answers curl directly, the way nginx asks it (204 = allow; never a body)"
show curl -sS -i -H "X-API-Key: $key" -H "X-Original-URI: /api/reports" "http://127.0.0.1:$keygate_port/_keygate"
show "$bin" check --key "$key" --uri /api/reports --scope reports:read

cat <<TEXT

Try it yourself (KEYGATE_DB=$dir/keys.db):
  curl -i -H "Authorization: Bearer $key" http://127.0.0.1:$port/api/reports
  curl -i http://127.0.0.1:$port/api/reports
  curl -i -H "X-API-Key: $limited_key" http://127.0.0.1:$port/api/things     # limited to 3/min
  curl -i -H "X-API-Key: $key" http://127.0.0.1:$keygate_port/_keygate        # ask keygate itself
  $bin keys list --db $dir/keys.db
  $bin keys revoke --db $dir/keys.db $id      # the next request with the key gets 401
Logs: $dir/logs/   Stop: Ctrl-C
TEXT
[[ -n ${KEYGATE_DEMO_ONCE:-} ]] && exit 0
while kill -0 "$(cat "$dir/keygate.pid")" 2>/dev/null; do sleep 1; done
