/**
 * The bucket clients' ConfigMap as the scenario Job mounts it: light constants, imported by the engine bundle's own
 * loader (scenario-job-bucket-loader.ts) without pulling in the bundler (engine-bundle.ts imports esbuild).
 */
export const BUCKETS_CONFIGMAP = "kneepoint-engine-buckets";
export const BUCKETS_KEY = "kneepoint-buckets.mjs.gz";
export const BUCKETS_MOUNT = "/opt/kneepoint-buckets";
