import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerArchiveRegistry } from '../../../../lib/adapters/registry/docker-archive-registry.js';
import { openLocalSource } from '../../../../lib/adapters/registry/local-source.js';
import { OciArchiveRegistry } from '../../../../lib/adapters/registry/oci-archive-registry.js';
import { OciLayoutRegistry } from '../../../../lib/adapters/registry/oci-layout-registry.js';
import {
  type LocalReference,
  parseReference,
} from '../../../../lib/engine/reference/reference.js';
import {
  writeDockerArchive,
  writeOciArchive,
} from '../../../support/local-archives.js';
import { type LayoutSpec, writeLayout } from '../../../support/oci-image.js';

const SPEC: LayoutSpec = {
  images: [
    {
      platform: { os: 'linux', architecture: 's390x' },
      layers: [{ files: [{ path: 'bin/app', content: 'app' }] }],
    },
  ],
  tag: '2.1',
};

describe('openLocalSource', () => {
  let dir: string;
  const digests = new Map<string, string>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archscan-local-source-'));
    const layout = await writeLayout(join(dir, 'layout'), SPEC);
    const archive = await writeOciArchive(join(dir, 'oci.tar'), SPEC);
    const saved = await writeDockerArchive(join(dir, 'saved.tar'), SPEC, [
      ['team/app:2.1'],
    ]);
    digests.set('oci', layout.top.digest);
    digests.set('oci-archive', archive.top.digest);
    digests.set('docker-archive', saved.images[0]!.manifest.digest);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { text: 'oci:layout', kind: 'oci', type: OciLayoutRegistry, reference: '' },
    {
      text: 'oci:layout:2.1',
      kind: 'oci',
      type: OciLayoutRegistry,
      reference: '2.1',
    },
    {
      text: 'oci-archive:oci.tar:2.1',
      kind: 'oci-archive',
      type: OciArchiveRegistry,
      reference: '2.1',
    },
    {
      text: 'docker-archive:saved.tar',
      kind: 'docker-archive',
      type: DockerArchiveRegistry,
      reference: '',
    },
    {
      text: 'docker-archive:saved.tar:2.1',
      kind: 'docker-archive',
      type: DockerArchiveRegistry,
      reference: '2.1',
    },
    {
      text: 'docker-archive:saved.tar:team/app:2.1',
      kind: 'docker-archive',
      type: DockerArchiveRegistry,
      reference: 'team/app:2.1',
    },
  ])('opens $text', async ({ text, kind, type, reference }) => {
    // Prepare
    const ref = parseReference(text) as LocalReference;
    const local = { ...ref, path: join(dir, ref.path) };
    // Act
    const source = await openLocalSource(local);
    const response = await source.registry.getManifest('', source.reference);
    // Assess
    expect(source.registry).toBeInstanceOf(type);
    expect(source.reference).toBe(reference);
    expect(response.digest).toBe(digests.get(kind));
  });

  it('leaves a path with a colon alone when it does not exist', async () => {
    // Act
    const opened = openLocalSource({
      kind: 'docker-archive',
      path: join(dir, 'nothing.tar:repo'),
      tag: '1',
    });
    // Assess
    await expect(opened).rejects.toThrow(
      `archive ${join(dir, 'nothing.tar:repo')} does not exist`
    );
  });
});
