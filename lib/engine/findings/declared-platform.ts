/**
 * Platforms a path declares for itself. Packages often ship prebuilt native
 * files for every platform and load only the matching one
 * (reference/binaries.md §5): Node `prebuilds/linux-arm64/…`, napi-rs
 * `name.linux-x64-gnu.node`, npm platform packages `@scope/pkg-darwin-arm64`,
 * .NET `runtimes/osx-arm64/native/…`, CPython `mod.cpython-312-x86_64-linux-gnu.so`.
 * A foreign file that agrees with its declaration is expected, not a bug.
 */

/** A platform named by a path: `os/arch` in OCI terms. */
export interface DeclaredPlatform {
  readonly os: string;
  readonly architecture: string;
}

const NODE_OS: Readonly<Record<string, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  android: 'android',
  osx: 'darwin',
  win: 'windows',
  macos: 'darwin',
};

const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  x86: '386',
  arm64: 'arm64',
  arm: 'arm',
  armv7: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  universal: 'universal',
};

const TRIPLET_ARCH: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  i386: '386',
  i686: '386',
  aarch64: 'arm64',
  arm: 'arm',
  powerpc64le: 'ppc64le',
  powerpc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loongarch64: 'loong64',
  mips64el: 'mips64le',
  mipsel: 'mipsle',
  mips: 'mips',
};

// `<os>-<arch>` (optionally `-musl`, `-gnu`, `-msvc`, `-gnueabihf`) as a path component or dotted name part.
const NODE_STYLE =
  /(?:^|[/.@_-])(linux|darwin|win32|freebsd|android|osx|win|macos)-(x64|ia32|x86|arm64|armv7|arm|ppc64|s390x|riscv64|loong64|mipsel|mips|universal)(?:-(?:musl|gnu|msvc|gnueabihf|musleabihf|eabi))?(?=$|[/.@_-])/;
// Debian multiarch library directories and cross-toolchain sysroots:
// `/usr/lib/aarch64-linux-gnu/`, `/lib/arm-linux-gnueabihf/`, `/usr/aarch64-linux-gnu/lib/`.
const MULTIARCH =
  /^\/(?:usr\/)?(?:lib\/)?(x86_64|i386|i686|aarch64|arm|powerpc64le|powerpc64|s390x|riscv64|loongarch64|mips64el|mipsel|mips)-linux-(?:gnu|musl)[a-z0-9]*\//;
const CPYTHON =
  /\.(?:cpython|pypy)[^.]*?-(x86_64|i386|i686|aarch64|arm|powerpc64le|powerpc64|s390x|riscv64|loongarch64|mips64el|mipsel|mips)-linux-[a-z0-9]+\.so$/;

/**
 * The platform a path declares, if any.
 *
 * @example declaredPlatform('/app/node_modules/x/prebuilds/darwin-arm64/x.node')
 *   // { os: 'darwin', architecture: 'arm64' }
 */
export function declaredPlatform(path: string): DeclaredPlatform | undefined {
  const python = CPYTHON.exec(path);
  if (python) {
    return {
      os: 'linux',
      architecture: TRIPLET_ARCH[python[1] as string] ?? 'unknown',
    };
  }
  const multiarch = MULTIARCH.exec(path);
  if (multiarch) {
    return {
      os: 'linux',
      architecture: TRIPLET_ARCH[multiarch[1] as string] ?? 'unknown',
    };
  }
  const node = NODE_STYLE.exec(path.toLowerCase());
  if (!node) return undefined;
  const os = NODE_OS[node[1] as string];
  const architecture = NODE_ARCH[node[2] as string];
  return os && architecture ? { os, architecture } : undefined;
}
