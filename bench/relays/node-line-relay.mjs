#!/usr/bin/env node
// The naive line-aware relay: splits each read chunk into lines and writes each line
// separately to each other client (one write per line per recipient). No prefix.
// A client whose unsent output passes SEND_QUEUE bytes is cut off alone (tcpchat's policy).
//
//   node bench/relays/node-line-relay.mjs [--host 127.0.0.1] [--port 0]
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
  let pending = null;
  socket.on('data', (chunk) => {
    let from = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, from)) {
      let line = chunk.subarray(from, nl + 1);
      if (pending) {
        line = Buffer.concat([pending, line]);
        pending = null;
      }
      from = nl + 1;
      for (const other of clients) {
        if (other === socket) continue;
        other.write(line);
        if (other.writableLength > SEND_QUEUE) {
          process.stderr.write(`node-line-relay: cut off a slow reader (${other.writableLength} bytes queued)\n`);
          clients.delete(other);
          other.destroy();
        }
      }
    }
    if (from < chunk.length) {
      const tail = chunk.subarray(from);
      pending = pending ? Buffer.concat([pending, tail]) : Buffer.from(tail);
    }
  });
  const gone = () => clients.delete(socket);
  socket.on('close', gone);
  socket.on('error', gone);
});
server.listen({ host, port, backlog: 4096 }, () => {
  const a = server.address();
  process.stderr.write(`node-line-relay: listening on ${a.address}:${a.port}\n`);
});
// SIGTERM and SIGINT keep their default action: the process ends at once, even in the middle of
// a long synchronous burst of writes (a JS handler would wait for it). Under --cpu-prof the
// profile is only written on a normal exit, so then SIGTERM exits normally.
if (process.execArgv.some((a) => a.startsWith('--cpu-prof'))) process.on('SIGTERM', () => process.exit(0));
