"""Throughput benchmarks (``make bench``): Plenary's rates next to the raw broker and
database rates measured in the same run, so the ratios mean something on any machine."""
