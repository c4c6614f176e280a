/**
 * Path normalization for tar entries and link targets (image-spec
 * `layer.md`: normalize `./`, leading `/` and `..`; reject entries that
 * escape the root). Every path archscan stores is absolute and clean.
 */

/** Linux PATH_MAX: longer entry paths are skipped with a warning. */
export const MAX_PATH_LENGTH = 4096;

/**
 * Normalizes a path to absolute clean form, resolving `.` and `..`
 * lexically. Returns undefined when `..` would climb above the root.
 *
 * @example normalizePath('./usr//bin/../lib/') // '/usr/lib'
 */
export function normalizePath(path: string, base = '/'): string | undefined {
  const parts: string[] = [];
  const input = path.startsWith('/') ? path : `${base}/${path}`;
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The parent directory of a normalized path (`/` for top-level names). */
export function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last component of a normalized path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Splits a normalized path into its components (`/` gives none). */
export function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}
