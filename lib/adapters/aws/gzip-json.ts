/**
 * Gzipped JSON, the encoding of reports and layer facts in DynamoDB Binary
 * attributes and S3 objects: report JSON compresses about tenfold, which is
 * what keeps most items under DynamoDB's 400 KB item limit.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { FormatError } from '../../engine/errors.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Serializes and compresses `value`. */
export async function toGzipJson(value: unknown): Promise<Uint8Array> {
  return new Uint8Array(await gzipAsync(JSON.stringify(value)));
}

/**
 * Decompresses and parses what {@link toGzipJson} wrote.
 *
 * @throws FormatError naming `what` when the bytes are not gzipped JSON.
 */
export async function fromGzipJson<T>(
  bytes: Uint8Array,
  what: string
): Promise<T> {
  try {
    return JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as T;
  } catch (error) {
    throw new FormatError(
      `stored ${what} is not gzipped JSON`,
      undefined,
      undefined,
      {
        cause: error,
      }
    );
  }
}
