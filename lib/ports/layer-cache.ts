/**
 * The `LayerCache` port: layer facts keyed by layer digest and scanner
 * version, so a layer scanned once is never downloaded again by the same
 * scanner version. Implementations: a local directory (CLI), memory (tests),
 * DynamoDB (AWS).
 */
import type { LayerFacts } from '../engine/layer/facts.js';

export interface LayerCache {
  get(digest: string, scannerVersion: string): Promise<LayerFacts | undefined>;
  put(facts: LayerFacts, scannerVersion: string): Promise<void>;
}
