"""inference-perf 0.7.0's own view of the BR0.2 partials kneepoint wrote into a report directory.

Run with 0.7.0's venv python: `python br_partial_check.py <report dir> [tokenizer dir]`. Prints one JSON object:
  findings:  every finding of 0.7.0's validators (reportgen/validation.py run_validators, BrPartialValidator
             among them) over the report files of the directory, as {check, severity, message, report};
  expected:  {stage id: the partial 0.7.0's build_partial_report writes for the same requests}: the requests of
             per_request_lifecycle_metrics.json rebuilt as RequestLifecycleMetric objects (stage ids from
             kneepoint_per_request.json, same order), with the run uid/eid and stage window read back from
             kneepoint's own partial, serialized as 0.7.0's local storage does (yaml.dump, sort_keys=False,
             default_flow_style=False).
"""
import datetime
import glob
import io
import json
import os
import re
import sys

import yaml
from inference_perf.apis import ErrorResponseInfo, InferenceInfo, RequestLifecycleMetric, StreamedResponseMetrics, UnaryResponseMetrics
from inference_perf.payloads import RequestMetrics
from inference_perf.reportgen.br.v0_2 import build_partial_report
from inference_perf.reportgen.validation import default_validators, run_validators
from inference_perf.utils import ReportFile

report_dir = sys.argv[1]
tokenizer = None
if len(sys.argv) > 2:
    from inference_perf.config import CustomTokenizerConfig
    from inference_perf.utils.custom_tokenizer import CustomTokenizer

    tokenizer = CustomTokenizer(CustomTokenizerConfig(pretrained_model_name_or_path=sys.argv[2]))


def read(name):
    with open(os.path.join(report_dir, name), encoding="utf-8") as f:
        return f.read()


# 0.7.0's validators over the directory, each file as the ReportFile it would have assembled.
reports = []
for path in sorted(glob.glob(os.path.join(report_dir, "*"))):
    name = os.path.basename(path)
    stem, ext = os.path.splitext(name)
    if ext == ".json" and name != "validation.json":
        reports.append(ReportFile(name=stem, contents=json.loads(read(name))))
    elif ext == ".yaml":
        reports.append(ReportFile(name=stem, contents=yaml.safe_load(read(name)), file_type="yaml"))
result = run_validators(default_validators(), reports)
findings = [f.model_dump(mode="json") for f in result.all_warnings() + result.all_errors()]


def metric(entry, stage_id, scheduled_time):
    info = entry["info"]
    rm = info["response_metrics"]
    if rm is not None:
        rm = StreamedResponseMetrics(**rm) if "chunk_times" in rm else UnaryResponseMetrics(**rm)
    return RequestLifecycleMetric(
        stage_id=stage_id,
        scheduled_time=scheduled_time,
        start_time=entry["start_time"],
        end_time=entry["end_time"],
        request_data=entry["request"] or "",
        response_data=entry["response"],
        info=InferenceInfo(
            request_metrics=RequestMetrics.model_validate(info["request_metrics"]),
            response_metrics=rm,
            extra_info=info.get("extra_info") or {},
            lora_adapter=info.get("lora_adapter"),
            labels=info.get("labels") or {},
        ),
        error=ErrorResponseInfo(**entry["error"]) if entry["error"] else None,
    )


per_request = json.loads(read("per_request_lifecycle_metrics.json"))
kneepoint = json.loads(read("kneepoint_per_request.json"))
assert len(per_request) == len(kneepoint)
buckets = {}
for entry, own in zip(per_request, kneepoint, strict=True):
    buckets.setdefault(own["stage_id"], []).append(metric(entry, own["stage_id"], own["scheduled_time"]))

config = yaml.safe_load(read("config.yaml"))
use_server = ((config.get("report") or {}).get("request_lifecycle") or {}).get("use_server_output_tokens", False)


def epoch(value):
    d = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(value)
    return d.replace(tzinfo=datetime.timezone.utc).timestamp() if d.tzinfo is None else d.timestamp()


expected = {}
for stage_id, metrics in buckets.items():
    if stage_id < 0:
        continue
    name = f"inference-perf.partial.stage_{stage_id}.yaml"
    theirs = yaml.safe_load(read(name)) if os.path.exists(os.path.join(report_dir, name)) else None
    run = (theirs or {}).get("run") or {}
    time = run.get("time") or {}
    partial = build_partial_report(
        metrics,
        tokenizer,
        run_uid=run.get("uid", "missing"),
        run_eid=run.get("eid"),
        use_server_output_tokens=use_server,
        stage_start=epoch(time["start"]) if "start" in time else None,
        stage_end=epoch(time["end"]) if "end" in time else None,
    )
    out = io.StringIO()
    yaml.dump(partial, out, sort_keys=False, default_flow_style=False)  # client/filestorage/local.py
    expected[str(stage_id)] = out.getvalue()

print(json.dumps({"findings": findings, "expected": expected}))
