// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests write the config file's ${NAME} syntax
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/engine/errors.js';
import { PROVIDER_NAMES } from '../../../lib/engine/webhooks/types.js';
import {
  defaultServeConfig,
  loadServeConfig,
  parseServeConfig,
} from '../../../lib/serve/config.js';
import { substituteEnv } from '../../../lib/serve/config-env.js';
import { parseListen } from '../../../lib/serve/config-fields.js';
import { GOOGLE_JWKS_URL } from '../../../lib/serve/config-schema.js';

const EXAMPLE = fileURLToPath(
  new URL('../../fixtures/serve/archscan.example.yaml', import.meta.url)
);
const EXAMPLE_ENV = {
  GHCR_WEBHOOK_SECRET: 'ghcr-secret-0123456789abcdef',
  REGISTRY_WEBHOOK_SECRET: 'registry-secret-0123456789abcdef',
  HARBOR_WEBHOOK_SECRET: 'harbor-secret-0123456789abcdef',
  DOCKERHUB_WEBHOOK_TOKEN: 'dockerhub-token-0123456789abcdef',
  JFROG_WEBHOOK_SECRET: 'jfrog-secret-0123456789abcdef',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/SLACKSECRET',
  SMTP_PASSWORD: 'smtp-pass-word',
  HOOK_SIGNING_SECRET: 'hook-signing-secret',
  ARCHSCAN_API_TOKEN: 'api-token-0123456789abcdef',
};
const SECRET = 'a-long-enough-secret-value';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` to `name` in the temp dir and loads it. */
async function load(
  name: string,
  text: string,
  env: Record<string, string> = {}
) {
  await writeFile(join(dir, name), text);
  return loadServeConfig({ file: name, env, cwd: dir });
}

/** What `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error
  );
  if (!outcome) throw new Error('expected a rejection');
  return outcome;
}

/** The ConfigError message of loading `document` from `archscan.yaml`. */
function problemOf(document: unknown, env: Record<string, string> = {}) {
  try {
    parseServeConfig(document, {
      env,
      cwd: '/srv',
      file: '/srv/archscan.yaml',
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('describe a loopback server that only logs', () => {
    // Act
    const config = defaultServeConfig('/home/me/project');

    // Assess
    expect(config).toEqual({
      listen: { host: '127.0.0.1', port: 8080 },
      publicUrl: 'http://127.0.0.1:8080',
      stateDir: '/home/me/project/.archscan',
      store: { kind: 'embedded' },
      registries: {
        allow: [
          'docker.io',
          'ghcr.io',
          'quay.io',
          'public.ecr.aws',
          '*.pkg.dev',
          '*.azurecr.io',
        ],
      },
      webhooks: {
        coalesceSeconds: 10,
        replayWindowSeconds: 3600,
        providers: {},
      },
      queue: { concurrency: 2, maxAttempts: 5 },
      scan: { graceSeconds: 0, notifySeverity: 'error', expectedPlatforms: [] },
      notify: { log: true, webhooks: [] },
      api: {},
    });
    expect(Object.isFrozen(config.queue)).toBe(true);
  });

  it('are what loading without a file gives, plus the environment', async () => {
    // Act
    const plain = await loadServeConfig({ env: {}, cwd: dir });
    const withEnv = await loadServeConfig({
      env: { ARCHSCAN_API_TOKEN: SECRET },
      cwd: dir,
    });

    // Assess
    expect(plain).toEqual(defaultServeConfig(dir));
    expect(withEnv.api).toEqual({ token: SECRET });
  });

  it('fill every key a file leaves out', async () => {
    // Act
    const config = await load('archscan.yaml', 'queue:\n  concurrency: 4\n');

    // Assess
    expect(config).toEqual({
      ...defaultServeConfig(dir),
      queue: { concurrency: 4, maxAttempts: 5 },
    });
  });

  it('treat an empty file and empty sections as no settings', async () => {
    // Act
    const empty = await load('empty.yaml', '');
    const sections = await load('sections.yaml', 'notify:\nwebhooks:\n');

    // Assess
    expect(empty).toEqual(defaultServeConfig(dir));
    expect(sections).toEqual(defaultServeConfig(dir));
  });
});

describe('the example file', () => {
  it('loads, with every secret from the environment', async () => {
    // Act
    const config = await loadServeConfig({
      file: EXAMPLE,
      env: EXAMPLE_ENV,
      cwd: dir,
    });

    // Assess
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.publicUrl).toBe('https://archscan.example.com');
    expect(config.stateDir).toBe(join(EXAMPLE, '..', '.archscan'));
    expect(config.registries.allow).toEqual([
      'ghcr.io',
      'registry.example.com:5000',
      '*.azurecr.io',
    ]);
    expect(config.webhooks.providers.ghcr).toEqual({
      secret: EXAMPLE_ENV.GHCR_WEBHOOK_SECRET,
    });
    expect(config.webhooks.providers.jfrog?.registry).toBe('example.jfrog.io');
    expect(config.webhooks.providers.gar?.oidc).toEqual({
      audience: 'https://archscan.example.com/webhooks/gar',
      email: 'pubsub-push@my-project.iam.gserviceaccount.com',
      jwksUrl: GOOGLE_JWKS_URL,
    });
    expect(config.scan.expectedPlatforms).toEqual([
      { pattern: 'team/*', platforms: ['linux/amd64', 'linux/arm64'] },
      { pattern: '*', platforms: [] },
    ]);
    expect(config.notify.slack?.webhookUrl).toBe(EXAMPLE_ENV.SLACK_WEBHOOK_URL);
    expect(config.notify.smtp).toEqual({
      url: 'smtps://archscan:smtp-pass-word@mail.example.com:465',
      from: 'archscan <archscan@example.com>',
      to: ['platform-team@example.com'],
    });
    expect(config.notify.webhooks).toEqual([
      {
        url: 'https://hooks.example.com/archscan',
        secret: EXAMPLE_ENV.HOOK_SIGNING_SECRET,
      },
    ]);
    expect(config.api.token).toBe(EXAMPLE_ENV.ARCHSCAN_API_TOKEN);
  });

  it('names the first unset variable and its key, not any value', async () => {
    // Prepare
    const { SLACK_WEBHOOK_URL: _unset, ...env } = EXAMPLE_ENV;

    // Act
    const error = await rejection(
      loadServeConfig({ file: EXAMPLE, env, cwd: dir })
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(
      'notify.slack.webhookUrl: environment variable SLACK_WEBHOOK_URL is not set'
    );
  });
});

describe('file formats', () => {
  const yaml = [
    'listen: 127.0.0.1:9090',
    'registries:',
    '  allow: [ghcr.io]',
    'scan:',
    '  notifySeverity: warning',
  ].join('\n');
  const json = JSON.stringify({
    listen: '127.0.0.1:9090',
    registries: { allow: ['ghcr.io'] },
    scan: { notifySeverity: 'warning' },
  });

  it('reads YAML and JSON by extension, and other names as either', async () => {
    // Act
    const configs = await Promise.all([
      load('archscan.yaml', yaml),
      load('archscan.yml', yaml),
      load('archscan.json', json),
      load('archscan.conf', json),
      load('archscan', yaml),
    ]);

    // Assess
    for (const config of configs) {
      expect(config.listen).toEqual({ host: '127.0.0.1', port: 9090 });
      expect(config.publicUrl).toBe('http://127.0.0.1:9090');
      expect(config.registries.allow).toEqual(['ghcr.io']);
      expect(config.scan.notifySeverity).toBe('warning');
    }
  });

  it.each([
    ['archscan.json', '{"queue": ', /^archscan\.json: not valid JSON: /],
    [
      'archscan.yaml',
      'queue:\n  concurrency: 2\n  concurrency: 3\n',
      /^archscan\.yaml: line 3, column 3: not valid YAML: .*unique/i,
    ],
    [
      'archscan.yml',
      'a: [1, 2\n',
      /^archscan\.yml: line \d+, column \d+: not valid YAML/,
    ],
    [
      'archscan.yaml',
      '- a\n- b\n',
      /^archscan\.yaml must be a mapping of settings/,
    ],
  ])('%s with %j is refused, naming the file', async (name, text, pattern) => {
    // Act
    const error = await rejection(load(name, text));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(pattern);
  });

  it('names a missing file', async () => {
    // Act
    const error = await rejection(
      loadServeConfig({ file: 'nope.yaml', env: {}, cwd: dir })
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'nope.yaml: cannot read the config file: no such file'
    );
  });

  it('takes a relative stateDir from the folder of the file', async () => {
    // Prepare
    await mkdir(join(dir, 'etc'));

    // Act
    const config = await load('etc/archscan.yaml', 'stateDir: ../state\n');

    // Assess
    expect(config.stateDir).toBe(join(dir, 'state'));
  });
});

describe('environment substitution', () => {
  it('replaces ${NAME} in every string, lists included', () => {
    // Act
    const config = parseServeConfig(
      {
        publicUrl: 'https://${HOST}/archscan',
        registries: { allow: ['${REGISTRY}', 'ghcr.io'] },
        queue: { concurrency: '${WORKERS}' },
        notify: { log: '${LOG}' },
      },
      {
        env: {
          HOST: 'scan.example.com',
          REGISTRY: 'quay.io',
          WORKERS: '6',
          LOG: 'false',
        },
        cwd: '/srv',
      }
    );

    // Assess
    expect(config.publicUrl).toBe('https://scan.example.com/archscan');
    expect(config.registries.allow).toEqual(['quay.io', 'ghcr.io']);
    expect(config.queue.concurrency).toBe(6);
    expect(config.notify.log).toBe(false);
  });

  it('keeps $${ as a literal ${', () => {
    // Act
    const config = parseServeConfig(
      { scan: { expectedPlatforms: [{ pattern: 'a$${B}', platforms: [] }] } },
      { env: {}, cwd: '/srv' }
    );

    // Assess
    expect(config.scan.expectedPlatforms[0]?.pattern).toBe('a${B}');
  });

  it.each([
    [
      { notify: { webhooks: [{ url: '${HOOK}' }] } },
      'archscan.yaml: notify.webhooks[0].url: environment variable HOOK is not set',
    ],
    [
      { publicUrl: 'https://${1HOST}/' },
      'archscan.yaml: publicUrl: ${ must start a variable reference such as ${SLACK_URL}; write $${ for a literal ${',
    ],
  ])('%j is refused naming the key', (document, message) => {
    expect(problemOf(document)).toBe(message);
  });

  it('round-trips any text escaped with $${ (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const problems: {
          path: readonly (string | number)[];
          message: string;
        }[] = [];
        const escaped = text.replaceAll('${', '$${');
        const back = substituteEnv(escaped, {}, problems);
        expect(problems).toEqual([]);
        expect(back).toBe(text);
      })
    );
  });
});

describe('environment overrides', () => {
  it('set every secret, and win over the file', async () => {
    // Prepare
    const file = [
      'notify:',
      '  slack: {webhookUrl: "https://hooks.slack.com/services/FILE"}',
      '  smtp: {url: "smtp://file.example.com", from: a@example.com, to: b@example.com}',
      'webhooks:',
      '  providers:',
      `    ghcr: {secret: file-secret-0123456789}`,
      'api: {token: file-token-0123456789}',
    ].join('\n');
    const env = {
      ARCHSCAN_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/ENV',
      ARCHSCAN_SMTP_URL: 'smtps://u:p@env.example.com',
      ARCHSCAN_WEBHOOK_SECRET_GHCR: 'env-secret-0123456789',
      ARCHSCAN_WEBHOOK_SECRET_HARBOR: 'env-harbor-0123456789',
      ARCHSCAN_API_TOKEN: 'env-token-0123456789',
    };

    // Act
    const config = await load('archscan.yaml', file, env);

    // Assess
    expect(config.notify.slack?.webhookUrl).toBe(
      env.ARCHSCAN_SLACK_WEBHOOK_URL
    );
    expect(config.notify.smtp).toEqual({
      url: env.ARCHSCAN_SMTP_URL,
      from: 'a@example.com',
      to: ['b@example.com'],
    });
    expect(config.webhooks.providers).toEqual({
      ghcr: { secret: env.ARCHSCAN_WEBHOOK_SECRET_GHCR },
      harbor: { secret: env.ARCHSCAN_WEBHOOK_SECRET_HARBOR },
    });
    expect(config.api.token).toBe(env.ARCHSCAN_API_TOKEN);
  });

  it('ignore empty variables', () => {
    // Act
    const config = parseServeConfig(
      {},
      {
        env: { ARCHSCAN_SLACK_WEBHOOK_URL: '', ARCHSCAN_API_TOKEN: '' },
        cwd: '/srv',
      }
    );

    // Assess
    expect(config.notify.slack).toBeUndefined();
    expect(config.api.token).toBeUndefined();
  });

  it.each([
    [
      { ARCHSCAN_SLACK_WEBHOOK_URL: 'http://hooks.example.com/SECRETPATH' },
      'ARCHSCAN_SLACK_WEBHOOK_URL (notify.slack.webhookUrl): must be an https URL',
    ],
    [
      { ARCHSCAN_WEBHOOK_SECRET_GHRC: SECRET },
      'ARCHSCAN_WEBHOOK_SECRET_GHRC: names no provider; use one of ARCHSCAN_WEBHOOK_SECRET_DISTRIBUTION',
    ],
    [
      { ARCHSCAN_API_TOKEN: 'short' },
      'ARCHSCAN_API_TOKEN (api.token): must be at least 16 characters',
    ],
    [
      { ARCHSCAN_SMTP_URL: 'smtp://u:SECRETPASS@mail.example.com' },
      'archscan.yaml: notify.smtp.from: is required',
    ],
  ])(
    'a bad %j is named by its variable, never by its value',
    (env, message) => {
      // Act
      const problem = problemOf({}, env);

      // Assess
      expect(problem).toContain(message);
      for (const value of Object.values(env)) {
        expect(problem).not.toContain(value);
      }
    }
  );
});

describe('errors name the file and the key', () => {
  it.each<[string, unknown, string]>([
    [
      'a misspelt key',
      { webhooks: { providers: { ghcr: { secrt: SECRET } } } },
      'archscan.yaml: webhooks.providers.ghcr.secrt: unknown key',
    ],
    [
      'an unknown top-level key',
      { notfy: {} },
      'archscan.yaml: notfy: unknown key',
    ],
    [
      'an unknown provider',
      { webhooks: { providers: { gitlab: {} } } },
      `archscan.yaml: webhooks.providers.gitlab: unknown provider; expected one of ${PROVIDER_NAMES.join(', ')}`,
    ],
    [
      'a concurrency of 0',
      { queue: { concurrency: 0 } },
      'archscan.yaml: queue.concurrency: must be an integer from 1 to 64',
    ],
    [
      'a fractional attempt count',
      { queue: { maxAttempts: 1.5 } },
      'archscan.yaml: queue.maxAttempts: must be an integer from 1 to 100',
    ],
    [
      'a text concurrency',
      { queue: { concurrency: 'many' } },
      'archscan.yaml: queue.concurrency: must be an integer from 1 to 64',
    ],
    [
      'a section that is not a mapping',
      { queue: 3 },
      'archscan.yaml: queue: must be a mapping (key: value pairs)',
    ],
    [
      'a short replay window',
      { webhooks: { replayWindowSeconds: 5 } },
      'archscan.yaml: webhooks.replayWindowSeconds: must be an integer from 60 to 604800',
    ],
    [
      'a negative coalesce window',
      { webhooks: { coalesceSeconds: -1 } },
      'archscan.yaml: webhooks.coalesceSeconds: must be an integer from 0 to 3600',
    ],
    [
      'a day-long grace',
      { scan: { graceSeconds: 90_000 } },
      'archscan.yaml: scan.graceSeconds: must be an integer from 0 to 86400',
    ],
    [
      'an unknown severity',
      { scan: { notifySeverity: 'info' } },
      'archscan.yaml: scan.notifySeverity: must be one of error, warning',
    ],
    [
      'a bad platform',
      {
        scan: {
          expectedPlatforms: [
            { pattern: 'a/*', platforms: ['linux/amd64', 'linux'] },
          ],
        },
      },
      'archscan.yaml: scan.expectedPlatforms[0].platforms[1]: invalid platform "linux": expected os/arch[/variant], e.g. linux/arm64',
    ],
    [
      'a rule without pattern',
      { scan: { expectedPlatforms: [{ platforms: [] }] } },
      'archscan.yaml: scan.expectedPlatforms[0].pattern: is required',
    ],
    [
      'a log flag that is not a boolean',
      { notify: { log: 'yes' } },
      'archscan.yaml: notify.log: must be true or false',
    ],
    [
      'a listen address without port',
      { listen: 'localhost' },
      'archscan.yaml: listen: "localhost" must be host:port',
    ],
    [
      'a listen port out of range',
      { listen: { host: '::1', port: 70_000 } },
      'archscan.yaml: listen: port 70000 must be an integer from 1 to 65535',
    ],
    [
      'a public URL with a query',
      { publicUrl: 'https://a.example.com/?x=1' },
      'archscan.yaml: publicUrl: "https://a.example.com/?x=1" must be an http or https URL',
    ],
    [
      'a registry with a scheme',
      { registries: { allow: ['https://ghcr.io'] } },
      'archscan.yaml: registries.allow[0]: "https://ghcr.io" is not a registry host[:port] or *.suffix',
    ],
    [
      'a registry with credentials',
      { registries: { allow: ['me:pw@ghcr.io'] } },
      'archscan.yaml: registries.allow[0]: "me:pw@ghcr.io" is not a registry host[:port] or *.suffix',
    ],
    [
      'a pinned registry with a wildcard',
      {
        webhooks: {
          providers: { jfrog: { secret: SECRET, registry: '*.jfrog.io' } },
        },
      },
      'archscan.yaml: webhooks.providers.jfrog.registry: "*.jfrog.io" is not a registry host[:port]',
    ],
    [
      'a short provider secret',
      { webhooks: { providers: { ghcr: { secret: 'abc' } } } },
      'archscan.yaml: webhooks.providers.ghcr.secret: must be at least 16 characters',
    ],
    [
      'oidc outside gar',
      {
        webhooks: {
          providers: {
            quay: { oidc: { audience: 'x', email: 'push@example.com' } },
          },
        },
      },
      'archscan.yaml: webhooks.providers.quay.oidc: only gar deliveries carry OIDC tokens; quay uses secret',
    ],
    [
      'gar oidc without the service account e-mail',
      { webhooks: { providers: { gar: { oidc: { audience: 'x' } } } } },
      'archscan.yaml: webhooks.providers.gar.oidc.email: is required',
    ],
    [
      'gar oidc without audience',
      { webhooks: { providers: { gar: { oidc: {} } } } },
      'archscan.yaml: webhooks.providers.gar.oidc.audience: is required',
    ],
    [
      'an http slack webhook',
      {
        notify: {
          slack: { webhookUrl: 'http://hooks.slack.com/services/T/B/SECRET' },
        },
      },
      'archscan.yaml: notify.slack.webhookUrl: must be an https URL (http only on a loopback host)',
    ],
    [
      'an http generic webhook',
      { notify: { webhooks: [{ url: 'http://hooks.example.com/SECRET' }] } },
      'archscan.yaml: notify.webhooks[0].url: must be an https URL (http only on a loopback host)',
    ],
    [
      'an https smtp URL',
      {
        notify: {
          smtp: {
            url: 'https://u:SECRET@mail.example.com',
            from: 'a@example.com',
            to: ['b@example.com'],
          },
        },
      },
      'archscan.yaml: notify.smtp.url: must be an smtp:// (STARTTLS) or smtps:// (TLS) URL',
    ],
    [
      'no recipients',
      {
        notify: {
          smtp: {
            url: 'smtp://mail.example.com',
            from: 'a@example.com',
            to: [],
          },
        },
      },
      'archscan.yaml: notify.smtp.to: must name at least one recipient',
    ],
    [
      'a bad sender',
      {
        notify: {
          smtp: {
            url: 'smtp://mail.example.com',
            from: 'archscan',
            to: ['b@example.com'],
          },
        },
      },
      'archscan.yaml: notify.smtp.from: must be an e-mail address',
    ],
    [
      'an unknown store',
      { store: { kind: 'postgres' } },
      'archscan.yaml: store.kind: must be embedded or dynamodb',
    ],
    [
      'a dynamodb store without table',
      { store: { kind: 'dynamodb' } },
      'archscan.yaml: store.tableName: is required',
    ],
    [
      'a store with an extra key',
      { store: { kind: 'embedded', path: '/x' } },
      'archscan.yaml: store.path: unknown key',
    ],
    [
      'an empty api token',
      { api: { token: '' } },
      'archscan.yaml: api.token: must be at least 16 characters',
    ],
  ])('%s', (_, document, message) => {
    // Act
    const problem = problemOf(document);

    // Assess
    expect(problem.startsWith(message)).toBe(true);
    expect(problem).not.toContain('SECRET');
  });

  it('lists every problem at once', () => {
    // Act
    const problem = problemOf({ queue: { concurrency: 0 }, notfy: {} });

    // Assess
    expect(problem.split('; ').sort()).toEqual([
      'archscan.yaml: notfy: unknown key',
      'archscan.yaml: queue.concurrency: must be an integer from 1 to 64',
    ]);
  });

  it('leave out the file when there is none', () => {
    // Act
    const error = (() => {
      try {
        parseServeConfig(
          { queue: { concurrency: 65 } },
          { env: {}, cwd: '/srv' }
        );
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();

    // Assess
    expect(error?.message).toBe(
      'queue.concurrency: must be an integer from 1 to 64'
    );
  });
});

describe('accepted values', () => {
  it('lower-cases and deduplicates registries, and trims the public URL', () => {
    // Act
    const config = parseServeConfig(
      {
        publicUrl: 'https://scan.example.com/base/',
        registries: { allow: 'GHCR.io, ghcr.io *.Example.com [::1]:5000' },
      },
      { env: {}, cwd: '/srv' }
    );

    // Assess
    expect(config.registries.allow).toEqual([
      'ghcr.io',
      '*.example.com',
      '[::1]:5000',
    ]);
    expect(config.publicUrl).toBe('https://scan.example.com/base');
  });

  it.each([
    ['0.0.0.0:8080', 'http://127.0.0.1:8080'],
    ['[::]:8080', 'http://[::1]:8080'],
    ['[::1]:9000', 'http://[::1]:9000'],
    ['scanner.internal:80', 'http://scanner.internal:80'],
  ])('derives the public URL of listen %s', (listen, publicUrl) => {
    expect(
      parseServeConfig({ listen }, { env: {}, cwd: '/srv' }).publicUrl
    ).toBe(publicUrl);
  });

  it('accepts loopback http receivers and smtp URLs, and a dynamodb store', () => {
    // Act
    const config = parseServeConfig(
      {
        store: {
          kind: 'dynamodb',
          tableName: 'archscan',
          endpoint: 'http://127.0.0.1:8000',
          region: 'eu-west-1',
        },
        notify: {
          slack: { webhookUrl: 'http://127.0.0.1:9/services/x' },
          smtp: {
            url: 'smtp://localhost:2525',
            from: 'archscan <a@localhost>',
            to: 'b@localhost, c@localhost',
          },
          webhooks: [
            { url: 'http://[::1]:8081/hook' },
            { url: 'https://hooks.example.com/' },
          ],
        },
      },
      { env: {}, cwd: '/srv' }
    );

    // Assess
    expect(config.store).toEqual({
      kind: 'dynamodb',
      tableName: 'archscan',
      endpoint: 'http://127.0.0.1:8000',
      region: 'eu-west-1',
    });
    expect(config.notify.smtp?.to).toEqual(['b@localhost', 'c@localhost']);
    expect(config.notify.webhooks).toHaveLength(2);
  });
});

describe('parseListen (property)', () => {
  it('reads back any host:port it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.domain()),
        fc.integer({ min: 1, max: 65_535 }),
        (host, port) => {
          expect(parseListen(`${host}:${port}`)).toEqual({ host, port });
          expect(parseListen({ host, port })).toEqual({ host, port });
        }
      )
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = parseListen(value);
        return typeof result === 'string' || typeof result.port === 'number';
      })
    );
  });
});
