"""An SMTP server for drills and crash tests, run as its own process:

    python -m drills.smtp_sink --port P --log FILE [--mode-file F] [--delay S]

Every accepted message appends ``recipient<TAB>message-id`` to FILE (flushed before the
250 answer), so a reader counts per recipient what SMTP accepted. The mode file, read
on every RCPT, plays a server in trouble: ``ok``, ``4xx`` (every recipient deferred with
451) or ``5xx:ADDR[,ADDR]`` (those recipients refused with 550). Stopping the process
and starting it again on the same port plays an outage.
"""

import argparse
import asyncio
import email
from pathlib import Path

from aiosmtpd.controller import Controller


def read_mode(mode_file):
    try:
        return Path(mode_file).read_text().strip() if mode_file else "ok"
    except FileNotFoundError:
        return "ok"


class CountingHandler:
    def __init__(self, log_path, mode_file, delay):
        self.log = open(log_path, "a", buffering=1)  # noqa: SIM115 (lives with the process)
        self.mode_file = mode_file
        self.delay = delay

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mode = read_mode(self.mode_file)
        if mode == "4xx":
            return "451 4.3.0 Try again later"
        if mode.startswith("5xx:") and address in mode[4:].split(","):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message_id = email.message_from_bytes(envelope.content).get("Message-ID", "")
        for recipient in envelope.rcpt_tos:
            self.log.write(f"{recipient}\t{message_id}\n")
        # in the file before the 250 (a sink that is killed keeps it); no fsync, which
        # only guards against the machine going down and costs every mail a disk wait
        self.log.flush()
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--mode-file")
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    handler = CountingHandler(args.log, args.mode_file, args.delay)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
