/**
 * The CLI's window on the world: output streams, whether they are
 * terminals, and the environment. `bin/` builds it from `process`; tests
 * build one that records, so no command ever touches `console`.
 */
export interface OutputStream {
  write(text: string): unknown;
  /** True when a person is watching (a TTY). */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts running work (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Directory relative paths start from; default `.`. */
  readonly cwd?: string;
}

/** Exit codes: 0 pass, 1 findings at or above `--fail-on`, 2 the scan could not be done. */
export const ExitCode = { ok: 0, findings: 1, error: 2 } as const;
