import { describe, expect, it } from 'vitest';
import { FanoutNotifier } from '../../../../lib/adapters/notify/fanout-notifier.js';
import { NotifyError } from '../../../../lib/engine/errors.js';
import type { Notification, Notifier } from '../../../../lib/ports/notifier.js';
import { RecordingNotifier } from '../../../support/fakes/recording-notifier.js';
import { makeRecord } from '../../../support/notify-records.js';

const NOTIFICATION: Notification = { record: makeRecord() };

/** A channel that always fails with `error`, counting its calls. */
class FailingNotifier implements Notifier {
  calls = 0;
  constructor(private readonly error: unknown) {}
  async notify(): Promise<void> {
    this.calls++;
    throw this.error;
  }
}

function recordErrors() {
  const reported: { channel: string; error: unknown }[] = [];
  return {
    reported,
    onError: (channel: string, error: unknown) => {
      reported.push({ channel, error });
    },
  };
}

describe('FanoutNotifier', () => {
  it('delivers to every channel', async () => {
    // Prepare
    const [a, b] = [new RecordingNotifier(), new RecordingNotifier()];
    const { reported, onError } = recordErrors();
    const fanout = new FanoutNotifier(
      [
        { name: 'log', notifier: a },
        { name: 'smtp', notifier: b },
      ],
      onError
    );

    // Act
    await fanout.notify(NOTIFICATION);

    // Assess
    expect(a.sent).toEqual([NOTIFICATION]);
    expect(b.sent).toEqual([NOTIFICATION]);
    expect(reported).toEqual([]);
    expect(fanout.names).toEqual(['log', 'smtp']);
  });

  it('reports a failed channel and resolves, so a retry cannot repeat the others', async () => {
    // Prepare
    const delivered = new RecordingNotifier();
    const failure = new NotifyError('slack webhook answered 500', {
      retryable: true,
    });
    const failing = new FailingNotifier(failure);
    const { reported, onError } = recordErrors();
    const fanout = new FanoutNotifier(
      [
        { name: 'slack', notifier: failing },
        { name: 'log', notifier: delivered },
      ],
      onError
    );

    // Act
    await fanout.notify(NOTIFICATION);

    // Assess
    expect(delivered.sent).toEqual([NOTIFICATION]);
    expect(failing.calls).toBe(1);
    expect(reported).toEqual([{ channel: 'slack', error: failure }]);
  });

  it('throws only when every channel failed, naming each', async () => {
    // Prepare
    const { reported, onError } = recordErrors();
    const fanout = new FanoutNotifier(
      [
        {
          name: 'smtp',
          notifier: new FailingNotifier(
            new NotifyError('smtp server refused the login', {
              retryable: false,
            })
          ),
        },
        {
          name: 'webhook[0]',
          notifier: new FailingNotifier(
            new NotifyError('webhook answered 503', { retryable: true })
          ),
        },
      ],
      onError
    );

    // Act
    const error = (await fanout
      .notify(NOTIFICATION)
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.message).toBe(
      'every notification channel failed (smtp: smtp server refused the login; webhook[0]: webhook answered 503)'
    );
    expect(error.retryable).toBe(true);
    expect(error.diagnostics).toEqual(['smtp', 'webhook[0]']);
    expect(reported).toEqual([]);
  });

  it('is not retryable when every failure is permanent', async () => {
    // Prepare
    const fanout = new FanoutNotifier(
      [
        {
          name: 'webhook[0]',
          notifier: new FailingNotifier(
            new NotifyError('webhook answered 400', { retryable: false })
          ),
        },
      ],
      () => undefined
    );

    // Act
    const error = (await fanout
      .notify(NOTIFICATION)
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.retryable).toBe(false);
  });

  it('wraps failures that are not our errors', async () => {
    // Prepare
    const fanout = new FanoutNotifier(
      [{ name: 'custom', notifier: new FailingNotifier('a string') }],
      () => undefined
    );

    // Act
    const error = (await fanout
      .notify(NOTIFICATION)
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error.message).toBe(
      'every notification channel failed (custom: unexpected failure: a string)'
    );
    expect(error.retryable).toBe(true);
  });

  it('still resolves when the error handler itself throws', async () => {
    // Prepare
    const delivered = new RecordingNotifier();
    const fanout = new FanoutNotifier(
      [
        { name: 'bad', notifier: new FailingNotifier(new Error('x')) },
        { name: 'log', notifier: delivered },
      ],
      () => {
        throw new Error('handler broke');
      }
    );

    // Act
    await fanout.notify(NOTIFICATION);

    // Assess
    expect(delivered.sent).toHaveLength(1);
  });

  it('does nothing without channels', async () => {
    await expect(
      new FanoutNotifier([], () => undefined).notify(NOTIFICATION)
    ).resolves.toBeUndefined();
  });
});
