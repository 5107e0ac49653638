"""Handraise's benchmarks: each figure beside a reference measured in the same run.

``python -m bench`` (``make bench``) runs them and rewrites docs/benchmarks.md.
The benchmarks start and stop everything they use (servers, scratch databases,
a mail server) and send traffic only to this machine.
"""
