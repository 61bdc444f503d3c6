"""End to end through the UI: ``dagster dev`` on the sample days, driven by headless Chromium.

Checks that the asset graph shows reach_csv → reach_cdf → reach_cdf_s3, launches a backfill
of two sample days from reach_cdf's "Materialize…" dialog like a person would, waits for it
to finish and sees both days materialized, in the instance and on the asset's page.
Screenshots of each stage go to ``<repo>/test-artifacts/ui/`` (git-ignored), with the
``dagster dev`` log.

Needs Debian's Chromium at /usr/bin/chromium and the ``playwright`` Python package (its own
browser downloads are not used). Skips without them, unless ``REACH_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from dagster import AssetKey, AssetRecordsFilter, DagsterInstance, DagsterRunStatus, RunsFilter

from reach_pipeline_tests.support.dagster_servers import DagsterDev, dagster_dev
from reach_pipeline_tests.support.graphql import BACKFILL_ENDED
from reach_pipeline_tests.support.processes import tool, wait_gone

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "ui"
SAMPLE_DAYS = REPO / "examples" / "udl"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PARTITIONS_START = "2025-08-25"
OWNERS = ("ops@example.org", "team:reach")
NO_INPUT_DAY, NOT_RUN_DAY = "2025-09-05", "2025-09-06"  # no sample file for either
DAYS = ("2025-09-01", "2025-09-02")
DAY_RANGE = f"[{DAYS[0]}...{DAYS[1]}]"
ASSETS = ("reach_csv", "reach_cdf", "reach_cdf_s3", "reach_geomap", "reach_geomap_s3")
GRAPH = (*ASSETS, "reach_coverage")  # the daily assets, and the coverage (not partitioned)
LINEAGE = {
    ("reach_cdf", "reach_coverage"),
    ("reach_csv", "reach_cdf"),
    ("reach_cdf", "reach_cdf_s3"),
    ("reach_cdf", "reach_geomap"),
    ("reach_geomap", "reach_geomap_s3"),
}
UNFINISHED_RUNS = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]
# Timeouts (ms for Playwright, s otherwise): generous, always bounded.
LOAD_MS = 60_000
UI_MS = 30_000
BACKFILL_S = 150.0

pytestmark = [pytest.mark.integration, pytest.mark.slow(25), pytest.mark.timeout(300)]


def _unavailable(reason: str) -> None:
    if os.environ.get("REACH_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REACH_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def playwright_api():
    if not CHROMIUM.exists():
        _unavailable(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install playwright)")
    return sync_api


# ------------------------------------------------------------------------------ servers


@pytest.fixture
def reach_dirs(tmp_path) -> dict[str, Path]:
    dirs = {
        "input": tmp_path / "input",
        "output": tmp_path / "output",
        "home": tmp_path / "dagster_home",
    }
    # the sample days only, not a telemetry file a local `reach-pipeline process` left there
    shutil.copytree(
        SAMPLE_DAYS, dirs["input"], ignore=shutil.ignore_patterns("download_telemetry.csv*")
    )
    dirs["output"].mkdir()
    dirs["home"].mkdir()
    shutil.copy(REPO / "dagster.yaml", dirs["home"] / "dagster.yaml")
    return dirs


@pytest.fixture
def dev_server(playwright_api, reach_dirs, tmp_path) -> Iterator[DagsterDev]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "DAGSTER_"))}
    env.update(
        REACH_INPUT_DIR=str(reach_dirs["input"]),
        REACH_OUTPUT_DIR=str(reach_dirs["output"]),
        REACH_PARTITIONS_START=PARTITIONS_START,
        REACH_OWNERS=",".join(OWNERS),
    )
    server = dagster_dev(
        reach_dirs["home"], REPO / "workspace.yaml", env, cwd=REPO, log_dir=tmp_path
    )
    t0 = time.monotonic()
    try:
        with server:
            print(f"dagster dev answering on {server.base_url} after {time.monotonic() - t0:.1f} s")
            yield server
            t0 = time.monotonic()
        print(
            f"stopped dagster dev in {time.monotonic() - t0:.1f} s; "
            f"none of its {server.processes_seen()} processes seen is left"
        )
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if server.log_path.exists():
            shutil.copy(server.log_path, ARTIFACTS / "dagster-dev.log")
    assert not server.forced, f"still running after dagster dev shut down (killed): {server.forced}"


@pytest.fixture
def page(playwright_api, dev_server):
    """A headless Chromium page on dagster dev's UI (relative URLs work).

    The Playwright driver and the browser processes are checked gone afterwards. (Started
    after dagster dev, so the new children of this process are the driver only.)
    """
    me = psutil.Process()
    before = {p.pid for p in me.children()}
    started: dict[int, psutil.Process] = {}

    def remember_browser_processes() -> None:
        # the Playwright driver (a new child of this process) and the browser under it
        for driver in (p for p in me.children() if p.pid not in before):
            for proc in (driver, *driver.children(recursive=True)):
                started.setdefault(proc.pid, proc)

    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=LOAD_MS
        )
        context = browser.new_context(
            base_url=dev_server.base_url, viewport={"width": 1600, "height": 1000}
        )
        # The UI greets a new local instance with a "Join the Dagster community" dialog
        # (after a second, over whatever page is open): it counts as seen in this browser.
        context.add_init_script("window.localStorage.setItem('communityNux', '\"1\"')")
        context.set_default_timeout(UI_MS)
        try:
            yield context.new_page()
        finally:
            remember_browser_processes()
            context.close()
            browser.close()
    leftover = wait_gone(list(started.values()), 15.0)
    for proc in leftover:
        proc.kill()
    assert not leftover, f"browser processes outlived the browser (killed): {leftover}"


class Screenshots:
    def __init__(self, prefix: str):
        self.prefix = prefix
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob(f"{prefix}-*.png"):
            old.unlink()

    def take(self, page, name: str) -> Path:
        path = ARTIFACTS / f"{self.prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    @contextmanager
    def on_failure(self, page) -> Iterator[None]:
        """A "failed" screenshot if the body raises; the body's error is the one raised."""
        try:
            yield
        except BaseException:
            try:
                self.take(page, "failed")
            except Exception as exc:  # noqa: BLE001 - any screenshot failure: keep the original one
                print(f"no failure screenshot: {exc}")
            raise


# ------------------------------------------------------------------------ the asset graph

# The graph is an SVG: one foreignObject per asset node, one path with an arrow head per
# edge. An edge starts at its upstream node and ends (arrow) at its downstream node; each
# end is matched to the nearest node box on screen.
RENDERED_GRAPH_JS = """
(names) => {
  const nodes = [];
  for (const fo of document.querySelectorAll('svg foreignObject')) {
    const leaves = [...fo.querySelectorAll('*')].filter((el) => el.childElementCount === 0);
    const name = names.find((n) => leaves.some((el) => el.textContent.trim() === n));
    if (name) nodes.push({ name, box: fo.getBoundingClientRect() });
  }
  const nearest = (pt) => {
    let best = null;
    for (const n of nodes) {
      const dx = Math.max(n.box.left - pt.x, 0, pt.x - n.box.right);
      const dy = Math.max(n.box.top - pt.y, 0, pt.y - n.box.bottom);
      const d = Math.hypot(dx, dy);
      if (best === null || d < best.d) best = { name: n.name, d };
    }
    return best && best.d <= 24 ? best.name : null;
  };
  const onScreen = (path, pt) => {
    const m = path.getScreenCTM();
    return { x: m.a * pt.x + m.c * pt.y + m.e, y: m.b * pt.x + m.d * pt.y + m.f };
  };
  const edges = [];
  for (const path of document.querySelectorAll('svg path[marker-end]')) {
    const length = path.getTotalLength();
    edges.push([
      nearest(onScreen(path, path.getPointAtLength(0))),
      nearest(onScreen(path, path.getPointAtLength(length))),
    ]);
  }
  if (nodes.length < names.length || edges.length < 2) return null;
  return { nodes: nodes.map((n) => n.name), edges };
}
"""


def check_asset_graph(page, expect, location: str) -> None:
    page.goto(f"/locations/{location}/asset-groups/reach")
    expect(page.get_by_text("Asset Group in", exact=False)).to_be_visible(timeout=LOAD_MS)
    graph_nodes = page.locator("svg foreignObject")
    for name in GRAPH:
        expect(graph_nodes.get_by_text(name, exact=True)).to_be_visible(timeout=LOAD_MS)
    # the nodes' details have loaded (each daily asset is partitioned by day)
    expect(graph_nodes.get_by_text(re.compile(r"^\d+ partitions$"))).to_have_count(
        len(ASSETS), timeout=LOAD_MS
    )
    rendered = page.wait_for_function(
        RENDERED_GRAPH_JS, arg=list(GRAPH), timeout=UI_MS
    ).json_value()
    assert sorted(rendered["nodes"]) == sorted(GRAPH), rendered
    edges = [tuple(edge) for edge in rendered["edges"]]
    assert set(edges) == LINEAGE and len(edges) == len(LINEAGE), f"edges drawn: {edges}"
    print("asset graph shows", ", ".join(f"{a} → {b}" for a, b in sorted(edges)))


# ----------------------------------------------------------------------------- backfill


def launch_backfill_from_dialog(page, expect, shots: Screenshots) -> str:
    """reach_cdf → Materialize… → the two days → Launch backfill; returns the backfill id."""
    page.goto("/assets/reach_cdf")
    # (the button's accessible name also holds its icon's label)
    page.get_by_role("button", name=re.compile(r"\bMaterialize…$")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Launch runs to materialize reach_cdf")).to_be_visible()
    # The dialog starts on the last 90 days; the sample days (2025-09) are older than that
    # whatever today is, since the partitions start on a fixed day in the past.
    dialog.get_by_role("button", name="Show all partitions").click()
    expect(dialog.get_by_text("All time", exact=True)).to_be_visible()
    selection = dialog.get_by_placeholder(re.compile(r"^ex: "))
    selection.fill(DAY_RANGE)
    selection.press("Enter")
    expect(dialog.get_by_text("2 partitions", exact=True)).to_be_visible()
    launch = dialog.get_by_role("button", name=re.compile(r"^Launch (backfill|2 runs)$"))
    expect(launch).to_be_enabled()
    shots.take(page, "2-materialize-dialog")

    def is_launch(response) -> bool:
        body = response.request.post_data or ""
        return "/graphql" in response.url and "launchPartitionBackfill" in body

    with page.expect_response(is_launch, timeout=UI_MS) as launched:
        launch.click()
    result = launched.value.json()["data"]["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    backfill_id = result["backfillId"]
    expect(page.get_by_text(f"Created backfill {backfill_id}")).to_be_visible()
    return backfill_id


def wait_for_backfill(instance: DagsterInstance, server: DagsterDev, backfill_id: str):
    """Poll the instance until the backfill ends and no run is left queued or running."""
    deadline = time.monotonic() + BACKFILL_S
    backfill = None
    while time.monotonic() < deadline:
        server.check_alive()  # (its tracker remembers the run workers meanwhile)
        backfill = instance.get_backfill(backfill_id)
        if backfill is not None and backfill.status.value in BACKFILL_ENDED:
            # The input sensor may have its own runs of the sample days in flight.
            if not instance.get_runs(RunsFilter(statuses=UNFINISHED_RUNS)):
                return backfill
        time.sleep(0.5)  # polling the instance, bounded by the deadline
    runs = instance.get_runs(RunsFilter(statuses=UNFINISHED_RUNS))
    pytest.fail(
        f"backfill {backfill_id} not finished within {BACKFILL_S:.0f} s: "
        f"status {backfill.status.value if backfill else None}, "
        f"unfinished runs {[(r.run_id[:8], r.status.value, r.tags) for r in runs]}"
    )


def check_instance(instance: DagsterInstance, backfill, output_dir: Path) -> None:
    assert backfill.status.value == "COMPLETED_SUCCESS", backfill
    runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill.backfill_id}))
    # Several days per run: the two days are one ranged run.
    [run] = runs
    assert (
        run.tags.get("dagster/asset_partition_range_start"),
        run.tags.get("dagster/asset_partition_range_end"),
    ) == (min(DAYS), max(DAYS)), run.tags
    assert run.status == DagsterRunStatus.SUCCESS, (run.run_id, run.status)
    key = AssetKey("reach_cdf")
    assert set(DAYS) <= instance.get_materialized_partitions(key)
    for day in DAYS:
        records = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, asset_partitions=[day]), limit=20
        ).records
        assert run.run_id in {r.run_id for r in records}, f"{day}: no materialization by {run}"
        y, m, d = day.split("-")
        cdfs = list((output_dir / "l1c" / "prelim" / y / m / d).glob("*.cdf"))
        assert cdfs, f"{day}: no CDF under {output_dir}"


def check_backfill_page(page, expect, backfill_id: str) -> None:
    page.goto(f"/runs/b/{backfill_id}")
    expect(page.get_by_text(DAY_RANGE.strip("[]"), exact=True)).to_be_visible()
    expect(page.get_by_text("100% completed", exact=True)).to_be_visible()
    status = page.locator("xpath=//*[normalize-space(text())='Status']/following-sibling::*[1]")
    expect(status).to_have_text("Succeeded")


def check_partitions_page(page, expect) -> None:
    page.goto("/assets/reach_cdf?view=partitions")
    shown = page.get_by_role("textbox").first
    expect(shown).to_have_value(re.compile(r"^\[\d{4}-\d\d-\d\d\.\.\.\d{4}-\d\d-\d\d\]$"))
    shown.fill(DAY_RANGE)
    shown.press("Enter")
    expect(page.get_by_text("2 Partitions Selected", exact=True)).to_be_visible()
    expect(page.get_by_text("Materialized (2)", exact=True)).to_be_visible()
    expect(page.get_by_text("Missing (0)", exact=True)).to_be_visible()
    for day in DAYS:
        page.get_by_title(day, exact=True).first.click()  # the day in the list
        expect(page).to_have_url(re.compile(rf"[?&]partition={day}\b"))
        # the detail's header: the day and its status tag, under the day's tooltip
        header = page.locator(f'[data-tooltip="{day}"]')
        expect(header.get_by_text("Materialized", exact=True)).to_be_visible()


# ---------------------------------------------------------------------------------- test


@pytest.mark.slow(70)
def test_asset_graph_and_two_day_backfill_in_the_browser(
    playwright_api, dev_server, reach_dirs, page, record_property
):
    expect = playwright_api.expect
    shots = Screenshots("asset-graph-backfill")
    with shots.on_failure(page):
        location = dev_server.location_name()

        check_asset_graph(page, expect, location)
        shots.take(page, "1-asset-graph")

        backfill_id = launch_backfill_from_dialog(page, expect, shots)
        with DagsterInstance.from_config(str(reach_dirs["home"])) as instance:
            t0 = time.monotonic()
            backfill = wait_for_backfill(instance, dev_server, backfill_id)
            print(f"backfill {backfill_id} finished after {time.monotonic() - t0:.1f} s")
            check_instance(instance, backfill, reach_dirs["output"])

        check_backfill_page(page, expect, backfill_id)
        shots.take(page, "3-backfill")

        check_partitions_page(page, expect)
        final = shots.take(page, "4-partitions-materialized")
        record_property("screenshot", str(final))


# -------------------------------------------------------------- what an owner sees


def run_on_dev_instance(server: DagsterDev, day: str, selection: list[str]) -> None:
    """A real run of ``selection`` for ``day`` on dagster dev's instance, as an operator
    starts one from the shell (a process of its own: nothing of it stays under this one)."""
    command = [tool("dagster"), "asset", "materialize", "-m", "reach_pipeline.definitions"]
    command += ["--select", ",".join(selection), "--partition", day]
    done = subprocess.run(
        command, cwd=REPO, env=server.env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]


def check_no_input_day(page, expect, input_dir: Path, shots: Screenshots) -> None:
    """reach_csv's partition view: the day without input has its record, a day never run
    has none."""
    page.goto(f"/assets/reach_csv?view=partitions&partition={NOT_RUN_DAY}")
    expect(page.get_by_role("button", name="View all historical events (0)")).to_be_visible(
        timeout=LOAD_MS
    )
    page.goto(f"/assets/reach_csv?view=partitions&partition={NO_INPUT_DAY}")
    events = page.get_by_role("button", name="View all historical events (1)")
    expect(events).to_be_visible(timeout=LOAD_MS)
    shots.take(page, "1-no-input-day")
    events.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(f"Historical events for {NO_INPUT_DAY}")).to_be_visible()
    [row] = dialog.get_by_role("row").filter(has_text="Observation").all()
    row.get_by_role("button").first.click()  # unfold the event: its description and metadata
    expect(dialog.get_by_text(f"No input file for {NO_INPUT_DAY} in {input_dir}")).to_be_visible()
    expect(dialog.get_by_text("present", exact=True)).to_be_visible()
    expect(dialog.get_by_text("false", exact=True)).to_be_visible()
    shots.take(page, "2-no-input-record")


def check_kinds_and_owners(page, expect, shots: Screenshots) -> None:
    for asset, kinds in (("reach_cdf", ("cdf",)), ("reach_csv", ("csv",))):
        page.goto(f"/assets/{asset}")
        # (a tag's text is also in a hidden copy used to measure it: the first is shown)
        owners = page.get_by_text("Owners", exact=True).locator("xpath=..")
        expect(owners.get_by_text(OWNERS[0], exact=True).first).to_be_visible(timeout=LOAD_MS)
        team = OWNERS[1].removeprefix("team:")
        expect(owners.get_by_text(team, exact=True).first).to_be_visible()
        kinds_section = page.get_by_text("Kinds", exact=True).locator("xpath=..")
        for kind in kinds:  # a kind the UI knows (csv) shows as its icon, named by its label
            by_text = kinds_section.get_by_text(kind, exact=True)
            by_icon = kinds_section.get_by_role("img", name=kind, exact=True)
            expect(by_text.or_(by_icon).first).to_be_visible()
        if asset == "reach_cdf":  # with_source_code_references
            source = page.get_by_role("link", name=re.compile(r"^Open assets\.py .*in editor$"))
            expect(source).to_have_attribute(
                "href", re.compile(r"/reach_pipeline/defs/assets\.py:\d+$")
            )
        shots.take(page, f"3-{asset}-definition")


def check_geomap_thumbnail(page, expect, shots: Screenshots) -> None:
    """The day's reach_geomap shows its overview thumbnail, rendered from the metadata."""
    page.goto(f"/assets/reach_geomap?view=partitions&partition={DAYS[1]}")
    # The day's metadata table: the overview entry opens its markdown, the picture in it.
    row = page.get_by_role("row").filter(has=page.get_by_text("overview", exact=True))
    expect(row).to_be_visible(timeout=LOAD_MS)
    row.get_by_text("[Show Markdown]").click()
    thumbnail = page.get_by_role("dialog").locator('img[src^="data:image/png;base64,"]')
    expect(thumbnail).to_be_visible(timeout=LOAD_MS)
    thumbnail.scroll_into_view_if_needed()
    size = thumbnail.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size[0] and size[1] > 100 and size[2] > 40, size  # decoded: a real picture
    shots.take(page, "4-reach_geomap-thumbnail")


def test_no_input_day_kinds_and_owners_in_the_browser(playwright_api, dev_server, reach_dirs, page):
    expect = playwright_api.expect
    shots = Screenshots("owner-view")
    with shots.on_failure(page):
        run_on_dev_instance(dev_server, NO_INPUT_DAY, ["reach_cdf"])
        check_no_input_day(page, expect, reach_dirs["input"], shots)
        check_kinds_and_owners(page, expect, shots)
        run_on_dev_instance(dev_server, DAYS[1], ["reach_cdf", "reach_geomap"])
        check_geomap_thumbnail(page, expect, shots)


# ------------------------------------------------------------------------- the coverage


def wait_for_coverage(home: Path, server: DagsterDev, last_day: str) -> dict:
    """reach_coverage's metadata once its sensor has refreshed it up to
    ``last_day`` (nobody requests it here)."""
    deadline = time.monotonic() + BACKFILL_S
    with DagsterInstance.from_config(str(home)) as instance:
        while time.monotonic() < deadline:
            server.check_alive()
            event = instance.get_latest_materialization_event(AssetKey("reach_coverage"))
            metadata = event.asset_materialization.metadata if event else {}
            if "last_day" in metadata and metadata["last_day"].value == last_day:
                return metadata
            time.sleep(1.0)  # polling the instance, bounded by the deadline
    pytest.fail(f"reach_coverage not refreshed up to {last_day} within {BACKFILL_S:.0f} s")


def check_coverage_picture(page, expect, shots: Screenshots) -> Path:
    """reach_coverage's page: its latest materialization's picture, rendered inline."""
    page.goto("/assets/reach_coverage")
    row = page.get_by_role("row").filter(has=page.get_by_text("coverage", exact=True))
    expect(row.first).to_be_visible(timeout=LOAD_MS)
    shots.take(page, "1-reach_coverage-overview")
    row.first.get_by_text("[Show Markdown]").click()
    picture = page.get_by_role("dialog").locator('img[src^="data:image/png;base64,"]')
    expect(picture).to_be_visible(timeout=LOAD_MS)
    picture.scroll_into_view_if_needed()
    size = picture.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size[0] and size[1] > 600 and size[2] > 300, size  # decoded: the whole picture
    return shots.take(page, "2-reach_coverage-picture")


@pytest.mark.slow(50)
def test_coverage_picture_in_the_browser(playwright_api, dev_server, reach_dirs, page):
    """Two sample days made from the shell; the coverage refreshes by itself (its
    sensor in dagster dev's daemon) and shows its picture on its page."""
    expect = playwright_api.expect
    shots = Screenshots("coverage")
    with shots.on_failure(page):
        for day in DAYS:
            run_on_dev_instance(dev_server, day, ["reach_cdf"])
        metadata = wait_for_coverage(reach_dirs["home"], dev_server, DAYS[-1])
        assert metadata["days_with_l1c"].value == len(DAYS)
        assert (reach_dirs["output"] / "coverage" / "reach_coverage.csv").is_file()
        check_coverage_picture(page, expect, shots)
