"""report.html in a real headless Chromium: it loads cleanly and shows what a reader needs."""

import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from browser import chromium, console_errors, full_screenshot
from phylo.report.html import highlight, inline_svg

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    res = subprocess.run([sys.executable, "-m", "phylo", "run", "fixtures/tiny/urls.txt", "--out", str(out),
                          "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return out


def test_report_is_self_contained(tiny_run):
    """Nothing is loaded from elsewhere at view time (namespace URIs in the SVG are names, not loads)."""
    import re

    page = (tiny_run / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "<svg" in page


def test_report_loads_in_chromium_without_errors(tiny_run, tmp_path):
    with chromium() as driver:
        driver.get((tiny_run / "report.html").as_uri())
        assert "phylo report" in driver.title
        assert console_errors(driver) == []
        assert driver.find_elements(By.CSS_SELECTOR, "#tree svg")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#articles-table tbody tr")) == 4
        assert len(driver.find_elements(By.CSS_SELECTOR, "#lineage-table tbody tr")) == 4
        assert len(driver.find_elements(By.CSS_SELECTOR, "#heatmap tbody td")) == 16
        pairs = driver.find_elements(By.CSS_SELECTOR, "#passages details.pair")
        assert pairs and pairs[0].find_elements(By.TAG_NAME, "mark")
        shot = full_screenshot(driver, tmp_path / "report.png")
    assert shot.stat().st_size > 20_000


def test_highlight_escapes_text_and_marks_spans():
    html = highlight("a <b> shared words here", [(6, 18)])
    assert html == "a &lt;b&gt; <mark>shared words</mark> here"
    assert inline_svg('<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg a="1"></svg>') == '<svg a="1"></svg>'
