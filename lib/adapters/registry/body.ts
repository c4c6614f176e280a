/**
 * Reading HTTP response bodies with hard caps. Manifests, error bodies and
 * token responses are small by contract, but the bytes come from the
 * network: every read stops as soon as it passes its cap, so a hostile or
 * broken server cannot make the scanner buffer more than the cap
 * (node-tar's `maxMetaEntrySize` habit; STYLE.md §4).
 */
import type { Dispatcher } from 'undici';
import { LimitExceededError } from '../../engine/errors.js';

/** An undici response body. */
export type ResponseBody = Dispatcher.ResponseData['body'];

/** Error bodies are read only this far: enough for any JSON error list. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The first value of a response header, if present. */
export function headerValue(
  headers: Dispatcher.ResponseData['headers'],
  name: string
): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** All values of a response header. */
export function headerValues(
  headers: Dispatcher.ResponseData['headers'],
  name: string
): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Reads a whole body, failing with LimitExceededError as soon as it (or
 * its declared `Content-Length`) passes `limit` bytes.
 */
export async function readCapped(
  body: ResponseBody,
  limit: number,
  declaredLength: string | undefined,
  what: string
): Promise<Uint8Array> {
  const tooLarge = () =>
    new LimitExceededError(
      'body-bytes',
      `${what} is larger than ${limit} bytes: refusing to read it`
    );
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * Reads at most `limit` bytes of a body and drops the rest, never failing:
 * used for error bodies, which are advisory.
 */
export async function readPrefix(
  body: ResponseBody,
  limit = MAX_ERROR_BODY_BYTES
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= limit) break;
    }
  } catch {
    // A body cut short is still a usable prefix; the status says enough.
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, limit);
}

/** Throws a body away so its connection can be reused or closed. */
export async function discard(body: ResponseBody): Promise<void> {
  try {
    await body.dump({ limit: MAX_ERROR_BODY_BYTES });
  } catch {
    // The response is already judged; a broken body changes nothing.
  }
}
