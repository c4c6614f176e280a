/**
 * Blobs as files under one directory: where `archscan serve` keeps scan
 * reports too large for a DynamoDB item. Writes go to a temporary file
 * renamed into place, so a reader never sees half a report.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { BlobStore } from '../../ports/blob-store.js';
import { StoreError } from '../aws/store-errors.js';

/**
 * A {@link BlobStore} in a directory.
 *
 * @example new DynamoScanStore({ client, tableName, reports: new FileBlobStore('.archscan/blobs') })
 */
export class FileBlobStore implements BlobStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  get where(): string {
    return `directory ${this.root}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const draft = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(draft, bytes);
      await rename(draft, path);
    } catch (error) {
      throw new StoreError(
        `put blob ${key} in ${this.root}: ${(error as Error).message}`,
        { cause: error }
      );
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new StoreError(
        missing
          ? `blob ${key} is not in ${this.root}`
          : `get blob ${key} from ${this.root}: ${(error as Error).message}`,
        { cause: error, ...(missing ? { code: 'not-found' as const } : {}) }
      );
    }
  }

  /** The file of `key`; keys never leave the directory. */
  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep) || key.includes('\0')) {
      throw new StoreError(
        `blob key ${JSON.stringify(key)} leaves ${this.root}`,
        {
          code: 'config',
        }
      );
    }
    return path;
  }
}
