import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerArchiveRegistry } from '../../../../lib/adapters/registry/docker-archive-registry.js';
import {
  ConfigError,
  FormatError,
  RegistryError,
} from '../../../../lib/engine/errors.js';
import {
  writeDockerArchive,
  writeTar,
} from '../../../support/local-archives.js';
import type { ImageSpec, LayoutSpec } from '../../../support/oci-image.js';

function image(architecture: string): ImageSpec {
  return {
    platform: { os: 'linux', architecture },
    layers: [
      { files: [{ path: 'bin/app', content: `app for ${architecture}` }] },
    ],
  };
}

const TWO: LayoutSpec = { images: [image('amd64'), image('arm64')] };

describe('DockerArchiveRegistry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archscan-docker-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe.each(['classic', 'oci'] as const)('%s form', (form) => {
    let file: string;
    let digests: string[];
    beforeAll(async () => {
      file = join(dir, `two-${form}.tar`);
      const saved = await writeDockerArchive(
        file,
        TWO,
        [['web:1.0'], ['api:1.0', 'api:latest']],
        form
      );
      digests =
        form === 'classic'
          ? saved.images.map((i) => i.manifest.digest)
          : saved.built.manifests;
    });

    it.each([
      { reference: 'api:latest', index: 1 },
      { reference: 'docker.io/library/web:1.0', index: 0 },
      { reference: 'web:1.0', index: 0 },
    ])('selects $reference', async ({ reference, index }) => {
      // Prepare
      const registry = await DockerArchiveRegistry.open(file);
      // Act
      const response = await registry.getManifest('', reference);
      // Assess
      expect(response.digest).toBe(digests[index]);
    });

    it('asks for a name when the archive holds several images', async () => {
      // Prepare
      const registry = await DockerArchiveRegistry.open(file);
      // Act
      const fetched = registry.getManifest('', '');
      // Assess
      await expect(fetched).rejects.toBeInstanceOf(ConfigError);
      await expect(fetched).rejects.toThrow(
        /^docker-archive:.* holds 2 images \(.*web:1\.0.*api:latest.*\): name one, e\.g\. docker-archive:/
      );
    });

    it('refuses a tag two repositories share', async () => {
      // Prepare
      const registry = await DockerArchiveRegistry.open(file);
      // Act
      const fetched = registry.getManifest('', '1.0');
      // Assess
      await expect(fetched).rejects.toThrow(/names several images/);
    });

    it('lists the image names when the reference names none', async () => {
      // Prepare
      const registry = await DockerArchiveRegistry.open(file);
      // Act
      const fetched = registry.getManifest('', 'db:1.0');
      // Assess
      await expect(fetched).rejects.toBeInstanceOf(RegistryError);
      await expect(fetched).rejects.toThrow(
        /^no image named "db:1\.0" in docker-archive:.*; it holds .*api:1\.0/
      );
    });
  });

  it('refuses an archive whose manifest.json names a missing layer', async () => {
    // Prepare
    const file = join(dir, 'partial.tar');
    const { images } = await writeDockerArchive(
      join(dir, 'full.tar'),
      { images: [image('amd64')] },
      [['app:1']]
    );
    const config = images[0]!.config;
    await writeTar(file, [
      {
        name: 'manifest.json',
        content: JSON.stringify([
          {
            Config: 'config.json',
            RepoTags: ['app:1'],
            Layers: ['gone/layer.tar'],
          },
        ]),
      },
      { name: 'config.json', content: config.bytes },
    ]);
    // Act
    const opened = DockerArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toThrow(
      new FormatError(
        `docker-archive:${file} is incomplete: it has no gone/layer.tar; write it again with docker save`
      )
    );
  });

  it('refuses a layer count that differs from the config diff_ids', async () => {
    // Prepare
    const file = join(dir, 'mismatch.tar');
    const { images } = await writeDockerArchive(
      join(dir, 'source.tar'),
      { images: [image('amd64')] },
      [['app:1']]
    );
    await writeTar(file, [
      {
        name: 'manifest.json',
        content: JSON.stringify([
          { Config: 'c.json', RepoTags: null, Layers: [] },
        ]),
      },
      { name: 'c.json', content: images[0]!.config.bytes },
    ]);
    // Act
    const opened = DockerArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toThrow(
      `docker-archive:${file}: c.json lists 1 layers but manifest.json lists 0; write the archive again`
    );
  });

  it.each([
    { content: 'not json', message: /manifest\.json is not valid JSON/ },
    {
      content: '[{"Config":1}]',
      message: /manifest\.json is malformed: 0\.Config/,
    },
  ])('refuses a malformed manifest.json', async ({ content, message }) => {
    // Prepare
    const file = join(dir, 'bad-manifest.tar');
    await writeTar(file, [{ name: 'manifest.json', content }]);
    // Act
    const opened = DockerArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toBeInstanceOf(FormatError);
    await expect(opened).rejects.toThrow(message);
  });

  it('says what to do with a tar that is not docker save output', async () => {
    // Prepare
    const file = join(dir, 'other.tar');
    await writeTar(file, [{ name: 'README', content: 'hello' }]);
    // Act
    const opened = DockerArchiveRegistry.open(file);
    // Assess
    await expect(opened).rejects.toThrow(
      new ConfigError(
        `${file} is not docker save output (it has neither manifest.json nor index.json): write one with "docker save -o ${file} IMAGE", or use oci-archive:${file} for an OCI archive`
      )
    );
  });

  it('serves an untagged image when it is the only one', async () => {
    // Prepare
    const file = join(dir, 'untagged.tar');
    const { images } = await writeDockerArchive(
      file,
      { images: [image('riscv64')] },
      [[]]
    );
    const registry = await DockerArchiveRegistry.open(file);
    // Act
    const response = await registry.getManifest('', '');
    // Assess
    expect(response.digest).toBe(images[0]!.manifest.digest);
    expect(response.mediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json'
    );
  });
});
