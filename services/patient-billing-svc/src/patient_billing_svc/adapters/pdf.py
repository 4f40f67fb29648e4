"""Statements as PDF (reportlab): what the guarantor receives by mail or downloads.

Rendered from the statement's frozen content, so the PDF of an issued statement never changes.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from patient_billing_svc.domain.statement import StatementContent, StatementKind

_TITLES = {StatementKind.STATEMENT: "Patient Statement", StatementKind.REMINDER: "Payment Reminder",
           StatementKind.FINAL_NOTICE: "Final Notice"}


def usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _day(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else "-"


def render_statement_pdf(content: StatementContent) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Small"] if "Small" in styles else styles["BodyText"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=LETTER, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
                            topMargin=0.6 * inch, bottomMargin=0.6 * inch,
                            title=_TITLES[content.kind], author=content.how_to_pay.practice_name)
    name = content.guarantor_name
    address = content.guarantor_address
    guarantor_lines = [" ".join(p for p in (name.first, name.middle, name.last, name.suffix) if p)]
    if address is not None:
        guarantor_lines += [address.line1, *([address.line2] if address.line2 else []),
                            f"{address.city}, {address.state} {address.postal_code}"]

    story = [
        Paragraph(content.how_to_pay.practice_name, styles["Title"]),
        Paragraph(_TITLES[content.kind], styles["Heading2"]),
        Table(
            [["Statement date", _day(content.statement_date), "Account", content.patient_id],
             ["Due date", _day(content.due_date), "Amount due", usd(content.amount_due)],
             ["Pay now", usd(content.pay_now), "Insurance pending", usd(content.insurance_pending)]],
            colWidths=[1.3 * inch, 1.6 * inch, 1.4 * inch, 2.6 * inch],
            style=TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                              ("FONTNAME", (2, 0), (2, -1), "Helvetica-Bold")]),
        ),
        Spacer(1, 10),
        Paragraph("<br/>".join(_escape(line) for line in guarantor_lines), body),
        Spacer(1, 10),
        Paragraph(_escape(content.message), body),
        Spacer(1, 10),
    ]

    header = ["Date of service", "Insurance", "Charges", "Ins. paid", "Ins. adjusted", "Your share",
              "Paid / adjusted", "You owe"]
    rows = [header]
    for visit in content.visits:
        share = visit.patient_share.total + visit.self_pay_charges
        rows.append([
            _day(visit.service_date), ", ".join(visit.payers) or ("Self-pay" if visit.status == "self_pay" else "-"),
            usd(visit.charges), usd(visit.insurance_paid), usd(visit.insurance_adjusted),
            "Insurance pending" if visit.status == "insurance_pending" else usd(share),
            usd(-(visit.payments + visit.discounts_and_adjustments)), usd(visit.amount_due),
        ])
    rows.append(["", "", "", "", "", "", "Total due", usd(content.amount_due)])
    story.append(Table(rows, repeatRows=1, style=TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black), ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"), ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
    ])))
    details = []
    for visit in content.visits:
        share = visit.patient_share
        kinds = (("deductible", share.deductible), ("coinsurance", share.coinsurance), ("copay", share.copay),
                 ("other", share.other))
        parts = [(label, value) for label, value in kinds if value]
        if parts:
            details.append(f"{_day(visit.service_date)}: your share is " +
                           ", ".join(f"{label} {usd(value)}" for label, value in parts) + ".")
    if details:
        story += [Spacer(1, 6), Paragraph("<br/>".join(details), small)]
    if content.insurance_pending > 0:
        story += [Spacer(1, 6), Paragraph(
            f"{usd(content.insurance_pending)} is still with your insurance and is not due from you yet.", body)]
    if content.credit_balance > 0:
        story += [Spacer(1, 6), Paragraph(f"You have a credit of {usd(content.credit_balance)}.", body)]
    if content.plan is not None:
        plan = content.plan
        story += [Spacer(1, 6), Paragraph(
            f"Payment plan: next installment {usd(plan.next_installment)} due {_day(plan.next_due_on)}; "
            f"{usd(plan.remaining)} remaining on the plan.", body)]
    aging = content.aging
    story += [Spacer(1, 10), Table(
        [["Current (0-30)", "31-60", "61-90", "91-120", "Over 120"],
         [usd(aging.days_0_30), usd(aging.days_31_60), usd(aging.days_61_90), usd(aging.days_91_120),
          usd(aging.over_120)]],
        style=TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 8)]),
    )]
    pay = content.how_to_pay
    ways = [f"Online: {pay.online_url}" if pay.online_url else None, f"By phone: {pay.phone}" if pay.phone else None,
            ("By mail, check payable to " + pay.practice_name + ": " + ", ".join(pay.mail_to)) if pay.mail_to else None]
    story += [Spacer(1, 10), Paragraph("How to pay", styles["Heading3"]),
              Paragraph("<br/>".join(_escape(w) for w in ways if w) or "Contact our billing office.", body),
              Paragraph(f"Please write account {_escape(content.patient_id)} on your payment.", body)]
    doc.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
