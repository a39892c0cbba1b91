/**
 * The real Kubernetes control plane the tests run against, pinned. Test tooling only: product code never imports
 * this. The pins live in go/go.mod (with go/go.sum); these constants name them for messages and must match it
 * (control-plane.test.ts checks `kcp version` against them).
 *
 * Why these versions (checked 2026-12-03 against the Go module proxy):
 *  - k8s.io/kubernetes v1.36.3: the newest release whose go.mod asks for Go 1.26 (this machine's 1.26.8 builds it,
 *    no GOTOOLCHAIN) AND requires the etcd 3.6 client (go.etcd.io/etcd/client/v3 v3.6.8). v1.37.2 also says
 *    `go 1.26.0`, but it requires go.etcd.io/etcd/{client,server}/v3 v3.7.0, so a single binary holding it and an
 *    etcd 3.6 server cannot be built (Go's minimal version selection lifts the server to 3.7).
 *  - Its 31 staging modules (k8s.io/api, apiserver, client-go, …) are required at v0.0.0 and replaced by
 *    ./staging paths in its own go.mod; go/go.mod replaces each with the published v0.36.3 (pin-go-mod.ts writes
 *    them from the release's go.mod).
 *  - go.etcd.io/etcd/server/v3 v3.6.13: etcd 3.6, the series Kubernetes 1.36 is released with; .13 is the 3.6
 *    release whose requirements (grpc v1.79.3, otel 1.43) are closest to Kubernetes 1.36.3's own, so building
 *    both into one binary changes the fewest of Kubernetes' dependencies (3.6.14–.16 lift grpc to 1.82–1.83).
 */
export const KUBERNETES_VERSION = "v1.36.3";
export const KUBERNETES_STAGING_VERSION = "v0.36.3";
export const ETCD_VERSION = "v3.6.13";

/** The components the one multi-call binary `kcp` holds (`kcp <component> [flags]`). */
export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;
export type Component = (typeof COMPONENTS)[number];

/** One line naming what the binary is, for messages. */
export const CONTROL_PLANE_LABEL = `kcp (kube-apiserver, kube-controller-manager, kube-scheduler from k8s.io/kubernetes ${KUBERNETES_VERSION}; etcd ${ETCD_VERSION})`;
