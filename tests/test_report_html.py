"""The HTML report: self-contained, escaped, and rendered by a real headless browser.

The browser is Debian's chromium (``/usr/bin/chromium``). It loads the file with networking
disabled, dumps the DOM (checked for every section, table and figure), logs console messages to
stderr (checked for errors; a page with a deliberate error proves the check sees them) and takes
a screenshot.

Without chromium the browser tests are skipped with that reason (``-ra`` prints it), unless
``TRIALKIT_REQUIRE_BROWSER=1``: then they fail. ``.ci/run`` installs chromium and sets it, so
CI always runs them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from external_tools import BROWSER_ENV, require_program
from report_outputs import html_text

import trialkit
from trialkit.analysis import TrialAnalysis, analyze_trial
from trialkit.data.bundled import sample_plan

SECTIONS = (
    "consort",
    "baseline",
    "adherence",
    "attrition",
    "trajectories",
    "summary",
    "footnotes",
    "replication",
    "discrepancies",
)
NASTY_TITLE = 'Trial <script>alert("title")</script> & Co'
NASTY_ARM = "DBT <b>bold</b> & <script>alert(1)</script> [red]x[/red]"
NASTY_ARM_ESCAPED = (
    "DBT &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; [red]x[/red]"
)


def chromium() -> str:
    """The chromium executable; skip the test without it (fail under TRIALKIT_REQUIRE_BROWSER=1)."""
    return require_program(("chromium", "chromium-browser"), "chromium", "chromium", BROWSER_ENV)


def run_browser(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        page.resolve().as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def console_errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@pytest.fixture(scope="module")
def analysis() -> TrialAnalysis:
    return analyze_trial(trialkit.read_trial(None, sample_plan()))


@pytest.fixture(scope="module")
def page(analysis: TrialAnalysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html_text(analysis), encoding="utf-8")
    return path


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    names = [t for t, _ in parser.tags]
    # No scripts, no external style sheets, images, frames or fonts.
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert tag not in names
    for tag, attrs in parser.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"(https?:)?//", value), f"<{tag} {key}={value}>"
    assert "@import" not in text
    assert re.findall(r"url\((?!#)", text) == []  # only in-document references, url(#id)
    assert names.count("svg") == 4  # CONSORT, trajectories, forest, estimands: inline
    assert names.index("style") < names.index("body")  # the page's CSS is inline in <head>


def test_browser_renders_every_section(page: Path, tmp_path: Path, analysis: TrialAnalysis) -> None:
    shot = tmp_path / "report.png"
    dom = run_browser(page, tmp_path, "--dump-dom", "--window-size=1280,4000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_errors(dom.stderr) == []
    html = dom.stdout
    for key in SECTIONS:
        assert f'<section id="{key}">' in html, key
    for oa in analysis.outcomes:
        assert f'<section id="outcome-{oa.name}">' in html
    # One table per post-baseline visit per outcome, plus the summary and replication tables.
    n_visit_tables = len(analysis.outcomes) * (len(analysis.trial.plan.visits.order) - 1)
    assert html.count("<table>") >= n_visit_tables + 2
    assert html.count("<svg") == 4
    assert "Replication of published results (MMRM; outcomes by their plan name)" in html
    # Every published figure is listed: one replication row per [[published]] entry.
    rep = html[html.index('<section id="replication">') :]
    rep = rep[: rep.index("</table>")]
    assert rep.count("<tr>") == 1 + len(analysis.trial.plan.published) == 7
    shot_run = run_browser(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000")
    assert shot_run.returncode == 0 and shot.stat().st_size > 50_000


@pytest.mark.parametrize("required", [False, True])
def test_missing_browser_skips_or_fails(monkeypatch: pytest.MonkeyPatch, required: bool) -> None:
    # Without chromium: a skip with the reason, or under TRIALKIT_REQUIRE_BROWSER=1 a failure.
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv(BROWSER_ENV, "1" if required else "0")
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected, match="chromium is not installed"):
        chromium()


def test_console_error_check_sees_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    run = run_browser(bad, tmp_path, "--dump-dom")
    assert any("Uncaught ReferenceError" in ln for ln in console_errors(run.stderr))


def test_data_strings_are_escaped(tmp_path: Path) -> None:
    plan_text = sample_plan().read_text(encoding="utf-8")
    data = (sample_plan().parent / "dbt_trial_long.csv").as_posix()
    plan_text = (
        plan_text.replace(
            'title = "Online DBT for chronic pain (SYNTHETIC sample data)"',
            f"title = '{NASTY_TITLE}'",
        )
        .replace('data = "dbt_trial_long.csv"', f"data = '{data}'")
        .replace(
            'treatment_label = "Online DBT + standard care"', f"treatment_label = '{NASTY_ARM}'"
        )
    )
    plan = tmp_path / "nasty.toml"
    plan.write_text(plan_text, encoding="utf-8")
    analysis = analyze_trial(trialkit.read_trial(None, plan))
    assert analysis.trial.plan.title == NASTY_TITLE
    text = html_text(analysis)
    assert "<script>" not in text and "<b>bold" not in text
    assert "Trial &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; Co" in text
    assert NASTY_ARM_ESCAPED in text
    page = tmp_path / "nasty.html"
    page.write_text(text, encoding="utf-8")
    dom = run_browser(page, tmp_path, "--dump-dom")
    assert console_errors(dom.stderr) == []
    # The browser shows the strings as text: no element was injected.
    parser = _Tags()
    parser.feed(dom.stdout)
    assert not any(t == "script" for t, _ in parser.tags)
    assert not any(t == "b" for t, _ in parser.tags)
