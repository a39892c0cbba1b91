"""Runs inference-perf 0.7.0's own validate_reports on a report directory (test tooling only).

usage: python validate_reports.py DIR...
Loads every report file of DIR except validation.json back into 0.7.0's ReportFile objects (JSON with json.load,
YAML with yaml.safe_load), in the order generate_reports assembles them (lifecycle summary, stages, per-request,
Prometheus, BR partials, config; any other file before config), and prints the validation.json 0.7.0 would write:
json.dumps(contents, indent=2), as its local storage does (client/filestorage/local.py). With several DIRs, a JSON
array of those texts (one Python start-up for many report sets).
"""
import json
import logging
import os
import re
import sys

import yaml

logging.disable(logging.CRITICAL)

from inference_perf.reportgen.validation import validate_reports  # noqa: E402
from inference_perf.utils import ReportFile  # noqa: E402


def rank(filename):
    order = [
        (r"^summary_lifecycle_metrics\.json$", 0),
        (r"^stage_(\d+)_lifecycle_metrics\.json$", 1),
        (r"^per_request_lifecycle_metrics\.json$", 2),
        (r"^summary_prometheus_metrics\.json$", 3),
        (r"^stage_(\d+)_prometheus_metrics\.json$", 4),
        (r"^inference-perf\.partial\.stage_(\d+)\.yaml$", 5),
        (r"^config\.yaml$", 7),
    ]
    for pattern, group in order:
        m = re.match(pattern, filename)
        if m:
            return (group, int(m.group(1)) if m.groups() else 0, filename)
    return (6, 0, filename)


def load(directory):
    reports = []
    for filename in sorted(os.listdir(directory), key=rank):
        if filename == "validation.json":
            continue
        name, _, ext = filename.rpartition(".")
        if ext not in ("json", "yaml"):
            continue
        with open(os.path.join(directory, filename)) as f:
            contents = json.load(f) if ext == "json" else yaml.safe_load(f)
        reports.append(ReportFile(name=name, contents=contents, file_type=ext))
    return reports


def validation_json(directory):
    return json.dumps(validate_reports(load(directory)).get_contents(), indent=2)


if __name__ == "__main__":
    texts = [validation_json(d) for d in sys.argv[1:]]
    sys.stdout.write(texts[0] if len(texts) == 1 else json.dumps(texts))
