"""Getting articles: URL lists (``sources``), fetching pages (``fetch``, over ``safety``,
``politeness``, ``http`` and ``decoding``), and reading the article out of a page
(``extract``, ``metadata``). Defaults: ``settings.toml``, loaded by ``settings``.
"""
