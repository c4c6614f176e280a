/** Human-readable sizes and durations for the table and progress output. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** `1536000` → `1.5 MB` (decimal units, as registries and `docker images` show). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `1234` → `1.2 s`, `450` → `450 ms`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `sha256:0123456789abcdef…` → `sha256:0123456789ab`. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '-';
  const colon = digest.indexOf(':');
  return digest.slice(0, colon + 13);
}
