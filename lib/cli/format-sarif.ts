/**
 * SARIF 2.1.0 output (OASIS `sarif-v2.1.0` schema), so GitHub code scanning
 * and other SARIF viewers can show findings. One rule per finding kind; a
 * result's location is the file's path inside the image (relative to the
 * `IMAGEROOT` base), or the image reference for platform-level findings.
 */
import { createHash } from 'node:crypto';
import type {
  Finding,
  FindingKind,
  ScanReport,
} from '../engine/findings/report.js';

const RULES: Readonly<
  Record<FindingKind, { name: string; text: string; help: string }>
> = {
  'missing-platform': {
    name: 'MissingPlatform',
    text: 'An expected platform is missing from the image index.',
    help: 'Build and push the image for every expected platform (docker buildx build --platform …).',
  },
  'config-mismatch': {
    name: 'ConfigMismatch',
    text: "The index entry's platform differs from the image config's.",
    help: 'Rebuild the image for the platform its index entry names, or fix the index.',
  },
  'binary-arch-mismatch': {
    name: 'BinaryArchMismatch',
    text: 'A native binary is built for another CPU architecture than the image platform.',
    help: 'Rebuild or reinstall the native dependency for the target platform (for Node addons, run npm ci inside the target-platform build stage).',
  },
  'foreign-os-binary': {
    name: 'ForeignOsBinary',
    text: 'A Mach-O, PE or non-Linux ELF binary is in a Linux image.',
    help: 'Remove the file or install the Linux build of the package.',
  },
  'float-abi-mismatch': {
    name: 'FloatAbiMismatch',
    text: 'An ARM binary uses the other floating-point calling convention (armel vs armhf).',
    help: 'Build for the float ABI of the platform variant (arm/v5: soft-float; arm/v6, arm/v7: hard-float).',
  },
  'libc-mismatch': {
    name: 'LibcMismatch',
    text: 'A dynamic binary needs a program interpreter (libc loader) the image does not have.',
    help: 'Use a base image with the same libc as the build (glibc vs musl), or link statically.',
  },
  'isa-level-mismatch': {
    name: 'IsaLevelMismatch',
    text: 'An x86-64 binary needs a higher ISA level than the platform variant promises.',
    help: 'Build for the baseline ISA level or publish the image as amd64/v2, v3 or v4.',
  },
};

/** Renders a report as a SARIF 2.1.0 log. */
export function formatSarif(report: ScanReport, version: string): string {
  const kinds = Object.keys(RULES) as FindingKind[];
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'archscan',
            version,
            rules: kinds.map((kind) => ({
              id: kind,
              name: RULES[kind].name,
              shortDescription: { text: RULES[kind].text },
              help: { text: RULES[kind].help },
              defaultConfiguration: {
                level: kind === 'isa-level-mismatch' ? 'warning' : 'error',
              },
            })),
          },
        },
        originalUriBaseIds: {
          IMAGEROOT: {
            description: { text: `root filesystem of ${report.reference}` },
          },
        },
        invocations: [
          {
            executionSuccessful: report.status !== 'error',
            ...(report.error
              ? {
                  toolExecutionNotifications: [
                    { level: 'error', message: { text: report.error.message } },
                  ],
                }
              : {}),
          },
        ],
        results: report.findings.map((finding) =>
          result(report, finding, kinds.indexOf(finding.kind))
        ),
        properties: {
          reference: report.reference,
          digest: report.digest,
          status: report.status,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function result(
  report: ScanReport,
  finding: Finding,
  ruleIndex: number
): unknown {
  const uri = finding.path
    ? finding.path.replace(/^\/+/, '')
    : report.reference;
  return {
    ruleId: finding.kind,
    ruleIndex,
    level: finding.severity,
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: finding.path
            ? { uri, uriBaseId: 'IMAGEROOT' }
            : { uri },
        },
        logicalLocations: [{ name: finding.platform, kind: 'module' }],
      },
    ],
    partialFingerprints: {
      'archscan/v1': createHash('sha256')
        .update(`${finding.kind}\0${finding.platform}\0${finding.path ?? ''}`)
        .digest('hex'),
    },
    properties: {
      platform: finding.platform,
      expected: finding.expected,
      actual: finding.actual,
      entrypoint: finding.entrypoint,
      ...(finding.layer ? { layer: finding.layer } : {}),
    },
  };
}
