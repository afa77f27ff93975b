"""A TCP proxy between the services and PostgreSQL that a drill can cut: ``cut()``
closes every connection through it and refuses new ones until ``restore()`` (tc and
iptables are not available here, STACK.md). asyncio, in a thread of its own."""

import asyncio
import threading

from drills.procs import free_port


class TcpProxy:
    def __init__(self, target_host="127.0.0.1", target_port=5432):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.open = True
        self.writers = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def host_port(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)
        return self

    async def _serve(self):
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader, writer):
        if not self.open:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_writer))
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader, writer):
        try:
            while self.open:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        finally:
            self.writers.discard(writer)
            writer.close()

    def cut(self):
        def close_all():
            self.open = False
            for writer in list(self.writers):
                writer.transport.abort()
            self.writers.clear()

        self.loop.call_soon_threadsafe(close_all)

    def restore(self):
        self.loop.call_soon_threadsafe(setattr, self, "open", True)

    def stop(self):
        self.cut()

        async def close():
            self.server.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
