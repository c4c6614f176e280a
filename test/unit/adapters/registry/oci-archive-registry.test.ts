import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciArchiveRegistry } from '../../../../lib/adapters/registry/oci-archive-registry.js';
import { ConfigError, FormatError } from '../../../../lib/engine/errors.js';
import {
  writeDockerArchive,
  writeOciArchive,
} from '../../../support/local-archives.js';
import type { LayoutSpec } from '../../../support/oci-image.js';

const SPEC: LayoutSpec = {
  images: [
    {
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      layers: [{ files: [{ path: 'bin/app', content: 'app' }] }],
    },
  ],
  tag: '1.0',
};

describe('OciArchiveRegistry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archscan-oci-archive-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('selects the image by its ref.name tag', async () => {
    // Prepare
    const file = join(dir, 'image.tar');
    const built = await writeOciArchive(file, SPEC);
    const registry = await OciArchiveRegistry.open(file);
    // Act
    const response = await registry.getManifest('', '1.0');
    // Assess
    expect(response.digest).toBe(built.top.digest);
    expect(registry.name).toBe(`oci-archive:${file}`);
  });

  it('refuses a gzipped archive and says to decompress it first', async () => {
    // Prepare
    const plain = join(dir, 'plain.tar');
    await writeOciArchive(plain, SPEC);
    const file = join(dir, 'image.tar.gz');
    await writeFile(file, gzipSync(await readFile(plain)));
    // Act
    const opened = OciArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toBeInstanceOf(ConfigError);
    await expect(opened).rejects.toThrow(/decompress it first \(gunzip -k /);
  });

  it('refuses a truncated archive with a clear message', async () => {
    // Prepare
    const file = join(dir, 'cut.tar');
    await writeOciArchive(file, SPEC);
    await truncate(file, 1500);
    // Act
    const opened = OciArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toBeInstanceOf(FormatError);
    await expect(opened).rejects.toThrow(`${file} is truncated`);
  });

  it('points classic docker save output at docker-archive:', async () => {
    // Prepare
    const file = join(dir, 'saved.tar');
    await writeDockerArchive(file, SPEC, [['app:1.0']]);
    // Act
    const opened = OciArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toThrow(
      new ConfigError(
        `oci-archive:${file} is not an OCI image layout (it has no oci-layout): for docker save output use docker-archive:${file}; to write an OCI archive use "docker buildx build --output type=oci,dest=image.tar ." or "skopeo copy docker://IMAGE oci-archive:image.tar"`
      )
    );
  });
});
