import { randomBytes } from 'node:crypto';
import {
  mkdtemp,
  open,
  readFile,
  rm,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readRange,
  streamRange,
} from '../../../../lib/adapters/registry/file-range.js';
import {
  normalize,
  TarIndex,
} from '../../../../lib/adapters/registry/tar-index.js';
import { ConfigError, FormatError } from '../../../../lib/engine/errors.js';
import { writeTar } from '../../../support/local-archives.js';

describe('TarIndex', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archscan-tar-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records each member range so it reads back byte-identical', async () => {
    // Prepare
    const file = join(dir, 'plain.tar');
    const content = randomBytes(3000);
    await writeTar(file, [
      { name: 'dir/', type: 'directory' },
      { name: './dir/a.bin', content },
      { name: 'empty', content: '' },
    ]);
    // Act
    const tar = await TarIndex.open(file);
    const member = tar.find('dir/a.bin')!;
    // Assess
    expect(tar.names()).toEqual(['dir/a.bin', 'empty']);
    expect(Buffer.from(await readRange(member))).toEqual(content);
    expect(tar.find('/dir//a.bin')).toEqual(member);
    expect(tar.find('empty')?.size).toBe(0);
    expect(tar.find('missing')).toBeUndefined();
  });

  it('reads pax long names', async () => {
    // Prepare
    const file = join(dir, 'long.tar');
    const name = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    await writeTar(file, [{ name, content: 'long' }]);
    // Act
    const tar = await TarIndex.open(file);
    // Assess
    expect(Buffer.from(await readRange(tar.find(name)!)).toString()).toBe(
      'long'
    );
  });

  it('follows symbolic and hard links to the member they name', async () => {
    // Prepare: `docker save` links repeated layers this way
    const file = join(dir, 'links.tar');
    await writeTar(file, [
      { name: 'a/layer.tar', content: 'layer' },
      { name: 'b/layer.tar', type: 'symlink', linkname: '../a/layer.tar' },
      { name: 'c/layer.tar', type: 'link', linkname: 'a/layer.tar' },
      { name: 'loop', type: 'symlink', linkname: 'loop' },
    ]);
    // Act
    const tar = await TarIndex.open(file);
    // Assess
    expect(tar.find('b/layer.tar')).toEqual(tar.find('a/layer.tar'));
    expect(tar.find('c/layer.tar')).toEqual(tar.find('a/layer.tar'));
    expect(tar.find('loop')).toBeUndefined();
  });

  it('opens a huge archive by reading its headers only', async () => {
    // Prepare: one 8 GiB member in a sparse file
    const file = join(dir, 'huge.tar');
    const size = 8 * 1024 ** 3;
    const header = new Header({
      path: 'blob',
      size,
      type: 'File',
      mode: 0o644,
    });
    header.encode();
    const handle = await open(file, 'w');
    await handle.write(header.block!, 0, 512, 0);
    await handle.close();
    await truncate(file, 512 + size + 1024);
    // Act
    const started = Date.now();
    const tar = await TarIndex.open(file);
    // Assess
    expect(Date.now() - started).toBeLessThan(1000);
    expect(tar.find('blob')).toMatchObject({ start: 512, size });
  });

  it('refuses a gzipped archive and says how to decompress it', async () => {
    // Prepare
    const plain = join(dir, 'g.tar');
    await writeTar(plain, [{ name: 'x', content: 'x' }]);
    const file = join(dir, 'image.tar.gz');
    await writeFile(file, gzipSync(await readFile(plain)));
    // Act
    const opened = TarIndex.open(file);
    // Assess
    await expect(opened).rejects.toBeInstanceOf(ConfigError);
    await expect(opened).rejects.toThrow(
      `${file} is gzip-compressed; archscan reads uncompressed tar archives so it can seek to each blob: decompress it first (gunzip -k ${file}) and pass the .tar`
    );
  });

  it.each([
    { cut: 700, what: 'inside a member' },
    { cut: 512 * 3, what: 'before the end-of-archive blocks' },
    { cut: 1000, what: 'inside a header' },
  ])('refuses an archive truncated $what', async ({ cut }) => {
    // Prepare
    const file = join(dir, `cut-${cut}.tar`);
    await writeTar(file, [
      { name: 'a', content: randomBytes(600) },
      { name: 'b', content: 'b' },
    ]);
    await truncate(file, cut);
    // Act
    const opened = TarIndex.open(file);
    // Assess
    await expect(opened).rejects.toBeInstanceOf(FormatError);
    await expect(opened).rejects.toThrow(
      new RegExp(`^${file} is truncated: .*write the archive again`)
    );
  });

  it('refuses a file that is not a tar', async () => {
    // Prepare
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'x'.repeat(2048));
    // Act
    const opened = TarIndex.open(file);
    // Assess
    await expect(opened).rejects.toThrow(
      new FormatError(
        `${file} is not a tar archive (bad header checksum); give an uncompressed tar written by docker save, docker buildx or skopeo`,
        0
      )
    );
  });

  it.each([
    { name: 'missing.tar', why: 'does not exist' },
    {
      name: '.',
      why: 'is a directory; use oci:DIR for an OCI layout directory',
    },
  ])('refuses a path that $why', async ({ name, why }) => {
    // Act
    const path = join(dir, name);
    const opened = TarIndex.open(path);
    // Assess
    await expect(opened).rejects.toThrow(
      new ConfigError(`archive ${path} ${why}`)
    );
  });

  it('refuses an empty file', async () => {
    // Prepare
    const file = join(dir, 'empty.tar');
    await writeFile(file, '');
    // Act / Assess
    await expect(TarIndex.open(file)).rejects.toBeInstanceOf(FormatError);
  });

  it('streams a member range in 1 MiB chunks', async () => {
    // Prepare
    const file = join(dir, 'big.tar');
    const content = randomBytes(2.5 * 1024 * 1024);
    await writeTar(file, [{ name: 'big', content }]);
    const member = (await TarIndex.open(file)).find('big')!;
    const progress: number[] = [];
    // Act
    const chunks: Uint8Array[] = [];
    for await (const chunk of streamRange(member, {
      onProgress: (n) => progress.push(n),
    })) {
      chunks.push(chunk);
    }
    // Assess
    expect(chunks.map((c) => c.length)).toEqual([
      1024 * 1024,
      1024 * 1024,
      0.5 * 1024 * 1024,
    ]);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(progress.at(-1)).toBe(content.length);
  });

  it('reports a member cut short after the archive was opened', async () => {
    // Prepare
    const file = join(dir, 'shrunk.tar');
    await writeTar(file, [{ name: 'a', content: randomBytes(4096) }]);
    const member = (await TarIndex.open(file)).find('a')!;
    await truncate(file, 1024);
    // Act
    const read = (async () => {
      for await (const _ of streamRange(member)) {
        // drain
      }
    })();
    // Assess
    await expect(read).rejects.toBeInstanceOf(FormatError);
    await expect(readRange(member)).rejects.toBeInstanceOf(FormatError);
  });

  it.each([
    ['./index.json', 'index.json'],
    ['/blobs//sha256/x/', 'blobs/sha256/x'],
    ['a/../b', 'b'],
    ['../../etc/passwd', 'etc/passwd'],
    ['.', ''],
  ])('normalizes %j to %j', (name, expected) => {
    expect(normalize(name)).toBe(expected);
  });
});
