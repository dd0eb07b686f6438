"""The dashboard page: one self-contained HTML document (inline CSS and SVG, nothing fetched).

`monitor --serve` serves it (with a refresh header), `monitor --report FILE.html` writes it.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from .charts import Axis, Series, line_chart, nice_max, revision_bars, revision_traffic, stacked_bars
from .monitor import Snapshot
from .rules import describe_threshold, format_value
from .terminal import figure_rows, revision_cells

CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:18px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:22px 0 8px}
.meta{color:#666;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.card .name{color:#666;font-size:12px} .card .value{font-size:16px;font-weight:600}
.alerts{display:flex;flex-wrap:wrap;gap:8px}
.alert{border-radius:6px;padding:6px 10px;border:1px solid #ccc;background:#fff}
.alert.firing{background:#fde2e1;border-color:#d62728;color:#8b0000;font-weight:600}
.alert.ok{background:#e6f4ea;border-color:#2ca02c} .alert.no_data{color:#888}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart-box{margin:0;background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px}
figcaption{font-weight:600;font-size:13px;margin-bottom:2px}
svg .grid{stroke:#eee} svg text{font-size:10px} svg .ytick{text-anchor:end}
svg .ytick,svg .xtick,svg .na,svg .barvalue{fill:#666}
svg .legend{font-size:11px;font-weight:600} svg .revlabel{font-size:11px;fill:#333}
.steps{display:flex;gap:4px;margin:6px 0} .step{border:1px solid #ccc;border-radius:4px;padding:3px 8px;background:#fff}
.step.done{background:#e6f4ea;border-color:#2ca02c} .step.current{background:#e8f0fe;border-color:#1f77b4;font-weight:600}
table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
"""

SYNTHETIC_COLOR = "#9e9e9e"
TIMELINE_CHARTS = ("invoices", "error_rate", "processing_time", "quality", "memory", "rows_written")


def _cards(snapshot: Snapshot) -> str:
    cards = [
        f'<div class="card" data-figure="{escape(name)}"><div class="name">{escape(name)}</div>'
        f'<div class="value">{escape(value)}</div></div>'
        for name, value in figure_rows(snapshot.current)
    ]
    return '<div class="cards" id="current">' + "".join(cards) + "</div>"


def _alerts(snapshot: Snapshot) -> str:
    items = []
    for a in snapshot.alerts:
        # not escaped: the page has always carried a bare "<" / ">" here
        limit = describe_threshold(a.breaches_when, a.threshold, a.unit)
        items.append(
            f'<div class="alert {a.state}" data-alert="{escape(a.rule)}" data-state="{a.state}">{escape(a.title)}: '
            f"{escape(format_value(a.value, a.unit))} &middot; {escape(a.state)} (fires when {limit})</div>"
        )
    return '<div class="alerts" id="alerts">' + "".join(items) + "</div>"


def _timeline(snapshot: Snapshot) -> str:
    buckets = snapshot.timeline
    if not buckets:
        return ""
    start, end = buckets[0].start, buckets[-1].end
    width = (end - start).total_seconds() / len(buckets)
    marks = snapshot.marks
    limits = {a.rule: a.threshold for a in snapshot.alerts}

    def points(get):
        return [(b.end, get(b)) for b in buckets]

    counts = [float(b.figures.events + b.synthetic.events) for b in buckets]
    invoices = stacked_bars(
        "invoices", "Invoices per interval", Axis(start, end, nice_max(counts, 1), "count"), width,
        [(b.end, [("processed", "#2ca02c", b.figures.processed), ("failed", "#d62728", b.figures.failed),
                  ("synthetic (not counted)", SYNTHETIC_COLOR, b.synthetic.events)]) for b in buckets],
        marks,
    )  # fmt: skip
    error_rate = line_chart(
        "error_rate", "Error rate", Axis(start, end, 1.0, "percent"),
        [Series("error rate", "#d62728", points(lambda b: b.figures.error_rate))], marks,
        [("alert: error rate", limits["error_rate"])],
    )  # fmt: skip
    seconds = [v for b in buckets for v in (b.figures.max_seconds, b.p95_seconds) if v is not None]
    seconds_top = nice_max(seconds, 0.001)
    processing = line_chart(
        "processing_time", "Processing time (p50, p95, max)",
        Axis(start, end, seconds_top, "seconds"),
        [Series("p50", "#1f77b4", points(lambda b: b.figures.median_seconds)),
         Series("p95", "#9467bd", points(lambda b: b.p95_seconds)),
         Series("max", "#8c564b", points(lambda b: b.figures.max_seconds))],
        marks,
        [("alert: average time", limits["average_time"])] if limits["average_time"] <= seconds_top else [],
    )  # fmt: skip
    quality = line_chart(
        "quality", "Quality score and invoice-number extraction", Axis(start, end, 1.0, "percent"),
        [Series("quality score", "#2ca02c", points(lambda b: b.figures.accuracy_proxy)),
         Series("invoice number", "#17becf", points(lambda b: b.figures.invoice_number_rate))],
        marks,
        [("alert: accuracy", limits["accuracy"]), ("alert: invoice number", limits["invoice_number_rate"])],
    )  # fmt: skip
    memory_values = [b.figures.peak_memory_mb for b in buckets if b.figures.peak_memory_mb is not None]
    memory = line_chart(
        "memory", "Peak memory", Axis(start, end, nice_max(memory_values, 1), "mb"),
        [Series("peak memory", "#e377c2", points(lambda b: b.figures.peak_memory_mb))], marks,
    )  # fmt: skip
    rows = [float(b.rows_written) for b in buckets]
    rows_chart = stacked_bars(
        "rows_written", "Rows written to the sheet", Axis(start, end, nice_max(rows, 1), "count"), width,
        [(b.end, [("rows", "#4e79a7", b.rows_written), ("placeholders", "#d62728", b.figures.placeholder_detections)]) for b in buckets],
        marks,
    )  # fmt: skip
    return (
        '<div class="charts" id="timeline">'
        + invoices
        + error_rate
        + processing
        + quality
        + memory
        + rows_chart
        + "</div>"
    )


def _revisions(snapshot: Snapshot) -> str:
    if not snapshot.revisions:
        return "<p>No invoice events in this period.</p>"
    limits = {a.rule: a.threshold for a in snapshot.alerts}
    header = "".join(f"<th>{h}</th>" for h in ("revision", "first seen", "last seen", "real", "synthetic", "error rate", "p50", "p95", "max", "memory", "quality", "inv. no.", "placeholders", "rows"))  # fmt: skip
    body = []
    for w in snapshot.revisions:
        label, *figures = revision_cells(w)
        cells = [label, f"{w.first_seen:%m-%d %H:%M}Z", f"{w.last_seen:%m-%d %H:%M}Z", *figures]
        body.append(
            f'<tr data-revision="{escape(w.label)}">'
            + "".join(f"<td>{escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    table = f'<table id="revisions"><tr>{header}</tr>{"".join(body)}</table>'
    charts = (
        revision_traffic("revision_traffic", "Invoices per revision: real and synthetic (only real ones are judged)",
                         [(w.label, [("real", "#4e79a7", w.figures.events), ("synthetic", SYNTHETIC_COLOR, w.synthetic.events)])
                          for w in snapshot.revisions])
        + revision_bars("revision_error_rate", "Error rate per revision",
                      [(w.label, w.figures.error_rate) for w in snapshot.revisions], "percent", ("alert", limits["error_rate"]))
        + revision_bars("revision_quality", "Quality score per revision",
                        [(w.label, w.figures.accuracy_proxy) for w in snapshot.revisions], "percent", ("alert", limits["accuracy"]))
        + revision_bars("revision_p95", "p95 processing time per revision",
                        [(w.label, w.p95_seconds) for w in snapshot.revisions], "seconds")
    )  # fmt: skip
    return table + '<div class="charts">' + charts + "</div>"


def _rollout(snapshot: Snapshot) -> str:
    """The rollout's steps and its last analysis per revision, when a rollout is recorded."""
    progress = snapshot.rollout
    if not progress:
        return ""
    if "unavailable" in progress:
        return f"<h2>Rollout</h2><p>Rollout progress unavailable: {escape(str(progress['unavailable']))}</p>"
    steps, current = progress.get("steps") or [], progress.get("current_step", -1)
    states = ["done" if i < current else "current" if i == current else "pending" for i in range(len(steps))]
    verify_state = "current" if current < 0 and progress.get("status") == "running" else "done"
    boxes = [f'<span class="step {verify_state}" data-step="verify">verify (tag URL, 0%)</span>'] + [
        f'<span class="step {state}" data-step="{i}">{escape(str(weight))}%</span>'
        for i, (weight, state) in enumerate(zip(steps, states, strict=True))
    ]
    weights = ", ".join(
        f"{escape(str(r))} {escape(str(p))}%" for r, p in (progress.get("weights") or {}).items()
    )
    ends = progress.get("step_ends_at")
    meta = (f"{escape(str(progress.get('strategy', '')))} rollout of {escape(str(progress.get('candidate')))} against "
            f"stable {escape(str(progress.get('stable')))}: <b>{escape(str(progress.get('status')))}</b>"
            + (f"; weights {weights}" if weights else "") + (f"; step ends {escape(str(ends))}" if ends else "")
            + (f"; {escape(str(progress['reason']))}" if progress.get("reason") else ""))  # fmt: skip
    rows = []
    for revision, analysis in (progress.get("analysis") or {}).items():
        flat = (
            {k: v for k, v in (analysis or {}).items() if not isinstance(v, dict | list)}
            if isinstance(analysis, dict)
            else {"value": analysis}
        )
        cells = "; ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in flat.items())
        rows.append(f'<tr data-revision="{escape(str(revision))}"><td>{escape(str(revision))}</td><td>{cells}</td></tr>')  # fmt: skip
    table = f'<table id="rollout-analysis"><tr><th>revision</th><th>last analysis</th></tr>{"".join(rows)}</table>' if rows else ""  # fmt: skip
    return f'<h2>Rollout</h2><div id="rollout"><div class="meta">{meta}</div><div class="steps">{"".join(boxes)}</div>{table}</div>'


def _marks(snapshot: Snapshot) -> str:
    if not snapshot.marks:
        return "<p>No deployments or rollbacks in this period.</p>"
    rows = "".join(
        f'<tr class="mark-row" data-kind="{escape(m.kind)}"><td>{m.at:%Y-%m-%d %H:%M:%S}Z</td><td>{escape(m.label)}</td>'
        f"<td>{escape(m.run_id)}</td></tr>"
        for m in snapshot.marks
    )
    return f'<table id="marks"><tr><th>at</th><th>what</th><th>run</th></tr>{rows}</table>'


def _incidents(snapshot: Snapshot) -> str:
    if not snapshot.recent_incidents:
        return "<p>No alert incidents recorded.</p>"
    rows = []
    for i in snapshot.recent_incidents:
        resolved = f"{i.resolved_at:%Y-%m-%d %H:%M:%S}Z" if i.resolved_at else "open"
        rows.append(
            f'<tr class="incident" data-open="{str(i.open).lower()}"><td>#{i.id} {escape(i.title)}</td>'
            f"<td>{i.fired_at:%Y-%m-%d %H:%M:%S}Z</td><td>{escape(format_value(i.fired_value, i.unit))}</td>"
            f"<td>{escape(resolved)}</td><td>{escape(format_value(i.resolved_value, i.unit))}</td></tr>"
        )
    header = "<tr><th>alert</th><th>fired</th><th>value</th><th>resolved</th><th>value</th></tr>"
    return f'<table id="incidents">{header}{"".join(rows)}</table>'


def render_page(snapshot: Snapshot, refresh_seconds: float | None = None) -> str:
    refresh = (
        f'<meta http-equiv="refresh" content="{max(int(refresh_seconds), 1)}">' if refresh_seconds else ""
    )
    firing = len(snapshot.firing)
    status = f"{firing} alert{'s' if firing != 1 else ''} firing" if firing else "no alerts firing"
    history = timedelta(hours=snapshot.history_hours)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(snapshot.function)} monitor: {escape(status)}</title>{refresh}<style>{CSS}</style></head><body>"
        f"<h1>{escape(snapshot.function)} &middot; {escape(snapshot.env)} &middot; {escape(status)}</h1>"
        f'<div class="meta">generated {snapshot.generated_at:%Y-%m-%d %H:%M:%S}Z from {escape(snapshot.source)}; '
        f"current window {snapshot.window_minutes:g} min; history {history}</div>"
        f"{_rollout(snapshot)}"
        f"<h2>Alerts</h2>{_alerts(snapshot)}"
        f"<h2>Current figures ({escape(snapshot.current.label)})</h2>{_cards(snapshot)}"
        f"<h2>Over time (deployments and rollbacks marked)</h2>{_timeline(snapshot)}"
        f"<h2>Per revision</h2>{_revisions(snapshot)}"
        f"<h2>Deployments and rollbacks</h2>{_marks(snapshot)}"
        f"<h2>Alert incidents</h2>{_incidents(snapshot)}"
        "</body></html>"
    )
