/**
 * Where the parts of `archscan serve` write their log lines: one message
 * and structured fields, the calling convention of Powertools' `Logger`,
 * so the composition can pass one. Fields never carry secrets, request
 * bodies, query strings or headers.
 */
export interface ServeLog {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * A log that drops everything (tests that assert no log lines use their own).
 *
 * @example startWorkerPool({ ...options, log: silentLog });
 */
export const silentLog: ServeLog = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
