import { describe, expect, it } from 'vitest';
import type {
  BinaryIdentity,
  ProbeResult,
} from '../../../../lib/engine/binary/types.js';
import { FileTree } from '../../../../lib/engine/filesystem/tree.js';
import { declaredPlatform } from '../../../../lib/engine/findings/declared-platform.js';
import { judgeBinaries } from '../../../../lib/engine/findings/judge-binaries.js';
import {
  judgeConfig,
  judgePlatforms,
} from '../../../../lib/engine/findings/judge-platforms.js';
import type { LayerEntry } from '../../../../lib/engine/layer/facts.js';
import {
  parsePlatform,
  parsePlatformList,
} from '../../../../lib/engine/platform/platform.js';

const id = (over: Partial<BinaryIdentity>): ProbeResult => ({
  type: 'binary',
  identity: {
    format: 'elf',
    os: 'linux',
    architecture: 'amd64',
    machine: 62,
    bits: 64,
    endian: 'little',
    kind: 'executable',
    ...over,
  },
});
const file = (path: string, probe?: ProbeResult, mode = 0o755): LayerEntry => ({
  path,
  type: 'file',
  mode,
  size: 1,
  ...(probe ? { probe } : {}),
});

function judge(platform: string, entries: LayerEntry[], chain: string[] = []) {
  const tree = new FileTree();
  tree.apply(
    {
      digest: 'sha256:l1',
      entries,
      whiteouts: [],
      opaqueDirs: [],
      warnings: [],
      bytesInflated: 0,
    },
    0
  );
  return judgeBinaries(tree, parsePlatform(platform), chain);
}

describe('judgeBinaries', () => {
  it('finds a wrong-architecture addon and marks the entrypoint', () => {
    // Act
    const result = judge(
      'linux/arm64',
      [
        file('/app/bin/server', id({ architecture: 'amd64' })),
        file(
          '/app/addon.node',
          id({ architecture: 'amd64', kind: 'library' }),
          0o644
        ),
        file('/usr/bin/ok', id({ architecture: 'arm64' })),
      ],
      ['/app/bin/server']
    );
    // Assess
    expect(
      result.findings.map((f) => [
        f.kind,
        f.severity,
        f.path,
        f.actual,
        f.entrypoint,
      ])
    ).toEqual([
      [
        'binary-arch-mismatch',
        'error',
        '/app/addon.node',
        'linux/amd64',
        false,
      ],
      ['binary-arch-mismatch', 'error', '/app/bin/server', 'linux/amd64', true],
    ]);
    expect(result.binaries).toEqual({
      total: 3,
      byArchitecture: { 'linux/amd64': 2, 'linux/arm64': 1 },
    });
  });

  it('warns about a 32-bit compat binary instead of failing', () => {
    const result = judge('linux/amd64', [
      file('/opt/i386-tool', id({ architecture: '386', bits: 32, machine: 3 })),
    ]);
    expect(result.findings.map((f) => [f.kind, f.severity])).toEqual([
      ['binary-arch-mismatch', 'warning'],
    ]);
  });

  it('reports a hard-link group once, at its first path', () => {
    // Prepare
    const tree = new FileTree();
    tree.apply(
      {
        digest: 'sha256:l1',
        entries: [
          file('/bin/z-first', id({ architecture: 's390x' })),
          {
            path: '/bin/a-link',
            type: 'hardlink',
            mode: 0,
            size: 0,
            link: '/bin/z-first',
          },
        ],
        whiteouts: [],
        opaqueDirs: [],
        warnings: [],
        bytesInflated: 0,
      },
      0
    );
    // Act
    const result = judgeBinaries(tree, parsePlatform('linux/amd64'), []);
    // Assess
    expect(result.findings.map((f) => f.path)).toEqual(['/bin/z-first']);
    expect(result.binaries.total).toBe(1);
  });

  it('flags a soft-float binary in an arm/v7 image and a hard-float one in arm/v5', () => {
    const arm = (floatAbi: 'soft' | 'hard', interpreter: string) =>
      id({ architecture: 'arm', floatAbi, interpreter, bits: 32, machine: 40 });
    const v7 = judge('linux/arm/v7', [
      file(
        '/lib/ld-linux.so.3',
        id({
          architecture: 'arm',
          floatAbi: 'soft',
          kind: 'library',
          bits: 32,
          machine: 40,
        })
      ),
      file('/bin/x', arm('soft', '/lib/ld-linux.so.3')),
    ]);
    const v5 = judge('linux/arm/v5', [
      file(
        '/lib/ld-linux-armhf.so.3',
        id({
          architecture: 'arm',
          floatAbi: 'hard',
          kind: 'library',
          bits: 32,
          machine: 40,
        })
      ),
      file('/bin/x', arm('hard', '/lib/ld-linux-armhf.so.3')),
    ]);
    expect(v7.findings.map((f) => [f.kind, f.path])).toEqual([
      ['float-abi-mismatch', '/bin/x'],
      ['float-abi-mismatch', '/lib/ld-linux.so.3'],
    ]);
    expect(v5.findings.map((f) => f.kind)).toEqual([
      'float-abi-mismatch',
      'float-abi-mismatch',
    ]);
  });

  it('does not hold the float ABI against a static executable, which calls no library', () => {
    const result = judge('linux/arm/v7', [
      file(
        '/bin/static',
        id({ architecture: 'arm', floatAbi: 'soft', bits: 32, machine: 40 })
      ),
    ]);
    expect(result.findings).toEqual([]);
  });

  it('warns, not fails, for foreign files nothing runs or loads', () => {
    // Act
    const result = judge('linux/arm64', [
      // pip vendors Windows launchers; Go ships test data for other CPUs
      file(
        '/usr/lib/python3/dist-packages/pip/_vendor/distlib/t64.exe',
        id({ format: 'pe', os: 'windows', machine: 0x8664 }),
        0o644
      ),
      file(
        '/usr/local/go/src/debug/elf/testdata/gcc-amd64-linux-exec',
        id({ architecture: 'amd64' }),
        0o644
      ),
      // a foreign multiarch library directory (dpkg --add-architecture) and a cross sysroot
      file(
        '/usr/lib/x86_64-linux-gnu/libc.so.6',
        id({ architecture: 'amd64', kind: 'library' }),
        0o755
      ),
      file(
        '/usr/x86_64-linux-gnu/lib/libgcc_s.so.1',
        id({ architecture: 'amd64', kind: 'library' }),
        0o644
      ),
      // a GPU code object: a machine no CPU runs
      file(
        '/opt/rocm/lib/kernels.co',
        id({ architecture: 'unknown', machine: 224, kind: 'library' }),
        0o755
      ),
    ]);
    // Assess
    expect(result.findings.map((f) => [f.path, f.severity])).toEqual([
      ['/opt/rocm/lib/kernels.co', 'warning'],
      ['/usr/lib/python3/dist-packages/pip/_vendor/distlib/t64.exe', 'warning'],
      ['/usr/lib/x86_64-linux-gnu/libc.so.6', 'warning'],
      ['/usr/local/go/src/debug/elf/testdata/gcc-amd64-linux-exec', 'warning'],
      ['/usr/x86_64-linux-gnu/lib/libgcc_s.so.1', 'warning'],
    ]);
  });

  it('ignores ISA levels of glibc-hwcaps libraries, which glibc loads only on such CPUs', () => {
    const result = judge('linux/amd64', [
      file(
        '/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1',
        id({ isaLevel: 3, kind: 'library' })
      ),
    ]);
    expect(result.findings).toEqual([]);
  });

  it('flags a loader the image lacks (glibc binary on a musl image)', () => {
    const result = judge('linux/amd64', [
      file('/lib/ld-musl-x86_64.so.1', id({ kind: 'library' })),
      file(
        '/app/glibc-tool',
        id({ interpreter: '/lib64/ld-linux-x86-64.so.2' })
      ),
      file('/app/musl-tool', id({ interpreter: '/lib/ld-musl-x86_64.so.1' })),
    ]);
    expect(result.findings.map((f) => [f.kind, f.path, f.expected])).toEqual([
      ['libc-mismatch', '/app/glibc-tool', '/lib64/ld-linux-x86-64.so.2'],
    ]);
  });

  it('warns when an x86-64 binary needs a higher ISA level than the variant', () => {
    const v1 = judge('linux/amd64', [
      file('/bin/fast', id({ isaLevel: 3, variant: 'v3' })),
    ]);
    const v3 = judge('linux/amd64/v3', [
      file('/bin/fast', id({ isaLevel: 3, variant: 'v3' })),
    ]);
    expect(v1.findings.map((f) => [f.kind, f.severity, f.actual])).toEqual([
      ['isa-level-mismatch', 'warning', 'linux/amd64/v3'],
    ]);
    expect(v3.findings).toEqual([]);
  });

  it('foreign-OS binaries: errors when runnable, warnings for declared prebuilds and plain data', () => {
    const macho = (arch: string) =>
      id({
        format: 'macho',
        os: 'darwin',
        architecture: arch,
        kind: 'library',
      });
    const result = judge('linux/amd64', [
      file(
        '/app/node_modules/x/prebuilds/darwin-arm64/x.node',
        macho('arm64'),
        0o644
      ),
      file('/app/lib/native.node', macho('arm64'), 0o644),
      file('/app/docs/sample.bin', macho('arm64'), 0o644),
      file(
        '/app/tool.exe',
        id({ format: 'pe', os: 'windows', machine: 0x8664 }),
        0o755
      ),
    ]);
    expect(result.findings.map((f) => [f.path, f.kind, f.severity])).toEqual([
      ['/app/docs/sample.bin', 'foreign-os-binary', 'warning'],
      ['/app/lib/native.node', 'foreign-os-binary', 'error'],
      [
        '/app/node_modules/x/prebuilds/darwin-arm64/x.node',
        'foreign-os-binary',
        'warning',
      ],
      ['/app/tool.exe', 'foreign-os-binary', 'error'],
    ]);
  });

  it('a prebuild whose header contradicts its declared platform is still an error', () => {
    const result = judge('linux/arm64', [
      file(
        '/m/prebuilds/linux-arm64/x.node',
        id({ architecture: 'amd64', kind: 'library' }),
        0o644
      ),
      file(
        '/m/prebuilds/linux-x64/x.node',
        id({ architecture: 'amd64', kind: 'library' }),
        0o644
      ),
    ]);
    expect(result.findings.map((f) => [f.path, f.severity])).toEqual([
      ['/m/prebuilds/linux-arm64/x.node', 'error'],
      ['/m/prebuilds/linux-x64/x.node', 'warning'],
    ]);
  });

  it('ignores objects, eBPF programs, firmware and .NET IL', () => {
    const result = judge('linux/amd64', [
      file('/lib/modules/x.ko', id({ architecture: 'arm64', kind: 'object' })),
      file(
        '/usr/lib/bpf/prog.o',
        id({ architecture: 'unknown', bpf: true, kind: 'object' })
      ),
      file('/lib/firmware/wifi.bin', id({ architecture: 'arm', bits: 32 })),
      file(
        '/app/App.dll',
        id({ format: 'pe', os: 'windows', architecture: 'any', dotnet: 'il' })
      ),
    ]);
    expect(result.findings).toEqual([]);
  });
});

describe('declaredPlatform', () => {
  it.each([
    ['/a/prebuilds/linux-x64/node.napi.glibc.node', 'linux/amd64'],
    ['/a/sharp.linux-arm64-gnu.node', 'linux/arm64'],
    ['/a/node_modules/@esbuild/darwin-arm64/bin/esbuild', 'darwin/arm64'],
    ['/a/runtimes/win-x64/native/e_sqlite3.dll', 'windows/amd64'],
    ['/a/runtimes/osx-arm64/native/libx.dylib', 'darwin/arm64'],
    ['/usr/lib/python3/_ssl.cpython-312-aarch64-linux-gnu.so', 'linux/arm64'],
    ['/usr/bin/python3', undefined],
    ['/srv/linux-stuff/bin', undefined],
  ])('%s declares %s', (path, expected) => {
    const declared = declaredPlatform(path);
    expect(
      declared ? `${declared.os}/${declared.architecture}` : undefined
    ).toBe(expected);
  });
});

describe('judgePlatforms and judgeConfig', () => {
  it('lists each expected platform nothing satisfies', () => {
    const findings = judgePlatforms(
      parsePlatformList('linux/amd64,linux/arm64,linux/arm/v7'),
      parsePlatformList('linux/amd64,linux/arm64/v8,linux/s390x'),
      false
    );
    expect(findings.map((f) => [f.kind, f.platform, f.actual])).toEqual([
      [
        'missing-platform',
        'linux/arm/v7',
        'linux/amd64, linux/arm64, linux/s390x',
      ],
    ]);
  });

  it('says so when a single-platform image is not the one expected', () => {
    const findings = judgePlatforms(
      parsePlatformList('linux/amd64'),
      parsePlatformList('linux/arm64'),
      true
    );
    expect(findings[0]?.message).toMatch(/single-platform/);
  });

  it.each([
    ['linux/amd64', 'linux/amd64', false],
    ['linux/arm64', 'linux/arm64/v8', false],
    ['linux/arm64', 'linux/amd64', true],
    ['linux/arm/v7', 'linux/arm/v6', true],
    ['linux/amd64', 'windows/amd64', true],
  ])('index %s vs config %s mismatch: %s', (declared, config, mismatch) => {
    expect(
      judgeConfig(parsePlatform(declared), parsePlatform(config)) !== undefined
    ).toBe(mismatch);
  });
});
