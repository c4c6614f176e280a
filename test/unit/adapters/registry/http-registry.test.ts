import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import { StaticAuth } from '../../../../lib/adapters/registry/static-auth.js';
import { RegistryError } from '../../../../lib/engine/errors.js';
import { MANIFEST_ACCEPT } from '../../../../lib/engine/media-types.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const BODY = '{"schemaVersion":2,"manifests":[]}';

describe('HttpRegistry scheme and header choices', () => {
  let agent: MockAgent;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });

  afterEach(async () => {
    await agent.close();
  });

  it('uses https and sends the full Accept list for a remote host', async () => {
    // Prepare
    agent
      .get('https://registry.example')
      .intercept({
        path: '/v2/team/app/manifests/v1',
        headers: { accept: MANIFEST_ACCEPT },
      })
      .reply(200, BODY, {
        headers: {
          'content-type': `${INDEX}; charset=utf-8`,
          'docker-content-digest': 'sha256:abc',
        },
      });
    const registry = new HttpRegistry({
      registry: 'registry.example',
      dispatcher: agent,
    });

    // Act
    const response = await registry.getManifest('team/app', 'v1');

    // Assess
    expect(Buffer.from(response.bytes).toString()).toBe(BODY);
    expect(response.mediaType).toBe(INDEX);
    expect(response.digest).toBe('sha256:abc');
  });

  it('uses plain http for a remote host only when told to', async () => {
    // Prepare
    agent
      .get('http://registry.example')
      .intercept({ path: '/v2/team/app/manifests/v1' })
      .reply(200, BODY, { headers: { 'content-type': INDEX } });
    const registry = new HttpRegistry({
      registry: 'registry.example',
      insecure: true,
      dispatcher: agent,
    });

    // Act
    const response = await registry.getManifest('team/app', 'v1');

    // Assess
    expect(response.mediaType).toBe(INDEX);
  });

  it('refuses to follow a redirect from https down to http', async () => {
    // Prepare
    agent
      .get('https://registry.example')
      .intercept({ path: /\/blobs\// })
      .reply(307, '', {
        headers: { location: 'http://cdn.example/blob?sig=secret' },
      });
    const registry = new HttpRegistry({
      registry: 'registry.example',
      dispatcher: agent,
      auth: new StaticAuth({
        'registry.example': { kind: 'header', value: 'Basic dG9rZW4=' },
      }),
    });

    // Act
    const error = await (async () => {
      for await (const _ of registry.getBlob('team/app', {
        mediaType: 'application/octet-stream',
        digest: `sha256:${'a'.repeat(64)}`,
        size: 4,
      })) {
        // drain
      }
    })().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).message).toContain(
      'refusing a redirect from https to plain http'
    );
    expect((error as RegistryError).message).not.toContain('secret');
    expect((error as RegistryError).message).not.toContain('dG9rZW4');
  });

  it('maps a 403 to an auth error that says to check permissions', async () => {
    // Prepare
    agent
      .get('https://registry.example')
      .intercept({ path: '/v2/team/app/manifests/v1' })
      .reply(
        403,
        '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'
      );
    const registry = new HttpRegistry({
      registry: 'registry.example',
      dispatcher: agent,
    });

    // Act
    const error = await registry
      .getManifest('team/app', 'v1')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({
      code: 'auth',
      status: 403,
      diagnostics: ['DENIED'],
      retryable: false,
    });
    expect((error as RegistryError).message).toMatch(
      /^access denied to registry\.example\/team\/app: .*check its permissions/
    );
  });
});
