// GET /exports/<token>: a workspace export's archive, once (src/services/workspaceExport.ts). The token in the path is
// the credential, like a password reset link's; nothing else is asked, so the link works in a browser.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { downloadWorkspaceExport, EXPORT_PATH } from '../services/workspaceExport.js';
import type { ServiceDeps } from '../services/deps.js';
import { pathnameOf, sendJson, type Route } from './routes.js';

// The link is a credential: no page it leads from or to may learn it, and no cache may keep what it answers.
const PRIVATE = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

export function exportRoutes(deps: Pick<ServiceDeps, 'pool' | 'logger'>): Route[] {
  return [
    {
      path: `${EXPORT_PATH}/*`,
      methods: ['GET'],
      // Failures are logged here, without the path: the server's own handler would log it, and the token with it.
      handle: (request, response) =>
        serveExport(deps, request, response).catch((error: Error) => {
          deps.logger.error('could not serve a workspace export', { error: String(error.stack ?? error) });
          if (!response.headersSent) sendJson(response, 500, { error: 'internal error' }, PRIVATE);
          else response.destroy();
        }),
    },
  ];
}

async function serveExport(deps: Pick<ServiceDeps, 'pool'>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // HEAD must not spend the one download (link checkers and previews send it).
  if (request.method !== 'GET') return sendJson(response, 405, { error: 'Download the archive with GET' }, { allow: 'GET', ...PRIVATE });
  // Tokens are base64url: anything else (an escape, a slash) names no export.
  const token = pathnameOf(request).slice(EXPORT_PATH.length + 1);
  const download = /^[A-Za-z0-9_-]{1,100}$/.test(token) ? await downloadWorkspaceExport(deps, token) : ({ kind: 'notFound' } as const);
  switch (download.kind) {
    case 'archive':
      response.writeHead(200, {
        'content-type': 'application/gzip',
        'content-length': download.archive.length,
        'content-disposition': `attachment; filename="${download.filename}"`,
        'x-content-type-options': 'nosniff',
        ...PRIVATE,
      });
      response.end(download.archive);
      return;
    case 'notReady':
      return sendJson(
        response,
        409,
        { error: 'This export is still being built: try again in a moment (workspaceExports shows when it is READY)' },
        { 'retry-after': '5', ...PRIVATE },
      );
    case 'gone':
      return sendJson(response, 410, { error: download.why }, PRIVATE);
    default:
      return sendJson(response, 404, { error: 'No export has this link' }, PRIVATE);
  }
}
