#!/usr/bin/env python3
"""Writes fuzz/fastcgi-seeds: FastCGI streams shaped like what nginx, mod_fcgid and mod_authnz_fcgi send.

Each seed is one control byte (where FastCGIFuzzHarness cuts the stream) followed by the stream. Run it again after
changing it; the seeds are committed so that the fuzz scripts need no Python.
"""
import os
import struct
import zlib

B62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def key(prefix, random):
    """A well-formed API key: prefix, 30 base62 characters, 6 base62 digits of the CRC-32."""
    body = (prefix + random).encode()
    crc = zlib.crc32(body)
    digits = bytearray()
    for _ in range(6):
        digits.insert(0, B62[crc % 62])
        crc //= 62
    return (body + bytes(digits)).decode()


KEY = key("kg_", "AbCdEfGhIjKlMnOpQrStUvWxYz0123")
OTHER = key("acme_live_", "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876")


def record(rtype, rid, content, pad=True):
    padding = (8 - len(content) % 8) % 8 if pad else 0
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), padding, 0) + content + b"\0" * padding


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pairs(items):
    return b"".join(length(len(n)) + length(len(v)) + n.encode() + v.encode() for n, v in items)


def begin(rid, role, keep):
    return record(1, rid, struct.pack(">HB5x", role, 1 if keep else 0))


def params(rid, items, chunk=None, pad=True):
    data = pairs(items)
    out = b""
    step = chunk or max(len(data), 1)
    for start in range(0, len(data), step):
        out += record(4, rid, data[start:start + step], pad)
    return out + record(4, rid, b"", pad)


def stdin(rid, data=b""):
    return (record(5, rid, data) if data else b"") + record(5, rid, b"")


NGINX = [
    ("QUERY_STRING", "q=1"), ("REQUEST_METHOD", "POST"), ("CONTENT_TYPE", "application/json"),
    ("CONTENT_LENGTH", "11"), ("SCRIPT_NAME", "/_keygate"), ("REQUEST_URI", "/api/reports?q=1"),
    ("DOCUMENT_URI", "/_keygate"), ("DOCUMENT_ROOT", "/usr/share/nginx/html"), ("SERVER_PROTOCOL", "HTTP/1.1"),
    ("REQUEST_SCHEME", "http"), ("GATEWAY_INTERFACE", "CGI/1.1"), ("SERVER_SOFTWARE", "nginx/1.22.1"),
    ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "53412"), ("SERVER_ADDR", "127.0.0.1"), ("SERVER_PORT", "8080"),
    ("SERVER_NAME", "localhost"), ("REDIRECT_STATUS", "200"), ("HTTP_HOST", "localhost:8080"),
    ("HTTP_USER_AGENT", "curl/7.88.1"), ("HTTP_ACCEPT", "*/*"), ("KEYGATE_SCOPE", "reports:read"),
    ("KEYGATE_COST", ""), ("KEYGATE_DENY_STATUS", "403"),
]
APACHE = [
    ("FCGI_ROLE", "AUTHORIZER"), ("FCGI_APACHE_ROLE", "ACCESS_CHECKER"), ("REQUEST_METHOD", "GET"),
    ("REQUEST_URI", "/acc/index.txt?x=1"), ("QUERY_STRING", "x=1"), ("HTTP_HOST", "127.0.0.1:8081"),
    ("HTTP_CONNECTION", "close"), ("REMOTE_ADDR", "::1"), ("REMOTE_PORT", "40112"), ("KEYGATE_SCOPE", "write"),
]

SEEDS = {
    "nginx-x-api-key": (0x80, begin(1, 1, False) + params(1, NGINX + [("HTTP_X_API_KEY", KEY)]) + stdin(1, b"{\"a\":true}\n")),
    "nginx-bearer-forwarded": (0x21, begin(1, 1, False) + params(1, NGINX + [
        ("HTTP_AUTHORIZATION", "Bearer " + KEY), ("HTTP_X_FORWARDED_FOR", "203.0.113.9, 10.1.2.3"),
        ("HTTP_ORIGIN", "https://app.example"), ("KEYGATE_COST", "3")]) + stdin(1)),
    "nginx-missing": (0x07, begin(1, 1, False) + params(1, NGINX) + stdin(1)),
    "nginx-two-keys": (0x40, begin(1, 1, False) + params(1, NGINX + [
        ("HTTP_AUTHORIZATION", "Bearer " + KEY), ("HTTP_X_API_KEY", OTHER)]) + stdin(1)),
    "nginx-keepalive-pipelined": (0x33, b"".join(
        begin(rid, 1, True) + params(rid, NGINX + [("HTTP_X_API_KEY", KEY if rid % 2 else "kg_short")]) + stdin(rid)
        for rid in (1, 2, 3))),
    "fcgid-access-checker": (0x05, begin(1, 2, False) + params(1, APACHE + [
        ("HTTP_AUTHORIZATION", "Bearer " + KEY)], chunk=37, pad=False)),
    "authnz-fcgi-authorizer": (0x90, begin(1, 2, True) + params(1, [
        ("FCGI_ROLE", "AUTHORIZER"), ("FCGI_APACHE_ROLE", "AUTHORIZER"), ("REQUEST_URI", "/authz/x"),
        ("REMOTE_ADDR", "127.0.0.1"), ("HTTP_X_API_KEY", OTHER), ("KEYGATE_SCOPE", "reports:daily:read other")])),
    "apache-explain": (0x11, begin(1, 1, False) + params(1, [
        ("REDIRECT_STATUS", "401"), ("REDIRECT_KEYGATE_SCOPE", "reports:read,write"), ("REDIRECT_KEYGATE_COST", "2"),
        ("REQUEST_URI", "/acc/index.txt"), ("REMOTE_ADDR", "127.0.0.1"), ("HTTP_AUTHORIZATION", "Basic dTpw")])),
    "uri-from-script-name": (0x3F, begin(7, 1, False) + params(7, [
        ("SCRIPT_NAME", "/api"), ("PATH_INFO", "/v1/items"), ("QUERY_STRING", "api_key=" + KEY + "&x=%20"),
        ("REQUEST_METHOD", "DELETE"), ("REMOTE_ADDR", "10.0.0.1"), ("HTTP_X_FORWARDED_FOR", "2001:db8::1"),
        ("KEYGATE_DRY_RUN", "1")])),
    "long-values": (0x01, begin(1, 1, False) + params(1, [
        ("REQUEST_URI", "/api/" + "a" * 300), ("HTTP_AUTHORIZATION", "Bearer " + "x" * 200),
        ("KEYGATE_SCOPE", " ".join("s%d:read" % i for i in range(40)))])),
    "management": (0x02, record(9, 0, pairs([("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""),
        ("FCGI_MPXS_CONNS", ""), ("FCGI_MAX_CONNS", "")])) + record(200, 0, b"") + begin(1, 1, False)
        + params(1, [("REQUEST_URI", "/")])),
    "abort-and-multiplex": (0x0C, begin(1, 1, True) + params(1, NGINX)[:40] + begin(2, 1, True)
        + record(2, 1, b"") + begin(3, 3, True) + begin(4, 1, False) + params(4, [("HTTP_X_API_KEY", KEY)])),
    # Just past the limits: 65,536 PARAMS bytes and 512 pairs (the fuzzer rarely grows inputs this far).
    "params-too-large": (0x9A, begin(1, 1, False) + params(1, [("HTTP_COOKIE", "c" * 65600)], chunk=65000)),
    "too-many-params": (0x4D, begin(1, 1, False) + params(1, [("P%d" % i, "v") for i in range(513)])),
}

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "fastcgi-seeds")
os.makedirs(out, exist_ok=True)
for name, (control, stream) in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([control]) + stream)
