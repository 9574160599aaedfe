"""Simulated news coverage with its known lineage (``story``) and the scores that
compare a result with that truth (``scores``); used by ``bench/`` and the tests.
"""
