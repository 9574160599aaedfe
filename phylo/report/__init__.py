"""What a run leaves for people and other tools: the drawings (``draw``), the HTML
report (``html``, templates in ``templates/``), and the contract's tables (``files``).
"""
