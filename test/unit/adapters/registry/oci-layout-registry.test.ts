import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutRegistry } from '../../../../lib/adapters/registry/oci-layout-registry.js';
import {
  ConfigError,
  FormatError,
  RegistryError,
} from '../../../../lib/engine/errors.js';
import {
  type LayoutSpec,
  OCI,
  writeLayout,
} from '../../../support/oci-image.js';

const SPEC: LayoutSpec = {
  images: [
    {
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [{ files: [{ path: 'bin/app', content: 'app' }] }],
    },
  ],
};

const LAYOUT_HINT =
  'write one with "docker buildx build --output type=oci,dest=DIR,tar=false ." or "skopeo copy docker://IMAGE oci:DIR"';

/** Rewrites index.json with entries named by `ref.name` annotations. */
async function retag(
  dir: string,
  entries: { digest: string; size: number; name?: string }[]
): Promise<void> {
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: entries.map((e) => ({
        mediaType: OCI.manifest,
        digest: e.digest,
        size: e.size,
        ...(e.name
          ? { annotations: { 'org.opencontainers.image.ref.name': e.name } }
          : {}),
      })),
    })
  );
}

describe('OciLayoutRegistry', () => {
  let root: string;
  let layout: string;
  let first: { digest: string; size: number };
  let second: { digest: string; size: number };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'archscan-layout-'));
    layout = join(root, 'layout');
    const a = await writeLayout(layout, SPEC);
    const b = await writeLayout(layout, {
      images: [{ ...SPEC.images[0]!, cmd: ['other'] }],
    });
    first = { digest: a.top.digest, size: a.top.bytes.length };
    second = { digest: b.top.digest, size: b.top.bytes.length };
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('selects an image by tag and returns the descriptor media type', async () => {
    // Prepare
    await retag(layout, [
      { ...first, name: '1.0' },
      { ...second, name: '2.0' },
    ]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const response = await registry.getManifest('ignored', '2.0');
    // Assess
    expect(response).toMatchObject({
      mediaType: OCI.manifest,
      digest: second.digest,
    });
    expect(registry.name).toBe(`oci:${layout}`);
  });

  it('matches the tag of a full name:tag ref.name', async () => {
    // Prepare
    await retag(layout, [
      { ...first, name: 'registry.example:5000/team/app:1.0' },
      { ...second, name: 'registry.example:5000/team/app:2.0' },
    ]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const response = await registry.getManifest('', '1.0');
    // Assess
    expect(response.digest).toBe(first.digest);
  });

  it('asks for a tag when the layout holds several images', async () => {
    // Prepare
    await retag(layout, [
      { ...first, name: '1.0' },
      { ...second, name: '2.0' },
    ]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const fetched = registry.getManifest('', '');
    // Assess
    await expect(fetched).rejects.toThrow(
      new ConfigError(
        `oci:${layout} holds 2 images (1.0, 2.0): name one, e.g. oci:${layout}:1.0`
      )
    );
  });

  it('lists the available tags when the tag is missing', async () => {
    // Prepare
    await retag(layout, [{ ...first, name: '1.0' }, { ...second }]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const fetched = registry.getManifest('', '3.0');
    // Assess
    await expect(fetched).rejects.toBeInstanceOf(RegistryError);
    await expect(fetched).rejects.toMatchObject({
      code: 'not-found',
      message: `no image named "3.0" in oci:${layout}; it holds 1.0, ${second.digest}`,
    });
  });

  it('returns a manifest by digest even when index.json does not list it', async () => {
    // Prepare
    await retag(layout, [{ ...first, name: '1.0' }]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const response = await registry.getManifest('', second.digest);
    // Assess
    expect(response).toMatchObject({ digest: second.digest, mediaType: '' });
    expect(response.bytes.length).toBe(second.size);
  });

  it('says a directory without index.json is not a layout and how to make one', async () => {
    // Prepare
    const dir = join(root, 'not-a-layout');
    await mkdir(dir);
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    // Act
    const opened = OciLayoutRegistry.open(dir);
    // Assess
    await expect(opened).rejects.toThrow(
      new ConfigError(
        `oci:${dir} is not an OCI image layout (it has no index.json): ${LAYOUT_HINT}`
      )
    );
  });

  it.each([
    { name: 'missing', why: `does not exist; ${LAYOUT_HINT}` },
    {
      name: 'layout/oci-layout',
      why: 'is a file; use oci-archive:FILE for a tar of a layout, or docker-archive:FILE for docker save output',
    },
  ])('refuses a path that $name', async ({ name, why }) => {
    // Act
    const opened = OciLayoutRegistry.open(join(root, name));
    // Assess
    await expect(opened).rejects.toThrow(
      new ConfigError(`OCI layout directory ${join(root, name)} ${why}`)
    );
  });

  it('refuses a malformed index.json, naming the file', async () => {
    // Prepare
    const dir = join(root, 'bad-index');
    await mkdir(dir);
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(dir, 'index.json'), '{"schemaVersion":2}');
    // Act
    const opened = OciLayoutRegistry.open(dir);
    // Assess
    await expect(opened).rejects.toBeInstanceOf(FormatError);
    await expect(opened).rejects.toThrow(`oci:${dir} index.json: malformed`);
  });

  it('reports a blob index.json names but the layout lacks', async () => {
    // Prepare
    const missing = `sha256:${'0'.repeat(64)}`;
    await retag(layout, [{ digest: missing, size: 10, name: 'gone' }]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const fetched = registry.getManifest('', 'gone');
    // Assess
    await expect(fetched).rejects.toMatchObject({
      code: 'not-found',
      message: `blob ${missing} is not in oci:${layout}: check the digest, or write the layout again if a manifest names it`,
    });
  });

  it('stops before reading when the signal is already aborted', async () => {
    // Prepare
    await retag(layout, [{ ...first, name: '1.0' }]);
    const registry = await OciLayoutRegistry.open(layout);
    // Act
    const fetched = registry.getManifest('', '1.0', {
      signal: AbortSignal.abort(),
    });
    // Assess
    await expect(fetched).rejects.toMatchObject({ name: 'AbortError' });
  });
});
