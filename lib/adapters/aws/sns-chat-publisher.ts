/**
 * `SnsChatPublisher`: sends Amazon Q Developer custom notifications to the
 * dedicated chat topic (reference aws-notifications.md §2.3). The whole
 * message body is the notification JSON, which is why this is a topic of its
 * own: the findings topic's body is the email text (§1.1).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ChatNotification } from '../../engine/notify/chat-notification.js';
import { toNotifyError } from './sns-notifier.js';

/** How to build an `SnsChatPublisher`. */
export interface SnsChatPublisherOptions {
  /** Built once by the composition root. */
  readonly client: SNSClient;
  /** The topic mapped to a chat channel configuration. */
  readonly topicArn: string;
}

/**
 * Publishes chat notifications; the SDK client's own retries apply.
 *
 * @example
 * const chat = new SnsChatPublisher({ client: new SNSClient({}), topicArn });
 * await chat.publish(buildChatNotification(summary));
 */
export class SnsChatPublisher {
  readonly #options: SnsChatPublisherOptions;

  constructor(options: SnsChatPublisherOptions) {
    this.#options = options;
  }

  /** @throws NotifyError when SNS refuses the message or cannot be reached. */
  async publish(notification: ChatNotification): Promise<void> {
    try {
      await this.#options.client.send(
        new PublishCommand({
          TopicArn: this.#options.topicArn,
          Message: JSON.stringify(notification),
        })
      );
    } catch (error) {
      throw toNotifyError(error, this.#options.topicArn);
    }
  }
}
