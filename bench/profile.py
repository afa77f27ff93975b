"""``--profile``: py-spy samples every service process while a scenario runs and sums up
where the time goes: the functions most often on the stack (inclusive) and at its top
(self), both over all code and over Plenary's own (gateway, services, plumbing)."""

import collections
import contextlib
import re
import shutil
import subprocess

from bench.platform import BIN

OURS = re.compile(r"\((gateway|services|plumbing|contracts)/")
TOP = 25


@contextlib.contextmanager
def sampling(platform, scenario, seconds, out_dir):
    py_spy = str(BIN / "py-spy") if (BIN / "py-spy").exists() else shutil.which("py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    recorders = {
        service: subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "50",
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(out_dir / f"profile-{scenario}-{service}.raw"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for service, pid in platform.pids().items()
    }
    try:
        yield
    finally:
        for service, recorder in recorders.items():
            recorder.wait(timeout=seconds + 60)
            raw = out_dir / f"profile-{scenario}-{service}.raw"
            if raw.exists():
                (out_dir / f"profile-{scenario}-{service}.txt").write_text(summary(raw))


def summary(raw_path):
    inclusive, own_inclusive, leaf, own_leaf = (collections.Counter() for _ in range(4))
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        count = int(count)
        frames = [frame for frame in stack.split(";") if frame]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
            if OURS.search(frame):
                own_inclusive[frame] += count
        leaf[frames[-1]] += count
        own = [frame for frame in frames if OURS.search(frame)]
        if own:
            own_leaf[own[-1]] += count
    if not total:
        return "no samples\n"
    parts = [f"{total} samples (idle included)\n"]
    for title, counter in (
        ("inclusive, Plenary's code", own_inclusive),
        ("self, innermost Plenary frame", own_leaf),
        ("self, any code", leaf),
        ("inclusive, any code", inclusive),
    ):
        parts.append(f"\n== {title}\n")
        for frame, count in counter.most_common(TOP):
            parts.append(f"{100 * count / total:5.1f}%  {frame}\n")
    return "".join(parts)
