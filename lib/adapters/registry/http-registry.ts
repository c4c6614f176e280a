/**
 * `HttpRegistry`: the `Registry` port over the OCI distribution API
 * (distribution-spec "Pulling manifests", "Pulling blobs";
 * reference/oci-and-registries.md §1). Manifests are read whole but never
 * past `MAX_MANIFEST_BYTES`; blobs stream in large chunks and resume after
 * cut connections. Authentication, redirects and retries live in
 * `auth.ts`, `transport.ts` and `retry.ts`.
 */
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import { ConfigError } from '../../engine/errors.js';
import {
  type Descriptor,
  MAX_MANIFEST_BYTES,
} from '../../engine/manifest/manifest.js';
import { MANIFEST_ACCEPT } from '../../engine/media-types.js';
import type {
  BlobOptions,
  FetchOptions,
  ManifestResponse,
  Registry,
} from '../../ports/registry.js';
import type { RegistryAuth } from '../../ports/registry-auth.js';
import { Authenticator } from './auth.js';
import { streamBlob } from './blob-stream.js';
import { headerValue, readCapped } from './body.js';
import { isLoopbackHost } from './hosts.js';
import { connectionError } from './registry-errors.js';
import {
  type RetryOptions,
  type RetryPolicy,
  resolveRetry,
  retry,
} from './retry.js';
import { Transport } from './transport.js';

/** Sent as `User-Agent` unless the caller names itself. */
export const DEFAULT_USER_AGENT = 'archscan/0.1';

/** Settings for one registry host. */
export interface HttpRegistryOptions {
  /** `host[:port]`, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  readonly registry: string;
  /** Where credentials come from; anonymous when absent. */
  readonly auth?: RegistryAuth;
  /**
   * Allow plain HTTP. Defaults to true only for loopback hosts
   * (127.0.0.0/8, ::1, localhost); everything else uses https.
   */
  readonly insecure?: boolean;
  readonly retry?: RetryOptions;
  /** undici dispatcher (tests pass their own); defaults to the global one. */
  readonly dispatcher?: Dispatcher;
  /** `User-Agent` header value. */
  readonly userAgent?: string;
  /** Clock in ms since the epoch, for token expiry and dated `Retry-After`. */
  readonly now?: () => number;
}

const HOST_GRAMMAR =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const REPOSITORY_GRAMMAR =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * A registry reached over HTTP(S).
 *
 * @example
 * const registry = new HttpRegistry({ registry: 'ghcr.io', auth });
 * const { bytes, mediaType } = await registry.getManifest('org/app', 'v1');
 * for await (const chunk of registry.getBlob('org/app', layer)) hash.update(chunk);
 */
export class HttpRegistry implements Registry {
  readonly name: string;
  private readonly transport: Transport;
  private readonly policy: RetryPolicy;

  constructor(options: HttpRegistryOptions) {
    if (!HOST_GRAMMAR.test(options.registry)) {
      throw new ConfigError(
        `invalid registry host ${JSON.stringify(options.registry)}: give host[:port] without a scheme or path`
      );
    }
    this.name = options.registry;
    this.policy = resolveRetry({ now: options.now, ...options.retry });
    const insecure = options.insecure ?? isLoopbackHost(options.registry);
    const dispatcher = options.dispatcher ?? getGlobalDispatcher();
    const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const now = this.policy.now;
    this.transport = new Transport({
      registry: options.registry,
      baseUrl: new URL(`${insecure ? 'http' : 'https'}://${options.registry}`),
      dispatcher,
      userAgent,
      now,
      authenticator: new Authenticator({
        registry: options.registry,
        auth: options.auth,
        dispatcher,
        userAgent,
        now,
      }),
    });
  }

  /**
   * Fetches a manifest or index by tag or digest, bytes exactly as sent.
   *
   * @throws RegistryError for error statuses and failed connections,
   *   LimitExceededError when the body passes `MAX_MANIFEST_BYTES`.
   */
  async getManifest(
    repository: string,
    reference: string,
    options: FetchOptions = {}
  ): Promise<ManifestResponse> {
    checkRepository(repository);
    if (!TAG_GRAMMAR.test(reference) && !DIGEST_GRAMMAR.test(reference)) {
      throw new ConfigError(
        `invalid tag or digest ${JSON.stringify(reference)}: use a tag like v1.2 or a digest like sha256:…`
      );
    }
    const { signal } = options;
    const what = `manifest ${reference}`;
    return retry(this.policy, signal, async () => {
      const attempt = await this.transport.attempt({
        repository,
        path: `/v2/${repository}/manifests/${reference}`,
        what,
        headers: { accept: MANIFEST_ACCEPT },
        signal,
      });
      if (!('value' in attempt)) return attempt;
      const { headers, body } = attempt.value;
      const bytes = await readCapped(
        body,
        MAX_MANIFEST_BYTES,
        headerValue(headers, 'content-length'),
        `${what} of ${this.name}/${repository}`
      ).catch((error: unknown) => {
        throw connectionError(error, this.name, signal);
      });
      const digest = headerValue(headers, 'docker-content-digest');
      const value: ManifestResponse = {
        bytes,
        mediaType: mediaTypeOf(headerValue(headers, 'content-type')),
        ...(digest ? { digest } : {}),
      };
      return { value };
    });
  }

  /**
   * Streams a blob; resumes after cut connections and never yields more
   * than `descriptor.size` bytes.
   *
   * @throws RegistryError, SizeMismatchError (blob longer than its
   *   descriptor), ScannerError `aborted`.
   */
  getBlob(
    repository: string,
    descriptor: Descriptor,
    options: BlobOptions = {}
  ): AsyncIterable<Uint8Array> {
    checkRepository(repository);
    if (!DIGEST_GRAMMAR.test(descriptor.digest)) {
      throw new ConfigError(
        `invalid blob digest ${JSON.stringify(descriptor.digest)}: expected algorithm:hex`
      );
    }
    return streamBlob({
      transport: this.transport,
      policy: this.policy,
      registry: this.name,
      repository,
      descriptor,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }
}

function checkRepository(repository: string): void {
  if (!REPOSITORY_GRAMMAR.test(repository) || repository.length > 255) {
    throw new ConfigError(
      `invalid repository name ${JSON.stringify(repository)}: use lower-case path components like team/app`
    );
  }
}

/** `Content-Type` without parameters, which the spec says to ignore. */
function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim() ?? '';
}
