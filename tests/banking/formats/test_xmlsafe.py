"""Hostile XML: external entities, entity expansion, external DTDs, oversized files.

Each attack points at a secret file; the test proves the secret never reaches the result or the
error, and that the refusal is a FormatError a person can read.
"""

from __future__ import annotations

import pytest

from apps.banking.formats.camt import parse_camt
from apps.banking.formats.detect import parse_statement_file
from apps.banking.formats.errors import FormatError
from apps.banking.formats.pain001 import parse_pain001, validate_pain001
from apps.banking.formats.pain002 import parse_pain002
from apps.banking.formats.xmlsafe import iter_elements, parse_xml

SECRET = "FINSYNC-SECRET-7f3a9c"
CAMT_BODY = (
    "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt>"
    "<GrpHdr><MsgId>{payload}</MsgId></GrpHdr><Stmt><Id>S</Id>"
    "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>"
)
READERS = [parse_camt, parse_pain002, parse_pain001, parse_statement_file, parse_xml, validate_pain001]


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _attacks(secret_file) -> dict[str, bytes]:
    uri = secret_file.as_uri()
    laughs = "".join(f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 10))
    return {
        "xxe": f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "{uri}">]>'
        + CAMT_BODY.format(payload="&xxe;"),
        "parameter entity": f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY % p SYSTEM "{uri}"> %p;]>'
        + CAMT_BODY.format(payload="x"),
        "billion laughs": f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY l0 "lol">{laughs}]>'
        + CAMT_BODY.format(payload="&l9;"),
        "external dtd": f'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "{uri}">' + CAMT_BODY.format(payload="x"),
        "network dtd": '<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://127.0.0.1:9/x.dtd">'
        + CAMT_BODY.format(payload="x"),
        "doctype behind a long comment": f"<?xml version='1.0'?><!--{'x' * 100_000}-->"
        f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "{uri}">]>' + CAMT_BODY.format(payload="&xxe;"),
        "utf-16 doctype": (
            f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "{uri}">]>'
            + CAMT_BODY.format(payload="&xxe;")
        )
        .encode("utf-16")
        .decode("latin-1"),
    }


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
@pytest.mark.parametrize(
    "attack",
    [
        "xxe",
        "parameter entity",
        "billion laughs",
        "external dtd",
        "network dtd",
        "doctype behind a long comment",
        "utf-16 doctype",
    ],
)
def test_declarations_are_refused_and_nothing_is_read(secret_file, reader, attack):
    document = _attacks(secret_file)[attack].encode("latin-1" if attack == "utf-16 doctype" else "utf-8")

    with pytest.raises(FormatError) as refused:
        reader(document)

    assert SECRET not in str(refused.value)
    assert SECRET not in repr(refused.value.__cause__)
    if reader is parse_statement_file and attack in ("utf-16 doctype", "doctype behind a long comment"):
        # Recognition reads the first 64 KB: a document that is only a comment (or UTF-16) there is
        # refused as unrecognised before any XML parser sees it. Either refusal is safe.
        assert refused.value.reason
    else:
        assert "DOCTYPE or entity declaration" in refused.value.reason


def test_declarations_in_a_file_on_disk_are_refused(secret_file, tmp_path):
    path = tmp_path / "statement.xml"
    path.write_text(_attacks(secret_file)["xxe"])

    with pytest.raises(FormatError, match="DOCTYPE") as refused:
        parse_statement_file(path)

    assert refused.value.filename == "statement.xml"


def test_oversized_input_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.xml"
    path.write_bytes(b"<" * 5000)  # would be a syntax error if it were ever parsed

    for reader in (parse_camt, parse_pain002, parse_pain001):
        with pytest.raises(FormatError, match="larger than the"):
            reader(path, max_bytes=1024)


def test_default_limit_is_200_mb_and_checked_on_the_size_alone(tmp_path):
    sparse = tmp_path / "sparse.xml"
    with sparse.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024 + 1)  # sparse: no disk space used, never read

    with pytest.raises(FormatError, match="larger than the 200 MB limit"):
        parse_statement_file(sparse)


@pytest.mark.parametrize("document", [b"", b"<a>", b"<a></b>", b"\xff\xfe\x00<", b"<a>&undefined;</a>"])
def test_malformed_xml_is_a_format_error(document):
    with pytest.raises(FormatError, match="not well-formed XML|DOCTYPE"):
        parse_xml(document)
    with pytest.raises(FormatError):
        list(iter_elements(document, frozenset({"a"})))


def test_streaming_releases_handled_siblings():
    document = b"<r><h>head</h>" + b"<e>x</e>" * 5 + b"</r>"
    earlier = []

    for element in iter_elements(document, frozenset({"e"})):
        siblings = list(element.itersiblings(preceding=True))
        earlier.append([(s.tag, s.text) for s in siblings])

    # Only the previous (already cleared) <e> is left before the current one; <h> is kept.
    assert earlier == [[("h", "head")]] + [[("e", None), ("h", "head")]] * 4
