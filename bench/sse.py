"""Live streams held open from their own process:
``python -m bench.sse GATEWAY_URL TOKENS_FILE KIND``.

Opens one ``GET /v1/me/notifications/stream`` per token (a line of the file), prints
``ready <n>`` once every stream is open or refused (``refused <stream> <why>``), then
``<unix time> <stream> <session id>`` for every notification of KIND that arrives, and
``closed <stream>`` when one ends."""

import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

OPENING_AT_ONCE = 50


async def stream(number, host, port, token, kind, opened, gate):
    """One stream; a stream that cannot open says why (``refused``) rather than vanish
    into gather's exceptions, so the bench fails with the reason instead of waiting."""
    try:
        await follow(number, host, port, token, kind, opened, gate)
    except Exception as exc:
        print(f"refused {number} {exc!r}", flush=True)
        opened(failed=True)


async def follow(number, host, port, token, kind, opened, gate):
    async with gate:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            f"GET /v1/me/notifications/stream HTTP/1.0\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise ConnectionRefusedError(status.decode().strip())
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
    opened()
    event = None
    while line := await reader.readline():
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "notification":
            item = json.loads(line[6:])
            if item.get("kind") == kind:
                print(f"{time.time():.6f} {number} {item['data'].get('session_id')}", flush=True)
    print(f"closed {number}", flush=True)


async def main(url, tokens_file, kind):
    parts = urlsplit(url)
    tokens = Path(tokens_file).read_text().split()
    count = {"open": 0, "failed": 0}
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    def opened(failed=False):
        count["failed" if failed else "open"] += 1
        if count["open"] + count["failed"] == len(tokens):
            print(f"ready {count['open']}", flush=True)

    await asyncio.gather(
        *(
            stream(n, parts.hostname, parts.port, token, kind, opened, gate)
            for n, token in enumerate(tokens)
        ),
        return_exceptions=True,
    )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
