"""The attacks of a hostile service, shared by the urllib3 and the async transports' suites:
redirect targets two URL parsers read differently, decompression bombs, framing tricks and
answers that drip, each as data or as a ``RawServer`` script."""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest

from _support.raw_server import RawConnection, RawServer

MIB = 1 << 20


def _compress(data_size: int, wbits: int) -> bytes:
    """``data_size`` zero bytes (a whole number of MiB) compressed with zlib's ``wbits`` (31:
    gzip, 15: deflate), built in a tenth of the time compressing every MiB takes (0.65 s).

    After a full flush a compressor starts afresh, so every MiB of zeros compresses to the same
    bytes: the raw deflate stream is those bytes repeated and the last MiB, which ends it. The
    gzip or zlib header and trailer (the CRC-32 or Adler-32 of the data, and its size) are put
    around it as RFC 1952 and RFC 1950 say.
    """
    zeros = bytes(MIB)
    count = data_size // MIB
    assert count * MIB == data_size, data_size
    assert count >= 2, data_size
    middle = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = middle.compress(zeros) + middle.flush(zlib.Z_FULL_FLUSH)
    if middle.compress(zeros) + middle.flush(zlib.Z_FULL_FLUSH) != block:  # another zlib
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        return b"".join([*(packer.compress(zeros) for _ in range(count)), packer.flush()])
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = block * (count - 1) + end.compress(zeros) + end.flush()
    if wbits == 31:
        crc = 0
        for _ in range(count):
            crc = zlib.crc32(zeros, crc)
        # magic, deflate, no flags, no time, best compression, unknown OS
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        return header + raw + struct.pack("<II", crc, data_size & 0xFFFFFFFF)
    assert wbits == 15, wbits
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(zeros, adler)
    return b"\x78\xda" + raw + struct.pack(">I", adler)  # deflate, 32 KiB window, level 9


BOMB_SIZE = 128 * MIB  # decoded: far above max_body and than any slack


# {P}: the origin that redirects; {Q}: another listener on 127.0.0.1 that must receive nothing.
REFUSED_LOCATIONS = [
    "http://127.0.0.1:{Q}\\@127.0.0.1:{P}/x",  # the seen bug: urlsplit says P, urllib3 says Q
    "http://127.0.0.1:{P}\\@127.0.0.1:{Q}/x",
    "http://127.0.0.1:{P}@127.0.0.1:{Q}/x",  # userinfo that looks like the origin
    "http://127.0.0.1:{Q}@127.0.0.1:{P}/x",
    "http://user:pw@127.0.0.1:{P}/x",  # userinfo, even to the same origin
    "http://127.0.0.1:{P}%40127.0.0.1:{Q}/x",  # percent-encoded "@"
    "http://127.0.0.1%3a{Q}/x",
    "http:\\\\127.0.0.1:{Q}/x",
    "/\\127.0.0.1:{Q}/x",
    "\\\\127.0.0.1:{Q}/x",
    "//127.0.0.1:{Q}/x",  # scheme-relative to another origin
    "///127.0.0.1:{Q}/x",
    "http:/127.0.0.1:{Q}/x",
    "http:127.0.0.1:{Q}/x",
    " http://127.0.0.1:{Q}/x",  # whitespace and controls some parsers strip
    "http://127.0.0.1:{Q}/x ",
    "\thttp://127.0.0.1:{Q}/x",
    "http://127.0.0.1:{Q}\t/x",
    "ht\ntp://127.0.0.1:{Q}/x",
    "http://127.0.0.1:{P}/x\r\nX-Injected: 1",
    "http://127.0.0.1 :{Q}/x",
    "http://[::ffff:127.0.0.1]:{Q}/x",  # IPv6 literals: another origin than 127.0.0.1
    "http://[::1]:{P}/x",
    "http://127.0.0.1:{Q}/x",  # plainly another origin
    "https://127.0.0.1:{P}/x",  # another scheme is another origin
    "ftp://127.0.0.1:{P}/x",
    "javascript:alert(1)",
    "http://127.0.0.1:0{Q}/x",
    "http://127.0.0.1:{P}:{Q}/x",
    "http://127.0.0.1:99999/x",
    "http://127.0.0.1:-1/x",
    "http://127.0.0.1:{P}/caf\u00e9",  # non-ASCII: each parser encodes it its own way
]


# Same origin written another way: followed, and the request stays on P.
FOLLOWED_LOCATIONS = [
    ("HTTP://127.0.0.1:{P}/a", "/a"),  # upper-case scheme
    ("http://127.0.0.1.:{P}/b", "/b"),  # trailing dot
    ("/c?x=1#frag", "/c?x=1"),  # absolute path; the fragment is never sent
    ("d", "/d"),  # relative
    ("//127.0.0.1:{P}/e", "/e"),  # scheme-relative, same origin
    ("http://127.0.0.1:{P}", "/"),
]


#: What a refused answer may cost above the baseline: max_body (1 MiB) and a few chunks.
MEMORY_SLACK = 12 * MIB


BOMBS = [
    pytest.param("gzip", id="gzip"),
    pytest.param("deflate", id="deflate"),
    pytest.param("gzip, gzip", id="gzip-gzip"),
    pytest.param("GZIP", id="gzip-upper-case"),
]


#: Codings that are refused on sight, before a byte of the body is decoded.
REFUSED_CODINGS = ["br", "zstd", "gzip, br", "compress", "x-custom"]


@functools.cache
def bomb_for(encoding: str) -> bytes:
    """``BOMB_SIZE`` zero bytes, encoded as ``encoding`` says (built once per session)."""
    if encoding.lower() == "gzip":
        return _compress(BOMB_SIZE, 31)
    if encoding == "deflate":
        return _compress(BOMB_SIZE, 15)
    if encoding == "gzip, gzip":
        return gzip.compress(bomb_for("gzip"), compresslevel=9)
    raise AssertionError(f"no bomb for {encoding!r}")


def answer_once(head: bytes, body: bytes) -> RawServer:
    def script(conn: RawConnection) -> None:
        conn.send(head + body)

    return RawServer(script)


def answer_encoded(encoding: str, body: bytes) -> RawServer:
    """Answers once with ``body`` as it is, labelled ``Content-Encoding: encoding``."""
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return answer_once(head, body)


FRAMING_TRICKS = {
    "negative-length": b"Content-Length: -1\r\n\r\nabc",
    "two-lengths": b"Content-Length: 3\r\nContent-Length: 7\r\n\r\nabcdefg",
    "same-length-twice": b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    "listed-lengths": b"Content-Length: 3, 7\r\n\r\nabcdefg",
    "signed-length": b"Content-Length: +3\r\n\r\nabc",
    "underscored-length": b"Content-Length: 1_0\r\n\r\n0123456789",
    "hex-length": b"Content-Length: 0x3\r\n\r\nabc",
    "length-and-chunked": (
        b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    ),
    "negative-chunk": b"Transfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n",
    "garbage-chunk": b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "huge-chunk": b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc",
    "short-body": b"Content-Length: 10\r\n\r\nabc",
}


def drip_script(head: bytes, drop: bytes) -> RawServer:
    def script(conn: RawConnection) -> None:
        conn.send(head)
        while conn.pause(0.5) and conn.send(drop):
            pass

    return RawServer(script)


DRIPS = {
    "body": (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"x"),
    "chunked-body": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"1\r\nx\r\n"),
    "headers": (b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n"),
    "header-bytes": (b"HTTP/1.1 200 OK\r\nX-Drip: ", b"y"),
    "status-line": (b"HTTP/1.1 2", b"0"),
    "100-continue": (b"", b"HTTP/1.1 100 Continue\r\n\r\n"),
}


#: What running a client in a child process gives: its outcome (JSON), its own peak RSS in
#: bytes, and the wall time.
ChildRun = tuple[Any, int, float]


def run_child(code: str, url: str, max_body: int, deadline: float) -> ChildRun:
    """Run ``code`` (a client fetching ``url``) in a child process and measure it."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-c", code, url, str(max_body), str(deadline)],
            stdout=out,
            stderr=err,
        )
        # A bounded wait: kill the child if it hangs, whatever the bug.
        killer = threading.Timer(60, child.kill)
        killer.start()
        try:
            # wait4 gives this child's own resource usage (RUSAGE_CHILDREN sums all children).
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must know
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        assert child.returncode == 0, err.read().decode(errors="replace")
        outcome = json.loads(out.read())
    return outcome, usage.ru_maxrss * 1024, elapsed  # ru_maxrss is in KiB on Linux


def run_here(code: str, url: str, max_body: int, deadline: float) -> tuple[Any, float]:
    """Run ``code`` (the same client program ``run_child`` starts) in this process: its outcome
    (JSON) and the wall time. For a test that reads only the outcome and the time: a child
    process costs about 0.2 s of CPU (0.4 s with aiohttp) to start and import the library, and
    only a peak RSS needs a process of its own."""
    printed = io.StringIO()
    started = time.monotonic()
    with (
        mock.patch.object(sys, "argv", ["-c", url, str(max_body), str(deadline)]),
        contextlib.redirect_stdout(printed),
    ):
        exec(compile(code, "<client>", "exec"), {"__name__": "__main__"})
    return json.loads(printed.getvalue()), time.monotonic() - started


def baseline_rss_of(run: Callable[[str], ChildRun]) -> int:
    """Peak RSS of a child fetching a small plain answer: the cost of Python and the imports."""

    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    with RawServer(script) as server:
        outcome, rss, _ = run(server.url("/small"))
    assert outcome == {"status": 200, "length": 2}
    return rss
