// The loopback "network" of the bench: answers every POST like a webhook receiver does (200 with {id, url}) and
// does nothing else, so the figures measure PostFlow, not the fake. It counts requests per path (one path per
// bench channel) and per Idempotency-Key, which is how a duplicate publish shows up.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchReceiver {
  /** Base URL; a channel's hook URL is `${url}/hook/<label>`. */
  url: string;
  /** Requests received on /hook/<label>. */
  requests(label: string): number;
  /** Idempotency-Keys seen more than once on /hook/<label>. */
  duplicates(label: string): number;
  stop(): Promise<void>;
}

interface Tally {
  requests: number;
  keys: Set<string>;
  duplicates: number;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const tallies = new Map<string, Tally>();
  const tally = (label: string) => {
    let t = tallies.get(label);
    if (!t) tallies.set(label, (t = { requests: 0, keys: new Set(), duplicates: 0 }));
    return t;
  };
  let counter = 0;
  let baseUrl = '';

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // The body must be drained for the connection to be reused, but nothing in it is needed.
    req.on('data', noop);
    req.on('end', () => {
      const label = (req.url ?? '/').split('/')[2] ?? '';
      const t = tally(label);
      t.requests += 1;
      const key = req.headers['idempotency-key'];
      if (typeof key === 'string') {
        if (t.keys.has(key)) t.duplicates += 1;
        else t.keys.add(key);
      }
      const id = `rcv_${++counter}`;
      const body = JSON.stringify({ id, url: `${baseUrl}/posts/${id}` });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  // Longer than undici's idle timeout, so the client never races a server-side close on a reused socket.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests: (label) => tallies.get(label)?.requests ?? 0,
    duplicates: (label) => tallies.get(label)?.duplicates ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function noop() {}
