#!/usr/bin/env node
/**
 * The `archscan` executable: hands argv and the process's streams to
 * `run()` and sets the exit code. Ctrl-C aborts the scan cleanly.
 */
import { run } from '../lib/cli/run.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
