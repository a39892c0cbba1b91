# kneepoint: a table of contents. Every target is one line that calls the CLI; `make help` lists them.
SHELL := /bin/bash
KNEEPOINT := npx --no-install tsx src/cli/main.ts
NODE_MODULES := node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help demo test test-peers test-control-plane test-helm sim sweep scenario scenario-job engine-configmap capacity capacity-job bench-sim bench-engine install dashboard vllm-up vllm-down bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund

install: $(NODE_MODULES) ## install dependencies (npm ci)

demo: $(NODE_MODULES) ## run the default sweep against the embedded simulator and print the table
	$(KNEEPOINT) demo

test: $(NODE_MODULES) test-peers test-control-plane test-helm ## type-check and run every test (installs the real peers first: inference-perf, LiteLLM, Prometheus, Chromium, and builds a Kubernetes control plane and helm)
	npm test

test-control-plane: $(NODE_MODULES) ## build the tests' Kubernetes control plane (kube-apiserver, controller-manager, scheduler, etcd 3.6) from the Go module proxy into ~/.cache/kneepoint-test/kcp (once; cached)
	npx --no-install tsx test/kube-control-plane/build.ts

test-helm: $(NODE_MODULES) ## build the real helm the chart tests run (helm.sh/helm/v4, test/helm/pins.ts) from the Go module proxy into ~/.cache/kneepoint-test/helm (once; cached)
	npx --no-install tsx test/helm/build-helm.ts

test-peers: $(NODE_MODULES) ## install the real components the tests run against into ~/.cache/kneepoint-test (once; cached)
	npx --no-install tsx test/real-peers/install-peers.ts

sim: $(NODE_MODULES) ## start the vLLM-compatible simulator on :8000 (PROFILE=h100-8b)
	$(KNEEPOINT) sim --port 8000 --profile $(or $(PROFILE),h100-8b)

sweep: $(NODE_MODULES) ## run the concurrency sweep against BASE_URL (default http://127.0.0.1:8000)
	$(KNEEPOINT) sweep

scenario: $(NODE_MODULES) ## run benchmarks/scenarios/SCENARIO.yaml (baseline, saturation, sweep, production, shared-prefix) against make sim or BASE_URL; ARGS='--set …'
	$(KNEEPOINT) run -c benchmarks/scenarios/$(or $(SCENARIO),baseline).yaml $(if $(BASE_URL),--set server.base_url=$(BASE_URL)) $(ARGS)

capacity: $(NODE_MODULES) ## highest rate and concurrency meeting SLO (default 'p95(ttft)<=500ms'; BASE_URL, else the simulator; ARGS='--slo …')
	$(KNEEPOINT) capacity $(if $(SLO),--slo '$(SLO)',--slo 'p95(ttft)<=500ms') $(if $(BASE_URL),--base-url $(BASE_URL)) $(ARGS)

scenario-job: $(NODE_MODULES) ## run benchmarks/scenarios/SCENARIO.yaml as a Job in the cluster, reports and charts here (NAMESPACE, KEEP_JOB, …; ARGS='--set …')
	$(KNEEPOINT) run -c benchmarks/scenarios/$(or $(SCENARIO),baseline).yaml --in-cluster $(if $(PODS),--pods $(PODS)) $(ARGS)

engine-configmap: $(NODE_MODULES) ## create the kneepoint-engine ConfigMaps for scenario Jobs applied with kubectl or helm (NAMESPACE)
	$(KNEEPOINT) engine-configmap

capacity-job: $(NODE_MODULES) ## capacity at SLO as a Job in the cluster, reports made here (SLO, NAMESPACE, INPUT_LEN, OUTPUT_LEN, PROMETHEUS_SERVICE, …; ARGS='--slo …')
	$(KNEEPOINT) capacity --in-cluster $(if $(SLO),--slo '$(SLO)',--slo 'p95(ttft)<=500ms') $(ARGS)

vllm-up: $(NODE_MODULES) ## deploy vLLM (deploy/vllm/, values.yaml) and wait until it serves (NAMESPACE, VLLM_VALUES, REPLICAS, GPU_NODE_UP, VLLM_UP_TIMEOUT)
	$(KNEEPOINT) vllm-up

vllm-down: $(NODE_MODULES) ## delete the vLLM server and release its GPU (NAMESPACE, GPU_NODE_DOWN)
	$(KNEEPOINT) vllm-down

bench: $(NODE_MODULES) ## run the sweep as a Job in the cluster; table, verdict, benchmarks.md (ENGINE, CONCURRENCY, INPUT_LEN, …; PODS=N: N load pods, merged; COLLECT=1: results of the Job that already ran)
	$(KNEEPOINT) bench $(if $(filter-out 0,$(COLLECT)),--collect)

bench-sim: $(NODE_MODULES) ## benchmark the simulator itself (tokens/s and streams on one core)
	npm run bench:sim

bench-engine: $(NODE_MODULES) ## benchmark the native load engine's own overhead
	npm run bench:engine

dashboard: $(NODE_MODULES) ## regenerate dashboards/vllm-serving-dashboard.json from the metric table
	npx --no-install tsx src/dashboard/write-dashboard.ts
