"""HTTP load from a separate process: wrk (C, Debian's ``wrk``), driven by the Lua
scripts in ``bench/lua``; its text report is parsed into numbers."""

import re
import shutil
import subprocess
from pathlib import Path

LUA = Path(__file__).parent / "lua"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def require_wrk():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")


def warm_up(url, settings, script="get.lua", args=()):
    """The untimed run before a figure's repetitions (none when ``warmup_seconds`` is 0)."""
    if settings.warmup_seconds:
        wrk(url, settings.warmup_seconds, settings.clients, script, args)


def wrk(url, seconds, clients=64, script="get.lua", args=(), threads=2):
    """One wrk run; returns rate, latency percentiles (ms), counts of bad answers.

    wrk counts only the answers that arrive within ``seconds``: a run whose every
    request took longer reports 0 requests (what the smoke's 1 s POST runs did on a
    loaded machine), so such a run keeps wrk's own words in ``wrk_output``."""
    command = [
        "wrk",
        f"-t{min(threads, clients)}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(LUA / script),
        url,
    ]
    if args:
        command += ["--", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = parse(done.stdout)
    if result["requests"] == 0 or done.stderr.strip():
        result["wrk_output"] = (done.stdout + done.stderr)[-2000:]
    return result


def parse(output):
    percentiles = {
        f"p{int(p)}": float(value) * UNITS[unit]
        for p, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    }
    requests, elapsed, elapsed_unit = re.search(
        r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output
    ).groups()
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(requests),
        "seconds": float(elapsed) * UNITS[elapsed_unit] / 1e3,
        "p50_ms": percentiles.get("p50"),
        "p99_ms": percentiles.get("p99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }
