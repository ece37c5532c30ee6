"""Speed and accuracy benchmarks of the celebbot engine against a naive fuzzy matcher (issue 5).

Run ``python -m benchmarks --help``; see ``benchmarks/README.md``.
"""
