/**
 * Raised when construct props are invalid, at synth time, so a bad value
 * never reaches a deployed function. Infrastructure cannot import the
 * engine's `ScannerError`, so it has its own small error class.
 */
export class InfraConfigError extends Error {
  /** Stable code for telling errors apart without reading the message. */
  readonly code = 'INFRA_CONFIG';

  /** @param message lower case, naming the bad value and what to change. */
  constructor(message: string) {
    super(message);
    this.name = 'InfraConfigError';
  }
}
