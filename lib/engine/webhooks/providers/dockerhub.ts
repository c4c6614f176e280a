/**
 * Docker Hub repository webhooks (reference/oci-and-registries.md §7.1,
 * https://docs.docker.com/docker-hub/repos/manage/webhooks/). Docker Hub
 * sends one POST per tag push with `repository.repo_name` and
 * `push_data.tag`, but no digest: the scan resolves the tag itself. It
 * signs nothing and sends no configurable header, so the only credential
 * is an unguessable `?token=` in the webhook URL.
 */
import { z } from 'zod';
import { ConfigError, WebhookError } from '../../errors.js';
import {
  DOCKER_HUB,
  parseRegistryReference,
} from '../../reference/reference.js';
import type {
  ParsedDelivery,
  PushedImage,
  WebhookDelivery,
  WebhookProvider,
} from '../types.js';
import { bodyDigest, readJson, requireUrlToken } from '../verify.js';
import { withoutCredentials } from './payload-checks.js';

const NAME = 'dockerhub';

/** Latest second `Date` can hold comfortably (9999-12-31T23:59:59Z). */
const MAX_UNIX_SECONDS = 253_402_300_799;

/** The fields archscan uses; everything else in the payload is ignored. */
const payloadSchema = z.object({
  push_data: z.object({
    tag: z.string().min(1),
    /** Unix seconds; older payloads send it as a float. */
    pushed_at: z.number().min(0).max(MAX_UNIX_SECONDS).optional(),
  }),
  repository: z.object({ repo_name: z.string().min(1) }),
});

/**
 * Docker Hub: `POST /webhooks/dockerhub?token=<secret>`, one tag per delivery.
 *
 * @example
 * await dockerHub.authenticate(delivery, { secret: 'long-random-token' });
 * dockerHub.parse(delivery);
 * // { kind: 'push', images: [{ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }], … }
 */
export const dockerHub: WebhookProvider = {
  name: NAME,
  title: 'Docker Hub',
  docs: 'https://docs.docker.com/docker-hub/repos/manage/webhooks/',
  auth: 'url-token',

  async authenticate(delivery, credentials) {
    requireUrlToken(delivery, credentials.secret, NAME);
  },

  parse(delivery: WebhookDelivery): ParsedDelivery {
    const result = payloadSchema.safeParse(readJson(delivery, NAME));
    if (!result.success) throw invalidPayload(result.error);
    const { push_data: push, repository } = result.data;
    const image = pushedImage(repository.repo_name, push.tag);
    // pushed_at makes each body unique, so its digest names the delivery;
    // without it two pushes of one tag would look like a replay.
    if (push.pushed_at === undefined) {
      return { kind: 'push', images: [image], ignored: 0 };
    }
    return {
      kind: 'push',
      images: [image],
      deliveryId: bodyDigest(delivery.body),
      sentAt: new Date(push.pushed_at * 1000),
      ignored: 0,
    };
  },
};

/**
 * The image a push names. Official images arrive as `nginx` or
 * `library/nginx`; both become `library/nginx`, the form the scan uses.
 */
function pushedImage(repoName: string, tag: string): PushedImage {
  try {
    const ref = parseRegistryReference(`${DOCKER_HUB}/${repoName}:${tag}`);
    return { registry: DOCKER_HUB, repository: ref.repository, tag };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new WebhookError(
      400,
      `${NAME} delivery names no valid image: ${withoutCredentials(error.message)}`
    );
  }
}

function invalidPayload(error: z.ZodError): WebhookError {
  const issue = error.issues[0];
  const where = issue?.path.map(String).join('.') || 'body';
  const why = issue ? lowerFirst(issue.message) : 'unexpected shape';
  return new WebhookError(
    400,
    `${NAME} delivery is not a Docker Hub push payload: ${where}: ${why}`
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
