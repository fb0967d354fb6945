"""The decompression bombs the transports' tests send (``_support.hostile.bomb_for``): each is
small on the wire and a whole, well-formed stream of ``BOMB_SIZE`` zero bytes, its checksum
and size checked by zlib itself."""

from __future__ import annotations

import zlib

import pytest
from _support import hostile

#: zlib's wbits for each coding's stream: 31 a gzip member, 15 a zlib stream.
WBITS = {"gzip": 31, "deflate": 15}


def decoded_zeros(stream: bytes, wbits: int) -> int:
    """How many bytes ``stream`` decodes to, a MiB at a time; each one must be a zero byte,
    and the stream must end (its trailer checked) with nothing after it."""
    decoder = zlib.decompressobj(wbits)
    size = 0
    chunk = decoder.decompress(stream, hostile.MIB)
    while chunk:
        assert chunk.count(0) == len(chunk)
        size += len(chunk)
        chunk = decoder.decompress(decoder.unconsumed_tail, hostile.MIB)
    assert decoder.eof
    assert decoder.unused_data == b""
    return size


@pytest.mark.parametrize("wbits", [31, 15])
@pytest.mark.parametrize("mib", [2, 3, 9])
def test_the_builder_makes_whole_streams_of_zeros(wbits: int, mib: int) -> None:
    # The same construction as the 128 MiB bombs, small enough to decode whole cheaply.
    assert decoded_zeros(hostile._compress(mib * hostile.MIB, wbits), wbits) == mib * hostile.MIB


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_bomb_is_small_on_the_wire_and_large_decoded(encoding: str) -> None:
    bomb = hostile.bomb_for(encoding)
    assert len(bomb) < hostile.MIB // 4
    assert bomb == hostile._compress(hostile.BOMB_SIZE, WBITS[encoding])
    # Its first 8 MiB already are zeros, from its first 16 KiB.
    decoder = zlib.decompressobj(WBITS[encoding])
    assert decoder.decompress(bomb[: 16 * 1024], 8 * hostile.MIB) == bytes(8 * hostile.MIB)
    if encoding == "gzip":  # the gzip trailer says the whole size (modulo 2**32)
        assert int.from_bytes(bomb[-4:], "little") == hostile.BOMB_SIZE % 2**32


def test_the_stacked_bomb_is_the_gzip_bomb_gzipped() -> None:
    stacked = hostile.bomb_for("gzip, gzip")
    assert len(stacked) < hostile.MIB // 4
    assert zlib.decompress(stacked, 31) == hostile.bomb_for("gzip")
    assert hostile.bomb_for("GZIP") == hostile.bomb_for("gzip")
