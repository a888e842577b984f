"""Close-readiness evidence an auditor can keep: CSV and PDF of the same facts, with a SHA-256 digest of
those facts that the audit trail records at export, so a kept file can be checked against the trail."""

from __future__ import annotations

import csv
import hashlib
import io
import json

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .selectors import Readiness


def evidence_facts(readiness: Readiness, *, checked_by: str) -> dict:
    return {
        "legal_entity": f"{readiness.entity.code} {readiness.entity.name}",
        "period": readiness.period.label,
        "period_dates": f"{readiness.period.start_date:%Y-%m-%d} to {readiness.period.end_date:%Y-%m-%d}",
        "period_status": readiness.period.get_status_display(),
        "cutoff": readiness.cutoff.isoformat(),
        "checked_at": readiness.checked_at.isoformat(),
        "checked_by": checked_by,
        "blocking_kinds_from": readiness.settings_source,
        "ready": readiness.ready,
        "checks": [{"check": c.title, "ok": c.ok, "summary": c.summary,
                    "items": [{"item": i.label, "value": i.value, "ok": i.ok} for i in c.items]}
                   for c in readiness.checks],
    }


def evidence_digest(facts: dict) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _status(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def evidence_csv(facts: dict, digest: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "check", "item", "result", "detail"])
    for key in ("legal_entity", "period", "period_dates", "period_status", "cutoff", "checked_at", "checked_by",
                "blocking_kinds_from"):
        writer.writerow(["context", key, "", "", facts[key]])
    writer.writerow(["verdict", "ready to close", "", _status(facts["ready"]), ""])
    for check in facts["checks"]:
        writer.writerow(["check", check["check"], "", _status(check["ok"]), check["summary"]])
        for item in check["items"]:
            writer.writerow(["item", check["check"], item["item"], _status(item["ok"]), item["value"]])
    writer.writerow(["digest", "sha256", "", "", digest])
    return out.getvalue().encode("utf-8")


def evidence_pdf(facts: dict, digest: str) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"Close readiness {facts['legal_entity']} {facts['period']}",
                            author="FinSync")
    verdict = "READY TO CLOSE" if facts["ready"] else "NOT READY TO CLOSE"
    story = [Paragraph(f"Period close readiness — {facts['legal_entity']}, period {facts['period']}", styles["Title"]),
             Paragraph(f"<b>{verdict}</b>", styles["Heading2"])]
    context = [["Period", f"{facts['period']} ({facts['period_dates']}), {facts['period_status']}"],
               ["Cut-off", facts["cutoff"]], ["Checked", f"{facts['checked_at']} by {facts['checked_by']}"],
               ["Blocking kinds from", facts["blocking_kinds_from"]]]
    story += [_table(context, header=False), Spacer(1, 6 * mm)]
    for check in facts["checks"]:
        story.append(Paragraph(f"{_status(check['ok'])} — {check['check']}: {check['summary']}", styles["Heading3"]))
        if check["items"]:
            rows = [["Item", "Detail", "Result"]] + [[Paragraph(i["item"], styles["BodyText"]),
                                                      Paragraph(i["value"], styles["BodyText"]), _status(i["ok"])]
                                                     for i in check["items"]]
            story.append(_table(rows, header=True))
        story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(f"SHA-256 of these facts (recorded in the FinSync audit trail): <font face='Courier'>"
                           f"{digest}</font>", styles["BodyText"]))
    doc.build(story)
    return buffer.getvalue()


def _table(rows, *, header: bool) -> Table:
    table = Table(rows, colWidths=None, hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("FONTSIZE", (0, 0), (-1, -1), 9)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f7")))
    for r, row in enumerate(rows):
        if row[-1] == "FAIL":
            style.append(("TEXTCOLOR", (-1, r), (-1, r), colors.HexColor("#c53030")))
        elif row[-1] == "PASS":
            style.append(("TEXTCOLOR", (-1, r), (-1, r), colors.HexColor("#1f8a5b")))
    table.setStyle(TableStyle(style))
    return table
