/**
 * The real `helm` the chart tests run, pinned. Test tooling only: product code never imports this.
 *
 * helm.sh/helm/v4 v4.3.2 (checked 2026-12-04 against the Go module proxy): the newest v4 release served there. Its
 * go.mod asks for Go 1.26.0 (this machine's 1.26.8 builds it, no GOTOOLCHAIN) and has no replace directives, so
 * `go install helm.sh/helm/v4/cmd/helm@v4.3.2` builds exactly the release's dependency graph (k8s.io/client-go
 * v0.37.2, santhosh-tekuri/jsonschema v6 for values.schema.json).
 */
export const HELM_MODULE = "helm.sh/helm/v4";
export const HELM_VERSION = "v4.3.2";

/** One line naming the binary, for messages. */
export const HELM_LABEL = `helm ${HELM_VERSION} (${HELM_MODULE}/cmd/helm, built from the Go module proxy)`;
