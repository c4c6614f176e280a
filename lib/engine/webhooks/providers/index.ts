/**
 * Every provider archscan accepts webhooks from, by the name used in
 * `POST /webhooks/{provider}`. GitLab's self-managed registry sends
 * Distribution notifications, so it uses `distribution`.
 */
import type { ProviderName, WebhookProvider } from '../types.js';
import { acr } from './acr.js';
import { distribution } from './distribution.js';
import { dockerHub } from './dockerhub.js';
import { gar } from './gar.js';
import { ghcr } from './ghcr.js';
import { harbor } from './harbor.js';
import { jfrog } from './jfrog.js';
import { quay } from './quay.js';

export const PROVIDERS: Readonly<Record<ProviderName, WebhookProvider>> =
  Object.freeze({
    distribution,
    dockerhub: dockerHub,
    harbor,
    ghcr,
    quay,
    acr,
    gar,
    jfrog,
  });
