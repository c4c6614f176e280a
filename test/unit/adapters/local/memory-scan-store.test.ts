import { expect, it } from 'vitest';
import { MemoryScanStore } from '../../../../lib/adapters/local/memory-scan-store.js';
import { makeRecord } from '../../../support/scan-records.js';
import { scanStoreContract } from '../../../support/scan-store-contract.js';

scanStoreContract(
  'MemoryScanStore',
  async (clock) => new MemoryScanStore({ clock })
);

it('copies records in and out, so callers cannot change what is stored', async () => {
  // Prepare
  const store = new MemoryScanStore();
  const record = makeRecord({ scannedAt: '2026-11-25T10:00:00.000Z' });
  await store.put(record);
  // Act
  (record.platforms as string[]).push('linux/riscv64');
  const got = await store.get(
    record.registry,
    record.repository,
    record.scanId
  );
  got?.platforms.push('linux/s390x');
  // Assess
  const again = await store.get(
    record.registry,
    record.repository,
    record.scanId
  );
  expect(again?.platforms).toEqual(['linux/amd64']);
  expect(store.size).toBe(1);
});
