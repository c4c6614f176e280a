/**
 * The scanner version that keys cached layer facts. Bump it whenever what a
 * layer's facts contain changes (probe rules, tar handling), so no cache
 * serves facts an older scanner derived.
 */
export const SCANNER_VERSION = 'archscan-0.1.0/facts-1';
