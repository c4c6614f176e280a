/**
 * The `BlobStore` port: bytes under a key, for what is too large for a
 * DynamoDB item (scan reports of very large images). Implementations: S3
 * (AWS) and a directory (`archscan serve`).
 */
export interface BlobStore {
  /** Stores `bytes` under `key`, replacing what was there. */
  put(key: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  /**
   * The bytes stored under `key`.
   *
   * @throws StoreError with code `not-found` when nothing is stored there.
   */
  get(key: string): Promise<Uint8Array>;
  /** Where the blobs live, for messages (`bucket reports`, a directory). */
  readonly where: string;
}
