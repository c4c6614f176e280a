import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  redactSmtpUrl,
  SmtpNotifier,
} from '../../../../lib/adapters/notify/smtp-notifier.js';
import { NotifyError } from '../../../../lib/engine/errors.js';
import {
  formatEmail,
  formatSubject,
  headlineOf,
} from '../../../../lib/engine/notify/email-text.js';
import { binaryFinding, makeRecord } from '../../../support/notify-records.js';

const USER = 'archscan';
const PASSWORD = 'S3cret/pass word';
const HISTORY_URL = 'http://127.0.0.1:8080/scans/sha256:7f5b';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** An SMTP server on 127.0.0.1 that requires a login and records every message. */
async function startSmtpServer() {
  const received: Received[] = [];
  let refuseData: { code: number; text: string } | undefined;
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain text on loopback: the test is about the SMTP exchange, not TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) {
        callback(null, { user: USER });
        return;
      }
      callback(smtpError(535, 'authentication failed'));
    },
    onRcptTo(address, _session, callback) {
      callback(
        address.address.startsWith('nobody@')
          ? smtpError(550, `no mailbox ${address.address}`)
          : null
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refuseData) {
          callback(smtpError(refuseData.code, refuseData.text));
          return;
        }
        const from = session.envelope.mailFrom;
        received.push({
          from: from ? from.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve())
  );
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    received,
    refuse(next: { code: number; text: string } | undefined) {
      refuseData = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Header value (unfolded) and decoded text body of a raw message. */
function parseMessage(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]/g, ' ');
  const header = (name: string) =>
    new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim();
  const encoded = raw.slice(split + 4);
  const encoding = header('Content-Transfer-Encoding')?.toLowerCase();
  const body =
    encoding === 'quoted-printable'
      ? Buffer.from(
          encoded
            .replace(/=\r\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, hex: string) =>
              String.fromCharCode(Number.parseInt(hex, 16))
            ),
          'latin1'
        ).toString('utf8')
      : encoding === 'base64'
        ? Buffer.from(encoded, 'base64').toString('utf8')
        : encoded;
  return { header, body: body.replace(/\r\n/g, '\n') };
}

describe('SmtpNotifier against a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let url: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    url = `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`;
  });

  afterAll(async () => {
    await smtp.close();
  });

  beforeEach(() => {
    smtp.received.length = 0;
    smtp.refuse(undefined);
  });

  const record = makeRecord({ findings: [binaryFinding()] });

  it('logs in and mails the findings text to every recipient', async () => {
    // Prepare
    const notifier = new SmtpNotifier({
      url,
      from: 'archscan <archscan@example.com>',
      to: ['team@example.com', 'oncall@example.com'],
    });

    // Act
    await notifier.notify({ record, historyUrl: HISTORY_URL });

    // Assess
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.from).toBe('archscan@example.com');
    expect(mail?.to).toEqual(['team@example.com', 'oncall@example.com']);
    const { header, body } = parseMessage(mail?.raw ?? '');
    expect(header('Subject')).toBe(formatSubject(headlineOf(record)));
    expect(header('Subject')).toContain('team/my-api:1.4.0 failed (1 error)');
    expect(header('To')).toBe('team@example.com, oncall@example.com');
    expect(body.trimEnd()).toBe(
      formatEmail({ record, historyUrl: HISTORY_URL }).body.trimEnd()
    );
    expect(body).toContain(
      '[error] binary-arch-mismatch: /usr/local/bin/app is linux/amd64, expected linux/arm64 (entrypoint)'
    );
    expect(body).toContain(`Full report: ${HISTORY_URL}`);
  });

  it('reports a refused login without the password, not retryable', async () => {
    // Prepare
    const wrong = 'Wr0ng/pass word';
    const notifier = new SmtpNotifier({
      url: `smtp://${USER}:${encodeURIComponent(wrong)}@127.0.0.1:${smtp.port}`,
      from: 'archscan@example.com',
      to: ['team@example.com'],
    });

    // Act
    const error = (await notifier
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      new RegExp(
        `^smtp server smtp://127\\.0\\.0\\.1:${smtp.port} refused the login: check the user and password in the smtp url \\(EAUTH: .*535`
      )
    );
    const everything = JSON.stringify({ ...error, message: error.message });
    for (const secret of [wrong, encodeURIComponent(wrong)]) {
      expect(everything).not.toContain(secret);
    }
    expect(error.cause).toBeUndefined();
    expect(smtp.received).toEqual([]);
  });

  it('reports a refused recipient as permanent, naming the settings', async () => {
    // Prepare
    const notifier = new SmtpNotifier({
      url,
      from: 'archscan@example.com',
      to: ['nobody@example.com'],
    });

    // Act
    const error = (await notifier
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      'refused the sender or a recipient: check notify.smtp.from and notify.smtp.to'
    );
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(encodeURIComponent(PASSWORD));
  });

  it('reports a temporary refusal (4xx) as retryable, and a 5xx as not', async () => {
    // Prepare
    const notifier = new SmtpNotifier({
      url,
      from: 'archscan@example.com',
      to: ['team@example.com'],
    });

    // Act
    smtp.refuse({ code: 451, text: 'try again later' });
    const soft = (await notifier
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;
    smtp.refuse({ code: 554, text: 'message rejected as spam' });
    const hard = (await notifier
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(soft).toMatchObject({ status: 451, retryable: true });
    expect(soft.message).toContain('could not take the message now');
    expect(soft.message).toContain('try again later');
    expect(hard).toMatchObject({ status: 554, retryable: false });
    expect(hard.message).toContain('refused the message');
    expect(hard.message).toContain('message rejected as spam');
  });

  it('reports an unreachable server as retryable, without the password', async () => {
    // Prepare
    const closed = await startSmtpServer();
    await closed.close();
    const notifier = new SmtpNotifier({
      url: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${closed.port}`,
      from: 'archscan@example.com',
      to: ['team@example.com'],
    });

    // Act
    const error = (await notifier
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `smtp server smtp://127.0.0.1:${closed.port} could not take the message now (ESOCKET)`
    );
  });
});

describe('redactSmtpUrl', () => {
  it.each([
    ['smtp://me:pw@mail.example.com:587', 'smtp://mail.example.com:587'],
    ['smtps://me:pw@mail.example.com', 'smtps://mail.example.com'],
    ['not a url', '(invalid smtp url)'],
  ])('%s → %s', (input, expected) => {
    expect(redactSmtpUrl(input)).toBe(expected);
  });
});
