"""The monitor's feeds and sitemaps go through the article fetcher (phylo.monitor.sources on a real loopback server)."""

import gzip
import time
import tracemalloc
import zlib

import pytest

from phylo.errors import EntryError
from phylo.monitor.sources import list_source, read_source

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Courier</title>
<item><title>Bridge reopens</title><link>{base}/news/bridge?utm_source=rss</link><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate></item>
<item><title>A note without a link</title><description>Our office is closed on Monday.</description></item>
<item><title>Ferry timetable</title><link>{base}/news/ferry</link></item>
<item><title>Another note</title></item>
</channel></rss>"""
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/news/bridge</loc><lastmod>2024-03-05</lastmod></url><url><loc>{base}/news/ferry</loc></url></urlset>"""


def feed(location):
    return {"name": "courier", "kind": "feed", "location": location}


def fails(settings, location, status, kind="feed"):
    with pytest.raises(EntryError) as info:
        read_source(location, settings, kind)
    assert info.value.status == status, info.value.message
    return info.value


def test_feed_items_and_entries_without_a_link_counted(web, fetch_settings):
    url = web.page("/feed.xml", RSS.format(base=web.url("/")[:-1]), content_type="application/rss+xml")
    listing = list_source(feed(url), fetch_settings)
    assert [i["url"] for i in listing["items"]] == [web.url("/news/bridge"), web.url("/news/ferry")]
    assert listing["items"][0]["published"] == "2024-03-05T09:30:00+00:00"
    assert listing["skipped"] == {"no-link": 2}
    assert web.requests("/feed.xml")[0].headers["User-Agent"].startswith("phylo/")


def test_feeds_honour_robots_txt(web, fetch_settings):
    web.page("/robots.txt", "User-agent: *\nDisallow: /feeds/\n", content_type="text/plain")
    url = web.page("/feeds/all.xml", RSS.format(base=""), content_type="application/rss+xml")
    fails(fetch_settings, url, "robots-disallowed")
    assert web.hits("/feeds/all.xml") == 0


def test_feeds_share_the_host_rate_gate(web, fetch_settings):
    web.page("/a.xml", RSS.format(base=""), content_type="application/rss+xml")
    web.page("/b.xml", RSS.format(base=""), content_type="application/rss+xml")
    settings = {**fetch_settings, "rate_per_host": 4, "robots": False}
    for path in ("/a.xml", "/b.xml", "/a.xml"):
        read_source(web.url(path), settings)
    from test_fetch import assert_spaced

    assert_spaced(sorted(r.time for r in web.requests()), 0.25)


def test_feeds_are_retried_like_pages(web, fetch_settings):
    from webserver import Response

    web.sequence("/flaky.xml", [Response(status=503), Response(RSS.format(base=""), content_type="text/xml")])
    assert b"<rss" in read_source(web.url("/flaky.xml"), fetch_settings)
    assert web.hits("/flaky.xml") == 2


def test_a_feed_larger_than_the_cap_is_refused(web, fetch_settings):
    web.fault("/big.xml", "huge", size=3_000_000, content_length=False)
    fails({**fetch_settings, "source_max_bytes": 1_000_000}, web.url("/big.xml"), "too-large")


def test_a_gzip_bomb_stops_at_the_cap_without_filling_memory(web, fetch_settings):
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"\0" * 1_000_000
    bomb = b"".join(packer.compress(block) for _ in range(300)) + packer.flush()  # 300 MB in ~300 KB
    assert len(bomb) < 1_000_000

    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    web.route("/bomb.xml", answer)
    tracemalloc.start()
    try:
        start = time.monotonic()
        fails({**fetch_settings, "source_max_bytes": 5_000_000}, web.url("/bomb.xml"), "too-large")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60_000_000 and time.monotonic() - start < 5


def test_a_gzipped_sitemap_file_is_unpacked_and_a_packed_bomb_refused(web, fetch_settings):
    base = web.url("/")[:-1]
    web.page("/sitemap.xml.gz", gzip.compress(SITEMAP.format(base=base).encode()), content_type="application/gzip")
    listing = list_source({"name": "s", "kind": "sitemap", "location": web.url("/sitemap.xml.gz")}, fetch_settings)
    assert [i["url"] for i in listing["items"]] == [web.url("/news/bridge"), web.url("/news/ferry")]
    web.page("/bomb.xml.gz", gzip.compress(b"<urlset>" + b" " * 20_000_000), content_type="application/x-gzip")
    fails({**fetch_settings, "source_max_bytes": 1_000_000}, web.url("/bomb.xml.gz"), "too-large", "sitemap")


def test_a_feed_that_drips_stops_at_the_deadline(web, fetch_settings):
    web.fault("/drip.xml", "slow-body", body=RSS.format(base="") * 5, chunk=1, interval=0.2)
    start = time.monotonic()
    fails({**fetch_settings, "deadline": 1.5, "robots": False}, web.url("/drip.xml"), "timeout")
    assert time.monotonic() - start < 3


@pytest.mark.parametrize("body, hint", [
    ('<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head>'
     "<body><p>Latest news</p></body></html>", "/rss"),
    ("", "empty"),
])
def test_a_web_page_or_an_empty_body_is_not_a_feed(web, fetch_settings, body, hint):
    web.page("/news", body, content_type="text/html")
    error = fails(fetch_settings, web.url("/news"), "not-a-feed")
    assert hint in error.message


def test_other_types_are_refused_before_reading(web, fetch_settings):
    web.page("/logo.png", b"\x89PNG\r\n\x1a\n" * 100, content_type="image/png")
    fails(fetch_settings, web.url("/logo.png"), "wrong-type")


def test_feeds_on_private_addresses_are_refused_when_the_monitor_says_so(web, fetch_settings):
    url = web.page("/feed.xml", RSS.format(base=""), content_type="application/rss+xml")
    fails({**fetch_settings, "allow_private": False}, url, "blocked-address")
    assert web.hits() == 0
