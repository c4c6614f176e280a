/**
 * The `ClaimStore` port: "am I the first to see this within the window?",
 * answered atomically across processes. Webhook intake claims each
 * delivery id (a second claim is a replay) and each image (later events
 * for it within the coalescing window are merged into the first).
 * Implementations: DynamoDB (a conditional put, AWS and `archscan serve`),
 * memory (tests).
 */
export interface ClaimStore {
  /**
   * Claims `key` for `ttlSeconds`. Resolves `true` for the first claim,
   * `false` while an earlier claim of the same key is alive.
   */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Gives a claim back early (an enqueue that failed must not block retries). */
  release(key: string): Promise<void>;
}
