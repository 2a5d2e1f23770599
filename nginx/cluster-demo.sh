#!/usr/bin/env bash
# Several hosts on one machine: builds keygate, starts one redis-server, one PostgreSQL (the key store) and three
# "hosts" (each nginx + keygate with --keys-from and --limits-from, each mirroring the keys into its own SQLite
# file), then sends one key's requests round-robin over the three nginx to show its quota shared by all of them, and
# revokes a key in PostgreSQL to show the revocation reaching all three. Keeps running until Ctrl-C.
#   bash nginx/cluster-demo.sh                 # installs the Debian packages it needs (nginx, redis, postgresql)
#   KEYGATE_DEMO_PORT=9180 bash nginx/cluster-demo.sh
#   KEYGATE_DEMO_ONCE=1 bash nginx/cluster-demo.sh   # show it and stop
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
base="${KEYGATE_DEMO_PORT:-8180}"
redis_port=$((base + 9))
pg_port=$((base + 8))
pg_bin=/usr/lib/postgresql/15/bin
dir="${KEYGATE_DEMO_DIR:-/tmp/keygate-cluster-demo}"

bash "$repo/.ci/install-deps.sh"
echo "building keygate (release)…" >&2
swift build -c release --package-path "$repo" --product keygate >&2
bin="$(swift build -c release --package-path "$repo" --show-bin-path)/keygate"

# Stop what a previous run left behind, by the PIDs it recorded.
for pidfile in "$dir"/*.pid "$dir"/host*/*.pid; do
    [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
done
[[ -f $dir/pg/postmaster.pid ]] && kill -INT "$(head -1 "$dir/pg/postmaster.pid")" 2>/dev/null || true
sleep 0.5
rm -rf "$dir" && mkdir -p "$dir" && chmod 755 "$dir"

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" \
    --daemonize yes --pidfile "$dir/redis.pid"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# PostgreSQL refuses to run as root: as root, the demo runs it as `nobody`.
as_pg=()
[[ $(id -u) == 0 ]] && as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
mkdir -p "$dir/pg" && chmod 700 "$dir/pg"
[[ $(id -u) == 0 ]] && chown nobody:nogroup "$dir/pg"
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg" -U keygate --auth=trust >"$dir/pg-init.log" 2>&1
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/pg -c fsync=off" start >/dev/null
pg="postgresql://keygate@127.0.0.1:$pg_port/postgres"
"$bin" init --db "$pg" >/dev/null

key_json="$("$bin" keys create --db "$pg" --name "shared demo" --quota 6/day --limit 100/min --json)"
key="$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$key_json")"
id="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$key_json")"
other_json="$("$bin" keys create --db "$pg" --name "to be revoked" --json)"
other_key="$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$other_json")"
other_id="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$other_json")"

for host in 1 2 3; do
    h="$dir/host$host"
    port=$((base + 10 * (host - 1)))
    mkdir -p "$h/logs" && chmod 755 "$h"
    "$bin" serve --db "$h/keys.db" --listen "http://127.0.0.1:$((port + 2))" --workers 1 --keys-from "$pg" \
        --limits-from "redis://127.0.0.1:$redis_port" --cluster-node "host$host" --cluster-max-nodes 3 \
        2>"$h/logs/keygate.log" &
    echo $! >"$h/keygate.pid"
    cp "$repo/nginx/protect.conf" "$repo/nginx/keygate-http.conf" "$h/"
    sed "s#server 127.0.0.1:9000;#server 127.0.0.1:$((port + 2));#" "$repo/nginx/keygate-http-upstream.conf" \
        >"$h/keygate-http-upstream.conf"
    sed -e "s#@DIR@#$h#g" -e "s#@PORT@#$port#g" -e "s#@UPSTREAM_PORT@#$((port + 1))#g" \
        "$repo/nginx/example-nginx.conf" >"$h/nginx.conf"
done
for host in 1 2 3; do
    port=$((base + 10 * (host - 1)))
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$((port + 2))/" && break; sleep 0.1; done
    for _ in $(seq 100); do grep -q "cluster agent leasing" "$dir/host$host/logs/keygate.log" && break; sleep 0.1; done
    nginx -p "$dir/host$host" -c "$dir/host$host/nginx.conf"
done
sleep 0.5

stop() {
    for host in 1 2 3; do
        kill "$(cat "$dir/host$host/nginx.pid")" 2>/dev/null || true
        kill "$(cat "$dir/host$host/keygate.pid")" 2>/dev/null || true
    done
    sleep 0.5
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null 2>&1 || true
}
trap stop EXIT

cat <<TEXT

three hosts mirroring keys from PostgreSQL ($pg) and sharing limits through redis on 127.0.0.1:$redis_port:
  host1: nginx http://127.0.0.1:$base       keygate http://127.0.0.1:$((base + 2))
  host2: nginx http://127.0.0.1:$((base + 10))    keygate http://127.0.0.1:$((base + 12))
  host3: nginx http://127.0.0.1:$((base + 20))    keygate http://127.0.0.1:$((base + 22))
key $id: a quota of 6 per day and 100 per minute, shared by all three

# nine requests, round-robin over the three nginx: exactly six pass, wherever they land
TEXT
for i in $(seq 1 9); do
    host=$(( (i - 1) % 3 + 1 ))
    port=$((base + 10 * (host - 1)))
    status="$(curl -sS -o /dev/null -D - -H "X-API-Key: $key" "http://127.0.0.1:$port/api/things" |
        grep -iE '^(HTTP|ratelimit:)' | tr -d '\r' | tr '\n' ' ')"
    echo "  request $i via host$host: $status"
done
echo
echo "# what Redis holds for the key (one hash tag per key: the same calls work on a Redis Cluster)"
redis-cli -p "$redis_port" --scan --pattern "keygate:{$id}:*" | while read -r k; do
    echo "  $k = $(redis-cli -p "$redis_port" --raw type "$k" | grep -q string && redis-cli -p "$redis_port" get "$k" || redis-cli -p "$redis_port" hgetall "$k" | tr '\n' ' ')"
done
echo "  keygate:nodes = $(redis-cli -p "$redis_port" zrange keygate:nodes 0 -1 | tr '\n' ' ')"
echo
echo "# key $other_id passes on every host; then it is revoked once, in PostgreSQL"
for host in 1 2 3; do
    echo "  host$host: $(curl -sS -o /dev/null -w '%{http_code}' -H "X-API-Key: $other_key" "http://127.0.0.1:$((base + 10 * (host - 1)))/api/things")"
done
echo "\$ keygate keys revoke --db $pg $other_id"
"$bin" keys revoke --db "$pg" "$other_id" >/dev/null
sleep 0.2
for host in 1 2 3; do
    echo "  host$host, 200 ms later: $(curl -sS -o /dev/null -w '%{http_code}' -H "X-API-Key: $other_key" "http://127.0.0.1:$((base + 10 * (host - 1)))/api/things")"
done

cat <<TEXT

Try it yourself:
  curl -i -H "X-API-Key: $key" http://127.0.0.1:$base/api/things
  $bin keys create --db $pg --name another --json     # reaches every host within milliseconds
  kill -STOP \$(cat $dir/redis.pid)    # Redis stalls: each host admits its share, no request waits > 2 ms
  kill -CONT \$(cat $dir/redis.pid)    # shared again within about a second (see each host's log)
Logs: $dir/host*/logs/   Stop: Ctrl-C
TEXT
[[ -n ${KEYGATE_DEMO_ONCE:-} ]] && exit 0
while kill -0 "$(cat "$dir/host1/keygate.pid")" 2>/dev/null; do sleep 1; done
