"""Settings checked by type against one schema (phylo.engine.config), in every command."""

import pytest

from phylo.cli.main import main
from phylo.engine.config import Boolean, Choice, Integer, Number, Tables, Text, Texts, Url, check, load_config, uncovered
from phylo.errors import InputError
from phylo.web import settings as web_settings

SCHEMA = {"name": Text(required=True), "on": Boolean(), "n": Integer(minimum=1), "x": Number(above=0, maximum=1),
          "mode": Choice("a", "b"), "tags": Texts(), "hook": Url(optional=True),
          "items": Tables({"name": Text(), "size": Integer(minimum=0)}, required=("size",), label="item"),
          "inner": {"flag": Boolean()}}
DEFAULTS = {"name": "x", "on": True, "n": 3, "x": 0.5, "mode": "a", "tags": [], "hook": "", "items": [],
            "inner": {"flag": False}}


@pytest.mark.parametrize("value, message", [
    ('on = "false"', 'on must be true or false, not "false" (a string)'),
    ("on = 1", "on must be true or false, not 1"),
    ('n = "4"', 'n must be a whole number, not "4" (a string)'),
    ("n = 2.5", "n must be a whole number, not 2.5"),
    ("n = 0", "n must be at least 1, not 0"),
    ("n = true", "n must be a whole number, not true"),
    ("x = 0", "x must be more than 0, not 0"),
    ("x = nan", "x must be a number, not nan"),
    ('mode = "c"', 'mode must be one of a, b, not "c"'),
    ('tags = "a"', 'tags must be a list of strings'),
    ('name = ""', "name must not be empty"),
    ('hook = "example.org"', "hook must be an http(s) URL"),
    ("[[items]]\nname = 'w'", "item 1 (w): size is missing"),
    ("[[items]]\nsize = -1", "item 1: size must be at least 0, not -1"),
    ("[[items]]\nsize = 1\ncolour = 'red'", "item 1: unknown key(s) colour"),
    ("inner = 3", "inner is a table of settings"),
    ("[inner]\nflag = 'yes'", 'inner.flag must be true or false, not "yes"'),
])
def test_each_wrong_value_is_named_with_where_it_came_from(tmp_path, value, message):
    path = tmp_path / "c.toml"
    path.write_text(value + "\n")
    with pytest.raises(InputError) as info:
        load_config(DEFAULTS, str(path), schema=SCHEMA)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)


def test_overrides_are_checked_and_named():
    with pytest.raises(InputError, match=r"^override n=abc: n must be a whole number, not \"abc\"$"):
        load_config(DEFAULTS, None, ["n=abc"], SCHEMA)
    assert load_config(DEFAULTS, None, ["n=4", "on=false", 'mode="b"'], SCHEMA) | {} == DEFAULTS | {
        "n": 4, "on": False, "mode": "b"}


def test_good_values_pass_and_keys_without_a_rule_are_not_checked():
    check(DEFAULTS | {"extra": object()}, SCHEMA, "here")
    assert sorted(uncovered(DEFAULTS | {"extra": 1, "inner": {"flag": 1, "new": 2}}, SCHEMA)) == ["extra", "inner.new"]


def test_every_fetch_and_extract_setting_has_a_rule():
    assert uncovered(web_settings.shipped(), web_settings.SCHEMA) == []


def test_the_shipped_settings_pass_their_own_rules():
    check(web_settings.shipped(), web_settings.SCHEMA, "settings.toml")


@pytest.mark.parametrize("override, message", [
    ("fetch.robots=maybe", 'fetch.robots must be true or false, not "maybe"'),
    ("fetch.max_bytes=-1", "fetch.max_bytes must be at least 1, not -1"),
    ("fetch.retries=abc", 'fetch.retries must be a whole number, not "abc"'),
    ('fetch.allow_private="false"', 'fetch.allow_private must be true or false, not "false" (a string)'),
])
def test_phylo_run_and_extract_refuse_bad_fetch_settings_before_fetching(web, tmp_path, capsys, override, message):
    web.page("/a", "<html><body><p>text</p></body></html>")
    urls = tmp_path / "urls.txt"
    urls.write_text(web.url("/a") + "\n")
    for argv in (["run", str(urls), "--out", str(tmp_path / "out"), "--no-progress", "--set", override],
                 ["extract", web.url("/a"), "--set", override]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("ERROR: ") and message in err, err
    assert web.hits("/a") == 0 and not (tmp_path / "out").exists()
