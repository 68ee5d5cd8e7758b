import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';
import { describeCycles, runCycles } from '../helpers/cycles.js';
import { cleanUp, trackSocket } from '../helpers/leftovers.js';
import { fdsSettle, ms, openFds } from '../helpers/probe.js';
import { startServer } from '../helpers/server.js';
import { tlsClient } from '../helpers/tls-client.js';
import { within } from '../helpers/within.js';
import { online } from '../helpers/sentences.js';

afterEach(cleanUp);

let certificates: TestCertificates;
beforeAll(() => {
  certificates = makeCertificates();
});
afterAll(() => certificates.remove());

/** Bounds: the run stops at whichever comes first. */
const CYCLES = Number(process.env.TLS_CHAOS_CYCLES ?? 2000);
const MAX_MS = Number(process.env.TLS_CHAOS_MS ?? 6000);
const AT_ONCE = 16;

/** Handshakes abandoned at the worst moments; each returns the socket whose close ends the cycle. */
const KINDS: Record<string, (port: number) => Socket> = {
  'closed mid-handshake': (port) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('connect', () => socket.destroy()); // the ClientHello is out, the answer never read
    return socket;
  },
  'reset mid-handshake': (port) => {
    const { tcp } = tlsOverTcp(port);
    tcp.once('connect', () => setImmediate(() => tcp.resetAndDestroy())); // after the ClientHello went out
    return tcp;
  },
  'plain text instead of a handshake': (port) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.write('hello, is this chat?\n'));
    return socket;
  },
  'half a ClientHello, then gone': (port) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])));
    return socket;
  },
  'reset right after the handshake': (port) => {
    const { tcp, tls } = tlsOverTcp(port);
    tls.once('secureConnect', () => tcp.resetAndDestroy());
    return tcp;
  },
};
const NAMES = Object.keys(KINDS);

/** A TLS client over a TCP socket of our own, which (unlike a TLSSocket) can be reset. */
function tlsOverTcp(port: number): { tcp: Socket; tls: Socket } {
  const tcp = tcpConnect({ host: '127.0.0.1', port });
  const tls = trackSocket(tlsConnect({ socket: tcp, rejectUnauthorized: false }));
  tls.on('error', () => {});
  return { tcp, tls };
}

async function cycle(port: number, kind: string): Promise<void> {
  const socket = trackSocket(KINDS[kind](port));
  socket.on('error', () => {}); // aborted handshakes are the point
  await within(new Promise((resolve) => socket.once('close', resolve)), `a ${kind} connection to close`);
}

describe('chaos with TLS', () => {
  it(`aborted handshakes (${CYCLES} at most) leave the same process, its fds, and a TLS chat going on`, async () => {
    const { cert, key } = certificates.selfSigned;
    const server = await startServer(['--relay', '--rate', '0', '--tls-cert', cert, '--tls-key', key]);
    const pid = server.child.pid!;
    const ada = await tlsClient(server.port, 'ada');
    await ada.lines.waitFor(/^\* welcome /);
    const fdsBefore = openFds(pid);

    let ticks = 0;
    const run = await runCycles({
      kinds: NAMES,
      count: CYCLES,
      maxMs: MAX_MS,
      atOnce: AT_ONCE,
      cycle: (kind) => cycle(server.port, kind),
      during: () => ada.send(`tick ${ticks++}\n`),
    });
    const fds = await fdsSettle(pid, fdsBefore);
    console.log(`TLS chaos: ${run.total} cycles (${describeCycles(run)}) in ${ms(run.elapsedMs)}; fds ${fdsBefore} -> ${fds}`);

    expect(run.total).toBeGreaterThanOrEqual(500);
    expect(Math.min(...run.done.values())).toBeGreaterThan(0);
    expect(fds).toBe(fdsBefore);
    expect(() => process.kill(pid, 0)).not.toThrow(); // the same process, still there
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr.all.filter((line) => !/^tcpchat: (listening on|TLS certificate|history is kept)/.test(line))).toEqual([]);
    // The chat went on through all of it: every tick reached the server, and it still answers.
    await server.stdout.waitFor(`<guest-1> tick ${ticks - 1}`);
    ada.send('/who\n');
    expect(await ada.lines.waitFor(/^\* online /)).toMatch(online(2, 'server, guest-1'));
  });
});
