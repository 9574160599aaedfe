"""phylo.web.sources: reading a URL list."""

import pytest

from phylo.errors import InputError
from phylo.web.sources import normalise_url, parse_entry, read_entries


def write_list(folder, text):
    path = folder / "urls.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_urls_files_comments_and_duplicates(tmp_path):
    (tmp_path / "saved").mkdir()
    story = tmp_path / "saved" / "story.html"
    story.write_text("<p>x</p>")
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    listing = write_list(tmp_path, "\n".join([
        "# coverage of the harbour bridge story",
        "",
        "https://News.Example.com:443/a/story?id=3#comments",
        "saved/story.html   # saved from the browser",
        f"{notes}",
        f"{story.as_uri()}",
        "https://News.Example.com:443/a/story?id=3#comments",
    ]))
    entries = read_entries(listing)
    assert [e["line"] for e in entries] == [3, 4, 5, 6, 7]
    assert entries[0] == {"line": 3, "entry": "https://News.Example.com:443/a/story?id=3#comments",
                          "kind": "url", "target": "https://news.example.com/a/story?id=3",
                          "key": "https://news.example.com/a/story?id=3"}
    assert entries[1] == {"line": 4, "entry": "saved/story.html", "kind": "file", "target": str(story),
                          "key": str(story)}
    assert entries[2]["kind"] == "file" and entries[2]["target"] == str(notes)
    assert entries[3]["kind"] == "file" and entries[3]["target"] == str(story)
    assert entries[4]["target"] == entries[0]["target"]  # duplicates are kept
    assert not any("error" in e for e in entries)


def test_relative_paths_start_from_the_list_folder_not_the_cwd(tmp_path, monkeypatch):
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "a.html").write_text("<p>x</p>")
    listing = write_list(tmp_path / "lists", "a.html\n")
    monkeypatch.chdir(tmp_path)
    assert read_entries(listing)[0]["target"] == str(tmp_path / "lists" / "a.html")


@pytest.mark.parametrize("line, status, hint", [
    ("missing.html", "file-not-found", "no such file"),
    ("news.example.com/story", "bad-url", "https://news.example.com/story"),
    ("ftp://example.com/story", "bad-url", "http(s)"),
    ("https:///no-host", "bad-url", "not a valid URL"),
    ("https://example.com:99999/", "bad-url", "not a valid URL"),
    (".", "not-a-file", "folder"),
])
def test_bad_lines_are_returned_with_a_status(tmp_path, line, status, hint):
    entries = read_entries(write_list(tmp_path, f"https://ok.example/\n{line}\n"))
    assert len(entries) == 2 and "error" not in entries[0]
    assert entries[1]["entry"] == line
    assert entries[1]["error"] == status
    assert hint in entries[1]["message"]


def test_missing_list_is_a_usage_error(tmp_path):
    with pytest.raises(InputError, match="urls.txt"):
        read_entries(tmp_path / "urls.txt")


def test_list_that_is_not_utf8(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_bytes(b"\xff\xfe\x00h\x00t")
    with pytest.raises(InputError, match="UTF-8"):
        read_entries(path)


def test_utf8_bom_is_ignored(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_bytes("\ufeffhttps://example.com/a\n".encode("utf-8"))
    assert read_entries(path)[0]["target"] == "https://example.com/a"


def test_normalise_url():
    assert normalise_url("HTTP://Example.COM") == "http://example.com/"
    assert normalise_url("https://example.com:8443/a#b") == "https://example.com:8443/a"
    assert normalise_url("http://[::1]:80/x") == "http://[::1]/x"


def test_parse_entry_for_the_command_line(tmp_path, monkeypatch):
    (tmp_path / "p.html").write_text("<p>x</p>")
    monkeypatch.chdir(tmp_path)
    assert parse_entry("p.html")["target"] == str(tmp_path / "p.html")


def test_links_that_differ_only_by_tracking_parameters_share_a_key(tmp_path):
    entries = read_entries(write_list(tmp_path, "\n".join([
        "https://news.example.com/a/story?id=3",
        "https://news.example.com/a/story?utm_source=twitter&id=3&utm_medium=social",
        "https://NEWS.example.com/a/story?fbclid=abc123&id=3#comments",
        "https://news.example.com/a/story?id=4",
    ])))
    keys = [e["key"] for e in entries]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert entries[1]["target"].count("utm_") == 2  # the link as given is what is fetched
