/**
 * Judging every native file of the final filesystem against the platform the
 * index entry declares (what a runtime selects), per DESIGN.md §Finding kinds:
 * one finding per file (a hard-link group counts once, at its first tar
 * entry), symlinks judged through the file they resolve to, the files that
 * run at start marked `entrypoint`.
 */
import type { BinaryIdentity } from '../binary/types.js';
import { resolvePath } from '../filesystem/resolve.js';
import type { FileContent, FileTree } from '../filesystem/tree.js';
import { compareArch } from '../platform/compare.js';
import { formatPlatform, type Platform } from '../platform/platform.js';
import { declaredPlatform } from './declared-platform.js';
import type { Finding, Severity } from './report.js';

export interface BinaryJudgement {
  readonly findings: Finding[];
  readonly binaries: { total: number; byArchitecture: Record<string, number> };
  readonly warnings: string[];
}

/** Paths whose ELF files are for other processors by design (device firmware). */
const FIRMWARE = /^\/(?:usr\/)?lib\/firmware\//;
/**
 * Names a Linux process loads as code whatever their mode: shared objects
 * and Node addons. (A `.exe`, `.dll` or `.dylib` is never loaded on Linux:
 * pip vendors `t64.exe`, .NET packages carry Windows DLLs.)
 */
const LOADABLE = /\.(?:so(?:\.\d+)*|node)$/;
/** glibc loads these only on CPUs of that level (`glibc-hwcaps/x86-64-v3/`). */
const HWCAPS = /\/glibc-hwcaps\/x86-64-v(\d)\//;

interface Candidate {
  path: string;
  mode: number;
  content: FileContent;
}

/** Picks one path per file content: the earliest tar entry still present. */
function distinctFiles(tree: FileTree): Candidate[] {
  const byContent = new Map<FileContent, Candidate>();
  for (const { path, node } of tree.files()) {
    const content = node.content;
    if (content.probe?.type !== 'binary') continue;
    const seen = byContent.get(content);
    const preferred =
      !seen ||
      path === content.firstPath ||
      (seen.path !== content.firstPath && path < seen.path);
    if (preferred) byContent.set(content, { path, mode: node.mode, content });
  }
  return [...byContent.values()].sort((a, b) => a.path.localeCompare(b.path));
}

export function identityLabel(identity: BinaryIdentity): string {
  if (identity.slices && identity.slices.length > 1) {
    return `${identity.os}/${identity.slices.join('+')}`;
  }
  const base = `${identity.os}/${identity.architecture}`;
  return identity.variant ? `${base}/${identity.variant}` : base;
}

/** Judges every binary in `tree` for `platform`. `entrypointChain` lists resolved paths that run at start. */
export function judgeBinaries(
  tree: FileTree,
  platform: Platform,
  entrypointChain: readonly string[]
): BinaryJudgement {
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const byArchitecture: Record<string, number> = {};
  let total = 0;
  const startContents = new Set<FileContent>();
  for (const path of entrypointChain) {
    const node = tree.getLiteral(path);
    if (node?.type === 'file') startContents.add(node.content);
  }
  for (const file of distinctFiles(tree)) {
    const probe = file.content.probe;
    if (probe?.type !== 'binary') continue;
    const identity = probe.identity;
    if (identity.dotnet === 'il') continue;
    total++;
    const label = identityLabel(identity);
    byArchitecture[label] = (byArchitecture[label] ?? 0) + 1;
    const finding = judgeOne(
      tree,
      platform,
      file,
      identity,
      startContents.has(file.content)
    );
    if (finding) findings.push(finding);
  }
  for (const { path, node } of tree.files()) {
    const probe = node.content.probe;
    if (probe?.type === 'malformed' && path === node.content.firstPath) {
      warnings.push(
        `${path}: looks like a binary but is malformed (${probe.message})`
      );
    }
  }
  return { findings, binaries: { total, byArchitecture }, warnings };
}

function judgeOne(
  tree: FileTree,
  platform: Platform,
  file: Candidate,
  identity: BinaryIdentity,
  entrypoint: boolean
): Finding | undefined {
  if (
    identity.bpf ||
    identity.kind === 'object' ||
    identity.kind === 'other' ||
    FIRMWARE.test(file.path)
  ) {
    return undefined;
  }
  const expected = formatPlatform(platform);
  const actual = identityLabel(identity);
  const base = {
    platform: expected,
    path: file.path,
    layer: file.content.layer,
    entrypoint,
  };
  const declared = declaredPlatform(file.path);
  const selfDeclared =
    declared !== undefined &&
    declared.os === identity.os &&
    (declared.architecture === identity.architecture ||
      declared.architecture === 'universal');
  const loadable =
    (file.mode & 0o111) !== 0 || LOADABLE.test(file.path) || entrypoint;
  if (identity.os !== platform.os) {
    const severity: Severity = loadable && !selfDeclared ? 'error' : 'warning';
    return {
      kind: 'foreign-os-binary',
      severity,
      ...base,
      expected,
      actual,
      message: selfDeclared
        ? `${file.path} is a ${actual} prebuild kept for another platform; it is not loaded on ${expected}`
        : `${file.path} is a ${formatName(identity)} binary for ${actual}; it cannot run on ${expected}`,
    };
  }
  const verdict = compareArch(
    platform,
    identity.architecture,
    identity.architecture === 'arm' ? identity.variant : undefined
  );
  if (verdict !== 'native') {
    // Unknown machines (GPU code objects, exotic CPUs) and files nothing
    // would run or load (test data, cross-toolchain sysroots) are warnings.
    const severity: Severity =
      verdict === 'compatible' ||
      selfDeclared ||
      !loadable ||
      identity.architecture === 'unknown'
        ? 'warning'
        : 'error';
    return {
      kind: 'binary-arch-mismatch',
      severity,
      ...base,
      expected,
      actual,
      message:
        verdict === 'compatible'
          ? `${file.path} is built for ${actual}; it runs on ${expected} only through 32-bit compatibility`
          : selfDeclared
            ? `${file.path} is a ${actual} prebuild kept for another platform; it is not loaded on ${expected}`
            : `${file.path} is built for ${actual} but the image is ${expected}: it fails with "exec format error" or crashes when loaded`,
    };
  }
  return judgeAbi(tree, platform, file, identity, base);
}

function judgeAbi(
  tree: FileTree,
  platform: Platform,
  file: Candidate,
  identity: BinaryIdentity,
  base: { platform: string; path: string; layer: string; entrypoint: boolean }
): Finding | undefined {
  // The float ABI matters only across a call into the image's libraries: a
  // static executable (no loader) runs whatever its ABI.
  const linked =
    identity.interpreter !== undefined || identity.kind === 'library';
  if (platform.architecture === 'arm' && identity.floatAbi && linked) {
    const wanted = platform.variant === 'v5' ? 'soft' : 'hard';
    if (identity.floatAbi !== wanted) {
      return {
        kind: 'float-abi-mismatch',
        severity: 'error',
        ...base,
        expected: `${base.platform} (${wanted}-float)`,
        actual: `${identityLabel(identity)} (${identity.floatAbi}-float)`,
        message: `${file.path} uses the ${identity.floatAbi}-float ABI but ${base.platform} is ${wanted}-float: it cannot load the image's libraries`,
      };
    }
  }
  if (identity.interpreter) {
    const loader = resolvePath(tree, identity.interpreter);
    if (!loader.ok || loader.node.type !== 'file') {
      return {
        kind: 'libc-mismatch',
        severity: 'error',
        ...base,
        expected: identity.interpreter,
        actual: 'missing',
        message: `${file.path} needs the loader ${identity.interpreter}, which is not in the image: it fails with "no such file or directory"`,
      };
    }
  }
  if (
    platform.architecture === 'amd64' &&
    identity.isaLevel !== undefined &&
    !HWCAPS.test(file.path)
  ) {
    const level = Number(/^v(\d)$/.exec(platform.variant ?? 'v1')?.[1] ?? 1);
    if (identity.isaLevel > level) {
      return {
        kind: 'isa-level-mismatch',
        severity: 'warning',
        ...base,
        expected: base.platform,
        actual: `linux/amd64/v${identity.isaLevel}`,
        message: `${file.path} needs x86-64-v${identity.isaLevel} but ${base.platform} promises only x86-64-v${level}: older CPUs refuse to run it`,
      };
    }
  }
  return undefined;
}

function formatName(identity: BinaryIdentity): string {
  return identity.format === 'macho'
    ? 'Mach-O'
    : identity.format === 'pe'
      ? 'PE'
      : 'ELF';
}
