/**
 * The entry of the optional clients' bundle (engine-bundle.ts buildBucketsBundle, ConfigMap kneepoint-engine-buckets):
 * the S3 and GCS uploads of a scenario's reports with their SDKs, and the TLS client certificate on fetch() (undici),
 * loaded by the engine only when a config stores to a bucket or sets server.cert_path (scenario-job-bucket-loader.ts).
 */
export { uploadS3Reports } from "../scenarios/storage/s3-storage.ts";
export { uploadGcsReports } from "../scenarios/storage/gcs-storage.ts";
export { useClientCertificateForFetch } from "../engine/client-certificate-fetch.ts";
