"""What the platform talks to, each in its own process: an SMTP sink that records when
each mail arrived, and webhook receivers that verify each delivery's signature.

``python -m bench.sinks smtp PORT FILE``: one ``<unix time> <recipient>`` line a mail.
``python -m bench.sinks webhooks PORT``: POST /hooks/<exhibitor> answers 200 (or hangs,
for the exhibitors named dead); POST /_control {"secrets": {exhibitor: secret}, "dead":
[exhibitor]} configures it; GET /_take returns the deliveries since the last take.
"""

import asyncio
import json
import sys
import time
from datetime import datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def run_smtp(port, path):
    from aiosmtpd.controller import Controller

    out = open(path, "a", buffering=1)  # noqa: SIM115 (for the process's life)

    class Recorder:
        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            for recipient in envelope.rcpt_tos:
                out.write(f"{now:.6f} {recipient}\n")
            return "250 OK"

    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    while True:
        time.sleep(3600)


class Receivers:
    def __init__(self):
        self.secrets = {}
        self.dead = set()
        self.records = []

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                status, answer = await self.route(method, path, headers, body)
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def route(self, method, path, headers, body):
        if path.startswith("/hooks/"):
            exhibitor = path.rsplit("/", 1)[1]
            if exhibitor in self.dead:
                await asyncio.sleep(3600)  # a receiver that never answers
            self.record(exhibitor, headers, body)
            return 200, b""
        if path == "/_control":
            control = json.loads(body)
            self.secrets.update(control.get("secrets", {}))
            self.dead = set(control.get("dead", []))
            return 200, b"{}"
        if path == "/_take":
            records, self.records = self.records, []
            return 200, json.dumps(records).encode()
        return 404, b""

    def record(self, exhibitor, headers, body):
        received = time.time()
        try:
            Webhook(self.secrets[exhibitor]).verify(body, headers)
            verified = True
        except (KeyError, WebhookVerificationError):
            verified = False
        payload = json.loads(body)
        occurred = payload["data"].get("interaction", {}).get("occurred_at")
        self.records.append(
            {
                "received": received,
                "exhibitor": exhibitor,
                "webhook_id": headers.get("webhook-id"),
                "verified": verified,
                "interaction_id": payload["data"].get("interaction", {}).get("interaction_id"),
                "occurred": datetime.fromisoformat(occurred).timestamp() if occurred else None,
            }
        )


async def serve_webhooks(port):
    receivers = Receivers()
    server = await asyncio.start_server(receivers.handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "smtp":
        run_smtp(int(sys.argv[2]), sys.argv[3])
    else:
        asyncio.run(serve_webhooks(int(sys.argv[2])))
