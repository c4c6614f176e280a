/**
 * The log of `archscan serve`: one JSON object per line on a stream, with
 * time, level and message first, the shape Powertools' Logger writes on
 * Lambda, so one set of log queries works in both places.
 */
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import type { ServeLog } from './log.js';

/** Anything with `write(text)`, such as `process.stdout`. */
export interface LogSink {
  write(text: string): unknown;
}

/**
 * A {@link ServeLog} writing JSON lines to `sink`. Errors among the fields
 * are written as `{name, message}`; stacks stay out of the line.
 *
 * @example jsonLog(process.stdout).info('scan started', { repository: 'team/app' });
 */
export function jsonLog(sink: LogSink, clock: Clock = systemClock): ServeLog {
  const write =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      const fields: Record<string, unknown> = {};
      for (const part of extra) {
        for (const [key, value] of Object.entries(part)) {
          fields[key] =
            value instanceof Error
              ? { name: value.name, message: value.message }
              : value;
        }
      }
      sink.write(
        `${JSON.stringify({ time: clock.now().toISOString(), level, message, ...fields })}\n`
      );
    };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
