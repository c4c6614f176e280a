/** A `Clock` whose time only moves when a test says so. */
import type { Clock } from '../../../lib/ports/clock.js';

export class TestClock implements Clock {
  private time: number;

  constructor(start: Date | string = '2026-11-25T10:00:00.000Z') {
    this.time = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  /** Moves the clock forward. */
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }

  /** Sets the clock to an ISO 8601 time. */
  set(time: string): void {
    this.time = Date.parse(time);
  }
}
