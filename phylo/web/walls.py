"""Pages that stand in front of the article: cookie-consent walls, paywalls, login walls.

A wall served with status 200 looks like a page with text, and an extractor that keeps
the most text will happily return "We and our 842 partners store and/or access
information on a device..." as the article. ``wall_kind(text, min_chars)`` says when
a text is such a wall: its lines addressed to the reader about cookies, consent,
subscriptions or logging in make up most of it, and what is left once they are
removed is too short to be an article.

The phrases are the interface's own words (second person, buttons, "we and our
partners"), not the topic: a news story *about* cookie rules reports them in the
third person and is kept.
"""

from __future__ import annotations

import re

_CONSENT = [
    r"\b(we|our (partners|site|website)|this (web)?site|third[- ]part(y|ies))\b.{0,80}\b(cookies?|personal data|"
    r"your data|consent|device|identifiers)\b",
    r"\byou(r)?\b.{0,80}\b(consent|cookies?|choices|preferences|privacy settings)\b",
    r"\bcookies?\b.{0,60}\b(accept|agree|allow|settings|preferences|policy)\b",
    r"\b(accept|reject|agree|allow|refuse|decline)\b.{0,20}\b(all|cookies?|and continue|and close)\b",
    r"\bmanage (your )?(choices|preferences|settings|options|cookies|consent)\b",
    r"\blegitimate interests?\b", r"\bvendors?\b.{0,40}\b(list|partners|consent|data)\b",
    r"\bpersonali[sz]ed (ads|advertising|content)\b", r"\b(ad|ads) and content measurement\b",
    r"\bprecise geolocation\b", r"\bstore and/or access information\b", r"\bdo not sell\b.{0,30}\bpersonal\b",
]
_PAYWALL = [
    r"\bsubscribe\b.{0,40}\b(continue|keep|to read|unlimited|access)\b",
    r"\b(subscribers?|members?) only\b", r"\balready a (subscriber|member)\b",
    r"\b(only|exclusively) (available|for) (to )?(subscribers|members)\b",
    r"\byou('ve| have) (reached|used|read)\b.{0,40}\b(free|limit)\b", r"\bfree (articles|stories) (left|remaining)\b",
    r"\b(start|begin) (your|a) (free )?trial\b", r"\bunlock (this|the) (article|story)\b",
]
_LOGIN = [
    r"\b(sign|log) ?in\b.{0,40}\b(continue|to read|to access|to view|required)\b",
    r"\bcreate (a|your) (free )?account\b", r"\bregister (for free )?to (continue|read)\b",
    r"\bforgot (your )?password\b",
]
_BUTTON = re.compile(r"^(accept|reject|agree|i agree|allow|ok|okay|got it|continue|manage|customi[sz]e|"
                     r"more options|settings|sign in|log in|subscribe|register)( all| cookies| now| settings)?\W*$", re.I)
_KINDS = {kind: re.compile("|".join(patterns), re.I)
          for kind, patterns in (("consent-wall", _CONSENT), ("paywall", _PAYWALL), ("login-wall", _LOGIN))}
MESSAGES = {
    "consent-wall": "is a cookie-consent page, not the article; open it in your browser, accept or refuse, "
                    "save the page and list the file",
    "paywall": "shows a paywall instead of the article; if you have access, save the page from your browser "
               "and list the file",
    "login-wall": "asks for a login instead of showing the article; log in in your browser, save the page "
                  "and list the file",
}


def wall_kind(text: str, min_chars: int) -> str | None:
    """``"consent-wall"``, ``"paywall"``, ``"login-wall"`` or None (see the module docstring)."""
    counts = dict.fromkeys(_KINDS, 0)
    rest = 0
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        kind = _line_kind(line)
        if kind:
            counts[kind] += len(line)
        else:
            rest += len(line)
    walled = sum(counts.values())
    if walled == 0 or rest >= min_chars or walled < rest:
        return None
    return max(counts, key=counts.get)


def _line_kind(line: str) -> str | None:
    button = _BUTTON.match(line)
    if button:
        word = button.group(1).lower()
        return "paywall" if word == "subscribe" else "login-wall" if word in ("sign in", "log in", "register") \
            else "consent-wall"
    for kind, pattern in _KINDS.items():
        if pattern.search(line):
            return kind
    return None
