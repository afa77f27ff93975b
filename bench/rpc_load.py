"""Empty-RPC load from its own process: ``python -m bench.rpc_load AMQP_URI CALLERS SECONDS``
prints one JSON line (rate, p50, p99 in ms, the machine's CPU per call). Each green
caller has its own proxy."""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402

from bench.platform import machine_busy_seconds  # noqa: E402


def main(amqp_uri, callers, seconds):
    latencies = []
    ready = eventlet.event.Event()
    warm = []
    deadline = []

    def caller():
        with ServiceRpcProxy("bench_ceiling", {"AMQP_URI": amqp_uri}) as proxy:
            proxy.ping()  # warm: the reply queue exists
            warm.append(1)
            ready.wait()
            while time.monotonic() < deadline[0]:
                started = time.monotonic()
                proxy.ping()
                latencies.append(time.monotonic() - started)

    pool = eventlet.GreenPool(callers)
    for _ in range(callers):
        pool.spawn_n(caller)
    while len(warm) < callers:
        eventlet.sleep(0.1)
    started, busy = time.monotonic(), machine_busy_seconds()
    deadline.append(started + seconds)
    ready.send()
    pool.waitall()
    elapsed, busy = time.monotonic() - started, machine_busy_seconds() - busy
    latencies.sort()
    print(
        json.dumps(
            {
                "rate": len(latencies) / elapsed,
                "p50_ms": latencies[len(latencies) // 2] * 1e3,
                "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3,
                # the caller, the service and the broker: what one RPC costs the machine
                "machine_cpu_ms_per_call": busy * 1e3 / len(latencies),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
