#!/usr/bin/env python3
"""Writes BENCHMARKS.md from the JSON results of one ops/bench run (stockroom-bench --json files).

Usage: ops/bench_report.py RESULTS_DIR OUT.md --started T --load-before L --load-after L --seconds N
       --durability D --other-durability D --quick 0|1 --soak 0|1 --commit C [--note TEXT]

It reads only what ops/bench measured in that run, so every ratio compares figures of one run on one
machine. The budget lines are the issue's (#9); a line is "met" only when its figure was measured.
"""

import argparse
import json
import os
import platform
import subprocess
from pathlib import Path

MIB = 1024 * 1024


def load(results):
    """Every JSON result of the run, by row name, in the order the rows ran."""
    rows = {}
    for path in sorted(Path(results).glob("*.json"), key=lambda path: path.stat().st_mtime):
        with open(path) as handle:
            rows[path.stem] = json.load(handle)
    return rows


def command_output(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    system = "unknown"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    system = line.split("=", 1)[1].strip().strip('"')
    swift = command_output("swift", "--version").splitlines()
    return [
        ("CPU cores", str(os.cpu_count())),
        ("CPU model", model),
        ("Memory", memory),
        ("OS", f"{system}, Linux {platform.release()}"),
        ("Swift", swift[0] if swift else "unknown"),
        ("Redis", command_output("redis-server", "--version")),
    ]


def number(value):
    return f"{value:,.0f}"


def ms(value):
    return f"{value:.3f}"


def ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def ratio_text(value):
    return "n/a" if value is None else f"{value:.2f}"


def connections(setup):
    return f"{setup['connections']} × {setup['pipeline']}"


def skus(setup):
    return "hot (1)" if setup["distribution"] == "hot" else f"{setup['distribution']} ({setup['skus']:,})"


def check_text(result):
    check = result.get("check")
    if check is None:
        return "–"
    return "balanced" if check["balanced"] else f"**FAILED** ({check['oversold_count']} oversold, {check['lost_count']} lost)"


def harness_cpu(result):
    return f"{result['harness_cpu_microseconds_per_request']:.1f}"


def cpu(value):
    return "?" if value is None else f"{value:.1f}"


def cpu_split(result):
    """harness / server / Redis CPU µs per request; the server's only for the stockroom target."""
    parts = [harness_cpu(result)]
    if result["target"] == "stockroom":
        parts.append(cpu(result.get("server_cpu_microseconds_per_request")))
    parts.append(cpu(result.get("redis_cpu_microseconds_per_request")))
    return " / ".join(parts)


def per_redis_core(redis_cpu):
    """Requests one Redis core would decide per second at this CPU cost per request."""
    return 1e6 / redis_cpu if redis_cpu else None


def closed_loop_table(rows):
    lines = [
        "| row | SKUs | conns × in flight | TLS | Redis appendfsync | Stockroom req/s | p50 ms | p99 ms | p99.9 ms "
        "| Redis req/s | p50 ms | p99 ms | ratio | Stockroom CPU µs/request: harness / server / Redis "
        "| Redis target CPU µs/request: harness / Redis | oversell check |",
        "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in rows.items():
        stockroom = row.get("stockroom")
        if not stockroom or stockroom["setup"].get("rate") or stockroom.get("memory") or name.startswith(SCALING_PREFIX):
            continue
        setup = stockroom["setup"]
        redis = row.get("redis")
        redis_cells = ["–", "–", "–", "–"]
        if redis:
            redis_cells = [
                number(redis["throughput"]), ms(redis["latency_ms"]["p50"]), ms(redis["latency_ms"]["p99"]),
                ratio_text(ratio(stockroom["throughput"], redis["throughput"])),
            ]
        checks = check_text(stockroom) + ("" if not redis else f" / {check_text(redis)}")
        lines.append(
            "| " + " | ".join([
                name, skus(setup), connections(setup), "on" if setup["tls"] else "off", setup.get("redis_durability") or "?",
                number(stockroom["throughput"]), ms(stockroom["latency_ms"]["p50"]), ms(stockroom["latency_ms"]["p99"]),
                ms(stockroom["latency_ms"]["p999"]), *redis_cells, cpu_split(stockroom), cpu_split(redis) if redis else "–", checks,
            ]) + " |"
        )
    return lines


SCALING_PREFIX = "scale-"
# Row name → (what Redis it ran on, masters, replicas per master, --sync-replicas), as ops/bench names them.
SCALING_ROWS = {
    "scale-single": ("one Redis", 1, 0, 0),
    "scale-cluster-3": ("Redis Cluster", 3, 0, 0),
    "scale-cluster-3r": ("Redis Cluster", 3, 1, 0),
    "scale-cluster-3r-sync1": ("Redis Cluster", 3, 1, 1),
}


def scaling_section(rows):
    """The same uniform load on one Redis and on 3-master clusters, and the scaling model it gives."""
    measured = [(name, rows[name]["stockroom"]) for name in SCALING_ROWS if name in rows and "stockroom" in rows[name]]
    if not measured:
        return []
    single = rows.get("scale-single", {}).get("stockroom")
    lines = [
        "The same load (10,000 uniform SKUs, 50 connections × 16 in flight) through a fresh server on one Redis and on "
        "fresh local Redis Clusters of 3 masters (`ops/cluster`), one after the other in this run; no persistence on any "
        "of them (the cluster nodes keep nothing on disk). Redis CPU is the sum over the masters: each purchase runs on "
        "exactly one master, so per purchase it is what the purchase cost that master. The replicas' CPU (applying what "
        "their masters send) is not in it.",
        "",
        "| row | Redis | masters | replicas each | --sync-replicas | req/s | vs one Redis | p50 ms | p99 ms "
        "| CPU µs/purchase: harness / server / Redis masters | purchases per master core | check |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, result in measured:
        kind, masters, replicas, sync = SCALING_ROWS[name]
        redis_cpu = result.get("redis_cpu_microseconds_per_request")
        lines.append("| " + " | ".join([
            name, kind, str(masters), str(replicas), str(sync), number(result["throughput"]),
            ratio_text(ratio(result["throughput"], single["throughput"])) if single else "–",
            ms(result["latency_ms"]["p50"]), ms(result["latency_ms"]["p99"]), cpu_split(result),
            number(per_redis_core(redis_cpu)) if redis_cpu else "?", check_text(result),
        ]) + " |")
    cluster = rows.get("scale-cluster-3", {}).get("stockroom")
    if not (single and cluster):
        return lines
    server_cpu = cluster.get("server_cpu_microseconds_per_request")
    master_cpu = cluster.get("redis_cpu_microseconds_per_request")
    single_cpu = single.get("redis_cpu_microseconds_per_request")
    if not (server_cpu and master_cpu and single_cpu):
        return lines
    total = cluster["harness_cpu_microseconds_per_request"] + server_cpu + master_cpu
    single_total = single["harness_cpu_microseconds_per_request"] + (single.get("server_cpu_microseconds_per_request") or 0) + single_cpu
    cores = os.cpu_count()
    speedup = ratio(cluster["throughput"], single["throughput"])
    lines += [
        "",
        f"**What {cores} cores allow.** The load generator, the server and every Redis process share this machine's "
        f"{cores} cores. A purchase cost {total:.1f} µs of CPU in all on the bare cluster (harness, server, masters) and "
        f"{single_total:.1f} µs on one Redis, so the cores top out near {number(cores * 1e6 / total)} and "
        f"{number(cores * 1e6 / single_total)} purchases/s whatever the number of masters: more masters add no core "
        "here. What they can do is spread Redis's work over both cores, which one Redis, a single thread, cannot; "
        "replicas only add CPU to share. So a cluster on this machine is not a measure of what it scales to: in this "
        f"run the bare cluster did {ratio_text(speedup)} of one Redis's throughput and the cluster with replicas "
        + (f"{ratio_text(ratio(rows['scale-cluster-3r']['stockroom']['throughput'], single['throughput']))}"
           if "scale-cluster-3r" in rows else "was not measured")
        + f". A purchase cost a master {master_cpu:.1f} µs of CPU on the cluster, against {single_cpu:.1f} µs on one Redis.",
        "",
        "**Scaling model.** A purchase runs on exactly one master, and no command spans two partitions, so masters add "
        "capacity independently. With N masters on N cores of their own, and the server on cores of its own:",
        "",
        f"- one master core decides about 1,000,000 / {master_cpu:.1f} µs ≈ {number(1e6 / master_cpu)} purchases/s;",
        f"- N masters: about N × {number(1e6 / master_cpu)} purchases/s, as long as the SKUs spread over the partitions "
        "(one hot SKU stays on one master: its ceiling is one master core);",
        f"- the server spends {server_cpu:.1f} µs per purchase on a cluster, so one server core carries about "
        f"{number(1e6 / server_cpu)} purchases/s; servers hold no state and scale by adding processes behind the "
        "same address;",
        "- `--sync-replicas 1` adds one WAIT per batch and its wait for a replica's acknowledgement: "
        + (f"{ratio_text(ratio(rows['scale-cluster-3r-sync1']['stockroom']['throughput'], rows['scale-cluster-3r']['stockroom']['throughput']))} "
           "of the throughput without it in this run." if "scale-cluster-3r-sync1" in rows and "scale-cluster-3r" in rows else "not measured in this run."),
        "",
        "No machine with more cores was available to measure the model on; it is an extrapolation from the CPU each "
        "process spent per purchase, which is what the table above measures.",
    ]
    return lines


def ceiling_table(rows):
    lines = [
        "| row | script | conns × in flight | Redis appendfsync | req/s | p50 ms | p99 ms | Redis CPU µs/request |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, row in rows.items():
        ceiling = row.get("ceiling")
        if ceiling:
            lines.append(
                f"| {name} | {ceiling['script']} | {ceiling['connections']} × {ceiling['pipeline']} | "
                f"{ceiling.get('redis_durability') or '?'} | {number(ceiling['throughput'])} | "
                f"{ms(ceiling['latency_ms']['p50'])} | {ms(ceiling['latency_ms']['p99'])} | "
                f"{cpu(ceiling.get('redis_cpu_microseconds_per_request'))} |"
            )
    return lines


def open_loop_table(row):
    lines = [
        "| target | rate req/s | answered req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors "
        "| CPU µs/request: harness / (server /) Redis |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for target in ("stockroom", "redis"):
        result = row.get(target)
        if result:
            latency = result["latency_ms"]
            lines.append(
                f"| {target} | {number(result['setup']['rate'])} | {number(result['throughput'])} | {ms(latency['p50'])} | "
                f"{ms(latency['p90'])} | {ms(latency['p99'])} | {ms(latency['p999'])} | {ms(latency['max'])} | "
                f"{sum(result['errors'].values()):,} | {cpu_split(result)} |"
            )
    return lines


def memory_figures(row):
    memory = row["stockroom"]["memory"]
    return memory, memory["purchases"], memory["bytes_per_purchase"], memory.get("after_trim")


def budget(rows, soak):
    """The issue's budget lines: (line, goal, measured, status)."""
    lines = []

    def stockroom(name):
        return rows.get(name, {}).get("stockroom")

    ceiling = rows.get("ceiling-50x16", {}).get("ceiling")
    for name, goal, label in (
        ("hot-50x16", 1.0, "Throughput, hot SKU, 50 conn × 16, full purchase vs the minimal-script ceiling"),
        ("uniform-50x16", 0.8, "Throughput, 10k uniform SKUs, 50 conn × 16, vs the ceiling"),
    ):
        result = stockroom(name)
        if result and ceiling:
            value = result["throughput"] / ceiling["throughput"]
            measured = f"{value:.2f}× ({number(result['throughput'])} / {number(ceiling['throughput'])} req/s)"
            lines.append((label, f"≥ {goal:.1f}×", measured, "met" if value >= goal else "not met yet"))
        else:
            lines.append((label, f"≥ {goal:.1f}×", "not measured", "not measured"))
    ceiling_cpu = (ceiling or {}).get("redis_cpu_microseconds_per_request")
    for name, goal, label in (
        ("hot-50x16", 1.0, "Purchases per Redis core, hot SKU, 50 conn × 16, vs the ceiling's (Redis CPU per request)"),
        ("uniform-50x16", 0.8, "Purchases per Redis core, 10k uniform SKUs, 50 conn × 16, vs the ceiling's"),
    ):
        result = stockroom(name)
        redis_cpu = (result or {}).get("redis_cpu_microseconds_per_request")
        if redis_cpu and ceiling_cpu:
            value = ceiling_cpu / redis_cpu
            measured = (f"{value:.2f}× ({number(per_redis_core(redis_cpu))} / {number(per_redis_core(ceiling_cpu))} per "
                        f"Redis CPU-second: {redis_cpu:.1f} / {ceiling_cpu:.1f} µs of Redis CPU per purchase)")
            lines.append((label, f"≥ {goal:.1f}×", measured, "met" if value >= goal else "not met yet"))
        else:
            lines.append((label, f"≥ {goal:.1f}×", "not measured", "not measured"))

    memory_row = rows.get("memory")
    if memory_row and memory_row.get("stockroom", {}).get("memory"):
        memory, purchases, in_streams, after_trim = memory_figures(memory_row)
        enough = purchases >= 1_000_000
        suffix = "" if enough else f" (over {purchases:,} purchases, fewer than the 1M the budget asks)"

        def status(value, goal):
            if value > goal:
                return "not met yet"
            return "met" if enough else "not measured"

        lines.append((
            "Redis memory per purchase, events still in their streams", "≤ 160 B", f"{in_streams:.0f} B{suffix}",
            status(in_streams, 160),
        ))
        if after_trim is None:
            lines.append(("Redis memory per purchase, acknowledged and trimmed", "≤ 100 B", "not measured: " +
                          "; ".join(memory.get("notes", [])), "not measured"))
        else:
            lines.append((
                "Redis memory per purchase, acknowledged and trimmed", "≤ 100 B", f"{after_trim:.0f} B{suffix}",
                status(after_trim, 100),
            ))

    open_loop = rows.get("open-loop", {})
    if open_loop.get("stockroom") and open_loop.get("redis"):
        value = ratio(open_loop["stockroom"]["latency_ms"]["p99"], open_loop["redis"]["latency_ms"]["p99"])
        measured = (f"{ratio_text(value)}× ({ms(open_loop['stockroom']['latency_ms']['p99'])} / "
                    f"{ms(open_loop['redis']['latency_ms']['p99'])} ms at {number(open_loop['stockroom']['setup']['rate'])} req/s)")
        lines.append(("Open-loop p99 at half of Stockroom's peak, vs Redis's p99 at that rate", "≤ 2×", measured,
                      "met" if value is not None and value <= 2 else "not met yet"))

    idle = rows.get("idle", {}).get("idle")
    if idle and idle.get("samples"):
        rss_open, growth = idle["rss_open"], idle["rss_growth"]
        held = idle["samples"][-1]["seconds"]
        if rss_open > 100 * MIB:
            rss_status = "not met yet"
        else:
            rss_status = "met" if idle["connections"] >= 10_000 else "not measured (fewer than 10,000 connections)"
        lines.append((
            f"Server RSS with {idle['connections']:,} idle connections", "≤ 100 MiB (10,000 connections)",
            f"{rss_open / MIB:.1f} MiB", rss_status,
        ))
        if soak and held >= 300:
            lines.append(("Server RSS growth over 5 minutes, idle", "none", f"{growth / MIB:+.1f} MiB over {held:.0f} s",
                          "met" if growth <= 1 * MIB else "not met yet"))
        else:
            lines.append(("Server RSS growth over 5 minutes, idle", "none",
                          f"{growth / MIB:+.1f} MiB over {held:.0f} s only; the 5-minute soak is not run in the standard set "
                          "(`ops/bench --soak`)", "not measured"))

    tls, plain = stockroom("tls-hot-50x16"), stockroom("hot-50x16")
    if tls and plain:
        value = tls["throughput"] / plain["throughput"]
        lines.append(("TLS throughput vs plaintext (hot SKU, 50 × 16)", "≥ 0.8×",
                      f"{value:.2f}× ({number(tls['throughput'])} / {number(plain['throughput'])} req/s)",
                      "met" if value >= 0.8 else "not met yet"))
    return lines


def where_the_time_goes(rows):
    """The CPU a purchase of row hot-50x16 cost each process, against the ceiling's, and what it implies."""
    stockroom = rows.get("hot-50x16", {}).get("stockroom")
    ceiling = rows.get("ceiling-50x16", {}).get("ceiling")
    if not stockroom or not ceiling:
        return []
    harness = stockroom["harness_cpu_microseconds_per_request"]
    server = stockroom.get("server_cpu_microseconds_per_request")
    redis = stockroom.get("redis_cpu_microseconds_per_request")
    ceiling_redis = ceiling.get("redis_cpu_microseconds_per_request")
    ceiling_generator = ceiling.get("load_generator_cpu_microseconds_per_request")
    if server is None or redis is None or ceiling_redis is None or ceiling_generator is None:
        return []
    total = harness + server + redis
    cores = os.cpu_count() or 1
    return [
        f"Row `hot-50x16`: each purchase cost {harness:.1f} µs of CPU in the load generator, {server:.1f} µs in the server and "
        f"{redis:.1f} µs in Redis, {total:.1f} µs in all. {cores} cores run {number(cores * 1e6 / total)} such purchases a second "
        f"at most; the row made {number(stockroom['throughput'])}. The ceiling row's script cost Redis {ceiling_redis:.1f} µs a "
        f"call and redis-benchmark {ceiling_generator:.1f} µs, {ceiling_redis + ceiling_generator:.1f} µs in all, with no server "
        f"between them: on shared cores, the {harness + server:.1f} µs of harness and server per purchase, not Redis, is "
        "most of the gap between the throughput rows of the budget.",
        "",
        f"Per Redis core, which is what a deployment with the server and clients on other machines pays: Stockroom's full "
        f"purchase lets one Redis core decide {number(per_redis_core(redis))} purchases a second, the minimal script "
        f"{number(per_redis_core(ceiling_redis))}. The profiles behind these figures, and what would close the rest of the "
        "gap, are in [benchmarks/PROFILE.md](benchmarks/PROFILE.md).",
    ]


CONSOLE_BUDGET_MS = 200


def console_section(rows):
    """The console's pages on a large data set (ops/bench-console): render times and Redis commands per load."""
    console = rows.get("console", {}).get("console")
    if not console:
        return []
    lines = [
        f"`ops/bench-console`: `stockroom console` on a private Redis holding {console['skus']:,} SKUs, "
        f"{console['orders']:,} factory orders (every state) and {console['dead_letters']:,} dead letters "
        "(`stockroom-bench console-data`). Each page is loaded once to warm up, once between two reads of Redis's "
        f"`total_commands_processed` (commands a load costs Redis, those run inside scripts included), then "
        f"{len(console['pages'][0]['seconds'])} times timed by curl (the whole request, on loopback). "
        f"The budget is {CONSOLE_BUDGET_MS} ms a page.",
        "",
        "| page | bytes | Redis commands | median ms | p95 ms | max ms | within budget |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for page in console["pages"]:
        times = sorted(page["seconds"])
        p95 = times[max(0, round(len(times) * 0.95) - 1)]
        median = times[len(times) // 2]
        lines.append(
            f"| `{page['path']}` | {page['bytes']:,} | {page['redis_commands']} | {median * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{times[-1] * 1000:.1f} | {'yes' if times[-1] * 1000 < CONSOLE_BUDGET_MS else 'NO'} |"
        )
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("out")
    for name in ("started", "load-before", "load-after", "seconds", "durability", "other-durability", "commit"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--quick", type=int, default=0)
    parser.add_argument("--soak", type=int, default=0)
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    rows = load(args.results)
    plots_dir = os.path.relpath(args.results, os.path.dirname(os.path.abspath(args.out)))
    out = []
    add = out.append
    add("# Benchmarks")
    add("")
    add("Written by `ops/bench`" + (" --quick (a smoke run: short rows, few purchases; not the standard set)" if args.quick else "")
        + f" on {args.started}, commit `{args.commit}`, in {args.seconds} s. Every figure here comes from that one run on "
        "one machine: compare ratios, not absolute numbers, across machines. How to run it again is at the end.")
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("| --- | --- |")
    for key, value in machine():
        add(f"| {key} | {value} |")
    add(f"| Load average (1, 5, 15 min) | {args.load_before} before the set, {args.load_after} after |")
    if args.note:
        add(f"| Note | {args.note} |")
    add("")
    add("Redis, the server and the load generator share the cores. The load generator runs one event-loop thread, as "
        "redis-benchmark does, and its Swift tasks run on that thread too; each result says how much CPU it spent per "
        "request (`harness_cpu_microseconds_per_request` in the JSON).")
    add("")
    add("## Closed loop: through Stockroom, and Redis straight with the same script")
    add("")
    add(f"Each row runs {'2' if args.quick else '5'} s through Stockroom's client library (`--target stockroom`), then the same "
        "load straight on Redis with Stockroom's own purchase script (`--target redis`: EVALSHA from Swift, same connections, "
        "pipeline and SKUs). Every purchase sells (stock 10^12 per SKU). Ratio = Stockroom / Redis throughput. The check is "
        "sold + remaining = stock set, per SKU, for each target. Harness CPU is what the load generator itself spent per "
        "request (Stockroom / Redis): CPU the server and Redis did not get on these shared cores.")
    add("")
    out.extend(closed_loop_table(rows))
    add("")
    add("## Ceiling: redis-benchmark on the same Redis")
    add("")
    add("`minimal` is the purchase-shaped script the budget is measured against (HGET, HINCRBY, XADD of the sale); "
        "`purchase` is Stockroom's full purchase script, run by redis-benchmark instead of the harness.")
    add("")
    out.extend(ceiling_table(rows))
    if "open-loop" in rows:
        add("")
        add("## Open loop at half of Stockroom's peak")
        add("")
        add("The rate is half the Stockroom throughput of row `hot-50x16`. Requests leave on a fixed schedule; latency counts "
            "from when each was due (corrected for coordinated omission, as wrk2 does), at most 16 in flight on each of 50 "
            "connections. Each request waits for its time on an event-loop timer, which is why the harness spends more CPU per "
            "request here than in a closed loop.")
        add("")
        out.extend(open_loop_table(rows["open-loop"]))
    if "memory" in rows and rows["memory"].get("stockroom", {}).get("memory"):
        memory, purchases, in_streams, after_trim = memory_figures(rows["memory"])
        add("")
        add("## Redis memory per purchase")
        add("")
        add(f"A fresh Redis and a server running the ops workers; {purchases:,} purchases of a hot SKU with 16-byte purchase "
            "ids, 50 connections × 16. `used_memory` before the load; after it, once every consumer group acknowledged every "
            "event (the events still in their streams); and after the harness trimmed the streams with the sweeper's own "
            "trimmer (`StreamTrimmer`, which keeps whatever a group still needs).")
        add("")
        add("| used_memory before | with events in streams | after trim |")
        add("| ---: | ---: | ---: |")
        after = memory.get("used_after_trim")
        add(f"| {memory['used_before'] / MIB:.1f} MiB | {memory['used_in_streams'] / MIB:.1f} MiB | "
            f"{'n/a' if after is None else f'{after / MIB:.1f} MiB'} |")
        add("")
        add("```")
        after_text = "n/a" if after_trim is None else f"{after_trim:.0f}"
        add(f"memory bytes_per_purchase={in_streams:.0f} after_trim={after_text}")
        add("```")
        for note in memory.get("notes", []):
            add(f"- {note}")
    idle = rows.get("idle", {}).get("idle")
    if idle and idle.get("samples"):
        add("")
        add("## Idle connections")
        add("")
        samples = idle["samples"]
        before = idle.get("rss_before")
        add(f"{idle['connections']:,} connections opened (HELLO done, then silent) in {idle['open_seconds']:.1f} s on a fresh "
            f"server without workers; its RSS was {'?' if before is None else f'{before / MIB:.1f} MiB'} before, "
            f"{samples[0]['rss'] / MIB:.1f} MiB with them open and {samples[-1]['rss'] / MIB:.1f} MiB after "
            f"{samples[-1]['seconds']:.0f} s ({samples[-1]['descriptors']:,} descriptors open).")
    for title, section in (
        ("Scaling: one Redis and a Redis Cluster", scaling_section(rows)),
        ("Where the time goes", where_the_time_goes(rows)),
        ("Console pages (issue #11)", console_section(rows)),
    ):
        if section:
            add("")
            add(f"## {title}")
            add("")
            out.extend(section)
    add("")
    add("## Budget (issue #9)")
    add("")
    add("| budget line | goal | measured | status |")
    add("| --- | --- | --- | --- |")
    for line, goal, measured, status in budget(rows, args.soak):
        add(f"| {line} | {goal} | {measured} | {status} |")
    add("")
    add("## Plots")
    add("")
    add("HdrHistogram percentile distributions: latency against percentile on a log `1/(1−p)` axis, several runs per chart.")
    add("")
    for plot in sorted(Path(args.results).glob("*.svg")):
        add(f"![{plot.stem}]({plots_dir}/{plot.name})")
        add("")
    add("## How to reproduce")
    add("")
    add("```sh")
    add(f"ops/bench{' --durability ' + args.durability if args.durability != 'everysec' else ''}            # the standard set (about 7 minutes on 2 cores); writes BENCHMARKS.md and benchmarks/")
    add("ops/bench --quick    # a smoke run of about a minute, written to /tmp/stockroom-bench-quick")
    add("ops/bench --soak     # the set with a 5-minute idle-connection soak")
    add("```")
    add("")
    add(f"Every row starts a fresh Redis (appendfsync `{args.durability}`, or `{args.other_durability}` for the rows named "
        "after it; automatic AOF rewrites off, so that no fork lands in the middle of a row) and a fresh server on it "
        "(one event loop per core, its default; no workers but for the memory row), so that no row inherits another's records. A ceiling row "
        "runs on the Redis of the row it is compared with, right after it. One row by hand, against a running server "
        "and its Redis:")
    add("")
    add("```sh")
    add("stockroom-bench --server 127.0.0.1:7400 --redis redis://127.0.0.1:6390 --compare \\")
    add("  --connections 50 --pipeline 16 --duration 5 --json hot.json")
    add("stockroom-bench --plot hot.svg hot.json")
    add("```")
    Path(args.out).write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
