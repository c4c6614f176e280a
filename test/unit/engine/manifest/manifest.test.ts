import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FormatError,
  ScannerError,
  UnsupportedMediaTypeError,
} from '../../../../lib/engine/errors.js';
import {
  parseConfig,
  parseDocument,
} from '../../../../lib/engine/manifest/manifest.js';
import { MediaType } from '../../../../lib/engine/media-types.js';
import { buildImage } from '../../../support/oci-image.js';

const enc = (value: unknown) =>
  new TextEncoder().encode(
    typeof value === 'string' ? value : JSON.stringify(value)
  );

describe('parseDocument', () => {
  it('reads an OCI index and its manifests built by the fixture builder', async () => {
    // Prepare
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'amd64' },
          layers: [{ files: [] }],
        },
        {
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
          layers: [{ files: [] }],
        },
      ],
    });
    // Act
    const index = parseDocument(image.top.bytes, image.top.mediaType);
    // Assess
    expect(index.kind).toBe('index');
    expect(
      index.kind === 'index' && index.manifests.map((m) => m.platform?.variant)
    ).toEqual([undefined, 'v7']);
    const manifest = parseDocument(
      image.blobs.get(image.manifests[0]!)!.bytes,
      MediaType.ociManifest
    );
    expect(manifest.kind === 'manifest' && manifest.layers.length).toBe(1);
  });

  it('reads a Docker manifest list and tells types apart by the body when the header is generic', async () => {
    const image = await buildImage({
      docker: true,
      forceIndex: true,
      images: [
        { platform: { os: 'linux', architecture: 'amd64' }, layers: [] },
      ],
    });
    expect(parseDocument(image.top.bytes, 'application/json').mediaType).toBe(
      MediaType.dockerManifestList
    );
  });

  it('refuses schema 1 with advice', () => {
    const doc = enc({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] });
    expect(() => parseDocument(doc, MediaType.dockerSchema1Signed)).toThrow(
      UnsupportedMediaTypeError
    );
    expect(() => parseDocument(doc, 'application/json')).toThrow(
      /schema 1.*re-push/
    );
  });

  it('refuses a body whose mediaType contradicts the Content-Type', () => {
    const doc = enc({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [],
    });
    expect(() => parseDocument(doc, MediaType.ociManifest)).toThrow(
      /differs from content type/
    );
  });

  it('names the bad field', () => {
    const doc = enc({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: 'x', digest: 'nope', size: 1 },
      layers: [],
    });
    expect(() => parseDocument(doc, MediaType.ociManifest)).toThrow(
      /config\.digest/
    );
  });

  it('refuses a manifest over the size limit without parsing it', () => {
    expect(() =>
      parseDocument(new Uint8Array(5 * 1024 * 1024), MediaType.ociManifest)
    ).toThrow(FormatError);
  });

  it('gives a document or a ScannerError for arbitrary and mutated input', async () => {
    // Prepare
    const image = await buildImage({
      attestations: true,
      images: [
        {
          platform: { os: 'linux', architecture: 'amd64' },
          layers: [{ files: [] }],
        },
      ],
    });
    const samples = [
      image.top.bytes,
      ...[...image.blobs.values()].map((b) => b.bytes),
    ];
    // Act + Assess
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((text) => enc(text)),
          fc
            .tuple(
              fc.constantFrom(...samples),
              fc.nat(),
              fc.integer({ min: 0, max: 255 })
            )
            .map(([bytes, at, value]) => {
              const copy = new Uint8Array(bytes);
              copy[at % copy.length] = value;
              return copy;
            })
        ),
        fc.constantFrom(
          undefined,
          MediaType.ociIndex,
          MediaType.ociManifest,
          'application/json'
        ),
        (bytes, type) => {
          try {
            const doc = parseDocument(bytes, type);
            expect(['index', 'manifest']).toContain(doc.kind);
          } catch (error) {
            expect(error).toBeInstanceOf(ScannerError);
          }
        }
      ),
      { numRuns: 3000 }
    );
  });
});

describe('parseConfig', () => {
  it('reads platform, entrypoint and env', () => {
    const config = parseConfig(
      enc({
        architecture: 'arm64',
        os: 'linux',
        config: { Entrypoint: ['/app'], Env: ['PATH=/x'] },
      })
    );
    expect(config.config?.Entrypoint).toEqual(['/app']);
  });

  it('accepts null Entrypoint/Cmd as Docker writes them', () => {
    expect(() =>
      parseConfig(
        enc({
          architecture: 'amd64',
          os: 'linux',
          config: { Entrypoint: null, Cmd: null },
        })
      )
    ).not.toThrow();
  });

  it('refuses a config without architecture', () => {
    expect(() => parseConfig(enc({ os: 'linux' }))).toThrow(/architecture/);
  });
});
