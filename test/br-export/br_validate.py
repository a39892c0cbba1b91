"""Validates kneepoint's Benchmark Report export against the llm-d BR v0.2.1 pydantic schema that inference-perf 0.7.0
vendors (inference_perf.reportgen.br.v0_2.schema: BenchmarkReportV021, extra keys forbidden, units checked).

Run with 0.7.0's venv python: `python br_validate.py FILE` (YAML stream or JSON document/array). Prints one JSON
object: {"documents": n, "errors": [{"document": i, "error": "..."}], "dumped": [the model's dump of each]};
exits 1 when any document fails, so the test sees every error by name.
"""
import json
import sys

import yaml
from pydantic import ValidationError
from inference_perf.reportgen.br.v0_2.schema import BenchmarkReportV021

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    text = f.read()
if path.endswith(".json"):
    loaded = json.loads(text)
    docs = loaded if isinstance(loaded, list) else [loaded]
else:
    docs = list(yaml.safe_load_all(text))

errors = []
dumped = []
for i, doc in enumerate(docs):
    try:
        dumped.append(BenchmarkReportV021.model_validate(doc).dump())
    except ValidationError as err:
        errors.append({"document": i, "error": str(err)})
print(json.dumps({"documents": len(docs), "errors": errors, "dumped": dumped}))
sys.exit(1 if errors or not docs else 0)
