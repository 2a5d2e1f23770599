# Helpers shared by bench/run and bench/memory (sourced, not run). Expects `repo` and `dir` to be set.

# Installs what the benchmarks need from Debian (idempotent) and builds keygate and keygate-bench (bench-decide,
# bench-seed) in release mode; sets `bin` and `bench_bin`.
bench_prepare() {
    bash "$repo/.ci/install-deps.sh"
    local wanted=(wrk redis-server redis-tools valgrind binutils python3) missing=() package
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        echo "installing: ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    swift build -c release --package-path "$repo" --product keygate >&2
    swift build -c release --package-path "$repo" --product keygate-bench >&2
    bin="$(swift build -c release --package-path "$repo" --show-bin-path)/keygate"
    bench_bin="$(dirname "$bin")/keygate-bench"
}

# A TCP port on 127.0.0.1 that is free right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Processes to stop, by PID (never by name): bench_stop_all mid-run; bench_exit (the EXIT trap) also removes $dir
# unless KEEP_WORKDIR is set.
bench_pids=()
bench_stop_all() {
    local pid
    if [[ -f $dir/nginx.pid ]]; then kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true; fi
    for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    bench_pids=()
    for pid in 1 2 3 4 5 6 7 8 9 10; do [[ -f $dir/nginx.pid ]] || break; sleep 0.2; done
}
bench_exit() {
    bench_stop_all
    if [[ -z ${KEEP_WORKDIR:-} ]]; then rm -rf "$dir"; else echo "work directory kept: $dir" >&2; fi
}

# Waits (at most $2 seconds, default 5) until the unix socket or 127.0.0.1 port $1 accepts connections.
wait_listening() {
    local target="$1" tries
    for tries in $(seq $((${2:-5} * 10))); do
        if [[ $target == /* ]]; then
            [[ -S $target ]] && return 0
        elif (exec 3<>"/dev/tcp/127.0.0.1/$target") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listening on $target" >&2
    return 1
}

# The shipped nginx/keygate.conf (FastCGI, 401/403/429 mapping) pointed at the keygate socket $1, and protect.conf.
shipped_nginx_files() {
    sed "s#unix:/run/keygate/keygate.sock#unix:$1#" "$repo/nginx/keygate.conf" >"$dir/keygate.conf"
    cp "$repo/nginx/protect.conf" "$dir/protect.conf"
}

# The start of an nginx.conf for a private instance under $dir, up to and including `http {`.
nginx_prelude() {
    mkdir -p "$dir/logs"
    cat <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp-body; proxy_temp_path $dir/tmp-proxy; fastcgi_temp_path $dir/tmp-fcgi;
    uwsgi_temp_path $dir/tmp-uwsgi; scgi_temp_path $dir/tmp-scgi;
CONF
}

# Starts nginx with $dir/nginx.conf and waits for port $1.
start_nginx() {
    nginx -p "$dir" -c "$dir/nginx.conf"
    wait_listening "$1"
}

# Memory of process $1 in KiB, tab-separated: VmRSS RssAnon RssFile RssShmem Pss (zeros if it is gone).
memory_kib() {
    if [[ -r /proc/$1/status ]]; then
        cat "/proc/$1/status" "/proc/$1/smaps_rollup" 2>/dev/null | awk '
            /^(VmRSS|RssAnon|RssFile|RssShmem|Pss):/ { v[$1] = $2 }
            END { printf "%d\t%d\t%d\t%d\t%d\n", v["VmRSS:"], v["RssAnon:"], v["RssFile:"], v["RssShmem:"], v["Pss:"] }'
    else
        printf '0\t0\t0\t0\t0\n'
    fi
}

# The worker processes of the `keygate serve` supervisor $1.
keygate_workers() {
    ps -o pid= --ppid "$1" | tr -d ' '
}
