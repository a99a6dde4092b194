// The HTTP layer's route table: which module answers which path. Each feature (GraphQL, health, and later the
// console, Shopify, WordPress, metrics) contributes routes; the server only dispatches. Small on purpose: a
// worker-only process serves its health routes through it without loading any web framework.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => unknown;
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface Route {
  /** An exact path, or a prefix ending in `/*` that matches the prefix itself and everything below it. */
  path: string;
  /** Methods answered (HEAD comes with GET); omit to pass every method to the handler. */
  methods?: readonly string[];
  handle: RequestHandler;
  /** Protocol upgrades (WebSocket) on this path. */
  upgrade?: UpgradeHandler;
}

export type Match = { route: Route } | { allowed: string[] } | null;

export class RouteTable {
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: { prefix: string; route: Route }[] = [];

  add(...routes: Route[]): this {
    for (const route of routes) {
      if (!route.path.startsWith('/')) throw new Error(`a route's path must start with /: ${route.path}`);
      if (route.path.endsWith('/*')) {
        const prefix = route.path.slice(0, -2);
        if (this.prefixes.some((p) => p.prefix === prefix)) throw new Error(`two routes for ${route.path}`);
        this.prefixes.push({ prefix, route });
        this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length); // the most specific prefix wins
      } else {
        if (this.exact.has(route.path)) throw new Error(`two routes for ${route.path}`);
        this.exact.set(route.path, route);
      }
    }
    return this;
  }

  /** The route for a path and method; `allowed` when the path exists but not for this method. */
  match(method: string, pathname: string): Match {
    const route = this.exact.get(pathname) ?? this.prefixes.find((p) => pathname === p.prefix || pathname.startsWith(`${p.prefix}/`))?.route;
    if (!route) return null;
    if (!route.methods) return { route };
    const allowed = route.methods.includes('GET') && !route.methods.includes('HEAD') ? [...route.methods, 'HEAD'] : [...route.methods];
    return allowed.includes(method) ? { route } : { allowed };
  }
}

export function pathnameOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}
