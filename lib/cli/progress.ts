/**
 * Live progress on a terminal: one status line with bytes read per layer,
 * redrawn at most ten times a second and erased when the scan ends. Nothing
 * is printed when stderr is not a TTY (CI logs, pipes).
 */
import type { ScanProgress } from '../ports/progress.js';
import { formatBytes, shortDigest } from './format-size.js';
import type { OutputStream } from './io.js';

const REDRAW_MS = 100;

export class TerminalProgress implements ScanProgress {
  private readonly layers = new Map<string, { size: number; read: number }>();
  private done = 0;
  private cached = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: OutputStream,
    private readonly now: () => number = Date.now
  ) {}

  layerStart(digest: string, size: number): void {
    this.layers.set(digest, { size, read: 0 });
    this.draw(true);
  }

  layerBytes(digest: string, bytes: number): void {
    const layer = this.layers.get(digest);
    if (layer) layer.read = bytes;
    this.draw(false);
  }

  layerDone(digest: string, fromCache: boolean): void {
    this.layers.delete(digest);
    this.done++;
    if (fromCache) this.cached++;
    this.draw(true);
  }

  /** Erases the status line. */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const active = [...this.layers]
      .map(
        ([digest, l]) =>
          `${shortDigest(digest).slice(7, 19)} ${formatBytes(l.read)}/${formatBytes(l.size)}`
      )
      .join('  ');
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    const line = `layers done ${this.done}${this.cached ? ` (${this.cached} cached)` : ''}  ${active}`;
    this.out.write(`\r\x1b[2K${line.slice(0, width)}`);
    this.drawn = true;
  }
}
