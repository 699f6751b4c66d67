"""The incident report handed to the police or the client: facts, source alerts, evidence with
its images, the SOP checklist and the whole timeline (who did what, when), every time in the
site's timezone. One context (`build`) feeds the print-ready HTML page and the PDF (reportlab,
pure Python, so no browser or system library is needed on the server)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from django.utils import timezone

from incidents.models import PRIORITY_LABELS, Incident
from incidents.services.evidence import read_evidence
from surveillance.services.localtime import local_time

MAX_IMAGE_BYTES = 8 * 1024 * 1024


@dataclass
class Report:
    incident: Incident
    tz: str
    generated_at: str
    generated_by: str
    facts: list[tuple[str, str]]
    alerts: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    sop: list[dict] = field(default_factory=list)
    timeline: list[dict] = field(default_factory=list)


def _name(user) -> str:
    return user.get_username() if user else "system"


def build(incident: Incident, user) -> Report:
    tz = incident.site.timezone

    def at(moment) -> str:
        return local_time(moment, tz)

    facts = [
        ("Number", incident.number),
        ("Title", incident.title),
        ("Status", incident.get_status_display()),
        ("Priority", PRIORITY_LABELS.get(incident.priority, str(incident.priority))),
        ("Type", str(incident.incident_type or "—")),
        ("Site", f"{incident.site.name} ({tz})"),
        ("Camera", incident.camera.name if incident.camera else "—"),
        ("Reported by", _name(incident.reported_by)),
        ("Assigned to", _name(incident.assigned_to) if incident.assigned_to else "—"),
        ("Opened", at(incident.created_at)),
        ("Acknowledged", at(incident.acknowledged_at) or "—"),
        ("Resolved", at(incident.resolved_at) or "—"),
        ("Closed", at(incident.closed_at) or "—"),
        ("Outcome", incident.outcome or "—"),
        ("Description", incident.description or "—"),
    ]
    report = Report(incident, tz, at(timezone.now()), _name(user), facts)
    for link in incident.alert_links.select_related("alert__camera"):
        alert = link.alert
        report.alerts.append(
            {
                "time": at(alert.created_at),
                "severity": alert.severity,
                "type": alert.alert_type,
                "camera": alert.camera.name,
                "message": alert.message,
            }
        )
    for item in incident.evidence.select_related("camera", "added_by"):
        data = read_evidence(item) if item.is_image else None
        image = data if data and len(data) <= MAX_IMAGE_BYTES else None
        report.evidence.append(
            {
                "caption": item.caption,
                "kind": item.get_kind_display(),
                "time": at(item.event_timestamp or item.added_at),
                "camera": item.camera.name if item.camera else "",
                "added_by": _name(item.added_by),
                "sha256": item.sha256,
                "image": image,
                "data_uri": f"data:{item.content_type};base64,{base64.b64encode(image).decode()}" if image else "",
            }
        )
    for step in incident.sop_steps.select_related("done_by"):
        report.sop.append(
            {
                "position": step.position,
                "text": step.text,
                "by": _name(step.done_by) if step.done_at else "",
                "at": at(step.done_at),
            }
        )
    for message in incident.messages.select_related("author"):
        report.timeline.append(
            {
                "time": at(message.created_at),
                "who": _name(message.author),
                "kind": message.get_kind_display(),
                "body": message.body,
            }
        )
    return report


def render_pdf(report: Report) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Normal"]

    def p(text: str, style=body):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(rows, widths):
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    incident = report.incident
    story = [
        p(f"Incident report {incident.number}", styles["Title"]),
        p(f"Generated {report.generated_at} by {report.generated_by}. Times are in {report.tz}.", small),
        Spacer(1, 4 * mm),
        Table([[p(k), p(v)] for k, v in report.facts], colWidths=[40 * mm, 130 * mm]),
    ]
    if report.alerts:
        story += [p("Source alerts", styles["Heading2"])]
        rows = [[p(h) for h in ("Time", "Severity", "Type", "Camera", "Message")]]
        rows += [[p(a["time"]), p(a["severity"]), p(a["type"]), p(a["camera"]), p(a["message"])] for a in report.alerts]
        story.append(table(rows, [32 * mm, 18 * mm, 28 * mm, 28 * mm, 64 * mm]))
    if report.evidence:
        story += [p("Evidence", styles["Heading2"])]
        for item in report.evidence:
            story.append(
                p(f"{item['kind']}: {item['caption']} — {item['time']} {item['camera']} (added by {item['added_by']})")
            )
            if item["sha256"]:
                story.append(p(f"SHA-256 {item['sha256']}", small))
            if item["image"]:
                try:
                    image = Image(io.BytesIO(item["image"]))
                    scale = min(1.0, (160 * mm) / image.imageWidth, (100 * mm) / image.imageHeight)
                    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
                    story.append(image)
                except Exception:  # noqa: BLE001 - an unreadable image is reported, not fatal
                    story.append(p("(image could not be read)", small))
            story.append(Spacer(1, 3 * mm))
    if report.sop:
        story += [p("SOP checklist", styles["Heading2"])]
        rows = [[p(h) for h in ("#", "Step", "Done by", "At")]]
        rows += [[p(s["position"]), p(s["text"]), p(s["by"] or "not done"), p(s["at"])] for s in report.sop]
        story.append(table(rows, [10 * mm, 90 * mm, 30 * mm, 40 * mm]))
    story += [p("Timeline (audit of who did what)", styles["Heading2"])]
    rows = [[p(h) for h in ("Time", "Who", "What", "Details")]]
    rows += [[p(m["time"]), p(m["who"]), p(m["kind"]), p(m["body"])] for m in report.timeline]
    story.append(table(rows, [36 * mm, 26 * mm, 24 * mm, 84 * mm]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{incident.number} {incident.title}", author="ORIN")
    doc.build(story)
    return out.getvalue()
