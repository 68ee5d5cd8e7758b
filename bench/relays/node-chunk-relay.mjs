#!/usr/bin/env node
// The floor: a minimal bare-Node relay. Each read chunk's complete lines (with any partial line
// carried over from the previous chunk) are forwarded as one buffer, written unchanged to every
// other client. No framing beyond finding the last newline, no prefix, no sanitising.
// A client whose unsent output passes SEND_QUEUE bytes is cut off alone (tcpchat's policy).
//
//   node bench/relays/node-chunk-relay.mjs [--host 127.0.0.1] [--port 0]
import { createServer } from 'node:net';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const host = arg('--host', '127.0.0.1');
const port = Number(arg('--port', '0'));
const SEND_QUEUE = 1024 * 1024;
const LF = 0x0a;

const clients = new Set();

const server = createServer({ noDelay: true }, (socket) => {
  clients.add(socket);
  let pending = null; // an incomplete line from earlier chunks
  socket.on('data', (chunk) => {
    const last = chunk.lastIndexOf(LF);
    if (last === -1) {
      pending = pending ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
      return;
    }
    let out = chunk.subarray(0, last + 1);
    if (pending) {
      out = Buffer.concat([pending, out]);
      pending = null;
    }
    if (last + 1 < chunk.length) pending = Buffer.from(chunk.subarray(last + 1));
    for (const other of clients) {
      if (other === socket) continue;
      other.write(out);
      if (other.writableLength > SEND_QUEUE) {
        process.stderr.write(`node-chunk-relay: cut off a slow reader (${other.writableLength} bytes queued)\n`);
        clients.delete(other);
        other.destroy();
      }
    }
  });
  const gone = () => clients.delete(socket);
  socket.on('close', gone);
  socket.on('error', gone);
});
server.listen({ host, port, backlog: 4096 }, () => {
  const a = server.address();
  process.stderr.write(`node-chunk-relay: listening on ${a.address}:${a.port}\n`);
});
// SIGTERM and SIGINT keep their default action: the process ends at once, even in the middle of
// a long synchronous burst of writes (a JS handler would wait for it). Under --cpu-prof the
// profile is only written on a normal exit, so then SIGTERM exits normally.
if (process.execArgv.some((a) => a.startsWith('--cpu-prof'))) process.on('SIGTERM', () => process.exit(0));
