'use strict';
/**
 * The backend every proxy in the benchmarks forwards to: a Node HTTP server on 127.0.0.1 answering
 * 200 with an 11-byte JSON body. Plain JavaScript, started with `node`, so that the backends cost the
 * same whichever proxy is measured.
 *
 *   node bench/backend.js PORT [--flap UP_SECONDS,DOWN_SECONDS,OFFSET_SECONDS]
 *
 * With --flap (used by `npm run soak`) the health-check path /health answers 503 for DOWN_SECONDS out
 * of every UP_SECONDS + DOWN_SECONDS, starting OFFSET_SECONDS into the cycle, so the load balancer in
 * front sees the target turn unhealthy and healthy again; other paths keep answering 200.
 */
const http = require('node:http');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node bench/backend.js PORT [--flap UP,DOWN,OFFSET]');
  process.exit(2);
}
const flapAt = process.argv.indexOf('--flap');
const flap = flapAt > 0 ? process.argv[flapAt + 1].split(',').map(Number) : undefined;
const started = Date.now();

function healthy() {
  if (!flap) return true;
  const [up, down, offset] = flap;
  const t = ((Date.now() - started) / 1000 + offset) % (up + down);
  return t < up;
}

const body = '{"ok":true}';
http
  .createServer((req, res) => {
    if (req.url === '/health' && !healthy()) {
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '4' });
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
    res.end(body);
  })
  .listen(port, '127.0.0.1');
