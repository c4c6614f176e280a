/**
 * The worker's credentials for Amazon ECR, end to end: the role's
 * `ecr:GetAuthorizationToken` answer (mocked: ECR has no local engine) is
 * decoded to `AWS:<password>` and sent to a registry that demands exactly
 * that as Basic credentials, as ECR does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecrTokenFetcher } from '../../../lib/adapters/aws/ecr-token.js';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import { createRegistry } from '../../../lib/adapters/registry/create-registry.js';
import { EcrAuth } from '../../../lib/adapters/registry/ecr-auth.js';
import { processScanRequest } from '../../../lib/usecases/process-request.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { buildImage } from '../../support/oci-image.js';
import { pushImage } from '../../support/push.js';
import { type RegistryProcess, startRegistry } from '../../support/registry.js';

const ECR_HOST = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
const PASSWORD = 'ecr-issued-password';
const basic = Buffer.from(`AWS:${PASSWORD}`).toString('base64');
const ecr = mockClient(ECRClient);

let dir: string;
let registry: RegistryProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-ecr-'));
  await writeFile(
    join(dir, 'htpasswd'),
    execFileSync('htpasswd', ['-Bbn', 'AWS', PASSWORD], { encoding: 'utf8' })
  );
  registry = await startRegistry({
    inMemory: true,
    extraConfig: `auth:\n  htpasswd:\n    realm: ecr\n    path: ${join(dir, 'htpasswd')}`,
  });
});

afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("scanning an ECR image with the role's token", () => {
  it('fetches one token, authenticates with it and scans', async () => {
    // Prepare
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: basic,
          expiresAt: new Date(Date.now() + 12 * 3600_000),
          proxyEndpoint: `https://${ECR_HOST}`,
        },
      ],
    });
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'arm64' },
          layers: [
            {
              files: [{ path: 'app', content: fixture('hello-amd64-static') }],
            },
          ],
        },
      ],
    });
    await pushImage(image, {
      baseUrl: registry.baseUrl,
      repository: 'team/api',
      tag: '1.0',
      headers: { authorization: `Basic ${basic}` },
    });
    const ecrAuth = new EcrAuth({
      getAuthorizationToken: ecrTokenFetcher(
        new ECRClient({ region: 'us-west-2' })
      ),
    });
    // The local registry stands in for the ECR host: ask EcrAuth for that host's credentials.
    const local = createRegistry(registry.host, {
      auth: { credentialsFor: () => ecrAuth.credentialsFor(ECR_HOST) },
      retry: { initialDelayMs: 1 },
    });
    const store = new MemoryScanStore();
    const clock = new TestClock(new Date().toISOString());
    const request = {
      version: 1 as const,
      source: 'ecr' as const,
      registry: ECR_HOST,
      repository: 'team/api',
      tag: '1.0',
      digest: image.top.digest,
      receivedAt: clock.now().toISOString(),
    };
    // Act
    const outcome = await processScanRequest(
      request,
      { registryFor: () => local, store, clock },
      { graceSeconds: 0, notifySeverity: 'error' }
    );
    // Assess
    expect(outcome.kind === 'scanned' && outcome.record.status).toBe('fail');
    expect(outcome.kind === 'scanned' && outcome.record.counts.byKind).toEqual({
      'binary-arch-mismatch': 1,
    });
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
  });

  it('records an auth error, not a pass, when the role may not get a token', async () => {
    ecr.reset();
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException' })
      );
    const ecrAuth = new EcrAuth({
      getAuthorizationToken: ecrTokenFetcher(
        new ECRClient({ region: 'us-west-2' })
      ),
    });
    const local = createRegistry(registry.host, {
      auth: { credentialsFor: () => ecrAuth.credentialsFor(ECR_HOST) },
      retry: { initialDelayMs: 1 },
    });
    const clock = new TestClock(new Date().toISOString());
    const request = {
      version: 1 as const,
      source: 'ecr' as const,
      registry: ECR_HOST,
      repository: 'team/api',
      tag: '1.0',
      receivedAt: clock.now().toISOString(),
    };
    const outcome = await processScanRequest(
      request,
      { registryFor: () => local, store: new MemoryScanStore(), clock },
      { graceSeconds: 0, notifySeverity: 'error' }
    );
    expect(outcome.kind === 'scanned' && outcome.record).toMatchObject({
      status: 'error',
      error: { code: 'auth' },
    });
    expect(outcome.kind === 'scanned' && outcome.record.error?.message).toMatch(
      /ecr:GetAuthorizationToken/
    );
  });
});
