import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { startServer } from '../helpers/server.js';

afterEach(cleanUp);

/**
 * The README's number: more than 64 KiB (65,536 bytes) without a newline ends the connection. So
 * with `--max-line 65536` a line of exactly 65,536 bytes is still a line, and one byte more is not.
 */
describe('bytes without a newline, at the hard limit', () => {
  it('65,535 and 65,536 bytes are still one line each; 65,537 end the connection with the reason', async () => {
    const server = await startServer(['--relay', '--rate', '0', '--max-line', '65536']);
    const [ada, bob, cat, dan] = await Promise.all(['ada', 'bob', 'cat', 'dan'].map((nick) => joined(server.port, nick)));

    ada.send('x'.repeat(65_535));
    ada.send('\n');
    bob.send('y'.repeat(65_536));
    bob.send('\n');
    cat.send('z'.repeat(65_537));

    expect(await cat.lines.waitFor(/^! /)).toBe('! no newline within 65536 bytes');
    await cat.ended;
    await dan.lines.waitFor(`<ada> ${'x'.repeat(65_535)}`);
    await dan.lines.waitFor(`<bob> ${'y'.repeat(65_536)}`);
    await server.stdout.waitFor('* cat left (no newline within 65536 bytes)');
    expect(server.stdout.all.filter((line) => / left /.test(line))).toEqual(['* cat left (no newline within 65536 bytes)']);
  });
});
