"""`make bench`: latency and throughput of the assistant beside a stock Rasa bot (scripts/bench.py)."""
