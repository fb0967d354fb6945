"""read_session_answer: every answer ends in a SessionRecord or in one of the library's errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping

import pytest
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from opentok_rules.errors import AuthenticationError, OpenTokError, RequestError
from opentok_rules.http.answers import SessionRecord, read_session_answer
from opentok_rules.http.transport import Response
from opentok_rules.session_ids import MAX_SESSION_ID_LENGTH

SESSION_ID = "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"
JSON = {"content-type": "application/json"}
XML = {"content-type": "text/xml"}


def read(body: bytes, status: int = 200, headers: Mapping[str, str] = JSON) -> SessionRecord:
    return read_session_answer(Response(status, dict(headers), body))


def outcome_of(response: Response) -> SessionRecord | OpenTokError:
    """The record, or the library error; any other exception fails the test as it escapes."""
    try:
        return read_session_answer(response)
    except OpenTokError as error:
        return error


def xml_answer(session_id: str, declaration: str = "") -> bytes:
    return (
        f"{declaration}<sessions><Session><session_id>{session_id}</session_id>"
        "<partner_id>123456</partner_id></Session></sessions>"
    ).encode()


def test_a_json_answer_is_read_without_the_converter() -> None:
    body = json.dumps(
        [
            {
                "session_id": SESSION_ID,
                "project_id": 123456,
                "partner_id": "123456",
                "create_dt": "Mon Mar 17 00:41:31 PDT 2014",
                "media_server_url": None,
                "unknown": {"nested": [1]},
            }
        ]
    ).encode()
    assert read(body) == SessionRecord(
        SESSION_ID, "123456", "123456", "Mon Mar 17 00:41:31 PDT 2014", None
    )


def test_reading_an_answer_needs_neither_cattrs_nor_the_pipeline() -> None:
    code = (
        "import sys, json\n"
        "from opentok_rules.http.answers import read_session_answer\n"
        "from opentok_rules.http.transport import Response\n"
        f"body = json.dumps([{{'session_id': {SESSION_ID!r}, 'project_id': 1}}]).encode()\n"
        "assert read_session_answer(Response(200, {}, body)).project_id == '1'\n"
        "heavy = {'cattrs', 'opentok_rules.operations.session.convert'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("text", "text"),
        ("", ""),
        (42, "42"),
        (-7, "-7"),
        (True, None),
        (1.5, None),
        ([1, 2, 3], None),
        ({"a": 1}, None),
        (None, None),
        ("\ud800", None),  # a lone surrogate cannot be written out as UTF-8 later
    ],
    ids=stable_id,
)
def test_optional_fields_keep_text_and_whole_numbers_only(value: object, kept: str | None) -> None:
    body = json.dumps([{"session_id": SESSION_ID, "project_id": value}]).encode()
    assert read(body).project_id == kept


def test_a_huge_number_is_dropped_not_raised() -> None:
    # Past sys.get_int_max_str_digits() (4300), int() raises ValueError.
    body = b'[{"session_id": "%s", "project_id": %s}]' % (SESSION_ID.encode(), b"9" * 100_000)
    assert read(body) == SessionRecord(SESSION_ID)


def test_a_huge_number_as_the_id_is_no_id() -> None:
    with pytest.raises(RequestError, match="no session_id"):
        read(b'[{"session_id": ' + b"9" * 100_000 + b"}]")


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant: bytes) -> None:
    body = b'[{"session_id": "%s", "project_id": %s}]' % (SESSION_ID.encode(), constant)
    with pytest.raises(RequestError, match=r"malformed.*not JSON") as caught:
        read(body)
    assert caught.value.status == 200


@pytest.mark.parametrize("opener", [b"[", b'[{"a":', b'{"a":'])
def test_deep_json_is_a_request_error(opener: bytes) -> None:
    with pytest.raises(RequestError, match="nested too deeply") as caught:
        read(opener * 100_000)
    assert caught.value.status == 200


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 503])
@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"message": ' + b"[" * 100_000 + b"}"])
def test_deep_json_in_an_error_answer_keeps_the_status(status: int, body: bytes) -> None:
    kind = AuthenticationError if status in (401, 403) else RequestError
    with pytest.raises(kind, match=f"HTTP {status}") as caught:
        read(body, status)
    assert type(caught.value) is kind
    assert caught.value.status == status


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe[{}]",
        b'[{"session_id": "\xff\xfe"}]',
        '[{"session_id": "x"}]'.encode("utf-16-le"),
        b'[{"session_id": "1_ab\xc3"}]',
    ],
    ids=stable_id,
)
def test_bytes_that_are_not_utf8_are_refused(body: bytes) -> None:
    with pytest.raises(RequestError):
        read(body)


@pytest.mark.parametrize(
    "encoding", ["hex", "utf-7", "idna", "base64", "rot13", "zlib", "no-such-codec", "utf-16"]
)
def test_a_declared_encoding_never_escapes(encoding: str) -> None:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    # The service writes UTF-8: the body is read as such, whatever it declares.
    outcome = outcome_of(Response(200, XML, xml_answer(SESSION_ID, declaration)))
    if isinstance(outcome, SessionRecord):
        assert outcome.session_id == SESSION_ID
    else:
        assert type(outcome) is RequestError
        assert outcome.status == 200


def test_an_xml_answer_declaring_utf8_is_read() -> None:
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    record = read(xml_answer(SESSION_ID, declaration), headers=XML)
    assert record == SessionRecord(SESSION_ID, partner_id="123456")


def test_deep_xml_is_a_request_error_and_cheap() -> None:
    body = b"<sessions>" + b"<Session>" * 100_000
    with pytest.raises(RequestError, match="XML answer was refused"):
        read(body, headers=XML)


def test_deep_xml_around_a_good_answer_is_read() -> None:
    inner = b"<x>" * 50_000 + b"</x>" * 50_000
    body = b"<sessions><Session>" + inner + b"<session_id>" + SESSION_ID.encode()
    body += b"</session_id></Session></sessions>"
    assert read(body, headers=XML).session_id == SESSION_ID


BAD_IDS = {
    "crlf": "1_abc\r\nX-Injected: 1",
    "lf": "1_abc\ndef",
    "nul": "1_abc\x00",
    "tab": "1_abc\tdef",
    "space": "1_abc def",
    "del": "1_abc\x7f",
    "c1": "1_abc\x85",
    "c1-csi": "1_abc\x9b",
    "nbsp": "1_abc\xa0",
    "non-ascii": "1_abcé",
    "line-separator": "1_abc\u2028",
    "empty": "",
    "too-long": "1_" + "A" * 300,
}


@pytest.mark.parametrize("session_id", BAD_IDS.values(), ids=BAD_IDS)
def test_an_id_with_control_characters_or_non_ascii_is_not_an_id(session_id: str) -> None:
    with pytest.raises(RequestError, match=r"invalid session id|no session_id") as caught:
        read(json.dumps([{"session_id": session_id}]).encode())
    assert caught.value.status == 200
    if session_id:
        # The bad id is described, not echoed: it may carry the very characters that are bad.
        assert session_id not in str(caught.value)


@pytest.mark.parametrize("session_id", ["1_abc&#13;&#10;X: 1", "1_a&#x85;b", "1_a b"])
def test_an_xml_id_with_control_characters_is_not_an_id(session_id: str) -> None:
    with pytest.raises(RequestError, match="invalid session id"):
        read(xml_answer(session_id), headers=XML)


def test_an_echoed_token_never_reaches_the_message() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiIxMjM0NTYifQ.c2lnbmF0dXJlLWJ5dGVz"
    body = json.dumps({"code": 403, "message": f"Invalid token {token}\r\nX: y"}).encode()
    with pytest.raises(AuthenticationError) as caught:
        read(body, 403)
    message = str(caught.value)
    assert token not in message
    assert "eyJ" not in message
    assert "Invalid token <redacted token>" in message
    assert not {"\r", "\n"} & set(message)


def test_a_service_message_is_kept_short_and_printable() -> None:
    body = json.dumps({"message": "bad\x00\x1b[31m" + "x" * 5000 + "\ud800"}).encode()
    with pytest.raises(RequestError) as caught:
        read(body, 400)
    message = str(caught.value)
    assert len(message) < 400
    assert not {"\x00", "\x1b"} & set(message)
    message.encode("utf-8")  # printable and loggable: no lone surrogate


def test_a_hostile_content_type_is_shown_printable_and_short() -> None:
    with pytest.raises(RequestError, match="could not be read") as caught:
        read(b"OK", headers={"content-type": "text/\r\nplain\x00\u2028" + "x" * 1000})
    message = str(caught.value)
    assert not {"\r", "\x00"} & set(message)
    assert len(message) < 300
    message.encode("utf-8")


# --- Any bytes, any status, any headers -------------------------------------------------------


def _json_shapes() -> st.SearchStrategy[bytes]:
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    )
    record = st.dictionaries(
        st.sampled_from(["session_id", "project_id", "partner_id", "create_dt", "message"]),
        values,
    )
    return st.one_of(values, st.lists(record, max_size=2), record).map(
        lambda v: json.dumps(v).encode()
    )


def _xml_shapes() -> st.SearchStrategy[bytes]:
    text = st.text(max_size=20).map(
        lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )
    encoding = st.sampled_from(["", "UTF-8", "hex", "utf-7", "idna", "latin-1", "bogus", "utf-16"])
    return st.builds(
        lambda enc, sid, other: (
            (f'<?xml version="1.0" encoding="{enc}"?>' if enc else "")
            + f"<sessions><Session><session_id>{sid}</session_id>{other}</Session></sessions>"
        ).encode("utf-8", "surrogatepass"),
        encoding,
        text,
        st.sampled_from(["", "<partner_id>1</partner_id>", "<!DOCTYPE x>", "<a><b>"]),
    )


def _mangled(bodies: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    # Truncated, or with arbitrary bytes spliced in: the shapes a broken service sends.
    return st.builds(
        lambda body, cut, junk: body[:cut] + junk + body[cut:],
        bodies,
        st.integers(0, 200),
        st.binary(max_size=8),
    )


bodies = st.one_of(
    st.binary(max_size=300),
    _json_shapes(),
    _xml_shapes(),
    _mangled(_json_shapes()),
    _mangled(_xml_shapes()),
    st.builds(
        lambda c, n: c * n, st.sampled_from([b"[", b"{", b'{"a":', b"<a>"]), st.integers(0, 50_000)
    ),
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 400, 401, 403, 404, 429, 500, 503]), st.integers(-1, 1000)
)
headers = st.dictionaries(
    st.sampled_from(["content-type", "Content-Type", "content-encoding", "x-any"])
    | st.text(max_size=10),
    st.text(max_size=30),
    max_size=4,
)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, status=statuses, headers=headers)
@example(body=b"[" * 100_000, status=200, headers={})
@example(body=b"[" * 100_000, status=400, headers={})
@example(body=b"{" * 100_000, status=503, headers={})
@example(body=b'<?xml version="1.0" encoding="hex"?><a/>', status=200, headers={})
@example(body=b'<?xml version="1.0" encoding="utf-7"?><a/>', status=200, headers={})
@example(body=b'<?xml version="1.0" encoding="idna"?><a/>', status=200, headers={})
@example(body=b'[{"session_id": 1e999999}]', status=200, headers={})
def test_any_answer_ends_in_a_record_or_a_library_error(
    body: bytes, status: int, headers: dict[str, str]
) -> None:
    record = outcome_of(Response(status, headers, body))
    if isinstance(record, OpenTokError):
        assert isinstance(record, AuthenticationError | RequestError)
        assert record.status == status
        str(record).encode("utf-8")  # every message can be printed and logged
    else:
        assert 200 <= status < 300
        assert 0 < len(record.session_id) <= 255
        assert record.session_id.isascii()
        assert record.session_id.isprintable()
        assert " " not in record.session_id
        for value in (record.project_id, record.partner_id, record.create_dt):
            assert value is None or isinstance(value, str)


@given(st.text(max_size=MAX_SESSION_ID_LENGTH + 2) | st.from_regex(r"[\x20-\x7f]{0,12}"))
@example("1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg")
@example("a b")
@example("ok\x7f")
def test_a_session_id_is_1_to_max_printable_ascii_characters_without_spaces(
    session_id: str,
) -> None:
    body = json.dumps([{"session_id": session_id}]).encode()
    valid = re.fullmatch(rf"[\x21-\x7e]{{1,{MAX_SESSION_ID_LENGTH}}}", session_id) is not None
    try:
        record = read_session_answer(Response(200, {}, body))
    except RequestError:
        assert not valid
    else:
        assert valid
        assert record.session_id == session_id
