"""The law catalog: one module per published scaling law, each defining ``law``.

Installed as ``bayescale.models``; list it with ``bayescale laws``.
"""
