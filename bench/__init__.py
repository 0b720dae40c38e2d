"""Benchmarks (``make bench``): numbers and ratios printed, never asserted in tests."""
