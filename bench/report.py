"""Writes bench/RESULTS.md from what bench/run measured in its work directory.

Everything above the "## Notes and history" heading is regenerated; that section and what follows it (hand-written
notes, the Apache table bench/apache appends) are kept.
    python3 bench/report.py WORKDIR RESULTS.md ROUNDS SECONDS_EACH
"""
import datetime
import os
import statistics
import sys

KEPT_HEADING = "## Notes and history"
work, out, rounds, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def read(name):
    path = os.path.join(work, name)
    return open(path).read().strip() if os.path.exists(path) else ""


def number(value, digits=0):
    return f"{value:,.{digits}f}" if value == value else "-"


# Samples: per scenario, the median of the rounds.
order, samples, names, families = [], {}, {}, {}
for line in read("samples.tsv").splitlines():
    sid, name, family, rps, p50, p99, requests, unexpected, errors = line.split("\t")
    if sid not in samples:
        order.append(sid)
        samples[sid] = []
        names[sid], families[sid] = name, family
    samples[sid].append((float(rps), float(p50), float(p99), int(unexpected), int(errors)))
median = {sid: statistics.median(s[0] for s in samples[sid]) for sid in order}
reference = {"fcgi": "fcgi_min", "http": "http_min"}


def ratio(a, b):
    return median[a] / median[b] if a in median and b in median and median[b] else float("nan")


def paired_ratio(a, b):
    """The median over rounds of a's req/s over b's in the same round: drift between rounds (this machine's rows move
    by 10-20% from one round to the next) cancels, which a ratio of medians does not."""
    if a not in samples or b not in samples:
        return float("nan")
    pairs = [x[0] / y[0] for x, y in zip(samples[a], samples[b]) if y[0]]
    return statistics.median(pairs) if pairs else float("nan")


# The alternating pairs (A B B A …, short slices) of the rows that ask "does this cost anything?", against kg_http:
# per slice req/s, requests, the machine's CPU µs and the measured keygate's own CPU µs.
alternating = {}
for line in read("pairs.tsv").splitlines():
    cells = line.split("\t")
    if len(cells) == 10 and float(cells[2]) > 0 and int(cells[3]) > 0 and int(cells[7]) > 0:
        base = (float(cells[2]), int(cells[3]), int(cells[4]), int(cells[5]))
        row = (float(cells[6]), int(cells[7]), int(cells[8]), int(cells[9]))
        alternating.setdefault(cells[0], []).append((base, row))


def alternating_ratio(sid):
    """The row's req/s over kg_http's, summed over the alternating pairs; nan when not measured."""
    pairs = alternating.get(sid, [])
    return sum(r[0] for _, r in pairs) / sum(b[0] for b, _ in pairs) if pairs else float("nan")


def alternating_spread(sid):
    """The per-pair ratios' lowest and highest, as text."""
    ratios = sorted(r[0] / b[0] for b, r in alternating.get(sid, []))
    return f"{ratios[0]:.2f}-{ratios[-1]:.2f} over {len(ratios)} pairs" if ratios else "not measured"


def cpu_per_request(sid):
    """(machine µs per request in kg_http's slices, keygate's own µs per request in kg_http's and in the row's)."""
    pairs = alternating.get(sid, [])
    if not pairs:
        return float("nan"), float("nan"), float("nan")
    base_requests = sum(b[1] for b, _ in pairs)
    row_requests = sum(r[1] for _, r in pairs)
    return (sum(b[2] for b, _ in pairs) / base_requests, sum(b[3] for b, _ in pairs) / base_requests,
            sum(r[3] for _, r in pairs) / row_requests)


def cpu_implied_ratio(sid):
    """The req/s ratio a CPU-bound machine gives when the row adds what it adds to keygate's own CPU per request and
    nothing else changes: machine µs per request / (that + the row's extra keygate µs per request)."""
    machine, base, row = cpu_per_request(sid)
    return machine / (machine + row - base) if machine == machine else float("nan")


def cpu_text(sid):
    machine, base, row = cpu_per_request(sid)
    if machine != machine:
        return "not measured"
    return (f"keygate's processes {base:.2f} → {row:.2f} µs CPU per request, of {machine:.1f} µs for the whole "
            f"machine")


def table_row(sid):
    rows = samples[sid]
    family = families[sid]
    vs_ref = number(ratio(sid, reference[family]), 2) if family in reference else "-"
    return (f"| {names[sid]} | {number(median[sid])} | {number(statistics.median(r[1] for r in rows))} | "
            f"{number(statistics.median(r[2] for r in rows))} | {number(ratio(sid, 'ceiling'), 2)} | {vs_ref} | "
            f"{sum(r[3] for r in rows)} / {sum(r[4] for r in rows)} |")


# In-process: ns per operation from the bench-decide table, instructions per operation from callgrind.
decide = read("decide.md")
nanos = {}
for line in decide.splitlines():
    cells = [c.strip() for c in line.strip("|").split("|")]
    if len(cells) == 4 and cells[1].isdigit():
        nanos[cells[0]] = float(cells[1])
sha_ns = nanos.get("SHA-256 of the key alone", float("nan"))
limits_ns = nanos.get("valid key with three limits (2 rate limits + 1 quota), cached: decide", float("nan"))
instructions = dict(line.split("\t") for line in read("callgrind.tsv").splitlines())
instructions = {k: int(v) for k, v in instructions.items()}
memory = dict(line.split("\t") for line in read("memory.tsv").splitlines())
notes = [n for n in read("notes.txt").splitlines() if n]
# Cluster mode: Redis lease calls (FCALL) per request admitted, over every measured run of kg_http_cluster.
cluster_rows = [l.split("\t") for l in read("cluster-redis.tsv").splitlines() if l]
if cluster_rows:
    calls = sum(int(r[0]) for r in cluster_rows)
    served = sum(int(r[1]) for r in cluster_rows)
    if served:
        notes.append(f"cluster mode (--limits-from, one host, three limits per key): {calls} Redis lease calls for "
                     f"{served} admitted requests, {calls / served:.5f} per request")


def verdict(measured, goal, at_least):
    if measured != measured:
        return "not measured"
    if goal is None:
        return f"control ({measured - 1:+.0%})"
    gap = measured / goal - 1
    ok = gap >= 0 if at_least else gap <= 0
    return f"PASS ({gap:+.0%} margin)" if ok else f"MISS ({gap:+.0%} off the target)"


targets = [
    ("keygate, three limits, vs minimal C FastCGI responder, both behind a bare auth_request (req/s)",
     ratio("kg_bare", "fcgi_min"), 0.95, True, "≥ 0.95×"),
    ("the same with the shipped keygate.conf + protect.conf (identity and RateLimit headers) (req/s)",
     ratio("kg_limits", "fcgi_min"), 0.95, True, "≥ 0.95×"),
    ("keygate, three limits, bare, vs stock libfcgi responder (req/s)", ratio("kg_bare", "libfcgi"), 1.5, True, "≥ 1.5×"),
    ("in-process decision, cached key with three limits, vs SHA-256 alone (time)", limits_ns / sha_ns, 3, False, "≤ 3×"),
    ("the same in instructions (callgrind)",
     instructions["limits"] / instructions["sha256"] if instructions.get("sha256") else float("nan"), 3, False, "≤ 3×"),
    ("in-process HTTP wire path, three limits, vs 24,622 instructions before issue 11 (callgrind)",
     instructions.get("http-limits", float("nan")) / 24622, 0.5, False, "≤ 0.5×"),
    ("worker VmRSS, largest seen (MiB)", int(memory.get("max_worker_rss_kib", "0")) / 1024 or float("nan"), 20, False, "≤ 20 MiB"),
    ("worker private memory (RssAnon), largest seen (MiB)",
     int(memory.get("max_worker_anon_kib", "0")) / 1024 or float("nan"), 20, False, "≤ 20 MiB"),
    ("worker Pss (shared pages divided among the processes), largest seen (MiB)",
     int(memory.get("max_worker_pss_kib", "0")) / 1024 or float("nan"), 20, False, "≤ 20 MiB"),
    ("keygate over HTTP vs minimal C HTTP responder, both bare (req/s)", ratio("kg_http", "http_min"), 0.9, True, "≥ 0.9×"),
    ("keygate over HTTP with metrics on (scraped every second) vs off, both bare (req/s, median of per-round ratios)",
     paired_ratio("kg_http_metrics", "kg_http"), 0.97, True, "≥ 0.97× (within noise)"),
    ("the same with the shipped keygate-http.conf + protect.conf (req/s)",
     ratio("kg_http_shipped", "http_min"), 0.9, True, "≥ 0.9×"),
    ("keygate over HTTP sharing its limits through Redis (--limits-from) vs one host alone, both bare (req/s, median "
     "of per-round ratios)",
     paired_ratio("kg_http_cluster", "kg_http"), 0.95, True, "≥ 0.95×"),
    ("keygate over HTTP while its admin API serves ~20 creates and lists a second vs without, both bare (req/s, "
     "median of per-round ratios)",
     paired_ratio("kg_http_adminload", "kg_http"), 0.95, True, "≥ 0.95× (within noise)"),
    (f"the same pairs in alternating slices (total req/s over kg_http's): cluster mode "
     f"({alternating_spread('kg_http_cluster')})",
     alternating_ratio("kg_http_cluster"), 0.95, True, "≥ 0.95×"),
    (f"admin load ({alternating_spread('kg_http_adminload')})",
     alternating_ratio("kg_http_adminload"), 0.95, True, "≥ 0.95× (within noise)"),
    (f"metrics on ({alternating_spread('kg_http_metrics')})",
     alternating_ratio("kg_http_metrics"), 0.97, True, "≥ 0.97× (within noise)"),
    (f"control: kg_http's twin, the same keygate in other processes ({alternating_spread('kg_http_twin')}); how far "
     "the rows above can read from 1 by noise alone", alternating_ratio("kg_http_twin"), None, True, "1 (noise floor)"),
    (f"cluster mode by CPU time: {cpu_text('kg_http_cluster')} (agent and redis-server included)",
     cpu_implied_ratio("kg_http_cluster"), 0.95, True, "≥ 0.95×"),
    (f"admin load by CPU time: {cpu_text('kg_http_adminload')} (admin server included)",
     cpu_implied_ratio("kg_http_adminload"), 0.95, True, "≥ 0.95× (within noise)"),
    (f"metrics on by CPU time: {cpu_text('kg_http_metrics')} (metrics server included)",
     cpu_implied_ratio("kg_http_metrics"), 0.97, True, "≥ 0.97× (within noise)"),
]

smoke = rounds < 3 or seconds < 5
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
lines = ["# keygate benchmark results", "", "Generated by `bench/run` (everything above \"Notes and history\" is rewritten on each run).", ""]
if smoke:
    lines += [f"> **SMOKE RUN** ({rounds} round(s) x {seconds} s): checks that the scripts work, not a measurement. "
              "Run `bash bench/run` with the defaults on a quiet machine for numbers.", ""]
lines += [
    f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {cpu}, {os.cpu_count()} cores. Versions: "
    + "; ".join(read("versions.txt").splitlines()) + ".",
    f"`wrk -t1 -c32 -d{seconds}s --latency` per sample, {rounds} round(s) interleaved round-robin (1 s warm-up each); "
    "median req/s, median of the rounds' p50/p99. nginx `worker_processes auto`, access_log off; keygate and every "
    "responder run 1 process; wrk, nginx and the responder share the machine's cores, so read the ratios, not the "
    "absolute numbers. The alternating pairs: after the rounds, each of kg_http_adminload, kg_http_cluster, "
    f"kg_http_metrics and kg_http's twin against kg_http in {os.environ.get('PAIRS', '8')} pairs of "
    f"{os.environ.get('PAIR_SECONDS', '3')} s slices, kg_http first in odd pairs and second in even ones, counting "
    "CPU time as well: \"by CPU time\" is machine CPU per request / (that + what the row adds to keygate's own "
    "processes' CPU per request), the req/s ratio of a CPU-bound machine whose nginx and wrk do the same work in "
    "both.",
    "",
    "## Targets",
    "",
    "| target | measured | goal | result |",
    "|---|---|---|---|",
]
for name, measured, goal, at_least, text in targets:
    lines.append(f"| {name} | {number(measured, 2)} | {text} | {verdict(measured, goal, at_least)} |")
lines += [
    "",
    "## Through nginx",
    "",
    "keygate rows use the shipped `nginx/keygate.conf` (or `keygate-http.conf`) and `protect.conf` (401/403 mapping, "
    "identity and RateLimit headers copied with `auth_request_set`; an over-limit 403 + `X-Keygate-Reason: "
    "rate_limited` becomes a 429, which is expected there), except the rows marked bare, which use a plain "
    "`auth_request` like the minimal responders' rows. HTTP rows use an "
    "upstream `keepalive 64; keepalive_requests 1000000` (as nginx/keygate-http-upstream.conf ships it). \"vs responder\": against "
    "the minimal C FastCGI responder for FastCGI rows, the minimal C HTTP responder for HTTP rows. \"unexpected / "
    "errors\": answers other than the expected status, and socket errors, over all rounds.",
    "",
    "| scenario | req/s (median) | p50 µs | p99 µs | vs ceiling | vs responder | unexpected / errors |",
    "|---|---|---|---|---|---|---|",
]
lines += [table_row(sid) for sid in order if sid != "redis"]
lines += [""] + [f"- {n}" for n in notes] if notes else []
if "redis" in samples:
    r = samples["redis"]
    lines += ["", "## Redis round trip per request (what Redis-backed limiters pay)", "",
              "`redis-benchmark -c 32 -r 100000 --csv EVAL <INCR, then EXPIRE on the first hit> 1 rl:__rand_int__` against "
              "a private redis-server on 127.0.0.1 (no persistence), interleaved with the rows above.", "",
              "| case | ops/s (median) | p50 µs | p99 µs |", "|---|---|---|---|",
              f"| {names['redis']} | {number(median['redis'])} | {number(statistics.median(x[1] for x in r))} | "
              f"{number(statistics.median(x[2] for x in r))} |"]
lines += ["", "## In-process decision path (no sockets; `keygate-bench bench-decide`, release build)", "", decide, "",
          "A cached valid key is checked for revocation on every request by reading SQLite's WAL-index header from the "
          "`-shm` mapping; `PRAGMA data_version` (shown alone above) runs only when that header changed and once a "
          "second as a backstop."]
if instructions:
    n1, n2 = os.environ.get("CALLGRIND_N1", "2000"), os.environ.get("CALLGRIND_N2", "12000")
    labels = {"sha256": "SHA-256 of the key alone",
              "fingerprint": "SipHash-2-4-128 fingerprint of the key alone (the key cache's index)",
              "valid": "valid key, cached: decide",
              "limits": "valid key with three limits, cached: decide",
              "limits-answer": "valid key with three limits: decide + render + FastCGI encode",
              "unknown": "unknown key (cached miss)", "malformed": "malformed key",
              "http-limits": "HTTP wire path, three limits: nginx's head parsed + decide + answer written (Session)",
              "fcgi-limits": "FastCGI wire path, three limits: nginx's records parsed + decide + answer written (Session)",
              "http-limits-metrics": "HTTP wire path, three limits, with --metrics-listen on (each decision counted "
                                     "and timed in the worker's metrics slot)",
              "http-limits-cluster": "HTTP wire path, three limits shared through Redis (--limits-from): the "
                                     "worker's side, spending permits its agent leased (no agent or Redis in the loop)"}
    sha = instructions.get("sha256") or 1
    lines += ["", "## Instructions per decision (callgrind; repeatable on a noisy machine)", "",
              f"`valgrind --tool=callgrind keygate-bench bench-decide --only S --iterations N` for N = {n1} and {n2}: "
              f"(Ir({n2}) - Ir({n1})) / ({n2} - {n1}), so set-up and warm-up cancel out. valgrind does not offer the CPU's "
              "SHA extensions, so under it OpenSSL hashes with its SSSE3/AVX code (natively, on a CPU with `sha_ni`, "
              "with the SHA instructions, which is faster): every row below that hashes counts that path, and the "
              "ratios to SHA-256 are lower than the native time ratios above.", "",
              "| operation | instructions | vs SHA-256 |", "|---|---|---|"]
    lines += [f"| {labels.get(k, k)} | {v:,} | {v / sha:.1f}× |" for k, v in instructions.items()]
lines += ["", "## Memory", "", read("memory.md") or "(not measured)", ""]

kept = ""
if os.path.exists(out):
    previous = open(out).read()
    if KEPT_HEADING in previous:
        kept = previous[previous.index(KEPT_HEADING):]
text = "\n".join(lines) + "\n" + kept
open(out, "w").write(text)
print(text)
