"""An asyncio event loop on a thread of its own: where aiortc and aiohttp run for mstg's threads.

>>> loop = LoopThread("doc")
>>> loop.call(lambda: 2 + 2)
4
>>> loop.stop()
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """Runs an event loop on a daemon thread; other threads hand it work with :meth:`run`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=f"webrtc:{name}", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Awaitable[T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def call(self, func: Callable[[], T], timeout: float | None = None) -> T:
        """Call ``func`` on the loop's thread and wait for its result."""
        async def wrapped() -> T:
            return func()
        return self.run(wrapped(), timeout)

    def soon(self, func: Callable[..., Any], *args: Any) -> None:
        """Call ``func(*args)`` on the loop's thread, without waiting."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(func, *args)

    def stop(self) -> None:
        """Stop the loop and wait for its thread."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
