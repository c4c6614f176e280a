import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerConfigAuth } from '../../../../lib/adapters/registry/docker-config-auth.js';
import { ConfigError } from '../../../../lib/engine/errors.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/**
 * A fake `docker-credential-fake`: records the server URL it was asked for
 * and answers from a table, like the real helpers' `get`.
 */
const HELPER = `#!/bin/sh
read -r server
echo "$server" >> "$(dirname "$0")/asked.log"
case "$server" in
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"hubuser","Secret":"hubpass"}' ;;
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"<token>","Secret":"identity-123"}' ;;
  broken.example) echo 'not json' ;;
  fails.example) echo 'boom' >&2; exit 3 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;

describe('DockerConfigAuth', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  async function authWith(config: unknown): Promise<DockerConfigAuth> {
    const path = join(await mkdtemp(join(dir, 'cfg-')), 'config.json');
    await writeFile(
      path,
      typeof config === 'string' ? config : JSON.stringify(config)
    );
    return new DockerConfigAuth({ path, env });
  }

  beforeAll(async () => {
    // Prepare: a helper directory put first on the helper's PATH
    dir = await mkdtemp(join(tmpdir(), 'archscan-docker-config-'));
    const helper = join(dir, 'docker-credential-fake');
    await writeFile(helper, HELPER);
    await chmod(helper, 0o755);
    env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes auths[host].auth into basic credentials', async () => {
    // Prepare
    const auth = await authWith({
      auths: { 'registry.example:5000': { auth: b64('me:pa:ss') } },
    });

    // Act
    const credentials = await auth.credentialsFor('registry.example:5000');

    // Assess
    expect(credentials).toEqual({
      kind: 'basic',
      username: 'me',
      password: 'pa:ss',
    });
    expect(await auth.credentialsFor('other.example')).toBeUndefined();
  });

  it('prefers identitytoken over auth', async () => {
    // Prepare
    const auth = await authWith({
      auths: {
        'https://quay.io': { auth: b64('u:p'), identitytoken: 'refresh-xyz' },
      },
    });

    // Act / Assess
    expect(await auth.credentialsFor('quay.io')).toEqual({
      kind: 'identity-token',
      token: 'refresh-xyz',
    });
  });

  it.each([
    'https://index.docker.io/v1/',
    'docker.io',
    'registry-1.docker.io',
    'index.docker.io',
  ])('finds Docker Hub credentials stored under %s', async (key) => {
    // Prepare
    const auth = await authWith({
      auths: { [key]: { auth: b64('hub:secret') } },
    });

    // Act
    const credentials = await auth.credentialsFor('registry-1.docker.io');

    // Assess
    expect(credentials).toEqual({
      kind: 'basic',
      username: 'hub',
      password: 'secret',
    });
  });

  it('asks credHelpers[host] with the server URL on stdin', async () => {
    // Prepare
    const auth = await authWith({
      auths: { 'ghcr.io': { auth: b64('inline:ignored') } },
      credHelpers: { 'ghcr.io': 'fake' },
    });

    // Act
    const credentials = await auth.credentialsFor('ghcr.io');

    // Assess
    expect(credentials).toEqual({
      kind: 'identity-token',
      token: 'identity-123',
    });
  });

  it('asks credsStore for Docker Hub under its v1 URL', async () => {
    // Prepare
    const auth = await authWith({
      auths: { 'https://index.docker.io/v1/': {} },
      credsStore: 'fake',
    });

    // Act
    const credentials = await auth.credentialsFor('registry-1.docker.io');

    // Assess
    expect(credentials).toEqual({
      kind: 'basic',
      username: 'hubuser',
      password: 'hubpass',
    });
  });

  it('caches helper answers per host', async () => {
    // Prepare
    const asked: string[] = [];
    const path = join(await mkdtemp(join(dir, 'cfg-')), 'config.json');
    await writeFile(path, JSON.stringify({ credsStore: 'any' }));
    const auth = new DockerConfigAuth({
      path,
      runHelper: async (name, server) => {
        asked.push(`${name} ${server}`);
        return { username: 'u', secret: 's' };
      },
    });

    // Act
    await auth.credentialsFor('a.example');
    await auth.credentialsFor('a.example');
    await auth.credentialsFor('b.example');

    // Assess
    expect(asked).toEqual(['any a.example', 'any b.example']);
  });

  it('treats "credentials not found" as anonymous', async () => {
    // Prepare
    const auth = await authWith({ credsStore: 'fake' });

    // Act / Assess
    expect(await auth.credentialsFor('unknown.example')).toBeUndefined();
  });

  it.each([
    [
      'missing',
      { credHelpers: { 'x.example': 'absent' } },
      'x.example',
      /docker-credential-absent is not installed/,
    ],
    [
      'failing',
      { credsStore: 'fake' },
      'fails.example',
      /docker-credential-fake failed \(exit code 3\)/,
    ],
    [
      'garbled',
      { credsStore: 'fake' },
      'broken.example',
      /printed no Username\/Secret/,
    ],
    [
      'bad name',
      { credsStore: '../evil' },
      'x.example',
      /invalid credential helper name/,
    ],
    [
      'bad auth',
      { auths: { 'x.example': { auth: b64('nocolon') } } },
      'x.example',
      /not base64 of user:password/,
    ],
    ['bad shape', { auths: [] }, 'x.example', /unexpected shape/],
    ['not json', '{ nope', 'x.example', /is not valid JSON/],
  ])(
    'gives a clear ConfigError for a %s helper or entry',
    async (_, config, host, message) => {
      // Prepare
      const auth = await authWith(config);

      // Act
      const error = await auth.credentialsFor(host).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(message);
    }
  );

  it('treats a missing config file as anonymous', async () => {
    // Prepare
    const auth = new DockerConfigAuth({
      path: join(dir, 'nowhere', 'config.json'),
    });

    // Act / Assess
    expect(await auth.credentialsFor('ghcr.io')).toBeUndefined();
  });
});
