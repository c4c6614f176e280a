import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../../lib/engine/binary/types.js';
import { resolveEntrypoint } from '../../../../lib/engine/filesystem/entrypoint.js';
import { resolvePath } from '../../../../lib/engine/filesystem/resolve.js';
import { FileTree } from '../../../../lib/engine/filesystem/tree.js';
import type {
  LayerEntry,
  LayerFacts,
} from '../../../../lib/engine/layer/facts.js';
import type { ImageConfig } from '../../../../lib/engine/manifest/manifest.js';

const file = (path: string, probe?: ProbeResult, mode = 0o755): LayerEntry => ({
  path,
  type: 'file',
  mode,
  size: 10,
  ...(probe ? { probe } : {}),
});
const link = (path: string, target: string): LayerEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  size: 0,
  link: target,
});
const layer = (
  digest: string,
  entries: LayerEntry[],
  extra: Partial<LayerFacts> = {}
): LayerFacts => ({
  digest,
  entries,
  whiteouts: [],
  opaqueDirs: [],
  warnings: [],
  bytesInflated: 0,
  ...extra,
});
function treeOf(...layers: LayerFacts[]): FileTree {
  const tree = new FileTree();
  for (const [i, l] of layers.entries()) tree.apply(l, i);
  return tree;
}
const paths = (tree: FileTree) => [...tree.files()].map((f) => f.path).sort();

describe('FileTree', () => {
  it("a whiteout deletes a lower file or tree, not the same layer's new file", () => {
    // Act
    const tree = treeOf(
      layer('l1', [file('/app/bad'), file('/app/dir/a'), file('/keep')]),
      layer('l2', [file('/app/bad')], { whiteouts: ['/app/bad', '/app/dir'] })
    );
    // Assess
    expect(paths(tree)).toEqual(['/app/bad', '/keep']);
    const bad = tree.getLiteral('/app/bad');
    expect(bad?.type === 'file' && bad.content.layer).toBe('l2');
  });

  it('an opaque directory hides every lower child', () => {
    const tree = treeOf(
      layer('l1', [file('/opt/x/amd64-binary'), file('/opt/y')]),
      layer('l2', [file('/opt/new')], { opaqueDirs: ['/opt'] })
    );
    expect(paths(tree)).toEqual(['/opt/new']);
  });

  it('a directory over a directory keeps its children; a file over a directory replaces it', () => {
    const tree = treeOf(
      layer('l1', [
        { path: '/d', type: 'dir', mode: 0o700, size: 0 },
        file('/d/a'),
        file('/e/b'),
      ]),
      layer('l2', [
        { path: '/d', type: 'dir', mode: 0o755, size: 0 },
        file('/e'),
      ])
    );
    expect(paths(tree)).toEqual(['/d/a', '/e']);
  });

  it("a hard link shares its target's content, even across layers", () => {
    const tree = treeOf(
      layer('l1', [file('/bin/a')]),
      layer('l2', [
        { path: '/bin/b', type: 'hardlink', mode: 0, size: 0, link: '/bin/a' },
      ])
    );
    const a = tree.getLiteral('/bin/a');
    const b = tree.getLiteral('/bin/b');
    expect(
      a?.type === 'file' && b?.type === 'file' && a.content === b.content
    ).toBe(true);
  });

  it('warns about a hard link to nothing', () => {
    const tree = treeOf(
      layer('l1', [
        { path: '/x', type: 'hardlink', mode: 0, size: 0, link: '/missing' },
      ])
    );
    expect(tree.warnings[0]).toMatch(/not a regular file/);
  });
});

describe('resolvePath', () => {
  const tree = treeOf(
    layer('l1', [
      file('/usr/bin/dash'),
      link('/bin', 'usr/bin'),
      link('/usr/bin/sh', 'dash'),
      link('/usr/local/bin/up', '../../bin/sh'),
      link('/loop/a', 'b'),
      link('/loop/b', '/loop/a'),
    ])
  );

  it.each([
    ['/bin/sh', '/usr/bin/dash'],
    ['/usr/local/bin/up', '/usr/bin/dash'],
    ['/bin/../bin/sh', '/usr/bin/dash'],
  ])('%s resolves to %s', (input, expected) => {
    const result = resolvePath(tree, input);
    expect(result.ok && result.path).toBe(expected);
  });

  it('ends a symlink loop as "loop"', () => {
    expect(resolvePath(tree, '/loop/a')).toEqual({ ok: false, reason: 'loop' });
  });

  it('reports a missing file as "not-found"', () => {
    expect(resolvePath(tree, '/bin/bash')).toEqual({
      ok: false,
      reason: 'not-found',
    });
  });
});

describe('resolveEntrypoint', () => {
  const elf = (interpreter?: string): ProbeResult => ({
    type: 'binary',
    identity: {
      format: 'elf',
      os: 'linux',
      architecture: 'amd64',
      machine: 62,
      bits: 64,
      endian: 'little',
      kind: 'executable',
      ...(interpreter ? { interpreter } : {}),
    },
  });
  const tree = treeOf(
    layer('l1', [
      file('/lib64/ld-linux-x86-64.so.2', elf()),
      file('/usr/bin/node', elf('/lib64/ld-linux-x86-64.so.2')),
      link('/usr/local/bin/node', '/usr/bin/node'),
      file('/usr/bin/env', elf('/lib64/ld-linux-x86-64.so.2')),
      file('/app/start.sh', {
        type: 'script',
        interpreter: '/usr/bin/env',
        argument: 'node',
      }),
      file('/app/data', undefined, 0o644),
    ])
  );
  const config = (cfg: NonNullable<ImageConfig['config']>): ImageConfig => ({
    os: 'linux',
    architecture: 'amd64',
    config: cfg,
  });

  it('searches PATH, follows symlinks and adds the dynamic loader', () => {
    // Act
    const entry = resolveEntrypoint(
      tree,
      config({ Entrypoint: ['node'], Cmd: ['server.js'] })
    );
    // Assess
    expect(entry.command).toEqual(['node', 'server.js']);
    expect(entry.resolvedPath).toBe('/usr/bin/node');
    expect(entry.chain).toEqual([
      '/usr/bin/node',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('follows a script through /usr/bin/env to its interpreter', () => {
    const entry = resolveEntrypoint(
      tree,
      config({ Cmd: ['./start.sh'], WorkingDir: '/app' })
    );
    expect(entry.resolvedPath).toBe('/app/start.sh');
    expect(entry.chain).toEqual([
      '/app/start.sh',
      '/usr/bin/env',
      '/usr/bin/node',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('skips non-executable files on PATH and reports a missing command as null', () => {
    const entry = resolveEntrypoint(
      tree,
      config({ Cmd: ['data'], Env: ['PATH=/app'] })
    );
    expect(entry.resolvedPath).toBeNull();
    expect(entry.chain).toEqual([]);
  });
});

describe('FileTree through parent symlinks (usrmerge)', () => {
  const base = layer('l1', [
    { path: '/usr/bin', type: 'dir', mode: 0o755, size: 0 },
    file('/usr/bin/sh'),
    file('/usr/lib64/ld-linux-x86-64.so.2'),
    link('/bin', 'usr/bin'),
    link('/lib64', 'usr/lib64'),
  ]);

  it('writes an entry under /bin into /usr/bin, keeping the symlink', () => {
    // Act
    const tree = treeOf(
      base,
      layer('l2', [file('/bin/tool'), file('/lib64/extra.so')])
    );
    // Assess
    expect(tree.getLiteral('/bin')?.type).toBe('symlink');
    expect(tree.getLiteral('/usr/bin/tool')?.type).toBe('file');
    expect(tree.getLiteral('/usr/bin/sh')?.type).toBe('file');
    expect(resolvePath(tree, '/lib64/ld-linux-x86-64.so.2').ok).toBe(true);
  });

  it('applies a whiteout and a hard link through the symlinked parent', () => {
    const tree = treeOf(
      base,
      layer(
        'l2',
        [
          {
            path: '/bin/sh2',
            type: 'hardlink',
            mode: 0,
            size: 0,
            link: '/bin/sh',
          },
        ],
        { whiteouts: ['/lib64/ld-linux-x86-64.so.2'] }
      )
    );
    expect(tree.getLiteral('/usr/bin/sh2')?.type).toBe('file');
    expect(tree.getLiteral('/usr/lib64/ld-linux-x86-64.so.2')).toBeUndefined();
    expect(tree.warnings).toEqual([]);
  });
});
