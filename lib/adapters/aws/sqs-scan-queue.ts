/**
 * `ScanQueue` on Amazon SQS. A message can be delayed by at most 900 s
 * (SQS `DelaySeconds`); callers chain sends for longer waits.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { RegistryError } from '../../engine/errors.js';
import type { ScanRequest } from '../../engine/history/scan-request.js';
import type { ScanQueue } from '../../ports/scan-queue.js';

/** SQS's own ceiling for DelaySeconds. */
const MAX_DELAY_SECONDS = 900;

export class SqsScanQueue implements ScanQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string
  ) {}

  async send(request: ScanRequest, delaySeconds = 0): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(request),
          DelaySeconds: Math.max(
            0,
            Math.min(MAX_DELAY_SECONDS, Math.round(delaySeconds))
          ),
        })
      );
    } catch (error) {
      throw new RegistryError(
        `cannot queue a scan request: ${(error as Error).message}`,
        {
          retryable: true,
          code: 'internal',
          cause: error,
        }
      );
    }
  }
}
