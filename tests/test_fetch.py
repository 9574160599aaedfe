"""phylo.web.fetch against a real HTTP server on 127.0.0.1 (tests/webserver.py)."""

import socket
import threading
import time

import pytest
from webserver import Response

from phylo.errors import EntryError
from phylo.web.fetch import fetch
from phylo.web.settings import FETCH_DEFAULTS as DEFAULT_SETTINGS

PAGE = "<html><head><title>T</title></head><body><p>Hello, harbour.</p></body></html>"


def url_entry(url):
    return {"line": 1, "entry": url, "kind": "url", "target": url}


def file_entry(path):
    return {"line": 1, "entry": str(path), "kind": "file", "target": str(path)}


def fails(entry, settings, status):
    with pytest.raises(EntryError) as info:
        fetch(entry, settings)
    assert info.value.status == status, info.value.message
    assert "\n" not in info.value.message
    return info.value


# ---------------------------------------------------------------- success


def test_page_fields_and_user_agent(web, fetch_settings):
    url = web.page("/story", PAGE)
    page = fetch(url_entry(url), fetch_settings)
    assert page["url"] == page["final_url"] == url
    assert page["status_code"] == 200
    assert page["content_type"] == "text/html"
    assert page["encoding"] == "utf-8"
    assert page["html"] == PAGE
    assert page["fetched_at"].endswith("Z") and page["fetched_at"][:2] == "20"
    assert web.requests("/story")[0].headers["User-Agent"].startswith("phylo/")


def test_gzip_response_is_decompressed(web, fetch_settings):
    url = web.page("/zipped", PAGE * 50, gzip=True)
    assert fetch(url_entry(url), fetch_settings)["html"] == PAGE * 50
    assert "gzip" in web.requests("/zipped")[0].headers["Accept-Encoding"]


def test_redirects_are_followed_and_final_url_recorded(web, fetch_settings):
    web.redirect("/old", "/middle", status=301)
    web.redirect("/middle", web.url("/new"))  # absolute Location
    web.page("/new", PAGE)
    page = fetch(url_entry(web.url("/old")), fetch_settings)
    assert page["url"] == web.url("/old")
    assert page["final_url"] == web.url("/new")


def test_many_threads_share_the_fetcher(web, fetch_settings):
    for i in range(8):
        web.page(f"/p{i}", f"<p>page {i}</p>")
    results, errors = {}, []

    def work(i):
        try:
            results[i] = fetch(url_entry(web.url(f"/p{i}")), fetch_settings)["html"]
        except Exception as exc:  # collected so the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == {i: f"<p>page {i}</p>" for i in range(8)}


# ---------------------------------------------------------------- HTTP failures and retries


def test_http_404_is_not_retried(web, fetch_settings):
    web.page("/gone", "<p>no</p>", status=404)
    error = fails(url_entry(web.url("/gone")), fetch_settings, "http-404")
    assert "404" in error.message
    assert web.hits("/gone") == 1


def test_http_500_is_retried_then_reported(web, fetch_settings):
    web.page("/broken", "<p>oops</p>", status=500)
    fails(url_entry(web.url("/broken")), fetch_settings, "http-500")
    assert web.hits("/broken") == 1 + fetch_settings["retries"]


def test_500_then_200_succeeds(web, fetch_settings):
    web.sequence("/flaky", [Response(status=500), Response(PAGE)])
    assert fetch(url_entry(web.url("/flaky")), fetch_settings)["html"] == PAGE
    assert web.hits("/flaky") == 2


def test_429_retry_after_is_honoured(web, fetch_settings):
    web.sequence("/busy", [Response(status=429, headers={"Retry-After": "1"}), Response(PAGE)])
    start = time.monotonic()
    assert fetch(url_entry(web.url("/busy")), fetch_settings)["html"] == PAGE
    assert time.monotonic() - start >= 0.9
    assert web.hits("/busy") == 2


def test_long_retry_after_gives_up_at_once(web, fetch_settings):
    web.page("/later", "", status=503, headers={"Retry-After": "3600"})
    fails(url_entry(web.url("/later")), fetch_settings, "http-503")
    assert web.hits("/later") == 1


def test_slow_first_byte_is_a_timeout(web, fetch_settings):
    web.fault("/slow", "slow-first-byte", seconds=3)
    fails(url_entry(web.url("/slow")), {**fetch_settings, "retries": 0}, "timeout")


def test_stalled_body_is_a_timeout(web, fetch_settings):
    web.fault("/stall", "stall-body", body=PAGE * 20, seconds=3)
    fails(url_entry(web.url("/stall")), {**fetch_settings, "retries": 1}, "timeout")
    assert web.hits("/stall") == 1  # a stalled server is not waited for twice


def test_slow_drip_body_hits_the_total_deadline(web, fetch_settings):
    web.fault("/drip", "slow-body", body=PAGE * 20, chunk=20, interval=0.1)
    start = time.monotonic()
    fails(url_entry(web.url("/drip")), {**fetch_settings, "deadline": 1.0}, "timeout")
    assert time.monotonic() - start < 2.5


def test_connection_reset_is_a_connection_error(web, fetch_settings):
    web.fault("/reset", "reset")
    fails(url_entry(web.url("/reset")), fetch_settings, "connection-error")
    assert web.hits("/reset") == 1 + fetch_settings["retries"]


def test_refused_connection_is_a_connection_error(fetch_settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fails(url_entry(f"http://127.0.0.1:{port}/"), {**fetch_settings, "robots": False}, "connection-error")


def test_body_shorter_than_content_length_is_truncated(web, fetch_settings):
    web.fault("/cut", "truncated", body=PAGE * 20)
    fails(url_entry(web.url("/cut")), fetch_settings, "truncated")


def test_huge_body_with_content_length_is_refused_before_reading(web, fetch_settings):
    web.fault("/huge", "huge", size=20_000_000)
    error = fails(url_entry(web.url("/huge")), fetch_settings, "too-large")
    assert "20000000" in error.message


def test_huge_body_without_content_length_stops_at_max_bytes(web, fetch_settings):
    web.fault("/stream", "huge", size=20_000_000, content_length=False)
    start = time.monotonic()
    fails(url_entry(web.url("/stream")), {**fetch_settings, "max_bytes": 1_000_000}, "too-large")
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("content_type, body", [
    ("application/pdf", b"%PDF-1.7 ..."),
    ("image/png", b"\x89PNG\r\n\x1a\n...."),
    ("text/html", b"\x89PNG\r\n\x1a\n...."),  # binary served as HTML
    ("text/html", b"<html>\x00\x01\x02\x00 binary</html>"),
])
def test_non_pages_are_not_html(web, fetch_settings, content_type, body):
    web.page("/thing", body, content_type=content_type)
    fails(url_entry(web.url("/thing")), fetch_settings, "not-html")


def test_empty_body_is_empty(web, fetch_settings):
    web.page("/blank", "  \n ")
    fails(url_entry(web.url("/blank")), fetch_settings, "empty")


def test_redirect_loop(web, fetch_settings):
    web.redirect("/a", "/b")
    web.redirect("/b", "/a")
    error = fails(url_entry(web.url("/a")), fetch_settings, "redirect-loop")
    assert "/a ->" in error.message


def test_too_many_redirects(web, fetch_settings):
    for i in range(4):
        web.redirect(f"/r{i}", f"/r{i + 1}")
    web.page("/r4", PAGE)
    fails(url_entry(web.url("/r0")), {**fetch_settings, "max_redirects": 3}, "too-many-redirects")
    assert fetch(url_entry(web.url("/r0")), {**fetch_settings, "max_redirects": 4})["final_url"] == web.url("/r4")


def test_entry_with_an_error_is_raised_as_is(fetch_settings):
    entry = {"line": 2, "entry": "ftp://x", "kind": "url", "target": "ftp://x", "error": "bad-url", "message": "nope"}
    fails(entry, fetch_settings, "bad-url")


# ---------------------------------------------------------------- charsets

QUOTED = "\u201cCaf\u00e9 cr\u00e8me\u201d costs 3 \u20ac"  # curly quotes and the euro sign exist in cp1252 only


def test_charset_from_the_http_header(web, fetch_settings):
    web.page("/h", f"<p>{QUOTED}</p>".encode("cp1252"), content_type="text/html; charset=windows-1252")
    page = fetch(url_entry(web.url("/h")), fetch_settings)
    assert page["encoding"] == "cp1252" and QUOTED in page["html"]


def test_meta_http_equiv_windows_1252_beats_the_iso_8859_1_default(web, fetch_settings):
    # No charset in the header: requests would say ISO-8859-1 and garble the quotes.
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            f"</head><body><p>{QUOTED}</p></body></html>")
    web.page("/m", html.encode("cp1252"), content_type="text/html")
    page = fetch(url_entry(web.url("/m")), fetch_settings)
    assert page["encoding"] == "cp1252" and QUOTED in page["html"]


def test_meta_charset(web, fetch_settings):
    html = '<html><head><meta charset="iso-8859-15"></head><body><p>3 \u20ac</p></body></html>'
    web.page("/mc", html.encode("iso-8859-15"), content_type="text/html")
    assert "3 \u20ac" in fetch(url_entry(web.url("/mc")), fetch_settings)["html"]


def test_charset_detection_without_any_declaration(web, fetch_settings):
    text = ("В портовом городе снова открыли разводной мост. Жители вздохнули с облегчением: "
            "целую неделю грузовики стояли в пробках, а паромы ходили с перегрузом. "
            "Инженеры объяснили, что причиной поломки стала ржавчина в гидравлике, и пообещали "
            "заменить все старые детали до конца лета. Мэр поблагодарил рабочих за быструю работу.")
    web.page("/d", f"<html><body><p>{text}</p></body></html>".encode("cp1251"), content_type="text/html")
    page = fetch(url_entry(web.url("/d")), fetch_settings)
    assert page["encoding"] == "cp1251"
    assert text in page["html"]


# ---------------------------------------------------------------- politeness

ROBOTS = "User-agent: *\nDisallow: /private\n"


def test_robots_txt_is_honoured_and_cached(web, fetch_settings):
    web.page("/robots.txt", ROBOTS, content_type="text/plain")
    for path in ("/private/a", "/open", "/open2"):
        web.page(path, PAGE)
    error = fails(url_entry(web.url("/private/a")), fetch_settings, "robots-disallowed")
    assert "robots = false" in error.message
    fetch(url_entry(web.url("/open")), fetch_settings)
    fetch(url_entry(web.url("/open2")), fetch_settings)
    assert web.hits("/robots.txt") == 1
    assert web.hits("/private/a") == 0


def test_robots_group_naming_phylo(web, fetch_settings):
    web.page("/robots.txt", "User-agent: *\nDisallow: /\n\nUser-agent: phylo\nDisallow: /drafts\n", content_type="text/plain")
    web.page("/story", PAGE)
    web.page("/drafts/x", PAGE)
    assert fetch(url_entry(web.url("/story")), fetch_settings)["html"] == PAGE
    fails(url_entry(web.url("/drafts/x")), fetch_settings, "robots-disallowed")


def test_robots_txt_answering_403_disallows_everything(web, fetch_settings):
    web.page("/robots.txt", "no", status=403)
    web.page("/story", PAGE)
    fails(url_entry(web.url("/story")), fetch_settings, "robots-disallowed")


def test_robots_can_be_switched_off(web, fetch_settings):
    web.page("/robots.txt", ROBOTS, content_type="text/plain")
    web.page("/private/a", PAGE)
    assert fetch(url_entry(web.url("/private/a")), {**fetch_settings, "robots": False})["html"] == PAGE
    assert web.hits("/robots.txt") == 0


def test_rate_limit_spaces_requests_to_one_host(web, fetch_settings):
    web.page("/r", PAGE)
    settings = {**fetch_settings, "rate_per_host": 10, "robots": False}
    start = time.monotonic()
    for _ in range(5):
        fetch(url_entry(web.url("/r")), settings)
    assert time.monotonic() - start >= 0.39  # 5 requests, 0.1 s apart


@pytest.mark.parametrize("cap", [1, 3])
def test_concurrency_cap_per_host(web, fetch_settings, cap):
    web.fault("/slow", "slow-first-byte", body=PAGE, seconds=0.2)
    settings = {**fetch_settings, "host_concurrency": cap, "robots": False, "read_timeout": 2.0}
    threads = [threading.Thread(target=fetch, args=(url_entry(web.url("/slow")), settings)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert web.hits("/slow") == 6
    assert web.max_in_flight == cap


# ---------------------------------------------------------------- cache


def test_cache_revalidates_with_etag(web, fetch_settings, tmp_path):
    web.page("/tagged", PAGE, headers={"ETag": '"v1"'})
    settings = {**fetch_settings, "cache_dir": str(tmp_path)}
    first = fetch(url_entry(web.url("/tagged")), settings)
    second = fetch(url_entry(web.url("/tagged")), settings)
    assert first["from_cache"] is False and second["from_cache"] is True
    assert second["html"] == PAGE
    assert web.hits("/tagged") == 2
    assert web.requests("/tagged")[1].headers.get("If-None-Match") == '"v1"'


def test_fresh_cached_page_is_not_fetched_again_unless_refreshed(web, fetch_settings, tmp_path):
    web.page("/fresh", PAGE, headers={"Cache-Control": "max-age=600"})
    settings = {**fetch_settings, "cache_dir": str(tmp_path)}
    fetch(url_entry(web.url("/fresh")), settings)
    assert fetch(url_entry(web.url("/fresh")), settings)["html"] == PAGE
    assert web.hits("/fresh") == 1
    fetch(url_entry(web.url("/fresh")), {**settings, "refresh": True})
    assert web.hits("/fresh") == 2


def test_cache_survives_a_new_process_state(web, fetch_settings, tmp_path):
    # The cache lives on disk: a fresh thread (fresh session) still finds it.
    web.page("/fresh", PAGE, headers={"Cache-Control": "max-age=600"})
    settings = {**fetch_settings, "cache_dir": str(tmp_path)}
    fetch(url_entry(web.url("/fresh")), settings)
    result = []
    worker = threading.Thread(target=lambda: result.append(fetch(url_entry(web.url("/fresh")), settings)))
    worker.start()
    worker.join()
    assert result[0]["from_cache"] is True
    assert web.hits("/fresh") == 1


# ---------------------------------------------------------------- safety


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_addresses_are_blocked_when_asked(web, fetch_settings, host):
    web.page("/x", PAGE)
    url = web.url("/x").replace("127.0.0.1", host)
    error = fails(url_entry(url), {**fetch_settings, "allow_private": False}, "blocked-address")
    assert "allow_private" in error.message
    assert web.hits() == 0


def test_files_can_be_refused(tmp_path, fetch_settings):
    page = tmp_path / "a.html"
    page.write_text(PAGE)
    fails(file_entry(page), {**fetch_settings, "allow_files": False}, "files-not-allowed")


def test_default_settings_are_polite():
    assert DEFAULT_SETTINGS["robots"] is True
    assert DEFAULT_SETTINGS["max_bytes"] == 10_000_000
    assert DEFAULT_SETTINGS["user_agent"].startswith("phylo/")


# ---------------------------------------------------------------- local files


def test_html_file(tmp_path, fetch_settings):
    path = tmp_path / "story.html"
    path.write_text(PAGE, encoding="utf-8")
    page = fetch(file_entry(path), fetch_settings)
    assert page["html"] == PAGE
    assert page["content_type"] == "text/html"
    assert page["final_url"] == path.as_uri()


def test_windows_1252_file_with_meta(tmp_path, fetch_settings):
    path = tmp_path / "old.htm"
    path.write_bytes(f'<html><head><meta charset="windows-1252"></head><body><p>{QUOTED}</p></body></html>'.encode("cp1252"))
    assert QUOTED in fetch(file_entry(path), fetch_settings)["html"]


def test_text_file_is_text_plain(tmp_path, fetch_settings):
    path = tmp_path / "notes.txt"
    path.write_text("Title\n\nBody text.\n", encoding="utf-8")
    page = fetch(file_entry(path), fetch_settings)
    assert page["content_type"] == "text/plain"
    assert page["html"].startswith("Title")


def test_missing_and_empty_and_binary_files(tmp_path, fetch_settings):
    fails(file_entry(tmp_path / "nope.html"), fetch_settings, "file-not-found")
    (tmp_path / "empty.html").write_text("")
    fails(file_entry(tmp_path / "empty.html"), fetch_settings, "empty")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 ...")
    fails(file_entry(tmp_path / "doc.pdf"), fetch_settings, "not-html")
    (tmp_path / "big.html").write_bytes(b"<p>" + b"x" * 2000 + b"</p>")
    fails(file_entry(tmp_path / "big.html"), {**fetch_settings, "max_bytes": 1000}, "too-large")


# ---------------------------------------------------------------- robots.txt (RFC 9309) and stalls


def assert_spaced(times, interval):
    """Request times (as the server logged them) at least ``interval`` apart on average, none close together.

    The server stamps a request when its thread gets to it, a few tens of ms late under load.
    """
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert times[-1] - times[0] >= 0.9 * interval * len(gaps) and min(gaps) >= 0.5 * interval, gaps



@pytest.mark.parametrize("path, allowed", [
    ("/file.pdf", False), ("/file.pdf?download=1", True), ("/docs/report.pdf", False),
    ("/private-area/x", False), ("/private/x", False), ("/privately", True), ("/story", True),
])
def test_robots_wildcards(web, fetch_settings, path, allowed):
    # The standard library's parser ignores '*' and '$' and would allow every one of these.
    web.page("/robots.txt", "User-agent: *\nDisallow: /*.pdf$\nDisallow: /private*/\n", content_type="text/plain")
    web.page(path.split("?")[0], PAGE)
    if allowed:
        assert fetch(url_entry(web.url(path)), fetch_settings)["html"] == PAGE
    else:
        fails(url_entry(web.url(path)), fetch_settings, "robots-disallowed")
        assert web.hits(path.split("?")[0]) == 0


def test_robots_txt_answering_503_disallows_for_now(web, fetch_settings):
    web.page("/robots.txt", "down", status=503)
    web.page("/story", PAGE)
    error = fails(url_entry(web.url("/story")), fetch_settings, "robots-disallowed")
    assert "503" in error.message and web.hits("/story") == 0


def test_robots_crawl_delay_spaces_requests(web, fetch_settings):
    web.page("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
    web.page("/r", PAGE)
    for _ in range(3):
        fetch(url_entry(web.url("/r")), fetch_settings)
    assert_spaced([r.time for r in web.requests("/r")], 0.3)


def test_a_read_timeout_is_not_retried_and_a_stalling_host_is_given_up(web, fetch_settings):
    from phylo.web.politeness import STALL_LIMIT

    slow = [f"/slow{i}" for i in range(STALL_LIMIT)]
    for path in slow:
        web.fault(path, "slow-first-byte", seconds=3)
    web.page("/fine", PAGE)
    settings = {**fetch_settings, "robots": False}
    start = time.monotonic()
    for path in slow:
        fails(url_entry(web.url(path)), settings, "timeout")
    assert time.monotonic() - start < STALL_LIMIT * settings["read_timeout"] + 1  # one try each, not 1 + retries
    assert [web.hits(path) for path in slow] == [1] * STALL_LIMIT
    error = fails(url_entry(web.url("/fine")), settings, "timeout")  # timeouts in a row: the host is skipped
    assert "stopped answering" in error.message and web.hits("/fine") == 0


def test_an_answer_resets_the_count_of_timeouts(web, fetch_settings):
    from phylo.web.politeness import STALL_LIMIT

    web.fault("/slow", "slow-first-byte", seconds=3)
    web.page("/fine", PAGE)
    settings = {**fetch_settings, "robots": False}
    for _ in range(2):
        for _ in range(STALL_LIMIT - 1):
            fails(url_entry(web.url("/slow")), settings, "timeout")
        assert fetch(url_entry(web.url("/fine")), settings)["html"] == PAGE


def test_retries_stop_at_the_deadline(web, fetch_settings):
    web.page("/down", "", status=503)
    settings = {**fetch_settings, "retries": 5, "backoff": 5.0, "backoff_max": 5.0, "deadline": 1.0}
    start = time.monotonic()
    fails(url_entry(web.url("/down")), settings, "http-503")
    assert time.monotonic() - start < 1.0
    assert web.hits("/down") < 1 + settings["retries"]


def test_retries_wait_for_the_host_turn(web, fetch_settings):
    web.sequence("/flaky", [Response(status=500), Response(status=500), Response(PAGE)])
    settings = {**fetch_settings, "rate_per_host": 4, "robots": False, "backoff": 0.0}
    fetch(url_entry(web.url("/flaky")), settings)
    times = [r.time for r in web.requests("/flaky")]
    assert len(times) == 3
    assert_spaced(times, 0.25)


# ---------------------------------------------------------------- address checks where the connection is made


class Rebinding:
    """A name server whose answer for one name changes: public first, loopback after."""

    def __init__(self, name, answers):
        self.name, self.answers, self.calls = name, list(answers), 0

    def __call__(self, host, port, *args, **kwargs):
        if host != self.name:
            return socket.getaddrinfo(host, port, *args, **kwargs)
        address = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]


def test_a_name_that_rebinds_to_loopback_is_refused(web, fetch_settings):
    from phylo.web.safety import use_resolver

    web.page("/x", PAGE)
    resolver = Rebinding("news.rebind.test", ["93.184.215.14", "127.0.0.1"])
    url = web.url("/x").replace("127.0.0.1", "news.rebind.test")
    with use_resolver(resolver):
        fails(url_entry(url), {**fetch_settings, "allow_private": False, "robots": False}, "blocked-address")
    assert resolver.calls == 2  # once for the early check, once by the connection itself
    assert web.hits() == 0


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b:1::808:808",
                                     "::ffff:127.0.0.1", "2002:7f00:1::1", "::127.0.0.1", "fe80::1", "fc00::1"])
def test_ipv6_addresses_embedding_private_ipv4_are_refused(web, fetch_settings, address):
    from phylo.web.safety import use_resolver

    web.page("/x", PAGE)
    resolver = Rebinding("nat64.test", [address])
    with use_resolver(resolver):
        fails(url_entry(web.url("/x").replace("127.0.0.1", "nat64.test")),
              {**fetch_settings, "allow_private": False, "robots": False}, "blocked-address")
    assert web.hits() == 0


def test_public_addresses_by_the_ipv4_they_carry():
    import ipaddress

    from phylo.web.safety import is_public

    for text, public in [("8.8.8.8", True), ("64:ff9b::808:808", True), ("2002:808:808::1", True),
                         ("2606:4700:4700::1111", True), ("64:ff9b::7f00:1", False), ("10.1.2.3", False),
                         ("100.64.0.1", False), ("169.254.169.254", False), ("::1", False), ("224.0.0.1", False)]:
        assert is_public(ipaddress.ip_address(text)) is public, text


def test_a_request_waiting_to_retry_leaves_its_slot_to_the_host_other_pages(web, fetch_settings):
    web.sequence("/busy", [Response(status=429, headers={"Retry-After": "2"}), Response(PAGE)])
    web.page("/other", PAGE)
    settings = {**fetch_settings, "host_concurrency": 1, "robots": False}
    busy = threading.Thread(target=fetch, args=(url_entry(web.url("/busy")), settings))
    busy.start()
    time.sleep(0.3)  # /busy got its 429 and waits out Retry-After
    start = time.monotonic()
    assert fetch(url_entry(web.url("/other")), settings)["html"] == PAGE
    assert time.monotonic() - start < 1.0  # not after /busy's 2 s
    busy.join()
    assert web.hits("/busy") == 2


def test_a_hung_server_costs_no_more_than_the_deadline(web, fetch_settings):
    # The first byte never comes within the read timeout, and the deadline is shorter still.
    web.fault("/hung", "slow-first-byte", seconds=10)
    settings = {**fetch_settings, "read_timeout": 8.0, "deadline": 1.0, "robots": False}
    start = time.monotonic()
    fails(url_entry(web.url("/hung")), settings, "timeout")
    assert time.monotonic() - start < 2.0
    assert web.hits("/hung") == 1
