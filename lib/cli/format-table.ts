/**
 * The default, human report: a header with the verdict, one block per
 * platform (layers, binaries by architecture, resolved entrypoint), the
 * findings with path and actual architecture, and time and bytes read.
 */
import type { Finding, ScanReport } from '../engine/findings/report.js';
import { formatBytes, formatDuration, shortDigest } from './format-size.js';

const STATUS_LABEL = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' } as const;

/** Renders a report as plain text (no colour codes, so it pipes cleanly). */
export function formatTable(report: ScanReport): string {
  const lines: string[] = [];
  lines.push(`${STATUS_LABEL[report.status]}  ${report.reference}`);
  lines.push(`digest    ${report.digest ?? '-'}`);
  lines.push(`expected  ${report.expectedPlatforms.join(', ') || '-'}`);
  if (report.error)
    lines.push(`error     ${report.error.message} (${report.error.code})`);
  for (const platform of report.platforms) {
    const size = platform.layers.reduce((sum, layer) => sum + layer.size, 0);
    const cached = platform.layers.filter((layer) => layer.fromCache).length;
    const arches = Object.entries(platform.binaries.byArchitecture)
      .sort((a, b) => b[1] - a[1])
      .map(([arch, count]) => `${arch} ${count}`)
      .join(', ');
    const command = platform.entrypoint.command.join(' ') || '(none)';
    lines.push('');
    lines.push(
      `${platform.platform}  manifest ${shortDigest(platform.manifestDigest)}`
    );
    lines.push(
      `  layers      ${platform.layers.length} (${formatBytes(size)}${cached ? `, ${cached} from cache` : ''})`
    );
    lines.push(
      `  binaries    ${platform.binaries.total}${arches ? ` (${arches})` : ''}`
    );
    lines.push(
      `  entrypoint  ${command} -> ${platform.entrypoint.resolvedPath ?? 'not found in the image'}`
    );
  }
  lines.push('');
  lines.push(...findingsTable(report.findings));
  if (report.skipped.length) {
    const reasons = new Map<string, number>();
    for (const skip of report.skipped)
      reasons.set(skip.reason, (reasons.get(skip.reason) ?? 0) + 1);
    lines.push(
      `skipped   ${[...reasons].map(([reason, n]) => `${reason} (${n})`).join('; ')}`
    );
  }
  for (const warning of report.warnings.slice(0, 10))
    lines.push(`warning   ${warning}`);
  if (report.warnings.length > 10)
    lines.push(
      `warning   … and ${report.warnings.length - 10} more (see --format json)`
    );
  const { stats } = report;
  lines.push(
    `scanned in ${formatDuration(stats.durationMs)}, ${formatBytes(stats.bytesDownloaded)} downloaded, ${formatBytes(stats.bytesInflated)} inflated`
  );
  return `${lines.join('\n')}\n`;
}

function findingsTable(findings: readonly Finding[]): string[] {
  if (!findings.length) return ['no findings'];
  const rows = findings.map((f) => [
    f.severity,
    f.kind,
    f.platform,
    `${f.path ?? '-'}${f.entrypoint ? ' (entrypoint)' : ''}`,
    f.actual,
  ]);
  const header = ['SEVERITY', 'KIND', 'PLATFORM', 'PATH', 'ACTUAL'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [`findings  ${findings.length}`, line(header)];
  findings.forEach((finding, i) => {
    out.push(line(rows[i] ?? []));
    out.push(`  ${finding.message}`);
  });
  return out;
}
