/**
 * Gzipped JSON objects in S3, for the reports and layer facts too large for
 * a DynamoDB item. The S3 client is built by the composition root.
 */
import {
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobStore } from '../../ports/blob-store.js';
import { StoreError, storeError } from './store-errors.js';

/** Where large values go: an S3 client and a bucket. */
export interface S3Location {
  readonly client: S3Client;
  readonly bucket: string;
}

/** Writes gzipped JSON bytes under `key`. */
export async function putGzipObject(
  s3: S3Location,
  key: string,
  body: Uint8Array
): Promise<void> {
  try {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ContentEncoding: 'gzip',
      })
    );
  } catch (error) {
    throw storeError(error, `put object ${key}`, `bucket ${s3.bucket}`);
  }
}

/** Reads the bytes stored under `key`. */
export async function getObjectBytes(
  s3: S3Location,
  key: string
): Promise<Uint8Array> {
  try {
    const response = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: key })
    );
    if (!response.Body) {
      throw new StoreError(`get object ${key}: empty response body`);
    }
    return await response.Body.transformToByteArray();
  } catch (error) {
    throw storeError(error, `get object ${key}`, `bucket ${s3.bucket}`);
  }
}

/**
 * Gzipped JSON blobs in an S3 bucket, as a {@link BlobStore}.
 *
 * @example new DynamoScanStore({ client, tableName, reports: new S3BlobStore({ client: new S3Client({}), bucket }) })
 */
export class S3BlobStore implements BlobStore {
  constructor(private readonly location: S3Location) {}

  get where(): string {
    return `bucket ${this.location.bucket}`;
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return putGzipObject(this.location, key, bytes);
  }

  get(key: string): Promise<Uint8Array> {
    return getObjectBytes(this.location, key);
  }
}
