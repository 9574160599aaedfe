"""report.html in a real headless Chromium, driven as a person drives it (hover, click,
filter, sort, download), and the lineage exports read back by the tools they are for.

Three reports: the bundled 14-article story from ``phylo run`` (today's lineage rows),
a hand-built story whose lineage rows carry every verdict of the schema (merges,
independent reports sharing a quote, an unseen-source group), and a 60-article simulated
story for size and errors at scale (its load time is measured by bench/report.py).
"""

import csv
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import networkx as nx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from browser import chromium, console_errors, requested_urls
from phylo.engine.files import read_tsv
from phylo.report.html import inline_svg
from phylo.trees.dates import sort_time

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "fixtures" / "harbor-bridge"

# every tooltip's text, looked up through Bokeh's shadow roots
TOOLTIPS = """
const out = [];
(function walk(root) {
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  for (const el of root.querySelectorAll('[class*=tooltip]')) out.push(el.innerText || el.textContent);
})(document);
return out.join('\\n');
"""


def phylo_run(urls: Path, out: Path) -> Path:
    res = subprocess.run([sys.executable, "-m", "phylo", "run", str(urls), "--out", str(out), "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def story_run(tmp_path_factory):
    return phylo_run(STORY / "urls.txt", tmp_path_factory.mktemp("story") / "out")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    with chromium(downloads=downloads) as driver:
        driver.downloads = downloads
        yield driver


def open_report(driver, path: Path):
    driver.get(path.as_uri())
    for _ in range(200):
        state = driver.execute_script("return document.body.dataset.ready")
        if state:
            break
        time.sleep(0.05)
    assert state == "1", console_errors(driver)
    return driver


def source(driver, name: str) -> dict:
    """The current data of a Bokeh data source of the page (what the figure draws)."""
    return driver.execute_script("""
        for (const view of Bokeh.index) {
          const model = view.model.document.get_model_by_name(arguments[0]);
          if (model) return Object.fromEntries(Object.entries(model.data).map(([k, v]) => [k, Array.from(v)]));
        }""", name)


def point_at(driver, plot: str, x: float, y: float, click: bool = False) -> None:
    """Move the real mouse pointer to a data point of a figure (and click there)."""
    sx, sy = driver.execute_script("""
        const [plot, x, y] = arguments;
        let [sx, sy] = window.phyloExplorer.screenPoint(plot, x, y);
        window.scrollBy(0, sy - window.innerHeight / 2);  // bring the point to the middle of the window
        return window.phyloExplorer.screenPoint(plot, x, y);""", plot, x, y)
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(round(sx)), int(round(sy)))
    if click:
        actions.w3c_actions.pointer_action.click()
    actions.perform()
    time.sleep(0.3)


def tooltip_with(driver, text: str) -> str:
    """The tooltips' text once ``text`` shows in it (Bokeh draws them a moment after the move)."""
    for _ in range(40):
        tips = driver.execute_script(TOOLTIPS)
        if text in tips:
            break
        time.sleep(0.05)
    return tips


def visible_rows(driver) -> list[str]:
    return [row.get_attribute("data-label") for row in driver.find_elements(By.CSS_SELECTOR, "#articles-table tbody tr")
            if row.is_displayed()]


# --- the bundled story ---------------------------------------------------------------------

def test_report_is_one_self_contained_file(story_run):
    """No element loads anything from elsewhere. (The inlined Bokeh library holds a CDN address
    for TeX it is never given; that nothing is requested is checked in the browser below.)"""
    page = (story_run / "report.html").read_text()
    page = re.sub(r"<script>.*?</script>", "<script></script>", page, flags=re.S)  # inline code is not markup
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "<link" not in page and "<script src" not in page
    assert (story_run / "report.html").stat().st_size < 5_000_000


def test_report_loads_with_no_errors_and_no_network_request(story_run, browser):
    requested_urls(browser)  # forget earlier pages
    open_report(browser, story_run / "report.html")
    assert "phylo report" in browser.title
    assert console_errors(browser) == []
    urls = requested_urls(browser)
    assert urls and all(u.startswith(("file://", "data:", "blob:")) for u in urls), urls
    labels = [r["label"] for r in read_tsv(story_run / "articles.tsv")]
    assert sorted(source(browser, "lineage-nodes")["id"]) == sorted(labels)
    assert sorted(source(browser, "tree-leaves")["label"]) == sorted(labels)
    assert sorted(visible_rows(browser)) == sorted(labels)


def test_the_distance_heat_map_is_drawn_when_opened(story_run, browser):
    open_report(browser, story_run / "report.html")
    assert browser.find_elements(By.CSS_SELECTOR, "#heatmap td") == []
    browser.find_element(By.CSS_SELECTOR, "#heat-details summary").click()
    for _ in range(40):  # the details element's "toggle" event comes a moment after the click
        cells = browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody td")
        if cells:
            break
        time.sleep(0.05)
    matrix = read_tsv(story_run / "distances.tsv")
    assert len(cells) == 14 * 14
    assert [float(c.text) for c in cells[:14]] == [round(float(matrix[0][r[""]]), 2) for r in matrix]


def test_hovering_an_article_shows_its_title(story_run, browser):
    open_report(browser, story_run / "report.html")
    nodes = source(browser, "lineage-nodes")
    titles = {r["label"]: r["title"] for r in read_tsv(story_run / "articles.tsv")}
    i = nodes["id"].index("portcalderledger.2024-03-12")
    assert titles[nodes["id"][i]] not in browser.execute_script(TOOLTIPS)
    point_at(browser, "lineage", nodes["x"][i], nodes["y"][i])
    tip = tooltip_with(browser, titles[nodes["id"][i]])
    assert titles[nodes["id"][i]] in tip and "verdict: copied" in tip
    leaves = source(browser, "tree-leaves")
    j = leaves["label"].index("newssift.2024-03-12.2")
    point_at(browser, "tree", leaves["x"][j], leaves["y"][j])
    assert titles["newssift.2024-03-12.2"] in tooltip_with(browser, titles["newssift.2024-03-12.2"])


def test_clicking_an_arrow_opens_the_pair_with_the_shared_passages_marked(story_run, browser):
    open_report(browser, story_run / "report.html")
    assert not browser.find_element(By.ID, "panel").is_displayed()
    edges = source(browser, "lineage-edges")
    i = edges["target"].index("portcalderledger.2024-03-12")
    middle = len(edges["xs"][i]) // 2
    point_at(browser, "lineage", edges["xs"][i][middle], edges["ys"][i][middle], click=True)
    panel = browser.find_element(By.ID, "panel")
    assert panel.is_displayed()
    columns = panel.find_elements(By.CSS_SELECTOR, ".side .text")
    assert len(columns) == 2
    articles = {r["label"]: r for r in read_tsv(story_run / "articles.tsv")}
    headings = [h.text for h in panel.find_elements(By.CSS_SELECTOR, ".side h4")]
    assert articles["portcalderledger.2024-03-12"]["title"] in headings[0]
    assert articles[edges["source"][i]]["title"] in headings[1]
    marks = [col.find_elements(By.TAG_NAME, "mark") for col in columns]
    assert marks[0] and marks[1]
    # each marked passage of the copy is in the source's text, word for word
    source_text = " ".join(columns[1].text.split()).lower()
    assert all(" ".join(m.text.split()).lower() in source_text for m in marks[0][:5])
    assert "share taken" in panel.text and "confidence" in panel.text
    browser.find_element(By.ID, "panel-close").click()
    assert not panel.is_displayed()


def test_filters_hide_the_articles_they_should(story_run, browser):
    open_report(browser, story_run / "report.html")
    rows = [r for r in read_tsv(story_run / "articles.tsv") if r["status"] == "ok"]
    lineage = {r["label"]: r for r in csv.DictReader(open(story_run / "lineage.csv", encoding="utf-8"))}
    everyone = sorted(r["label"] for r in rows)

    browser.find_element(By.XPATH, "//summary[text()='Outlets']").click()
    browser.find_element(By.CSS_SELECTOR, "#filter-sites input[value='NewsSift']").click()
    expected = sorted(r["label"] for r in rows if r["site"] != "NewsSift")
    assert sorted(visible_rows(browser)) == expected
    assert sorted(source(browser, "lineage-nodes")["id"]) == expected
    assert all(e in expected for e in source(browser, "lineage-edges")["target"])
    tree_alpha = dict(zip(*(source(browser, "tree-leaves")[k] for k in ("label", "alpha"))))
    assert {label for label, a in tree_alpha.items() if a < 1} == set(everyone) - set(expected)
    browser.find_element(By.ID, "filter-reset").click()
    assert sorted(visible_rows(browser)) == everyone

    browser.find_element(By.XPATH, "//summary[text()='Verdicts']").click()
    browser.find_element(By.CSS_SELECTOR, "#filter-verdicts input[value='copied']").click()
    assert visible_rows(browser) == [label for label in everyone if lineage[label]["verdict"] != "copied"]
    browser.find_element(By.ID, "filter-reset").click()

    slider = browser.find_element(By.ID, "filter-share")
    browser.execute_script("arguments[0].value = 50; arguments[0].dispatchEvent(new Event('input'))", slider)
    kept = sorted(label for label in everyone
                  if lineage[label]["verdict"] != "copied" or float(lineage[label]["share_taken"]) >= 0.5)
    assert sorted(visible_rows(browser)) == kept and len(kept) < len(everyone)
    browser.find_element(By.ID, "filter-reset").click()

    # up to 12:00 on the day, in the inputs' UTC
    browser.execute_script("""const el = document.getElementById('filter-to'); el.value = '2024-03-12T12:00';
                              el.dispatchEvent(new Event('change', {bubbles: true}))""")
    noon = datetime(2024, 3, 12, 12, 0)  # sort_time gives naive UTC
    early = sorted(r["label"] for r in rows if r["published"] and sort_time(r["published"]) <= noon)
    assert sorted(visible_rows(browser)) == early and 0 < len(early) < len(everyone)


def test_a_clade_collapses_and_expands(story_run, browser):
    open_report(browser, story_run / "report.html")
    inner = source(browser, "tree-inner")
    leaves_before = len(source(browser, "tree-leaves")["label"])
    # the biggest clade below the root
    i = max((k for k in range(len(inner["id"])) if inner["state"][k] == "click to collapse"),
            key=lambda k: inner["tips"][k])
    tips = inner["tips"][i]
    point_at(browser, "tree", inner["x"][i], inner["y"][i], click=True)
    assert len(source(browser, "tree-leaves")["label"]) == leaves_before - tips
    folded = source(browser, "tree-collapsed")
    assert folded["caption"] == [f"{tips} articles (collapsed)"]
    inner = source(browser, "tree-inner")
    k = inner["state"].index("click to expand")
    point_at(browser, "tree", inner["x"][k], inner["y"][k], click=True)
    assert len(source(browser, "tree-leaves")["label"]) == leaves_before


def test_the_article_table_sorts(story_run, browser):
    open_report(browser, story_run / "report.html")
    header = browser.find_element(By.XPATH, "//table[@id='articles-table']//th[text()='Share taken']")
    header.click()

    def shares():
        cells = browser.find_elements(By.CSS_SELECTOR, "#articles-table tbody td:nth-child(7)")
        return [float(c.text.rstrip("%")) for c in cells if c.text]

    assert shares() == sorted(shares()) and len(set(shares())) > 3
    header.click()
    assert shares() == sorted(shares(), reverse=True)
    browser.find_element(By.CSS_SELECTOR, "#articles-table tbody tr").click()
    assert browser.find_element(By.ID, "panel").is_displayed()


def test_downloads_from_the_page(story_run, browser):
    open_report(browser, story_run / "report.html")
    folder = Path(browser.downloads)
    for name in ("newick", "csv", "graphml", "lineage-svg", "tree-svg"):
        browser.find_element(By.CSS_SELECTOR, f"[data-download='{name}']").click()
    files = {"tree.nwk", "lineage.csv", "lineage.graphml", "lineage-view.svg", "tree-view.svg"}
    for _ in range(100):
        if files <= {p.name for p in folder.iterdir()}:
            break
        time.sleep(0.1)
    assert (folder / "tree.nwk").read_text() == (story_run / "tree.nwk").read_text()
    assert (folder / "lineage.csv").read_text() == (story_run / "lineage.csv").read_text()
    assert nx.read_graphml(folder / "lineage.graphml").number_of_nodes() == 14
    for svg in ("lineage-view.svg", "tree-view.svg"):
        text = (folder / svg).read_text()
        assert text.lstrip().startswith("<svg") and "<path" in text


def test_lineage_graphml_opens_in_networkx_with_the_articles_and_the_copies(story_run):
    graph = nx.read_graphml(story_run / "lineage.graphml")
    articles = {r["label"]: r for r in read_tsv(story_run / "articles.tsv") if r["status"] == "ok"}
    lineage = read_tsv(story_run / "lineage.tsv")
    assert isinstance(graph, nx.DiGraph) and set(graph.nodes) == set(articles)
    assert set(graph.edges) == {(r["source"], r["label"]) for r in lineage if r["source"]}
    for label, node in graph.nodes(data=True):
        assert node["title"] == articles[label]["title"] and node["site"] == articles[label]["site"]
        assert node["verdict"] in ("copied", "earliest", "independent", "unseen-source")
    for a, b, edge in graph.edges(data=True):
        assert edge["kind"] == "copy" and 0 < edge["share"] <= 1 and 0 < edge["identity"] <= 1
    # the most copied article is the wire story the others took from
    assert max(graph.out_degree, key=lambda d: d[1])[0] == "northcoast-press-agency.2024-03-12"


def test_lineage_csv_has_a_row_per_article_as_in_lineage_tsv(story_run):
    with open(story_run / "lineage.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tsv = read_tsv(story_run / "lineage.tsv")
    assert [r["label"] for r in rows] == [r["label"] for r in tsv]
    assert [r["source"] for r in rows] == [r["source"] for r in tsv]
    titles = {r["label"]: r["title"] for r in read_tsv(story_run / "articles.tsv")}
    assert all(r["title"] == titles[r["label"]] for r in rows)


def test_inline_svg_drops_the_prolog():
    assert inline_svg('<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg a="1"></svg>') == '<svg a="1"></svg>'


# --- a 60-article story ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def sixty(tmp_path_factory):
    from phylo.sim.story import simulate_story, write_story

    folder = tmp_path_factory.mktemp("sixty")
    return phylo_run(write_story(simulate_story(60, seed=7), folder / "story"), folder / "out")


def test_a_sixty_article_report_is_under_5_mb_and_opens_without_errors(sixty, browser):
    assert (sixty / "report.html").stat().st_size < 5_000_000
    requested_urls(browser)
    open_report(browser, sixty / "report.html")
    assert console_errors(browser) == []
    assert all(u.startswith(("file://", "data:", "blob:")) for u in requested_urls(browser))
    labels = {r["label"] for r in read_tsv(sixty / "articles.tsv")}
    assert len(labels) == 60 and set(source(browser, "lineage-nodes")["id"]) == labels
    assert len(source(browser, "lineage-edges")["id"]) == sum(1 for r in read_tsv(sixty / "lineage.tsv") if r["source"])
    # an article's panel fades the other arrows: its own stay drawn in full
    sources = [r["source"] for r in read_tsv(sixty / "lineage.tsv") if r["source"]]
    busiest = max(set(sources), key=sources.count)
    browser.execute_script("window.phyloExplorer.openArticle(arguments[0])", busiest)
    edges = source(browser, "lineage-edges")
    ends = list(zip(edges["source"], edges["target"], edges["alpha"]))
    own = [a for s_, t, a in ends if busiest in (s_, t)]
    others = [a for s_, t, a in ends if busiest not in (s_, t)]
    assert len(own) >= sources.count(busiest) and others and min(own) == 1 and max(others) < 0.5
