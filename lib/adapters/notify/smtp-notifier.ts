/**
 * E-mail notifications of `archscan serve` through an SMTP server
 * (`smtp://user:pass@host:587`, STARTTLS when offered, or `smtps://` for
 * implicit TLS), sent with nodemailer. The subject and body are the same
 * text SNS e-mail subscribers get (`lib/engine/notify/email-text.ts`). The
 * URL holds the password: errors name the server as `smtp://host:port`
 * and never carry the URL, the credentials or nodemailer's error object.
 */
import { createTransport, type NodemailerError } from 'nodemailer';
import { NotifyError } from '../../engine/errors.js';
import { formatEmail } from '../../engine/notify/email-text.js';
import type { Notification, Notifier } from '../../ports/notifier.js';

/** Options of {@link SmtpNotifier}. */
export interface SmtpNotifierOptions {
  /** `smtp://user:pass@host:587` or `smtps://user:pass@host:465` (a secret). */
  readonly url: string;
  /** Sender: `archscan <archscan@example.com>`. */
  readonly from: string;
  readonly to: readonly string[];
  /** Time allowed to connect, greet and each socket read, in ms. */
  readonly timeoutMs?: number;
}

// Mail servers greet within seconds; half a minute means one is not there.
const DEFAULT_TIMEOUT_MS = 30_000;
// Server replies worth quoting are one line; longer ones are cut.
const MAX_RESPONSE = 200;
// Failures of the connection, not of the message: the next try may pass.
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/**
 * The server as it may be shown: scheme, host and port, no credentials.
 *
 * @example redactSmtpUrl('smtp://me:pw@mail.example.com:587') // 'smtp://mail.example.com:587'
 */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(invalid smtp url)';
  }
}

/**
 * Sends each notification as one plain-text e-mail to every recipient.
 *
 * @example
 * const smtp = new SmtpNotifier({ url: 'smtps://archscan:pw@mail.example.com', from: 'archscan@example.com', to: ['team@example.com'] });
 * await smtp.notify({ record, historyUrl });
 */
export class SmtpNotifier implements Notifier {
  readonly #transport: ReturnType<typeof createTransport>;
  readonly #secrets: string[];
  readonly #from: string;
  readonly #to: string[];
  readonly #server: string;

  constructor(options: SmtpNotifierOptions) {
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#transport = createTransport({
      url: options.url,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    this.#secrets = credentialsOf(options.url);
    this.#from = options.from;
    this.#to = [...options.to];
    this.#server = redactSmtpUrl(options.url);
  }

  /** The server as it may be shown. */
  get redactedUrl(): string {
    return this.#server;
  }

  /**
   * Sends the mail.
   *
   * @throws NotifyError naming the server and its reply; retryable for
   *   connection failures and 4xx replies, not for refused logins or 5xx.
   */
  async notify(notification: Notification): Promise<void> {
    const { subject, body } = formatEmail(notification);
    try {
      await this.#transport.sendMail({
        from: this.#from,
        to: this.#to,
        subject,
        text: body,
      });
    } catch (error) {
      throw this.#toNotifyError(error as NodemailerError);
    }
  }

  /** Closes pooled connections (none are kept by default). */
  close(): void {
    this.#transport.close();
  }

  #toNotifyError(error: NodemailerError): NotifyError {
    const code = typeof error?.code === 'string' ? error.code : 'EUNKNOWN';
    const reply = this.#scrub(error?.response ?? '');
    const status = error?.responseCode;
    const retryable =
      typeof error?.permanent === 'boolean'
        ? !error.permanent && code !== 'EAUTH'
        : TRANSIENT_CODES.has(code);
    const what =
      code === 'EAUTH'
        ? 'refused the login: check the user and password in the smtp url'
        : code === 'EENVELOPE'
          ? 'refused the sender or a recipient: check notify.smtp.from and notify.smtp.to'
          : retryable
            ? 'could not take the message now'
            : 'refused the message';
    return new NotifyError(
      `smtp server ${this.#server} ${what} (${code}${reply ? `: ${reply}` : ''})`,
      {
        ...(status !== undefined ? { status } : {}),
        diagnostics: [code],
        retryable,
      }
    );
  }

  /** The server's reply, one line, cut, without the password. */
  #scrub(text: string): string {
    let clean = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
    for (const secret of this.#secrets) clean = clean.split(secret).join('…');
    return clean.length > MAX_RESPONSE
      ? `${clean.slice(0, MAX_RESPONSE)}…`
      : clean;
  }
}

/** The password of the URL, raw and decoded, to scrub from replies. */
function credentialsOf(url: string): string[] {
  try {
    const { password } = new URL(url);
    if (!password) return [];
    let decoded = password;
    try {
      decoded = decodeURIComponent(password);
    } catch {
      // A malformed escape: the raw form is all there is.
    }
    // Longest first, so neither form leaves part of the other behind.
    return [...new Set([password, decoded])].sort(
      (a, b) => b.length - a.length
    );
  } catch {
    return [];
  }
}
