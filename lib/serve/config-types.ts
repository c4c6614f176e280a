/**
 * The validated configuration of `archscan serve`: what the config file
 * (YAML or JSON) becomes after defaults and `${ENV}` substitution
 * (`lib/serve/config.ts`). Secrets may also come from the well-known
 * variables `ARCHSCAN_SLACK_WEBHOOK_URL`, `ARCHSCAN_SMTP_URL`,
 * `ARCHSCAN_WEBHOOK_SECRET_<PROVIDER>` and `ARCHSCAN_API_TOKEN`, which win
 * over the file.
 */
import type { PlatformRule } from '../engine/history/policy.js';
import type { ProviderName } from '../engine/webhooks/types.js';

/** One provider's webhook settings. */
export interface ServeProviderConfig {
  /** HMAC key, shared header secret or URL token, depending on the provider. */
  readonly secret?: string;
  /** Pin every delivery of this provider to one registry `host[:port]` (e.g. JFrog, whose payload names none). */
  readonly registry?: string;
  /** Google Artifact Registry (Pub/Sub push) authentication. */
  readonly oidc?: {
    readonly audience: string;
    readonly email?: string;
    /** Default: Google's `https://www.googleapis.com/oauth2/v3/certs`. */
    readonly jwksUrl: string;
  };
}

export interface ServeConfig {
  /** Where the HTTP server listens; default 127.0.0.1:8080. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The URL people reach the server at, for links in notifications; default from `listen`. */
  readonly publicUrl: string;
  /**
   * History, queue and layer cache live here, absolute; default
   * `<cwd>/.archscan`. A relative path in the file is taken from the
   * file's folder.
   */
  readonly stateDir: string;
  /** History store: embedded dynalite on disk under `stateDir` (default), or a DynamoDB endpoint. */
  readonly store:
    | { readonly kind: 'embedded' }
    | {
        readonly kind: 'dynamodb';
        readonly tableName: string;
        readonly endpoint?: string;
        readonly region?: string;
      };
  /**
   * Registries the pipeline may contact (`host[:port]`, `*.suffix`
   * wildcards), lower case; default the public registries
   * (`PUBLIC_REGISTRIES` in config-fields.ts).
   */
  readonly registries: { readonly allow: readonly string[] };
  readonly webhooks: {
    /** Events for the same image within this many seconds become one scan; default 10. */
    readonly coalesceSeconds: number;
    /** Delivery ids are remembered this long; older deliveries are refused as stale; default 3600. */
    readonly replayWindowSeconds: number;
    readonly providers: Readonly<
      Partial<Record<ProviderName, ServeProviderConfig>>
    >;
  };
  readonly queue: {
    /** Scans running at once; default 2. */
    readonly concurrency: number;
    /** Tries before a request is recorded as an `error` scan; default 5. */
    readonly maxAttempts: number;
  };
  readonly scan: {
    /**
     * Missing platforms on a fresh push are re-checked after this many
     * seconds before anyone is told; default 0 (a local server answers at
     * once; the AWS pipeline waits 900).
     */
    readonly graceSeconds: number;
    /** Notify on warnings too, or on errors only (default). */
    readonly notifySeverity: 'error' | 'warning';
    /** Per-repository platform rules, first match wins; default none (as declared). */
    readonly expectedPlatforms: readonly PlatformRule[];
  };
  readonly notify: {
    /** Log every notification as one JSON line on stdout; default true. */
    readonly log: boolean;
    readonly slack?: { readonly webhookUrl: string };
    readonly smtp?: {
      /** `smtp://user:pass@host:587` or `smtps://…`. */
      readonly url: string;
      readonly from: string;
      readonly to: readonly string[];
    };
    /** Generic HTTPS webhooks: a JSON POST per notification, signed when `secret` is set. */
    readonly webhooks: readonly {
      readonly url: string;
      readonly secret?: string;
    }[];
  };
  /** Bearer token the history API requires, when set (loopback-only servers may leave it unset). */
  readonly api: { readonly token?: string };
}
