import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import {
  FormatError,
  LimitExceededError,
  ScannerError,
} from '../../../../lib/engine/errors.js';
import {
  DEFAULT_WALK_LIMITS,
  walkTar,
} from '../../../../lib/engine/layer/tar-walk.js';
import { readFixture as fixture } from '../../../support/binary-fixtures.js';
import { type FileSpec, makeTar } from '../../../support/oci-image.js';

async function* chunks(
  bytes: Uint8Array,
  size = 4096
): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size)
    yield bytes.subarray(at, at + size);
}

async function walk(files: FileSpec[], chunkSize?: number) {
  return walkTar(chunks(await makeTar(files), chunkSize));
}

describe('walkTar', () => {
  it('records files, directories, symlinks and hard links with normalized paths', async () => {
    // Act
    const result = await walk([
      { path: 'usr/', type: 'dir' },
      { path: './usr/bin/tool', content: 'x', mode: 0o755 },
      { path: 'usr/bin/alias', type: 'symlink', link: 'tool' },
      { path: 'usr/bin/hard', type: 'hardlink', link: 'usr/bin/tool' },
    ]);
    // Assess
    expect(result.entries.map((e) => [e.path, e.type, e.link])).toEqual([
      ['/usr', 'dir', undefined],
      ['/usr/bin/tool', 'file', undefined],
      ['/usr/bin/alias', 'symlink', 'tool'],
      ['/usr/bin/hard', 'hardlink', '/usr/bin/tool'],
    ]);
    expect(result.entries[1]?.mode).toBe(0o755);
  });

  it('turns .wh. markers into whiteouts and opaque directories, not entries', async () => {
    // Act
    const result = await walk([
      { path: 'app/.wh.old-binary', content: '' },
      { path: 'opt/.wh..wh..opq', content: '' },
      { path: 'opt/new', content: 'n' },
    ]);
    // Assess
    expect(result.whiteouts).toEqual(['/app/old-binary']);
    expect(result.opaqueDirs).toEqual(['/opt']);
    expect(result.entries.map((e) => e.path)).toEqual(['/opt/new']);
  });

  it('probes a binary split across many tiny chunks', async () => {
    // Act
    const result = await walk(
      [{ path: 'bin/hello', content: fixture('hello-arm64') }],
      3
    );
    // Assess
    const probe = result.entries[0]?.probe;
    expect(probe?.type).toBe('binary');
    expect(probe?.type === 'binary' && probe.identity.architecture).toBe(
      'arm64'
    );
  });

  it('keeps no probe for plain data files', async () => {
    const result = await walk([{ path: 'etc/motd', content: 'hello\n' }]);
    expect(result.entries[0]?.probe).toBeUndefined();
  });

  it('reads PAX long names and a 10,000-deep path without trouble', async () => {
    // Prepare
    const long = `${'d/'.repeat(2000)}file`;
    const deep = `${'a/'.repeat(10_000)}f`;
    // Act
    const result = await walk([
      { path: long, content: 'x' },
      { path: deep, content: 'y' },
      { path: 'after', content: 'z' },
    ]);
    // Assess
    expect(result.entries.map((e) => e.path)).toEqual([`/${long}`, '/after']);
    expect(result.warnings.join('\n')).toMatch(/20001 characters long/);
  });

  it('skips entries that escape the root, with a warning', async () => {
    const result = await walk([
      { path: '../../etc/passwd', content: 'x' },
      { path: 'ok', content: 'y' },
    ]);
    expect(result.entries.map((e) => e.path)).toEqual(['/ok']);
    expect(result.warnings[0]).toMatch(/escapes the root/);
  });

  it('ends a header that claims a 1 TB file as a FormatError when the data runs out', async () => {
    // Prepare
    const pack = tarStream.pack();
    const parts: Buffer[] = [];
    pack.on('data', (chunk: unknown) => parts.push(chunk as Buffer));
    const ended = new Promise<void>((resolve) =>
      pack.on('end', () => resolve())
    );
    pack.entry(
      { name: 'huge', size: 0, pax: { size: String(2 ** 40) } },
      Buffer.alloc(0)
    );
    pack.finalize();
    await ended;
    const tar = Buffer.concat([...parts, Buffer.alloc(1024 * 1024)]);
    // Act + Assess
    await expect(walkTar(chunks(tar, 65536))).rejects.toBeInstanceOf(
      FormatError
    );
  });

  it('refuses a stream that is not a tar archive', async () => {
    await expect(walkTar(chunks(randomBytes(8192)))).rejects.toBeInstanceOf(
      FormatError
    );
  });

  it('refuses a truncated archive', async () => {
    // Prepare
    const tar = await makeTar([
      { path: 'a', content: randomBytes(5000) },
      { path: 'b', content: 'x' },
    ]);
    // Act + Assess
    await expect(walkTar(chunks(tar.subarray(0, 3000)))).rejects.toThrow(
      /truncated/i
    );
  });

  it('stops at the entry limit', async () => {
    // Prepare
    const files = Array.from({ length: 20 }, (_, i) => ({
      path: `f${i}`,
      content: 'x',
    }));
    // Act
    const result = walkTar(chunks(await makeTar(files)), {
      ...DEFAULT_WALK_LIMITS,
      maxEntries: 10,
    });
    // Assess
    await expect(result).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('gives entries or a ScannerError for any mutation of a real layer, never a crash', async () => {
    // Prepare
    const tar = await makeTar([
      { path: 'bin/hello', content: fixture('hello-amd64') },
      { path: 'lib/link', type: 'symlink', link: '../bin/hello' },
      { path: 'etc/x', content: 'data' },
    ]);
    // Act + Assess
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.nat({ max: tar.length - 1 }),
            fc.integer({ min: 0, max: 255 })
          ),
          { maxLength: 8 }
        ),
        fc.nat({ max: tar.length }),
        async (mutations, cut) => {
          const copy = new Uint8Array(tar.subarray(0, Math.max(cut, 1)));
          for (const [at, value] of mutations)
            if (at < copy.length) copy[at] = value;
          try {
            const result = await walkTar(chunks(copy, 700));
            expect(Array.isArray(result.entries)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(ScannerError);
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('walkTar on streams that are not plain tar', () => {
  it('refuses a stream that is still gzip-compressed, without hanging or an unhandled rejection', async () => {
    // Prepare: gzip of a corrupt gzip, as a layer compressed twice would inflate to
    const inner = Buffer.from(gzipSync(Buffer.alloc(100_000, 7)));
    inner.fill(0x55, 30, 60);
    // Act
    const result = walkTar(chunks(gzipSync(inner), 512));
    // Assess
    await expect(result).rejects.toThrow(/gzip-compressed again/);
  });

  it('ends a parser error as a FormatError instead of waiting for drain forever', async () => {
    // Prepare: a valid first header, then a PAX header whose body is not PAX
    const tar = await makeTar([{ path: 'a', content: randomBytes(600_000) }]);
    const cut = new Uint8Array(tar.subarray(0, 300_000));
    // Act + Assess
    await expect(walkTar(chunks(cut, 1))).rejects.toBeInstanceOf(FormatError);
  });
});
