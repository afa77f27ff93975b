"""``python -m drills [--light] [--shared-broker] [--only NAME ...]``: run the drills,
print the table, exit 0 only when no drill lost or saw anything unexpected and none
doubled more than it had in flight (sent when a process was killed or its database cut,
the outcome uncommitted: the issue allows each of those to go once more)."""

import argparse
import signal
import sys
import tempfile
import time
import traceback
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from drills.broker import BrokerNode  # noqa: E402
from drills.core import Drill, DrillTimeout, Result  # noqa: E402
from drills.procs import TEMPLATES  # noqa: E402
from drills.scenarios import DRILLS, NEED_OWN_BROKER  # noqa: E402

COLUMNS = ("drill", "sent", "delivered", "lost", "doubled", "in flight", "unexpected", "seconds")


def table(results):
    rows = [COLUMNS] + [
        (
            r.drill,
            str(r.sent),
            str(r.delivered),
            str(r.lost),
            str(r.doubled),
            str(r.in_flight),
            str(r.unexpected),
            f"{r.seconds:.1f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(rows):
        numbers = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in numbers]
        lines.append(" | ".join(cells))
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def on_alarm(signum, frame):
    raise DrillTimeout("the drill ran out of time")


def run_one(name, function, time_limit, light, workdir, broker):
    drill = Drill(name, light, workdir, broker)
    result = Result(name)
    started = time.monotonic()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(time_limit))
    try:
        function(drill, result)
    except Exception as exc:  # a drill that breaks is a failed drill, with the reason
        result.unexpected += 1
        result.note(f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
    finally:
        signal.alarm(0)
        drill.close()
    result.seconds = time.monotonic() - started
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m drills")
    parser.add_argument("--light", action="store_true", help="small counts (make test)")
    parser.add_argument("--only", nargs="*", default=[], help="run only these drills")
    parser.add_argument(
        "--shared-broker",
        action="store_true",
        help="the machine's RabbitMQ (a vhost per drill) instead of a node of the run's own",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(DRILLS)
    if unknown:
        sys.exit(f"unknown drill(s): {', '.join(sorted(unknown))}; known: {', '.join(DRILLS)}")
    if args.shared_broker and set(args.only or DRILLS) & NEED_OWN_BROKER:
        sys.exit(f"not on the shared broker (they stop it): {', '.join(sorted(NEED_OWN_BROKER))}")
    workdir = tempfile.mkdtemp(prefix="plenary-drills-")
    results = []
    # every drill runs on a RabbitMQ node of its own run: it may be restarted, and the
    # machine's shared node is busy with everybody's test runs
    broker = None if args.shared_broker else BrokerNode().start()
    try:
        for name, (function, full_limit, light_limit) in DRILLS.items():
            if args.only and name not in args.only:
                continue
            limit = light_limit if args.light else full_limit
            print(f"--- drill {name} (at most {limit} s)", file=sys.stderr, flush=True)
            results.append(run_one(name, function, limit, args.light, workdir, broker))
            for note in results[-1].notes:
                print(f"    {name}: {note}", file=sys.stderr, flush=True)
    finally:
        TEMPLATES.drop()
        if broker is not None:
            broker.stop()
    print(table(results), flush=True)
    print(f"(logs of the service processes: {workdir})")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
