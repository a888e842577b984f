"""Prometheus metrics of the pipeline (served at /metrics).

Counters live in each process; with several worker processes set PROMETHEUS_MULTIPROC_DIR so that
prometheus_client aggregates them. Gauges that describe the database (open exceptions, records by
status) are computed at scrape time, so they are right whichever process answers.
"""

from prometheus_client import Counter, Histogram

RECORDS_RECEIVED = Counter("finsync_records_received_total", "Records received", ["source", "outcome"])
RECORDS_PROCESSED = Counter("finsync_records_processed_total", "Processing attempts by outcome",
                            ["flow", "outcome"])
DELIVERY_LATENCY = Histogram("finsync_delivery_latency_seconds", "Receive → delivered latency", ["flow"],
                             buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
INBOUND_REFUSED = Counter("finsync_inbound_refused_total", "Signed events refused", ["connector", "reason"])
