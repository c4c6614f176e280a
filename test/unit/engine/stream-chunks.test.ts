import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamChunks } from '../../../lib/engine/stream-chunks.js';

describe('streamChunks', () => {
  it('yields every chunk as it was written, without joining them', async () => {
    // Prepare
    const chunks = [Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')];
    // Act
    const seen: Uint8Array[] = [];
    for await (const chunk of streamChunks(
      Readable.from(chunks, { objectMode: false })
    ))
      seen.push(chunk);
    // Assess
    expect(seen.map((c) => Buffer.from(c).toString())).toEqual([
      'a',
      'bb',
      'ccc',
    ]);
  });

  it('pauses a fast source while the consumer is behind', async () => {
    // Prepare
    const source = new PassThrough();
    for (let i = 0; i < 20; i++) source.write(Buffer.alloc(1024 * 1024, i));
    source.end();
    // Act
    const iterator = streamChunks(source);
    await iterator.next();
    // Assess
    expect(source.isPaused()).toBe(true);
    let count = 1;
    for await (const _ of iterator) count++;
    expect(count).toBe(20);
  });

  it('rethrows the stream error and destroys the stream when the consumer stops', async () => {
    const failing = new PassThrough();
    failing.write(Buffer.from('x'));
    setImmediate(() => failing.destroy(new Error('boom')));
    await expect(async () => {
      for await (const _ of streamChunks(failing)) {
        // drain
      }
    }).rejects.toThrow('boom');
    const open = new PassThrough();
    open.write(Buffer.from('y'));
    for await (const _ of streamChunks(open)) break;
    expect(open.destroyed).toBe(true);
  });
});
