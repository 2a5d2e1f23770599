#!/usr/bin/env bash
# Installs the Debian packages keygate builds and tests against (idempotent; needs root or sudo).
set -euo pipefail
packages=(libsqlite3-dev libssl-dev pkg-config nginx apache2 libapache2-mod-fcgid libfcgi-bin libfcgi-dev spawn-fcgi curl sqlite3 caddy
    redis-server lighttpd prometheus python3-prometheus-client
    # PostgreSQL as the shared key store: libpq to build against, the server (15) for the tests
    libpq-dev postgresql
    # ops/: systemd-analyze and systemd-socket-activate, strace (the unit's syscall filter), the .deb build and install
    systemd strace dpkg-dev help2man adduser python3 lintian
    # the admin console's browser test (headless, driven over the DevTools pipe by Tests/browser/console.py)
    chromium)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    echo "installing: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian packages start system-wide daemons; keygate's tests start their own on loopback instead.
for service in nginx apache2 caddy redis-server lighttpd prometheus postgresql; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
        ${SUDO:-} systemctl stop "$service" || true
    fi
done
# Without systemd the postgresql package starts its cluster through pg_ctlcluster; stop that one too.
if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header | awk '$4 == "online" { print $1, $2 }' | while read -r version cluster; do
        ${SUDO:-} pg_ctlcluster "$version" "$cluster" stop || true
    done
fi
