import { expect, it } from 'vitest';
import { MemoryClaimStore } from '../../../../lib/adapters/local/memory-claim-store.js';
import { claimStoreContract } from '../../../support/claim-store-contract.js';
import { TestClock } from '../../../support/fakes/test-clock.js';

claimStoreContract(
  'MemoryClaimStore',
  async (clock) => new MemoryClaimStore(clock)
);

it('lists only live claims, forgetting expired ones', async () => {
  // Prepare
  const clock = new TestClock();
  const claims = new MemoryClaimStore(clock);
  await claims.claim('image:old', 5);
  clock.advance(3);
  await claims.claim('image:new', 5);
  // Act
  clock.advance(4);
  const active = claims.active();
  // Assess
  expect(active).toEqual(['image:new']);
});
