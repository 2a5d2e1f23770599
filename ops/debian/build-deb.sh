#!/usr/bin/env bash
# Builds keygate_<version>_amd64.deb into OUTDIR (default .build-deb/out) with dpkg-deb, and prints its path.
#
#   ops/debian/build-deb.sh [OUTDIR]
#
# The binary is a release build linked with --static-swift-stdlib, so the package needs no Swift toolchain: only
# the system libraries dpkg-shlibdeps finds (libc6, libsqlite3-0, libssl3, ...). The version is `keygate --version`.
# Needs: swift, dpkg-dev (dpkg-deb, dpkg-shlibdeps), help2man. KEYGATE_DEB_SCRATCH overrides the release build's
# scratch path (default .build-deb/build, apart from .build so a running `swift build`/`swift test` is not blocked).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "${1:-$repo/.build-deb/out}" && cd "${1:-$repo/.build-deb/out}" && pwd)"
scratch="${KEYGATE_DEB_SCRATCH:-$repo/.build-deb/build}"
maintainer="${KEYGATE_DEB_MAINTAINER:-keygate maintainers <maintainers@users.noreply.b-seed-6fb4c8e7.example>}"
for tool in swift dpkg-deb dpkg-shlibdeps help2man; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool not found (apt-get install dpkg-dev help2man)" >&2; exit 1; }
done
[[ "$(dpkg --print-architecture)" == amd64 ]] || { echo "build-deb.sh: builds amd64 packages only" >&2; exit 1; }

cd "$repo"
swift build -c release --product keygate --static-swift-stdlib --scratch-path "$scratch" >&2
binary="$(swift build -c release --product keygate --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/keygate"
version="$("$binary" --version)"
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "build-deb.sh: odd version '$version'" >&2; exit 1; }
# The Swift runtime is linked in: nothing may come from the toolchain at run time.
if ldd "$binary" | grep -E 'swift|not found' >&2; then
    echo "build-deb.sh: $binary still needs the libraries above" >&2
    exit 1
fi

stage="$(mktemp -d /tmp/keygate-deb-XXXXXX)"
trap 'rm -rf "$stage"' EXIT
root="$stage/keygate_${version}_amd64"
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/etc/keygate" "$root/lib/systemd/system" \
    "$root/usr/share/keygate" "$root/usr/share/doc/keygate" "$root/usr/share/man/man1"
install -m 0755 "$binary" "$root/usr/bin/keygate"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/keygate"
install -m 0644 ops/keygate.conf "$root/etc/keygate/keygate.conf"
install -m 0644 ops/systemd/keygate.service ops/systemd/keygate.socket "$root/lib/systemd/system/"
for server in nginx apache caddy lighttpd; do
    install -d -m 0755 "$root/usr/share/keygate/$server"
    find "$server" -maxdepth 1 -type f ! -name '*.sh' -exec install -m 0644 {} "$root/usr/share/keygate/$server/" \;
done
# Monitoring: Prometheus alert rules and a Grafana dashboard.
for folder in prometheus grafana; do
    install -d -m 0755 "$root/usr/share/keygate/$folder"
    find "ops/$folder" -maxdepth 1 -type f -exec install -m 0644 {} "$root/usr/share/keygate/$folder/" \;
done
install -m 0644 README.md "$root/usr/share/doc/keygate/README.md"
gzip -9n "$root/usr/share/doc/keygate/README.md"

# The man page: help2man over `keygate --help`, with every subcommand's --help as a section of its own.
include="$stage/keygate.h2m"
{
    printf '[DESCRIPTION]\nkeygate decides, for nginx auth_request, Apache and Caddy, whether an API request carries a valid key\n'
    printf 'within its limits. It answers FastCGI and HTTP/1.1 forward-auth requests from a SQLite key store.\n'
    printf '[FILES]\n.TP\n/etc/keygate/keygate.conf\nthe configuration keygate.service starts with (\\fBkeygate serve --config\\fR).\n'
    printf '.TP\n/var/lib/keygate\nthe key database and its shared counters and state files.\n'
    printf '.TP\n/usr/share/keygate\nnginx, Apache and Caddy configuration snippets.\n'
    for command in "keys" "plans" "usage" "serve" "check" "config check" "audit" "migrate"; do
        printf '[COMMAND: %s]\n.nf\n' "${command^^}"
        # shellcheck disable=SC2086
        "$binary" $command --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"
        printf '.fi\n'
    done
} >"$include"
help2man --no-info --section=1 --name="API-key auth and quota gate for nginx, Apache and Caddy" \
    --include="$include" --output="$root/usr/share/man/man1/keygate.1" "$binary"
gzip -9n "$root/usr/share/man/man1/keygate.1"

cat >"$root/usr/share/doc/keygate/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: keygate
Comment: The keygate repository states no license of its own; ask its maintainers before redistributing.
 The binary links the Swift runtime and libraries statically (--static-swift-stdlib).

Files: *
Copyright: $(date +%Y) the keygate authors
License: none-stated

Files: Swift runtime and standard library (linked statically)
Copyright: Apple Inc. and the Swift project authors
License: Apache-2.0 with Runtime Library Exception
 See /usr/share/common-licenses/Apache-2.0 and https://swift.org/LICENSE.txt

Files: swift-argument-parser, swift-log (linked statically)
Copyright: Apple Inc. and the Swift project authors
License: Apache-2.0
 See /usr/share/common-licenses/Apache-2.0
COPYRIGHT
cat >"$stage/changelog" <<CHANGELOG
keygate ($version) unstable; urgency=medium

  * Package built from the keygate repository ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)).

 -- $maintainer  $(date -R)
CHANGELOG
gzip -9n -c "$stage/changelog" >"$root/usr/share/doc/keygate/changelog.gz"  # a native package: changelog.gz

# Depends from the libraries the binary links (dpkg-shlibdeps reads a debian/control of its own).
mkdir -p "$stage/shlibs/debian"
printf 'Source: keygate\n\nPackage: keygate\nArchitecture: amd64\n' >"$stage/shlibs/debian/control"
depends="$(cd "$stage/shlibs" && dpkg-shlibdeps -O -e"$root/usr/bin/keygate" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[[ -n "$depends" ]] || { echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

installed_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat >"$root/DEBIAN/control" <<CONTROL
Package: keygate
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $installed_kb
Depends: adduser, $depends
Suggests: nginx | apache2 | caddy
Section: httpd
Priority: optional
Description: API-key auth and quota gate for nginx, Apache and Caddy
 keygate decides whether an API request carries a valid key within its rate
 limits, quotas and credits. It sits beside nginx (auth_request), Apache
 (FastCGI authorizers) or Caddy (forward_auth), answers over FastCGI or
 HTTP/1.1, and keeps keys in SQLite. The package ships a hardened systemd
 unit, a socket unit, and the web servers' configuration snippets.
CONTROL
printf '/etc/keygate/keygate.conf\n' >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "ops/debian/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum >DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control" "$root/DEBIAN/conffiles"

deb="$out/keygate_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
