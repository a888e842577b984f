"""Bank channels: the bank's file API, host-to-host SFTP (a real asyncssh server), and a drop folder."""

from __future__ import annotations

import asyncio
import base64
import os
import threading

import asyncssh
import pytest

from apps.banking.formats.detect import detect_format, parse_statement_file
from apps.banking.formats.pain002 import parse_pain002
from apps.connectors.adapters import get_adapter
from apps.connectors.adapters.base import OutboundRequest
from apps.connectors.choices import AuthState
from apps.connectors.errors import AuthorisationError
from apps.sandbox.models import BankFile
from tests.sandbox.support import oauth_credentials

PAIN001 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>MSG-0001</MsgId><CreDtTm>2026-11-26T09:00:00</CreDtTm><NbOfTxs>2</NbOfTxs><CtrlSum>300.00</CtrlSum>
<InitgPty><Nm>Nordwind Handels GmbH</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>PMT-0001</PmtInfId><PmtMtd>TRF</PmtMtd><ReqdExctnDt>2026-11-27</ReqdExctnDt>
<Dbtr><Nm>Nordwind Handels GmbH</Nm></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-A</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">100.00</InstdAmt></Amt>
<Cdtr><Nm>Siemens AG</Nm></Cdtr><CdtrAcct><Id><IBAN>DE02500700100092777202</IBAN></Id></CdtrAcct></CdtTrfTxInf>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-B</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">200.00</InstdAmt></Amt>
<Cdtr><Nm>DHL Freight GmbH</Nm></Cdtr><CdtrAcct><Id><IBAN>DE02500700100092777202</IBAN></Id></CdtrAcct></CdtTrfTxInf>
</PmtInf></CstmrCdtTrfInitn></Document>
"""


def _payment_file(key: str, filename: str = "pay-0001.xml") -> OutboundRequest:
    return OutboundRequest(object_type="payment_file", idempotency_key=key, correlation_id="c",
                           payload={"filename": filename, "content_b64": base64.b64encode(PAIN001.encode()).decode()})


def _content(record) -> bytes:
    return base64.b64decode(record.payload["content_b64"])


# --- bank API ------------------------------------------------------------------------------------------------------

@pytest.fixture
def bank(sandbox, make_connector):
    return make_connector("bank_api", base_url=f"{sandbox.url}/bank", kind="bank",
                          credentials=oauth_credentials("bank"), settings={"page_size": 5})


def test_statement_files_are_read_once_as_bank_files_that_the_banking_parsers_read(sandbox, bank):
    adapter = get_adapter(bank)
    records, cursor = [], {}
    while True:
        page = adapter.poll("statement", cursor)
        records += page.records
        cursor = page.cursor
        if not page.has_more:
            break
    expected = list(BankFile.objects.filter(kind="statement").order_by("pk").values_list("filename", flat=True))
    assert [r.external_id for r in records] == expected
    assert len(expected) == 16
    assert {r.object_type for r in records} == {"bank_file"}
    assert {r.payload["format_hint"] for r in records} == {"camt.053", "mt940"}
    for record in records:
        assert set(record.payload) == {"filename", "content_b64", "format_hint"}
        assert detect_format(_content(record)[:4096]) == record.payload["format_hint"]
        parsed = parse_statement_file(_content(record))
        assert len(parsed.statements) == 1
    assert cursor == {"after_id": BankFile.objects.filter(kind="statement").order_by("pk").last().pk}
    assert adapter.poll("statement", cursor).records == []


def test_pain001_upload_and_the_banks_pain002_answer(sandbox, bank):
    import httpx

    adapter = get_adapter(bank)
    first = adapter.deliver(_payment_file("pay-1"))
    again = adapter.deliver(_payment_file("pay-1"))
    assert (first.duplicate, again.duplicate, first.external_id == again.external_id) == (False, True, True)
    assert first.response["transactions"] == 2
    assert adapter.find_existing(_payment_file("pay-1")).external_id == first.external_id

    answer = httpx.post(f"{sandbox.url}/bank/payment-orders/{first.external_id}/_respond",
                        json={"reject": {"E2E-B": "AC04"}})
    assert answer.status_code == 201

    page = adapter.poll("status", {})
    assert [r.payload["format_hint"] for r in page.records] == ["pain.002"]
    report = parse_pain002(_content(page.records[0]))
    statuses = {tx.original_end_to_end_id: (tx.status, tx.reason_code) for info in report.payment_infos
                for tx in info.transactions}
    assert statuses == {"E2E-A": ("ACCP", None), "E2E-B": ("RJCT", "AC04")}
    assert sandbox.stats("bank") == {"uploads": 1, "status_reports": 1, "statements": 16, "duplicates_refused": 1,
                                     "tokens_issued": 1}


# --- SFTP ----------------------------------------------------------------------------------------------------------

class _SftpLogin(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return (username, password) == ("finsync", "s3cret")


@pytest.fixture
def sftp_server(tmp_path):
    """A real asyncssh SFTP server on a free port, rooted in tmp_path, in its own event loop thread."""
    root = tmp_path / "sftp"
    for folder in ("out/statements", "out/status", "in"):
        (root / folder).mkdir(parents=True)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    key = asyncssh.generate_private_key("ssh-ed25519")

    async def start():
        return await asyncssh.create_server(_SftpLogin, "127.0.0.1", 0, server_host_keys=[key],
                                            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)))

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    port = server.sockets[0].getsockname()[1]
    known_hosts = f"[127.0.0.1]:{port} {key.export_public_key().decode().strip()}\n"
    yield root, port, known_hosts
    server.close()
    asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _write(path, text: str, mtime: int) -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def test_sftp_reads_files_in_order_once_and_uploads_payment_files(sftp_server, make_connector):
    root, port, known_hosts = sftp_server
    statements = root / "out/statements"
    _write(statements / "b.sta", ":20:B\n", 1_700_000_100)
    _write(statements / "a.xml", "<Document/>", 1_700_000_100)  # same second: the name breaks the tie
    _write(statements / "c.xml", "<Document/>", 1_700_000_050)
    connector = make_connector("bank_sftp", kind="bank", credentials={"username": "finsync", "password": "s3cret"},
                               settings={"host": "127.0.0.1", "port": port, "known_hosts": known_hosts,
                                         "dirs": {"statement": "/out/statements", "status": "/out/status"},
                                         "upload_dir": "/in", "page_size": 2})
    adapter = get_adapter(connector)

    first = adapter.poll("statement", {})
    assert [r.external_id for r in first.records] == ["c.xml", "a.xml"]
    assert first.has_more is True
    second = adapter.poll("statement", first.cursor)
    assert [r.external_id for r in second.records] == ["b.sta"]
    assert (second.has_more, second.cursor) == (False, {"after": [1_700_000_100, "b.sta"]})
    assert _content(second.records[0]) == b":20:B\n"
    assert second.records[0].payload["format_hint"] == "mt940"
    assert adapter.poll("statement", second.cursor).records == []

    sent = adapter.deliver(_payment_file("k", "pay-0001.xml"))
    assert (sent.external_id, sent.duplicate) == ("/in/pay-0001.xml", False)
    assert (root / "in/pay-0001.xml").read_text() == PAIN001
    assert sorted(p.name for p in (root / "in").iterdir()) == ["pay-0001.xml"]  # no .part left behind
    assert adapter.deliver(_payment_file("k", "pay-0001.xml")).duplicate is True
    assert adapter.find_existing(_payment_file("k", "pay-0001.xml")).external_id == "/in/pay-0001.xml"
    assert adapter.check()["ok"] is True


def test_sftp_wrong_password_asks_for_reauthorisation(sftp_server, make_connector):
    _root, port, known_hosts = sftp_server
    connector = make_connector("bank_sftp", kind="bank", credentials={"username": "finsync", "password": "nope"},
                               settings={"host": "127.0.0.1", "port": port, "known_hosts": known_hosts,
                                         "dirs": {"statement": "/out/statements"}})
    with pytest.raises(AuthorisationError):
        get_adapter(connector).poll("statement", {})
    connector.refresh_from_db()
    assert connector.auth_state == AuthState.REAUTHORISE


# --- drop folder ---------------------------------------------------------------------------------------------------

def test_drop_folder_archives_a_file_only_after_it_was_acknowledged(tmp_path, make_connector):
    drop = tmp_path / "drop"
    drop.mkdir()
    for n, name in enumerate(["one.xml", "two.sta", "three.xml"]):
        _write(drop / name, f"file {name}", 1_700_000_000 + n)
    connector = make_connector("drop_folder", kind="bank", settings={"path": str(drop), "page_size": 2})
    adapter = get_adapter(connector)

    first = adapter.poll("files", {})
    assert [r.external_id for r in first.records] == ["one.xml", "two.sta"]
    assert first.has_more is True
    assert sorted(p.name for p in drop.iterdir()) == ["one.xml", "three.xml", "two.sta"]  # nothing moved yet

    for record in first.records:
        adapter.acknowledge(record)
    assert sorted(p.name for p in (drop / "archive").iterdir()) == ["one.xml", "two.sta"]

    second = adapter.poll("files", first.cursor)
    assert [r.external_id for r in second.records] == ["three.xml"]
    assert _content(second.records[0]) == b"file three.xml"
    assert second.has_more is False
    # The acknowledgement of three.xml is lost (a crash): the next poll archives it instead of reading it again.
    third = adapter.poll("files", second.cursor)
    assert third.records == []
    assert sorted(p.name for p in (drop / "archive").iterdir()) == ["one.xml", "three.xml", "two.sta"]
    assert [p.name for p in drop.iterdir()] == ["archive"]
