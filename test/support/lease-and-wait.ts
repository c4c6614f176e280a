/**
 * A process that queues two jobs in the embedded store at `argv[2]`,
 * leases the first, prints its id, and waits to be killed: the crash
 * half of the queue's crash-and-restart test.
 */
import { DynamoJobQueue } from '../../lib/adapters/local/dynamo-job-queue.js';
import { startEmbeddedDynamo } from '../../lib/adapters/local/embedded-dynamo.js';
import type { ScanRequest } from '../../lib/engine/history/scan-request.js';

const dir = process.argv[2];
if (!dir) throw new TypeError('usage: lease-and-wait.ts <dir>');
const dynamo = await startEmbeddedDynamo({ dir });
const queue = new DynamoJobQueue(dynamo);
for (const repository of ['child/leased', 'child/queued']) {
  const request: ScanRequest = {
    version: 1,
    source: 'webhook',
    registry: 'registry.example.com',
    repository,
    receivedAt: new Date().toISOString(),
  };
  await queue.send(request);
}
const [job] = await queue.receive(1, 3600);
process.stdout.write(`${job?.id}\n`);
// Keep running until killed.
setInterval(() => {}, 60_000);
