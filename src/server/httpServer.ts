// The one HTTP server of a PostFlow process, whatever its role: it listens on HOST:PORT and hands each request
// (and each WebSocket upgrade) to the route table. Until the process has started, paths not yet routed answer 503,
// so a client that arrives early is told to retry instead of that the path does not exist.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { pathnameOf, sendJson, type RouteTable } from './routes.js';

export interface HttpServer {
  /** Where this process listens, e.g. http://127.0.0.1:4000 (not the public URL). */
  url: string;
  port: number;
  /** From now on, unknown paths answer 404 rather than 503 "starting". */
  markStarted(): void;
  /**
   * Stops accepting connections and waits for requests in progress, at most drainMs: after that, connections still
   * open (a long SSE subscription, a slow client) are cut, so shutdown never waits on a client.
   */
  stop(drainMs?: number): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: RouteTable;
  logger: Logger;
}

export async function startHttpServer({ host, port, routes, logger }: HttpServerOptions): Promise<HttpServer> {
  let started = false;
  const unrouted = (method: string): [number, object, Record<string, string>] =>
    started ? [404, { error: `nothing here: ${method} is not served on this path by this process` }, {}] : [503, { error: 'starting: try again shortly' }, { 'retry-after': '1' }];

  const server = http.createServer((request, response) => {
    const method = request.method ?? 'GET';
    const match = routes.match(method, pathnameOf(request));
    if (!match) return sendJson(response, ...unrouted(method));
    if ('allowed' in match) return sendJson(response, 405, { error: `use ${match.allowed.join(', ')}` }, { allow: match.allowed.join(', ') });
    Promise.resolve()
      .then(() => match.route.handle(request, response))
      .catch((error: unknown) => {
        logger.error('HTTP handler failed', { path: pathnameOf(request), error: String((error as Error)?.stack ?? error) });
        if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
        else response.destroy();
      });
  });
  server.on('upgrade', (request, socket, head) => {
    const match = routes.match('GET', pathnameOf(request));
    if (match && 'route' in match && match.route.upgrade) return match.route.upgrade(request, socket, head);
    const [status] = unrouted('GET');
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} on ${host} is taken: set PORT to a free port (each PostFlow process on a host needs its own).`) : error),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let stopping: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${bound}`,
    port: bound,
    markStarted: () => {
      started = true;
    },
    stop: (drainMs = 3000) =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), drainMs);
        cut.unref();
        server.once('close', () => clearTimeout(cut));
      })),
  };
}
