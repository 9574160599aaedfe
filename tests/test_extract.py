"""phylo.web.extract on realistic pages written here: boilerplate around a story, metadata in many forms."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bs4 import BeautifulSoup

from phylo.errors import EntryError
from phylo.web.extract import extract, largest_text_block
from phylo.trees.dates import iso_date

STORY = [
    "The Harbour Bridge reopened to traffic on Tuesday morning after nine days of emergency repairs, "
    "city engineers said, ending a closure that had pushed lorries onto narrow coastal roads.",
    "Inspectors found corrosion in two hydraulic rams that lift the central span. Replacement parts were "
    "machined overnight at the old shipyard, the first job there in more than a decade.",
    "Ferry operators, who ran extra crossings during the closure, said passenger numbers had doubled. "
    "Several skippers complained of long shifts and asked the council to plan better for the next failure.",
    "The council will publish a full report on the repairs next month, including a timetable for "
    "replacing the remaining original machinery, some of which dates from 1962.",
]

def page_html(head="", article_top="", body_extra="", paragraphs=STORY, lang="en"):
    """A news page with the usual clutter: nav, cookie banner, share bar, related links, comments, footer."""
    paras = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Bridge reopens | The Coastal Courier</title>{head}</head>
<body>
<div class="cookie-banner"><p>We use cookies to improve your experience. By continuing to browse you agree to our cookie policy.</p>
<button>Accept all</button></div>
<header><a href="/">The Coastal Courier</a>
<nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav></header>
<main><article>
<h1>Harbour Bridge reopens after nine days of repairs</h1>
{article_top}
<div class="article-body">{paras}</div>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
</article>
<section class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Council approves new ferry timetable for the summer season</a></li>
<li><a href="/b">Shipyard workers vote on pay offer after months of talks</a></li></ul></section>
<section id="comments"><h2>Comments</h2>
<div class="comment"><p>About time! I have been stuck in traffic every single day this week, absolutely ridiculous.</p></div>
<div class="comment"><p>The council knew about the rust for years and did nothing, this was completely avoidable.</p></div>
</section></main>
{body_extra}
<footer><p>Copyright 2024 The Coastal Courier. All rights reserved. Registered in England.</p></footer>
</body></html>"""


def page(html, url="https://www.coastalcourier.example/news/2024/03/05/bridge-reopens", content_type="text/html"):
    return {"url": url, "final_url": url, "status_code": 200, "content_type": content_type,
            "encoding": "utf-8", "html": html, "fetched_at": "2024-03-06T00:00:00Z"}


def json_ld(data):
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_body_text_without_the_clutter():
    article = extract(page(page_html()))
    for paragraph in STORY:
        assert paragraph in article["text"]
    for clutter in ("cookies", "Share on", "Related stories", "About time", "Copyright", "Weather"):
        assert clutter not in article["text"], clutter
    assert article["title"] == "Harbour Bridge reopens after nine days of repairs"
    assert article["lang"] == "en"


def test_json_ld_graph_with_references_wins():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "#org", "name": "The Coastal Courier"},
        {"@type": "Person", "@id": "#jo", "name": "Jo Marsh"},
        {"@type": ["NewsArticle"], "headline": "Bridge reopens (JSON-LD)", "datePublished": "2024-03-05T09:30:00Z",
         "author": [{"@id": "#jo"}, {"@type": "Person", "name": "Sam Reed"}], "publisher": {"@id": "#org"}},
    ]}
    head = json_ld(graph) + '<meta property="og:title" content="Bridge reopens (OG)">' \
        '<meta property="article:published_time" content="2024-01-01T00:00:00Z">'
    article = extract(page(page_html(head=head)))
    assert article["title"] == "Bridge reopens (JSON-LD)"
    assert article["site"] == "The Coastal Courier"
    assert article["published"] == "2024-03-05T09:30:00+00:00"
    assert article["byline"] == "Jo Marsh, Sam Reed"


def test_reportage_news_article_in_a_list():
    data = [{"@type": "WebSite", "name": "Courier"},
            {"@type": "ReportageNewsArticle", "headline": "Reportage", "datePublished": "2024-03-05",
             "author": "Ana Lima"}]
    article = extract(page(page_html(head=json_ld(data))))
    assert (article["title"], article["published"], article["byline"]) == ("Reportage", "2024-03-05", "Ana Lima")


def test_opengraph_when_there_is_no_json_ld():
    head = ('<meta property="og:title" content="Bridge reopens (OG)">'
            '<meta property="og:site_name" content="Coastal Courier">'
            '<meta property="article:published_time" content="2024-03-05T10:00:00+01:00">'
            '<meta name="author" content="By Jo Marsh">')
    article = extract(page(page_html(head=head)))
    assert article["title"] == "Bridge reopens (OG)"
    assert article["site"] == "Coastal Courier"
    assert article["published"] == "2024-03-05T10:00:00+01:00"
    assert article["byline"] == "Jo Marsh"


def test_time_tag_and_host_name_fallbacks():
    top = '<p class="byline">By Jo Marsh</p><time datetime="2024-03-05T08:15:00Z">5 March 2024</time>'
    article = extract(page(page_html(article_top=top)))
    assert article["published"] == "2024-03-05T08:15:00+00:00"
    assert article["site"] == "coastalcourier.example"


def test_meta_date_name():
    article = extract(page(page_html(head='<meta name="pubdate" content="2024-03-04">')))
    assert article["published"] == "2024-03-04"


def test_trafilatura_metadata_as_last_resort():
    # No date in the markup at all: htmldate (via trafilatura) reads it from the URL.
    article = extract(page(page_html()))
    assert article["published"] == "2024-03-05"


def test_saved_file_takes_the_site_from_its_canonical_link_or_its_name():
    canonical = '<link rel="canonical" href="https://www.coastalcourier.example/news/bridge">'
    assert extract(page(page_html(head=canonical), url="file:///tmp/saved/courier.html"))["site"] == "coastalcourier.example"
    assert extract(page(page_html(), url="file:///tmp/saved/courier%20bridge.html"))["site"] == "courier bridge"


def test_plain_text_page():
    text = "Harbour Bridge reopens\n\n" + "\n\n".join(STORY)
    article = extract(page(text, url="file:///tmp/notes.txt", content_type="text/plain"))
    assert article["title"] == "Harbour Bridge reopens"
    assert article["text"] == "\n".join(STORY)
    assert article["site"] == "notes"


def test_paywall_stub_is_too_short():
    html = page_html(paragraphs=[STORY[0], "Subscribe to continue reading."])
    with pytest.raises(EntryError) as info:
        extract(page(html))
    assert info.value.status == "too-short"
    assert "min_chars" in info.value.message
    assert extract(page(html), {"min_chars": 50})["text"].startswith("The Harbour Bridge")


def test_page_without_an_article_has_no_text():
    html = "<html><body><nav><a href='/'>Home</a></nav><footer>Contact</footer></body></html>"
    with pytest.raises(EntryError) as info:
        extract(page(html))
    assert info.value.status == "no-text"


@pytest.mark.parametrize("body", [
    '<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>',
    '<div id="__next"></div><script src="/static/app.js"></script>',
])
def test_page_that_needs_javascript(body):
    html = f"<html><head><title>Courier</title></head><body>{body}</body></html>"
    with pytest.raises(EntryError) as info:
        extract(page(html))
    assert info.value.status == "needs-javascript"


def test_fallback_finds_text_that_trafilatura_misses():
    # Paragraphs in bare <div>s of a table layout: the fallback scores parents of <p>.
    paras = "".join(f"<p>{p}</p>" for p in STORY)
    html = f"<html><body><table><tr><td><div>{paras}</div></td></tr></table></body></html>"
    assert largest_text_block(html) == "\n".join(STORY)
    assert extract(page(html))["text"]


def test_iso_date():
    assert iso_date("2024-03-05") == "2024-03-05"
    assert iso_date("2024-03-05T09:30:00Z") == "2024-03-05T09:30:00+00:00"
    assert iso_date("Tue, 05 Mar 2024 09:30:00 GMT") == "2024-03-05T09:30:00+00:00"
    assert iso_date("yesterday") is None
    assert iso_date("2024-13-45") is None


# ---------------------------------------------------------------- the command line

ROOT = Path(__file__).resolve().parents[1]


def phylo(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "phylo", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60)


def test_command_prints_one_json_object_per_page_and_reports_failures(web, tmp_path):
    head = '<meta property="og:site_name" content="Coastal Courier"><meta name="pubdate" content="2024-03-04">'
    web.page("/story", page_html(head=head))
    web.page("/gone", "<p>gone</p>", status=404)
    saved = tmp_path / "saved.html"
    saved.write_text(page_html(), encoding="utf-8")
    result = phylo("extract", "--json", "--set", "fetch.rate_per_host=0",
                   web.url("/story"), web.url("/gone"), "saved.html", cwd=tmp_path)
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["source"] for row in rows] == [web.url("/story"), "saved.html"]
    assert set(rows[0]) == {"source", "title", "site", "published", "byline", "extractor", "text"}
    assert rows[0]["extractor"] == "phylo"
    assert rows[0]["site"] == "Coastal Courier" and rows[0]["published"] == "2024-03-04"
    assert rows[1]["site"] == "saved"
    assert STORY[2] in rows[1]["text"]
    assert result.stderr.splitlines() == [f"ERROR: {web.url('/gone')}: server answered 404 Not Found for "
                                          f"{web.url('/gone')}; check the URL or remove it from the list"]


def test_command_prints_a_readable_article(tmp_path):
    path = tmp_path / "story.html"
    path.write_text(page_html(head='<meta name="pubdate" content="2024-03-04">'), encoding="utf-8")
    result = phylo("extract", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Harbour Bridge reopens after nine days of repairs", "story | 2024-03-04", ""]
    assert lines[3] == STORY[0]


def test_command_settings_file(tmp_path):
    path = tmp_path / "stub.html"
    path.write_text(page_html(paragraphs=[STORY[0], "Subscribe to continue reading."]), encoding="utf-8")
    result = phylo("extract", str(path))
    assert result.returncode == 1 and "too-short" not in result.stderr and "min_chars" in result.stderr
    settings = tmp_path / "settings.toml"
    settings.write_text("[extract]\nmin_chars = 50\n")
    assert phylo("extract", "--settings", str(settings), str(path)).returncode == 0


def test_a_copy_of_the_shipped_settings_file_loads_as_the_defaults(tmp_path):
    from phylo.web.settings import FETCH_DEFAULTS, load

    mine = tmp_path / "mine.toml"
    mine.write_text((ROOT / "phylo" / "web" / "settings.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load(str(mine)) == load()
    assert load()["fetch"] == FETCH_DEFAULTS and FETCH_DEFAULTS["cache_dir"] is None
    assert load(None, ["fetch.connect_timeout=5"])["fetch"]["connect_timeout"] == 5

# ---------------------------------------------------------------- the extraction chain and pages that are not the article

MORE = [
    "The mayor thanked the crews who worked through the night and promised that the council would review how it "
    "maintains the bridge machinery in the years to come.",
    "Residents on the coastal road said lorries had rattled their windows for more than a week, and several asked for "
    "a weight limit to be kept on the road once the bridge is open.",
    "Engineers expect to finish painting the span in May, weather permitting, and will close one lane at a time during "
    "the work so that traffic keeps moving.",
]


def test_an_article_only_trafilatura_defaults_find_comes_out_ok_with_the_fallback_recorded():
    # The failure pattern: the body's container carries a class that phylo's precision pass prunes
    # ("related" in "related-links-enabled"), so the first pass finds nothing at all.
    paras = "".join(f"<p>{p}</p>" for p in STORY + MORE)
    html = (f"<html><head><title>Bridge</title></head><body><h1>Harbour Bridge reopens</h1>"
            f'<div class="entry-content related-links-enabled">{paras}</div></body></html>')
    from phylo.web.extract import _phylo_text

    assert len(_phylo_text(html, None, {"favor_precision": True}, BeautifulSoup(html, "lxml"))) < 50  # the <h1> only
    article = extract(page(html))
    assert article["extractor"] == "trafilatura"
    for paragraph in STORY + MORE:
        assert paragraph in article["text"]


def test_the_json_ld_article_body_is_a_fallback():
    from phylo.web.metadata import article_body

    body = "\n".join(STORY)
    html = ("<html><head><title>Bridge</title>" + json_ld({"@type": "NewsArticle", "headline": "Bridge", "articleBody": body})
            + "</head><body><div id='app-shell'><a href='/'>Home</a></div></body></html>")
    article = extract(page(html))
    assert article["extractor"] != "phylo"  # trafilatura's defaults read articleBody too; either path will do
    assert article["text"].split() == body.split()
    marked_up = json_ld({"@type": "Article", "articleBody": "<p>" + "</p><p>".join(STORY) + "</p>"})
    assert article_body(BeautifulSoup(f"<html><head>{marked_up}</head></html>", "lxml")).split("\n") == STORY


def test_the_first_pass_is_recorded_when_it_suffices():
    assert extract(page(page_html()))["extractor"] == "phylo"
    path = "file:///tmp/notes.txt"
    assert extract(page("Title\n\n" + "\n\n".join(STORY), url=path, content_type="text/plain"))["extractor"] == "plain-text"


def test_an_article_split_over_two_article_elements_keeps_both_halves():
    first = "".join(f"<p>{p}</p>" for p in STORY)
    second = "".join(f"<p>{p}</p>" for p in MORE)
    teasers = "".join(f"<article class='card'><h3><a href='/s{i}'>Another story number {i} about the coast</a></h3></article>"
                      for i in range(3))
    html = (f"<html><head><title>Bridge</title></head><body><main>"
            f"<article><h1>Harbour Bridge reopens after nine days of repairs</h1><div class='body'>{first}</div></article>"
            f"<div class='ad-slot'>Advertisement</div>"
            f"<article><div class='body'>{second}</div></article>"
            f"</main><section class='more'>{teasers}</section></body></html>")
    text = extract(page(html))["text"]
    for paragraph in STORY + MORE:
        assert paragraph in text
    assert text.index(STORY[-1]) < text.index(MORE[0])
    assert "Another story" not in text and "Advertisement" not in text


CONSENT_PAGE = """<html><head><title>Before you continue</title></head><body><div class="qc-cmp2-container">
<h1>We value your privacy</h1>
<p>We and our 842 partners store and/or access information on a device, such as cookies and process personal data,
such as unique identifiers and standard information sent by a device for personalised advertising and content,
advertising and content measurement, audience research and services development.</p>
<p>With your permission we and our partners may use precise geolocation data and identification through device
scanning. You may click to consent to our and our 842 partners' processing as described above.</p>
<p>Alternatively you may access more detailed information and change your preferences before consenting or to refuse
consenting. Please note that some processing of your personal data may not require your consent, but you have a right
to object to such processing.</p>
<p>Your preferences will apply to this website only. You can change your preferences or withdraw your consent at any
time by returning to this site and clicking the "Privacy" button at the bottom of the webpage.</p>
<button>Accept all</button><button>Reject all</button><button>More options</button></div></body></html>"""

CONSENT_IN_ARTICLE = [
    "This content is blocked until you accept cookies. We use cookies and similar technologies from our partners to "
    "show you this article and to measure how it is read.",
    "To read the article, please accept all cookies in the banner below or manage your cookie settings. You can "
    "withdraw your consent at any time in the privacy settings of your account.",
    "If you do not want to accept cookies, you can read this site without tracking on our ad-free plan.",
]


@pytest.mark.parametrize("html", [CONSENT_PAGE, page_html(paragraphs=CONSENT_IN_ARTICLE)],
                         ids=["consent-interstitial", "consent-in-the-article"])
def test_a_cookie_consent_wall_is_reported_as_such(html):
    with pytest.raises(EntryError) as info:
        extract(page(html))
    assert info.value.status == "consent-wall"
    assert "save the page" in info.value.message


def test_a_story_about_cookie_rules_is_an_article():
    story = [
        "The data protection regulator ruled on Tuesday that news websites must make rejecting cookies as easy as "
        "accepting them, after a two-year inquiry into consent banners.",
        "Its report found that most of the sites it examined hid the option to refuse behind several clicks, while "
        "the button to accept all cookies was shown at once and in brighter colours.",
        "Publishers said the ruling would cut advertising income, and the trade body for online advertisers said it "
        "would ask the courts to review how the regulator read the consent rules.",
    ]
    article = extract(page(page_html(paragraphs=story)))
    assert article["text"].startswith(story[0][:40])


def test_a_login_wall_is_reported_as_such():
    html = ("<html><body><main><h1>Harbour Bridge reopens</h1><p>Sign in to continue reading this article.</p>"
            "<p>Create a free account or log in with your email address to read the rest of the story and every "
            "other story on the site, free of charge.</p><p>Forgot your password? Reset it here.</p>"
            "<button>Sign in</button></main></body></html>")
    with pytest.raises(EntryError) as info:
        extract(page(html))
    assert info.value.status == "login-wall"
