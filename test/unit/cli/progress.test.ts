import { describe, expect, it } from 'vitest';
import { TerminalProgress } from '../../../lib/cli/progress.js';

function terminal() {
  const writes: string[] = [];
  return {
    out: { write: (s: string) => writes.push(s), isTTY: true, columns: 60 },
    writes,
  };
}

describe('TerminalProgress', () => {
  it('redraws one line with bytes per layer, at most every 100 ms', () => {
    // Prepare
    const { out, writes } = terminal();
    let now = 0;
    const progress = new TerminalProgress(out, () => now);
    // Act
    progress.layerStart(`sha256:${'a'.repeat(64)}`, 2_000_000);
    progress.layerBytes(`sha256:${'a'.repeat(64)}`, 500_000);
    now = 150;
    progress.layerBytes(`sha256:${'a'.repeat(64)}`, 1_000_000);
    // Assess
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe(
      '\r\x1b[2Klayers done 0  aaaaaaaaaaaa 1.0 MB/2.0 MB'
    );
  });

  it('counts cached layers, keeps within the terminal width, and erases itself', () => {
    const { out, writes } = terminal();
    const progress = new TerminalProgress(out, () => 0);
    for (let i = 0; i < 5; i++)
      progress.layerStart(`sha256:${String(i).repeat(64)}`, 10);
    progress.layerDone(`sha256:${'0'.repeat(64)}`, true);
    expect(writes.at(-1)?.startsWith('\r\x1b[2Klayers done 1 (1 cached)')).toBe(
      true
    );
    expect((writes.at(-1) ?? '').length - 5).toBeLessThanOrEqual(59);
    progress.clear();
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });
});
