"""The dashboard as a person sees it: legends in their series' colours, deploy/rollback marks that
do not pile up, and the rollout's steps. Colours and label boxes are what chromium computes."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from deploy_scripts.monitoring.charts import MARK_COLORS, Axis, cluster_label, mark_clusters
from deploy_scripts.monitoring.dashboard import render_page
from deploy_scripts.monitoring.marks import Mark
from deploy_scripts.monitoring.monitor import Monitor, Windows
from deploy_scripts.monitoring.sources import JsonLinesSource
from deploy_scripts.pipeline.records import RecordStore, RunRecord

from .test_dashboard import TIMELINE, history, needs_chromium, run_chromium

#: minutes ago -> kind: two lone marks, a burst of four (one a rollback) and a pair
MARKS = {59: "rollback", 121: "deploy", 200: "deploy", 201: "deploy", 202: "rollback", 203: "deploy",
         240: "deploy", 242: "deploy"}  # fmt: skip

#: what the test adds to a copy of the page: the browser's computed legend colours and label boxes
PROBE = """<pre id="probe"></pre><script>
const legends = [...document.querySelectorAll('.legend-item')].map(g => ({
  chart: g.closest('svg').dataset.chart, series: g.dataset.series, color: g.dataset.color,
  fill: getComputedStyle(g.querySelector('text')).fill}));
const labels = [...document.querySelectorAll('svg.chart')].map(svg => ({chart: svg.dataset.chart,
  boxes: [...svg.querySelectorAll('.marklabel')].map(t => { const b = t.getBBox();
    return [b.x, b.y, b.x + b.width, b.y + b.height, t.lastChild.nodeValue]; })}));
document.getElementById('probe').textContent = JSON.stringify({legends, labels});
</script>"""


def rgb(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def page(config, tmp_path, rollout=None) -> str:
    now = datetime.now(UTC)
    path, _ = history(tmp_path, now)
    store = RecordStore(config.resolved_state_dir())
    for minutes, kind in MARKS.items():
        at = (now - timedelta(minutes=minutes)).isoformat()
        store.save(RunRecord(id=f"{kind}{minutes}", kind=kind, env="local", function="process_invoice", actor="t",
                             pid=1, started_at=at, finished_at=at, status="succeeded"))  # fmt: skip
    monitor = Monitor(config, "local", JsonLinesSource([path]), windows=Windows(60, 6, 12, 1),
                      rollout=(lambda key: rollout) if rollout else None)  # fmt: skip
    return render_page(monitor.evaluate().snapshot)


@pytest.mark.slow
@needs_chromium
def test_chromium_draws_legends_in_their_colours_and_mark_labels_apart(config, tmp_path):
    html = page(config, tmp_path).replace("</body>", PROBE + "</body>")
    probed = tmp_path / "probed.html"
    probed.write_text(html)
    dom = run_chromium(["--dump-dom", probed.as_uri()], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = json.loads(
        re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S).group(1).replace("&quot;", '"')
    )
    legends = found["legends"]
    assert {entry["chart"] for entry in legends} >= set(TIMELINE)
    assert [e for e in legends if e["fill"] != rgb(e["color"])] == []  # none grey, none another colour
    assert {e["series"]: e["fill"] for e in legends if e["chart"] == "invoices"} == {
        "processed": rgb("#2ca02c"), "failed": rgb("#d62728"), "synthetic (not counted)": rgb("#9e9e9e")}  # fmt: skip
    for chart in found["labels"]:
        boxes = chart["boxes"]
        if chart["chart"] in TIMELINE:
            assert sorted(b[4] for b in boxes) == ["2 deploys", "3 deploys + rollback", "deploy", "rollback"]
        overlaps = [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
                    if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]  # fmt: skip
        assert overlaps == [], chart["chart"]


def test_marks_a_few_pixels_apart_are_one_mark_saying_what_it_holds():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    axis = Axis(now - timedelta(hours=6), now, 1.0, "count")
    marks = [Mark(at=now - timedelta(minutes=m), kind=k, status="succeeded", run_id=f"{k}{m}", label=k)
             for m, k in MARKS.items()]  # fmt: skip
    clusters = mark_clusters(axis, marks)
    assert [cluster_label(c) for c in clusters] == ["2 deploys", "3 deploys + rollback", "deploy", "rollback"]
    assert [len(c) for c in clusters] == [2, 4, 1, 1]
    # the lone deploy of 121 min ago stays apart from the burst (200-203 min ago): far more than 12 px
    assert axis.x(now - timedelta(minutes=121)) - axis.x(now - timedelta(minutes=200)) > 100


def test_each_timeline_chart_draws_one_mark_per_cluster_with_every_run_in_its_tooltip(config, tmp_path):
    html = page(config, tmp_path)
    chart = re.search(r'<svg[^>]*data-chart="invoices"[^>]*>(.*?)</svg>', html, re.S).group(1)
    groups = re.findall(r'<g class="mark mark-(\w+)" data-marks="(\d+)"><title>([^<]*)</title>', chart)
    assert [(kind, int(n)) for kind, n, _ in groups] == [
        ("deploy", 2),
        ("mixed", 4),
        ("deploy", 1),
        ("rollback", 1),
    ]
    assert groups[1][2].count(" at ") == 4 and "rollback succeeded" in groups[1][2]
    assert f'stroke="{MARK_COLORS["rollback"]}"' in chart  # a burst holding a rollback is drawn as one


def test_the_rollout_steps_show_where_the_rollout_stands(config, tmp_path):
    rollout = {"candidate": "process-invoice-00003-new", "stable": "process-invoice-00001-ok", "strategy": "blue-green",
               "steps": [10, 50, 100], "current_step": 1, "status": "running",
               "weights": {"process-invoice-00001-ok": 50, "process-invoice-00003-new": 50},
               "analysis": {"process-invoice-00003-new": {"verdict": "success", "events": 12}}}  # fmt: skip
    html = page(config, tmp_path, rollout)
    steps = re.findall(r'<span class="step (\w+)" data-step="(\w+)">([^<]*)</span>', html)
    assert steps == [("done", "verify", "verify (tag URL, 0%)"), ("done", "0", "10%"), ("current", "1", "50%"),
                     ("pending", "2", "100%")]  # fmt: skip
    assert "weights process-invoice-00001-ok 50%, process-invoice-00003-new 50%" in html
    assert re.search(
        r'data-revision="process-invoice-00003-new"><td>[^<]*</td><td>verdict success; events 12', html
    )
    (tmp_path / "none").mkdir()
    assert "<h2>Rollout</h2>" not in page(config, tmp_path / "none")  # nothing recorded: no section
