"""What an inference-perf release makes of a config file, for test/config-acceptance (test tooling only).

usage: python release_config.py check FILE...      one JSON line per file: {"file", "accepted", "error"}
       python release_config.py dump FILE OVERRIDES  the config.yaml contents 0.7.0 writes, as JSON

"check" runs the release's own read_config and the config checks its main.py makes before anything is sent
(server block, stages or sweep, the distributions of random/synthetic, the shared_prefix block, and the
generators' "Mean cannot be outside min and max range"), so "accepted" means the release would start the run.
"dump" applies main.py's mutations (the concurrent-stage rewrite, total_count, the raised interval) and prints
Config.model_dump(mode="json", by_alias=True), what reportgen writes as config.yaml. OVERRIDES (JSON) replaces
the values that depend on the machine and the clock (load.num_workers, load.base_seed, storage paths).
"""
import json
import logging
import sys

logging.disable(logging.CRITICAL)

from inference_perf import config as ipc  # noqa: E402

read_config = getattr(ipc, "read_config", None) or __import__("inference_perf.config", fromlist=["read_config"]).read_config


def main_checks(cfg):
    if cfg.server is None:
        raise Exception("model server client config missing")
    if len(cfg.load.stages) == 0 and cfg.load.sweep is None:
        raise Exception("Load stages must be configured, or sweep must be configured")
    dtype = cfg.data.type.value
    if dtype in ("synthetic", "random") and getattr(cfg.data, "trace", None) is None:
        for key in ("input_distribution", "output_distribution"):
            d = getattr(cfg.data, key)
            if d is None:
                raise Exception(f"{dtype} data generator requires '{key}' to be configured")
            kind = getattr(getattr(d, "type", None), "value", "normal")
            if kind == "normal" and (d.mean < d.min or d.mean > d.max):
                raise Exception("Mean cannot be outside min and max range.")
    if dtype == "shared_prefix" and cfg.data.shared_prefix is None:
        raise Exception("shared_prefix data generator requires 'shared_prefix' to be configured")


def check(files):
    for f in files:
        try:
            main_checks(read_config(f))
            print(json.dumps({"file": f, "accepted": True, "error": None}))
        except Exception as e:  # noqa: BLE001 - any refusal counts
            print(json.dumps({"file": f, "accepted": False, "error": str(e).splitlines()[0][:300]}))


def dump(file, overrides):
    from inference_perf.config import ConcurrentLoadStage, LoadType, StandardLoadStage

    cfg = read_config(file, json.loads(overrides))
    if cfg.load.type == LoadType.CONCURRENT:  # main.py:149-156
        for stage in cfg.load.stages:
            stage.duration = 1
            stage.rate = stage.num_requests
        cfg.load.worker_max_concurrency = 0
    if cfg.data.type.value in ("synthetic", "random") and cfg.data.trace is None:  # main.py:302-320
        max_requests = 0
        for stage in cfg.load.stages:
            if isinstance(stage, StandardLoadStage):
                max_requests = max(max_requests, int(stage.rate * stage.duration))
            elif isinstance(stage, ConcurrentLoadStage):
                max_requests = max(max_requests, stage.num_requests)
        total = max_requests + 1
        for d in (cfg.data.input_distribution, cfg.data.output_distribution):
            if d.total_count is None or d.total_count < total:
                d.total_count = total
    prom = cfg.metrics.prometheus if cfg.metrics and cfg.metrics.type.value == "prometheus" else None
    if prom and not prom.google_managed and cfg.report.prometheus and cfg.report.prometheus.per_stage:  # main.py:378
        cfg.load.interval = max(cfg.load.interval, prom.scrape_interval)
    print(json.dumps(cfg.model_dump(mode="json", by_alias=True)))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2:])
    else:
        dump(sys.argv[2], sys.argv[3])
