"""What the yearly report's PDF template needs: the figures, the charts as SVG, the tables' rows."""

from .svg_charts import bar_chart, horizontal_bar_chart
from .yearly import YearlyFigures, percent


def _rate(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "—"


def document_context(f: YearlyFigures) -> dict:
    c, rates = f.compliance, f.rates
    compliance_rows = [
        {
            "name": f"{r.organization.name}（本级）" if r.is_self else r.organization.name,
            "members": r.members,
            "exempt": r.exempt,
            "met": r.met,
            "rate": _rate(r.met_rate),
            "at_risk": r.at_risk,
            "hours": r.hours,
        }
        for r in sorted(c.rows, key=lambda r: (r.met_rate if r.met_rate is not None else 2, r.organization.path))
    ]
    rate_rows = [
        {
            "name": f"{r.subject.name}（本级）" if r.is_self else r.subject.name,
            "members": r.members,
            "attended": r.attended,
            "held": r.held,
            "rate_held": _rate(r.rate_held),
            "planned": r.planned,
            "rate_planned": _rate(r.rate_planned),
        }
        for r in rates.organizations
    ]
    worst_first = [
        (row["name"], round((r.met_rate or 0) * 100, 1))
        for row, r in zip(compliance_rows, sorted(c.rows, key=lambda r: (r.met_rate if r.met_rate is not None else 2, r.organization.path)))
        if r.required
    ]
    return {
        "f": f,
        "c": c,
        "rates": rates,
        "met_rate": percent(c.total.met, c.total.required),
        "rate_held": _rate(rates.total.rate_held),
        "rate_planned": _rate(rates.total.rate_planned),
        "compliance_rows": compliance_rows,
        "rate_rows": rate_rows,
        "chart_months": bar_chart([(f"{m.month}月", m.person_times) for m in f.months]),
        "chart_sessions": bar_chart([(f"{m.month}月", m.sessions) for m in f.months], color="#b8860b"),
        "chart_compliance": horizontal_bar_chart(worst_first[:20]) if worst_first else "",
        "chart_kinds": bar_chart([(k.label, k.count) for k in f.by_kind], width=320, color="#2c6e9b") if f.by_kind else "",
        "chart_tiers": bar_chart([(k.label, k.count) for k in f.by_tier], width=320, color="#2c6e9b") if f.by_tier else "",
        "person_times_target": percent(f.person_times, f.plan.target_person_times) if f.plan and f.plan.target_person_times else "",
    }
