"""The results table: each figure as median [min-max] over the repetitions, beside the
same run's ceiling as a ratio, and issue 16's goal."""

import statistics


def spread(runs, key):
    values = [run[key] for run in runs if run.get(key) is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def shown(figure, digits=0):
    if figure is None:
        return "-"
    f = f"{{:.{digits}f}}"
    if figure["min"] == figure["max"]:
        return f.format(figure["median"])
    return f"{f.format(figure['median'])} [{f.format(figure['min'])}-{f.format(figure['max'])}]"


def ratio(figure, ceiling):
    if figure is None or ceiling is None or not ceiling["median"]:
        return "-"
    return f"{figure['median'] / ceiling['median']:.2f}"


def table(results):
    ceilings = results["ceilings"]
    clients = results.get("settings", {}).get("clients", 64)
    const = spread(ceilings["constant_route"], "rate")
    rpc = spread(ceilings["empty_rpc"], "rate")
    commits = spread(ceilings["db_commits"], "rate")
    batches = spread(ceilings["db_batch_rows"], "rate")
    cores = results.get("machine_cores", 2)
    rows = [
        (f"ceiling: nameko @http constant, {clients} clients", "req/s", const, None, None, "", ""),
        (
            "ceiling: nameko empty RPC, 32 callers",
            "calls/s",
            rpc,
            spread(ceilings["empty_rpc"], "p99_ms"),
            None,
            "",
            "",
        ),
        (
            "  machine CPU per call (caller, service, broker)",
            "ms",
            spread(ceilings["empty_rpc"], "machine_cpu_ms_per_call"),
            None,
            None,
            "",
            "",
        ),
        (
            "ceiling: nameko empty event handler",
            "events/s",
            spread(ceilings.get("empty_events", []), "rate"),
            None,
            None,
            "",
            "",
        ),
        (
            "  machine CPU per event (publisher, consumer, broker)",
            "ms",
            spread(ceilings.get("empty_events", []), "machine_cpu_ms_per_event"),
            None,
            None,
            "",
            "",
        ),
        (
            "ceiling: pika durable publish, batched confirms",
            "msg/s",
            spread(ceilings["broker_publish"], "rate"),
            None,
            None,
            "",
            "",
        ),
        ("ceiling: PostgreSQL single-row commits", "commits/s", commits, None, None, "", ""),
        ("ceiling: PostgreSQL batched inserts (1,000)", "rows/s", batches, None, None, "", ""),
    ]
    if "reads" in results:
        for name, label in (
            ("sessions", "GET /v1/sessions?limit=50 (gzip)"),
            ("sessions_if_none_match", "  the same, If-None-Match (304)"),
            ("sessions_uncompressed", "  the same, uncompressed"),
            ("exhibitors", "GET /v1/exhibitors (gzip)"),
            ("exhibitors_if_none_match", "  the same, If-None-Match (304)"),
        ):
            runs = results["reads"][name]
            rate = spread(runs, "rate")
            rows.append(
                (
                    f"{label}, {clients} clients",
                    "req/s",
                    rate,
                    spread(runs, "p99_ms"),
                    ratio(rate, const),
                    "x const",
                    ">=0.5x, p99<50ms",
                )
            )
    if "registration" in results:
        runs = results["registration"]["registrations"]
        rate = spread(runs, "rate")
        rows += [
            (
                f"POST /v1/registrations, {clients} clients",
                "req/s",
                rate,
                spread(runs, "p99_ms"),
                ratio(rate, const),
                "x const",
                ">=200/s (>=0.1x), p99<250ms",
            ),
            (
                "  services' CPU per registration, during the burst",
                "ms",
                spread(runs, "cpu_ms_per_registration"),
                None,
                None,
                "",
                "",
            ),
            (
                "  machine CPU per registration, its mails included",
                "ms",
                spread(runs, "machine_cpu_ms_per_registration"),
                None,
                None,
                "",
                budget(cores, 200),
            ),
            (
                "  nameko's own part: 1 HTTP request, 1 RPC, 3 events consumed",
                "ms",
                floor(ceilings, rpcs=1, events=3),
                None,
                None,
                "",
                budget(cores, 200),
            ),
            (
                "  confirmation mails within 30 s / registered",
                "mails",
                spread(runs, "mails_within_30s"),
                None,
                _fraction(runs, "mails_within_30s", "registered"),
                "of all",
                "1.00",
            ),
            (
                "  last mail after the burst's end",
                "s",
                spread(runs, "last_mail_after_s"),
                None,
                None,
                "",
                "<=30 s",
            ),
        ]
    if "fan_out" in results:
        runs = results["fan_out"]["fan_out"]
        feed = spread(runs, "feed_items_s")
        feed_rate = (
            None
            if feed is None
            else {k: runs[0]["holders"] / v if v else 0 for k, v in feed.items()}
        )
        mails = spread(runs, "mail_rate")
        rows += [
            (
                f"fan-out: {runs[0]['holders']:,} feed items written after the reminder",
                "s",
                feed,
                None,
                ratio(feed_rate, batches),
                "x batch rows/s",
                "<=5 s",
            ),
            (
                "  reminder mails handed to SMTP",
                "mails/s",
                mails,
                None,
                ratio(mails, commits),
                "x commits/s",
                ">=500/s",
            ),
            (
                f"  {runs[0]['streams']:,} live streams: last one received",
                "s",
                spread(runs, "streams_last_s"),
                None,
                _fraction(runs, "streams_received", "streams"),
                "received",
                "all, <=8 s",
            ),
        ]
    if "leads" in results:
        for variant, label in (
            ("leads", "leads"),
            ("leads_10pct_dead", "leads, 10% endpoints hanging"),
        ):
            runs = results["leads"][variant]
            rate = spread(runs, "rate")
            rows += [
                (
                    f"{label}: consenting interactions, {clients} clients",
                    "req/s",
                    rate,
                    spread(runs, "p99_ms"),
                    ratio(rate, const),
                    "x const",
                    ">=300/s",
                ),
                (
                    "  machine CPU per interaction, its webhook included",
                    "ms",
                    spread(runs, "machine_cpu_ms_per_request"),
                    None,
                    None,
                    "",
                    budget(cores, 300) if variant == "leads" else "",
                ),
                (
                    "  nameko's own part: 1 HTTP request, 1 RPC, 1 event consumed",
                    "ms",
                    floor(ceilings, rpcs=1, events=1),
                    None,
                    None,
                    "",
                    budget(cores, 300) if variant == "leads" else "",
                ),
                (
                    "  interaction -> verified webhook p50",
                    "s",
                    spread(runs, "webhook_p50_s"),
                    None,
                    None,
                    "",
                    "",
                ),
                (
                    "  interaction -> verified webhook p99 (healthy endpoints)",
                    "s",
                    spread(runs, "webhook_p99_s"),
                    None,
                    None,
                    "",
                    "<=1 s" if variant == "leads" else "<=1.1x healthy",
                ),
                (
                    "  webhooks not there 30 s after the burst / doubled / bad signature",
                    "count",
                    spread(runs, "not_within_drain"),
                    None,
                    f"{sum(r['doubled'] for r in runs)}/{sum(r['bad_signatures'] for r in runs)}",
                    "",
                    "0/0/0",
                ),
            ]
        healthy = spread(results["leads"]["leads"], "webhook_p99_s")
        dead = spread(results["leads"]["leads_10pct_dead"], "webhook_p99_s")
        rows.append(
            (
                "  p99 with 10% hanging / without",
                "x",
                None,
                None,
                ratio(dead, healthy),
                "",
                "<=1.10",
            )
        )
    return _format(rows)


def floor(ceilings, rpcs, events):
    """The machine's CPU a request costs in nameko's machinery alone (the medians of the
    empty route, RPC and event handler ceilings), before any of Plenary's work."""
    parts = [
        spread(ceilings["constant_route"], "machine_cpu_ms_per_request"),
        spread(ceilings["empty_rpc"], "machine_cpu_ms_per_call"),
        spread(ceilings.get("empty_events", []), "machine_cpu_ms_per_event"),
    ]
    if None in parts:
        return None
    route, rpc, event = (part["median"] for part in parts)
    total = route + rpcs * rpc + events * event
    return {"median": total, "min": total, "max": total}


def budget(cores, rate):
    """What the goal's rate leaves each request of the machine's CPU."""
    return f"<={cores * 1000 / rate:.1f} ({cores} cores at {rate}/s)"


def _fraction(runs, part, whole):
    total = sum(run[whole] for run in runs)
    return f"{sum(run[part] for run in runs) / total:.2f}" if total else "-"


def _format(rows):
    head = f"{'figure':66} {'unit':>9} {'median [min-max]':>24} {'p99 ms':>18} {'ratio':>16}  goal"
    lines = [head, "-" * len(head)]
    for name, unit, figure, p99, rel, rel_unit, goal in rows:
        digits = {"s": 2, "x": 2, "ms": 1}.get(unit, 0)
        rel_text = f"{rel} {rel_unit}".strip() if rel else ""
        lines.append(
            f"{name:66} {unit:>9} {shown(figure, digits):>24} {shown(p99):>18}"
            f" {rel_text:>16}  {goal}"
        )
    return "\n".join(lines)
