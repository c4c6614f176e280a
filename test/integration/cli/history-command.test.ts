import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openHistoryStore } from '../../../lib/cli/history-command.js';
import { run } from '../../../lib/cli/run.js';
import {
  createArchscanTable,
  LOCAL_AWS,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';
import { makeRecord } from '../../support/scan-records.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo.stop();
});

it('opens the history table at a given endpoint', async () => {
  // Prepare
  const tableName = uniqueTableName('cli');
  await createArchscanTable(dynamo.client, tableName);
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_AWS.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_AWS.credentials.secretAccessKey);
  const store = openHistoryStore({
    tableName,
    region: LOCAL_AWS.region,
    endpoint: dynamo.endpoint,
    reportsBucket: 'reports',
  });
  const record = makeRecord({ scannedAt: '2026-11-25T10:00:00.000Z' });
  // Act
  await store.put(record);
  // Assess
  expect(await store.latestByDigest(record.digest ?? '')).toEqual(record);
});

it('archscan history lists a repository through the command line', async () => {
  // Prepare
  const tableName = uniqueTableName('cli');
  await createArchscanTable(dynamo.client, tableName);
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_AWS.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_AWS.credentials.secretAccessKey);
  const store = openHistoryStore({
    tableName,
    region: LOCAL_AWS.region,
    endpoint: dynamo.endpoint,
  });
  const record = makeRecord({ scannedAt: '2026-11-25T10:00:00.000Z' });
  await store.put(record);
  let stdout = '';
  const io = {
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
    },
    stderr: { write: () => true },
    env: { ARCHSCAN_TABLE: tableName },
  };
  // Act
  const code = await run(
    [
      'history',
      '--region',
      LOCAL_AWS.region,
      '--endpoint',
      dynamo.endpoint,
      '--registry',
      record.registry,
      '--repository',
      record.repository,
      '--format',
      'json',
    ],
    io
  );
  // Assess
  expect(code).toBe(0);
  expect(
    JSON.parse(stdout).items.map((s: { scanId: string }) => s.scanId)
  ).toEqual([record.scanId]);
});

it('archscan history without a table says how to name it', async () => {
  let stderr = '';
  const code = await run(['history', '--repository', 'a'], {
    stdout: { write: () => true },
    stderr: {
      write: (s: string) => {
        stderr += s;
      },
    },
    env: {},
  });
  expect(code).toBe(2);
  expect(stderr).toMatch(/needs --table \(or ARCHSCAN_TABLE\)/);
});
