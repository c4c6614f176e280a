/**
 * The `ScanProgress` port: optional events a front end may render (the CLI
 * shows bytes per layer on a terminal). All methods are optional.
 */
export interface ScanProgress {
  layerStart?(digest: string, size: number): void;
  layerBytes?(digest: string, bytes: number): void;
  layerDone?(digest: string, fromCache: boolean): void;
}
