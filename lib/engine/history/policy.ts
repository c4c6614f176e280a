/**
 * Expected platforms per repository: ordered rules whose `pattern` matches
 * the repository name (`*` matches any run of characters, `/` included),
 * first match wins. A rule with no platforms means "whatever the index
 * declares", so every binary is still judged.
 */
import { type Platform, parsePlatformList } from '../platform/platform.js';

export interface PlatformRule {
  readonly pattern: string;
  readonly platforms: readonly string[];
}

function toRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/**
 * The platforms `repository` must provide, or undefined for "as declared".
 *
 * @example expectedPlatformsFor('prod/api', [{ pattern: 'prod/*', platforms: ['linux/amd64', 'linux/arm64'] }])
 */
export function expectedPlatformsFor(
  repository: string,
  rules: readonly PlatformRule[]
): Platform[] | undefined {
  const rule = rules.find((r) => toRegExp(r.pattern).test(repository));
  if (!rule || rule.platforms.length === 0) return undefined;
  return parsePlatformList(rule.platforms.join(','));
}
