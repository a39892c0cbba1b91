/** What a bucket sink did: object URIs uploaded, and those skipped because the key existed (never overwritten). */
export interface UploadOutcome {
  uploaded: string[];
  skipped: string[];
}
