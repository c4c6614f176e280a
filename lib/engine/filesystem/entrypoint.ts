/**
 * Finding the binary a container runs first, as a runtime does
 * (reference/oci-and-registries.md §5 "Entrypoint resolution"): argv is
 * Entrypoint + Cmd; a bare name is searched in the config's `PATH` (moby's
 * default when none); symlinks are resolved in the merged filesystem; a
 * `#!` script runs its interpreter (`/usr/bin/env NAME` searches `PATH`
 * again); a dynamic ELF also needs its `PT_INTERP` loader.
 */
import type { ImageConfig } from '../manifest/manifest.js';
import { type Resolved, resolvePath } from './resolve.js';
import type { FileTree } from './tree.js';

/** Docker, BuildKit and containerd use this when the image sets no PATH. */
export const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Linux follows at most 4 levels of nested interpreters (BINPRM). */
const MAX_INTERPRETER_DEPTH = 4;

export interface Entrypoint {
  /** argv as the runtime builds it. */
  readonly command: string[];
  /** The resolved path of argv[0], or null when it does not exist in the image. */
  readonly resolvedPath: string | null;
  /** Resolved paths of every file that runs at start: the program, interpreters, loaders. */
  readonly chain: string[];
}

/** Builds argv from the config: Entrypoint + Cmd, or Cmd alone. */
export function commandOf(config: ImageConfig): string[] {
  const entrypoint = config.config?.Entrypoint ?? [];
  const cmd = config.config?.Cmd ?? [];
  return entrypoint.length ? [...entrypoint, ...cmd] : [...cmd];
}

function pathOf(config: ImageConfig): string {
  for (const item of config.config?.Env ?? []) {
    if (item.startsWith('PATH=')) return item.slice(5);
  }
  return DEFAULT_PATH;
}

/** Looks a command up like Go's `exec.LookPath` with the container's PATH. */
export function lookPath(
  tree: FileTree,
  name: string,
  searchPath: string,
  cwd: string
): Resolved {
  if (name.includes('/')) return resolvePath(tree, name, cwd);
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const found = resolvePath(tree, `${dir}/${name}`, cwd);
    if (
      found.ok &&
      found.node.type === 'file' &&
      (found.node.mode & 0o111) !== 0
    )
      return found;
  }
  return { ok: false, reason: 'not-found' };
}

/** Resolves what the container runs first and every file that start-up needs. */
export function resolveEntrypoint(
  tree: FileTree,
  config: ImageConfig
): Entrypoint {
  const command = commandOf(config);
  const searchPath = pathOf(config);
  const cwd = config.config?.WorkingDir || '/';
  const first = command[0];
  if (first === undefined) return { command, resolvedPath: null, chain: [] };
  const start = lookPath(tree, first, searchPath, cwd);
  if (!start.ok) return { command, resolvedPath: null, chain: [] };
  const chain: string[] = [];
  let current: Resolved = start;
  for (let depth = 0; depth <= MAX_INTERPRETER_DEPTH && current.ok; depth++) {
    chain.push(current.path);
    const node = current.node;
    if (node.type !== 'file') break;
    const probe = node.content.probe;
    if (probe?.type === 'script') {
      current = interpreterOf(
        tree,
        probe.interpreter,
        probe.argument,
        searchPath,
        cwd,
        chain
      );
      continue;
    }
    if (probe?.type === 'binary' && probe.identity.interpreter) {
      const loader = resolvePath(tree, probe.identity.interpreter);
      if (loader.ok) chain.push(loader.path);
    }
    break;
  }
  return { command, resolvedPath: start.path, chain: [...new Set(chain)] };
}

function interpreterOf(
  tree: FileTree,
  interpreter: string,
  argument: string | undefined,
  searchPath: string,
  cwd: string,
  chain: string[]
): Resolved {
  const resolved = resolvePath(tree, interpreter, cwd);
  const isEnv = interpreter.endsWith('/env');
  const name = argument
    ?.split(/\s+/)
    .find((word) => word && !word.startsWith('-'));
  if (!isEnv || !name) return resolved;
  if (resolved.ok) chain.push(resolved.path);
  return lookPath(tree, name, searchPath, cwd);
}
