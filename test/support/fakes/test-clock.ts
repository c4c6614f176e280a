/** A `Clock` whose time only moves when a test says so. */
import type { Clock } from '../../../lib/ports/clock.js';

export class TestClock implements Clock {
  private time: number;

  constructor(start = '2026-11-25T10:00:00.000Z') {
    this.time = Date.parse(start);
  }

  now(): Date {
    return new Date(this.time);
  }

  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}
