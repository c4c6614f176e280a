/**
 * The image's final filesystem, built by applying layer facts in order the
 * way a container runtime does (image-spec `layer.md` §Applying changesets):
 * opaque directories and whiteouts hide lower-layer content, a later entry
 * replaces an earlier one (directory over directory keeps the children),
 * hard links share their target's content. Only metadata is held.
 */
import type { ProbeResult } from '../binary/types.js';
import type { LayerFacts } from '../layer/facts.js';
import { basename, components, dirname } from '../layer/paths.js';
import { resolvePath } from './resolve.js';

/** File content shared by every hard link of one file. */
export interface FileContent {
  readonly size: number;
  readonly probe?: ProbeResult;
  /** Layer digest the content comes from. */
  readonly layer: string;
  /** Where it was first written: `[layer index, entry index]`, to report a hard-link group once. */
  readonly order: readonly [number, number];
  /** The tar path of its first entry. */
  readonly firstPath: string;
}

export type Node =
  | {
      readonly type: 'dir';
      readonly mode: number;
      readonly children: Map<string, Node>;
    }
  | {
      readonly type: 'file';
      readonly mode: number;
      readonly content: FileContent;
    }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'other' };

/** The merged filesystem of an image. */
export class FileTree {
  readonly root: Node & { type: 'dir' } = {
    type: 'dir',
    mode: 0o755,
    children: new Map(),
  };
  /** Recoverable oddities met while applying layers. */
  readonly warnings: string[] = [];

  /** Applies one layer's facts on top of what is there. */
  apply(facts: LayerFacts, layerIndex: number): void {
    for (const dir of facts.opaqueDirs) {
      const node = this.getEntry(dir);
      if (node?.type === 'dir') node.children.clear();
    }
    for (const path of facts.whiteouts) this.remove(path);
    facts.entries.forEach((entry, entryIndex) => {
      switch (entry.type) {
        case 'dir':
          this.mkdir(entry.path, entry.mode);
          return;
        case 'file':
          this.put(entry.path, {
            type: 'file',
            mode: entry.mode,
            content: {
              size: entry.size,
              layer: facts.digest,
              order: [layerIndex, entryIndex],
              firstPath: entry.path,
              ...(entry.probe ? { probe: entry.probe } : {}),
            },
          });
          return;
        case 'symlink':
          this.put(entry.path, { type: 'symlink', target: entry.link ?? '' });
          return;
        case 'hardlink': {
          const target = this.getEntry(entry.link ?? '');
          if (target?.type !== 'file') {
            this.warnings.push(
              `hard link ${entry.path} points to ${entry.link}, which is not a regular file in the image`
            );
            return;
          }
          this.put(entry.path, {
            type: 'file',
            mode: target.mode,
            content: target.content,
          });
          return;
        }
        default:
          this.put(entry.path, { type: 'other' });
      }
    });
  }

  /** The node at a path, following no symlinks. */
  getLiteral(path: string): Node | undefined {
    let node: Node = this.root;
    for (const part of components(path)) {
      if (node.type !== 'dir') return undefined;
      const next = node.children.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /** Every regular file, with one of its paths, depth first. */
  *files(): Generator<{ path: string; node: Node & { type: 'file' } }> {
    const stack: [string, Node][] = [['', this.root]];
    while (stack.length) {
      const [path, node] = stack.pop()!;
      if (node.type === 'file') yield { path, node };
      else if (node.type === 'dir') {
        for (const [name, child] of node.children)
          stack.push([`${path}/${name}`, child]);
      }
    }
  }

  /**
   * The directory an entry lands in, following symlinks in the parent path
   * the way containerd's applier does (usrmerge: `/bin -> usr/bin`), and
   * creating directories a tar leaves implicit.
   */
  private parentDir(path: string): (Node & { type: 'dir' }) | undefined {
    let node: Node & { type: 'dir' } = this.root;
    let at = '';
    for (const part of components(dirname(path))) {
      at = `${at}/${part}`;
      let next = node.children.get(part);
      if (next?.type === 'symlink') {
        const resolved = resolvePath(this, at);
        next = resolved.ok ? resolved.node : undefined;
        if (next?.type === 'dir') {
          node = next;
          continue;
        }
      }
      if (next?.type !== 'dir') {
        next = { type: 'dir', mode: 0o755, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    return node;
  }

  /** The node at `path`, following symlinks in its parents but not in its last component. */
  private getEntry(path: string): Node | undefined {
    const parent = this.parentLookup(path);
    return parent?.children.get(basename(path));
  }

  private parentLookup(path: string): (Node & { type: 'dir' }) | undefined {
    const resolved = resolvePath(this, dirname(path));
    return resolved.ok && resolved.node.type === 'dir'
      ? resolved.node
      : undefined;
  }

  private mkdir(path: string, mode: number): void {
    const parent = this.parentDir(path);
    const name = basename(path);
    const existing = parent?.children.get(name);
    if (existing?.type === 'dir') {
      parent?.children.set(name, {
        type: 'dir',
        mode,
        children: existing.children,
      });
      return;
    }
    parent?.children.set(name, { type: 'dir', mode, children: new Map() });
  }

  private put(path: string, node: Node): void {
    this.parentDir(path)?.children.set(basename(path), node);
  }

  private remove(path: string): void {
    this.parentLookup(path)?.children.delete(basename(path));
  }
}
