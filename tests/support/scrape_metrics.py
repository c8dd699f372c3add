#!/usr/bin/python3
"""Scrapes a patrond /metrics endpoint and parses it with the Prometheus client library's own
text-format parser (Debian's python3-prometheus-client), as Prometheus would read it.

Prints one JSON object: {"status": HTTP status, "content_type": ..., "families": {name:
{"type": t, "samples": [{"name": n, "labels": {...}, "value": v}]}}}. A parse error exits 2.
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    url = sys.argv[1]
    with urllib.request.urlopen(url, timeout=5) as r:
        status = r.status
        content_type = r.headers.get("Content-Type")
        text = r.read().decode("utf-8")
    families = {}
    try:
        for f in text_string_to_metric_families(text):
            families[f.name] = {
                "type": f.type,
                "samples": [
                    {"name": s.name, "labels": dict(s.labels), "value": s.value}
                    for s in f.samples
                ],
            }
    except Exception as e:  # the parser's own complaint, for the test's message
        print(json.dumps({"error": str(e), "text": text[:2000]}))
        return 2
    print(json.dumps({"status": status, "content_type": content_type, "families": families}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
