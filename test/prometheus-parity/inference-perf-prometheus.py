"""inference-perf's own Prometheus report code, for test/prometheus-parity/report-code.test.ts.

stdin: {"model", "window_s", "filters", "values": {"<field>.<stat>": number | "NaN" | "Infinity"}}
stdout: {"queries": {server: [[field, metric class, [promql, ...]], ...]},
         "report": json.dumps(summarize_prometheus_metrics(<metrics from values>).model_dump(), indent=2)}
Nothing is sent anywhere: the model server clients are built without a connection, only their declarations read.
"""
import json
import sys

from inference_perf.client.modelserver.sglang_client import SGlangModelServerClient
from inference_perf.client.modelserver.tgi_client import TGImodelServerClient
from inference_perf.client.modelserver.vllm_client import vLLMModelServerClient
from inference_perf.client.server_metrics.base import ModelServerMetrics
from inference_perf.reportgen.base import summarize_prometheus_metrics

args = json.load(sys.stdin)
queries = {}
for server, cls in (("vllm", vLLMModelServerClient), ("sglang", SGlangModelServerClient), ("tgi", TGImodelServerClient)):
    client = cls.__new__(cls)
    client.metric_filters = ([f"model_name='{args['model']}'"] if server != "tgi" else []) + args["filters"]
    meta = client.get_prometheus_metric_metadata()
    queries[server] = [[field, type(m).__name__, m.get_queries(args["window_s"], meta.filters)] for field, m in meta]

fields = {}
for key, value in args["values"].items():
    field, stat = key.split(".")
    fields.setdefault(field, {})[stat] = float(value)
report = summarize_prometheus_metrics(ModelServerMetrics.model_validate(fields)).model_dump()
print(json.dumps({"queries": queries, "report": json.dumps(report, indent=2)}))
