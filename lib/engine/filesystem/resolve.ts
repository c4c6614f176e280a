/**
 * Path resolution in the final filesystem as the kernel does it
 * (`path_resolution(7)`): every symlink in the path is followed, relative
 * targets from the link's directory, absolute ones from the image root, with
 * the kernel's limit of 40 links so a loop ends as "not found".
 */
import { components } from '../layer/paths.js';
import type { FileTree, Node } from './tree.js';

/** Linux gives up after 40 symbolic links (ELOOP). */
export const MAX_SYMLINKS = 40;

export type Resolved =
  | { readonly ok: true; readonly path: string; readonly node: Node }
  | {
      readonly ok: false;
      readonly reason: 'not-found' | 'loop' | 'not-a-directory';
    };

/**
 * Resolves `path` (absolute, or relative to `cwd`) through symlinks.
 *
 * @example resolvePath(tree, '/bin/sh') // { ok: true, path: '/usr/bin/dash', node }
 */
export function resolvePath(tree: FileTree, path: string, cwd = '/'): Resolved {
  const pending = components(path.startsWith('/') ? path : `${cwd}/${path}`);
  pending.reverse();
  const stack: { name: string; node: Node }[] = [];
  let links = 0;
  const current = (): Node => stack[stack.length - 1]?.node ?? tree.root;
  while (pending.length) {
    const name = pending.pop() as string;
    if (name === '.' || name === '') continue;
    if (name === '..') {
      stack.pop();
      continue;
    }
    const dir = current();
    if (dir.type !== 'dir') return { ok: false, reason: 'not-a-directory' };
    const node = dir.children.get(name);
    if (!node) return { ok: false, reason: 'not-found' };
    if (node.type === 'symlink') {
      links++;
      if (links > MAX_SYMLINKS) return { ok: false, reason: 'loop' };
      if (node.target.startsWith('/')) stack.length = 0;
      const parts = components(node.target);
      for (let i = parts.length - 1; i >= 0; i--)
        pending.push(parts[i] as string);
      continue;
    }
    stack.push({ name, node });
  }
  return {
    ok: true,
    path: `/${stack.map((s) => s.name).join('/')}`,
    node: current(),
  };
}
