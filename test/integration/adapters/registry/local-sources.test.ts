/**
 * The registry contract, run against every local source: an OCI layout
 * directory, an OCI archive, and `docker save` output in both its forms.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerArchiveRegistry } from '../../../../lib/adapters/registry/docker-archive-registry.js';
import { OciArchiveRegistry } from '../../../../lib/adapters/registry/oci-archive-registry.js';
import { OciLayoutRegistry } from '../../../../lib/adapters/registry/oci-layout-registry.js';
import { parseDocument } from '../../../../lib/engine/manifest/manifest.js';
import {
  writeDockerArchive,
  writeOciArchive,
} from '../../../support/local-archives.js';
import { writeLayout } from '../../../support/oci-image.js';
import {
  collect,
  contractSpec,
  describeRegistryContract,
  descriptor,
} from '../../../support/registry-contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'archscan-local-'));
}

function bytesOf(blobs: Iterable<{ digest: string; bytes: Uint8Array }>) {
  return new Map([...blobs].map((b) => [b.digest, b.bytes] as const));
}

describeRegistryContract('OciLayoutRegistry', async () => {
  const dir = await tempDir();
  const built = await writeLayout(join(dir, 'layout'), {
    ...contractSpec(),
    tag: '1.0',
  });
  return {
    registry: await OciLayoutRegistry.open(join(dir, 'layout')),
    repository: '',
    reference: '1.0',
    expected: {
      topDigest: built.top.digest,
      blobs: bytesOf(built.blobs.values()),
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeRegistryContract('OciArchiveRegistry', async () => {
  const dir = await tempDir();
  const file = join(dir, 'image.tar');
  const built = await writeOciArchive(file, contractSpec());
  return {
    registry: await OciArchiveRegistry.open(file),
    repository: '',
    reference: '',
    expected: {
      topDigest: built.top.digest,
      blobs: bytesOf(built.blobs.values()),
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeRegistryContract('DockerArchiveRegistry (classic)', async () => {
  const dir = await tempDir();
  const file = join(dir, 'app.tar');
  const { images } = await writeDockerArchive(file, contractSpec(), [
    ['app:1.0'],
  ]);
  const image = images[0]!;
  return {
    registry: await DockerArchiveRegistry.open(file),
    repository: '',
    reference: 'app:1.0',
    expected: {
      topDigest: image.manifest.digest,
      blobs: bytesOf([image.config, ...image.layers]),
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeRegistryContract('DockerArchiveRegistry (Docker 25+)', async () => {
  const dir = await tempDir();
  const file = join(dir, 'app.tar');
  const { built } = await writeDockerArchive(
    file,
    contractSpec(),
    [['app:1.0']],
    'oci'
  );
  return {
    registry: await DockerArchiveRegistry.open(file),
    repository: '',
    reference: 'docker.io/library/app:1.0',
    expected: {
      topDigest: built.top.digest,
      blobs: bytesOf(built.blobs.values()),
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('local sources and the filesystem around them', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never follows a hostile digest out of the blobs folder', async () => {
    // Prepare: a decoy where `blobs/sha256/../../etc/passwd` would land
    const layout = join(dir, 'layout');
    await writeLayout(layout, contractSpec());
    await mkdir(join(layout, 'etc'));
    await writeFile(join(layout, 'etc', 'passwd'), 'decoy');
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const read = collect(
      registry.getBlob('', descriptor('sha256:../../etc/passwd'))
    );
    // Assess
    await expect(read).rejects.toMatchObject({ code: 'format' });
  });

  it('serves a classic archive as a parseable schema 2 manifest', async () => {
    // Prepare
    const file = join(dir, 'classic.tar');
    const { images } = await writeDockerArchive(file, contractSpec(), [
      ['app:1.0'],
    ]);
    const registry = await DockerArchiveRegistry.open(file);
    // Act
    const response = await registry.getManifest('', '');
    const document = parseDocument(response.bytes, response.mediaType);
    // Assess
    expect(response.digest).toBe(images[0]!.manifest.digest);
    expect(document).toMatchObject({
      kind: 'manifest',
      config: { digest: images[0]!.config.digest },
      layers: images[0]!.layers.map((l) => ({
        digest: l.digest,
        size: l.bytes.length,
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
      })),
    });
  });
});
