"""One timer per event loop that stops async attempts which wait too long.

aiohttp's own timers (``ClientTimeout.total`` and ``sock_read``) arm two to three timer handles
per request in asyncio's heap, whose entries are compared in Python code. At 64 requests in
flight on loopback they cost 9 % (``total``) and 13 % (``sock_read``) of a bare request, measured
with ``benchmarks/bench_async.py``. The watchdog replaces both with one timer for every attempt
in flight, armed at the soonest due time: an attempt costs a set insert and a delete.

It is the async twin of the urllib3 transport's deadline watchdog thread. An overdue attempt is
stopped the way ``asyncio.timeout`` stops a block: its task is cancelled, and the attempt turns
that cancellation into a timeout failure because :attr:`Watch.fired` says the watchdog sent it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

__all__ = ["Progress", "Watch", "Watchdog"]

#: asyncio may run a timer a clock tick early; a watch due within this much counts as due.
_EARLY = 1e-3


class Progress(Protocol):
    """What the watchdog asks of a body being read: how many bytes have come so far."""

    total_bytes: int


class Watch:
    """One attempt being watched: its task, when it is due, and whether the watchdog fired."""

    __slots__ = ("deadline_at", "due", "fired", "progress", "seen", "task")

    def __init__(self, task: asyncio.Task[object], due: float, deadline_at: float) -> None:
        self.task = task
        #: Loop time when the attempt is stopped unless it has made progress by then.
        self.due = due
        #: Loop time of the whole call's deadline; ``due`` is never later.
        self.deadline_at = deadline_at
        #: Set by the watchdog just before it cancels ``task``.
        self.fired = False
        #: While the body is read: its byte count, which moves ``due`` on as bytes come.
        self.progress: Progress | None = None
        self.seen = 0

    def due_in(self, now: float, seconds: float) -> None:
        """Due ``seconds`` after ``now``, or at the deadline if that comes first."""
        due = now + seconds
        self.due = due if due < self.deadline_at else self.deadline_at


class Watchdog:
    """Cancels the task of any watched attempt still running at its due time.

    Belongs to one event loop; :meth:`watch` and :meth:`unwatch` are called from its tasks.
    """

    __slots__ = ("_armed_at", "_loop", "_read_timeout", "_timer", "_watches")

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float) -> None:
        self._loop = loop
        self._read_timeout = read_timeout
        self._watches: set[Watch] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._armed_at = 0.0

    def watch(self, remaining: float, *, sending: bool) -> Watch:
        """Watch the current task's attempt, which must end within ``remaining`` seconds (the
        call's deadline). ``sending``: the request goes out now (else call :meth:`sending`
        once it can)."""
        task = asyncio.current_task(self._loop)
        if task is None:  # pragma: no cover - transports are awaited from tasks
            raise RuntimeError("an async transport must be awaited from an asyncio task")
        now = self._loop.time()
        deadline_at = now + remaining
        watch = Watch(task, deadline_at, deadline_at)
        if sending:
            watch.due_in(now, self._read_timeout)
        self._watches.add(watch)
        self._arm_for(watch)
        return watch

    def sending(self, watch: Watch) -> None:
        """The request goes out now: the head of its answer is due within ``read_timeout``
        (making a new connection included), and by the deadline at the latest."""
        watch.due_in(self._loop.time(), self._read_timeout)
        self._arm_for(watch)

    def reading_body(self, watch: Watch, progress: Progress) -> None:
        """The head has come: from now on ``watch`` is due ``read_timeout`` after the last
        bytes of the body came (noticed when it falls due), and by the deadline at the latest."""
        watch.due_in(self._loop.time(), self._read_timeout)
        watch.progress = progress
        watch.seen = progress.total_bytes

    def unwatch(self, watch: Watch) -> None:
        self._watches.discard(watch)

    def close(self) -> None:
        """Stop the timer; watches left are dropped (their calls end with the session)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._watches.clear()

    def _arm_for(self, watch: Watch) -> None:
        """Make sure the timer fires by the time ``watch`` is due."""
        if self._timer is None or watch.due < self._armed_at:
            self._arm(watch.due)

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(at, self._check)
        self._armed_at = at

    def _check(self) -> None:
        self._timer = None
        now = self._loop.time()
        soonest: float | None = None
        for watch in list(self._watches):
            if watch.due > now + _EARLY:
                pass
            elif watch.progress is not None and _moved_on(watch, now, self._read_timeout):
                pass  # the body is still coming: due again read_timeout from now
            else:
                self._watches.discard(watch)
                watch.fired = True
                watch.task.cancel()
                continue
            if soonest is None or watch.due < soonest:
                soonest = watch.due
        if soonest is not None:
            self._arm(soonest)


def _moved_on(watch: Watch, now: float, read_timeout: float) -> bool:
    """Whether the body grew since the watchdog last looked; if so, ``watch`` is due later."""
    assert watch.progress is not None
    total = watch.progress.total_bytes
    if total == watch.seen or now + _EARLY >= watch.deadline_at:
        return False
    watch.seen = total
    watch.due_in(now, read_timeout)
    return True


def uncancel(task: asyncio.Task[object]) -> bool:
    """Undo the watchdog's cancel of ``task``; whether someone else cancelled it too.

    Python 3.11+ counts cancel requests, so a caller's own ``cancel()`` (or an enclosing
    ``asyncio.timeout``) that came at the same moment survives. 3.10 cannot tell them apart;
    there, as with its ``asyncio.wait_for``, the timeout wins.
    """
    undo = getattr(task, "uncancel", None)
    return bool(undo()) if undo is not None else False
