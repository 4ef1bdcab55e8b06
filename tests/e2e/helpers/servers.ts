/**
 * Two local HTTP servers on 127.0.0.1 (two ports, so two origins): the page origin serves test pages, the
 * media origin serves images and videos without any CORS header, so the page cannot read their pixels.
 * Every request is recorded, for tests that check who fetched what.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface Route {
  /** Serves a file from disk (with Range support, which <video> needs) or a string body. */
  file?: string;
  body?: string;
  type: string;
  /** Extra response headers (e.g. a CORS header). */
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  origin: 'page' | 'media';
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestServers {
  pageOrigin: string;
  mediaOrigin: string;
  /** Routes by path; add to them after start (pages usually need the other origin's URL). */
  pageRoutes: Record<string, Route>;
  mediaRoutes: Record<string, Route>;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webm': 'video/webm',
  '.html': 'text/html; charset=utf-8',
};

export function typeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

async function serve(
  route: Route | undefined,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (!route) {
    res.writeHead(404).end('not found');
    return;
  }
  if (route.body !== undefined) {
    res
      .writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store', ...route.headers })
      .end(route.body);
    return;
  }
  const file = route.file!;
  const { size } = await stat(file);
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = range[1] ? Number(range[1]) : 0;
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.writeHead(206, {
      'content-type': route.type,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
      'accept-ranges': 'bytes',
      ...route.headers,
    });
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, {
    'content-type': route.type,
    'content-length': size,
    'accept-ranges': 'bytes',
    ...route.headers,
  });
  createReadStream(file).pipe(res);
}

function listen(
  origin: RecordedRequest['origin'],
  routes: Record<string, Route>,
  requests: RecordedRequest[],
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ origin, path: pathname, headers: req.headers });
    serve(routes[pathname], req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function startServers(): Promise<TestServers> {
  const requests: RecordedRequest[] = [];
  const pageRoutes: Record<string, Route> = {};
  const mediaRoutes: Record<string, Route> = {};
  const page = await listen('page', pageRoutes, requests);
  const media = await listen('media', mediaRoutes, requests);
  const url = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    pageOrigin: url(page),
    mediaOrigin: url(media),
    pageRoutes,
    mediaRoutes,
    requests,
    async close() {
      page.closeAllConnections();
      media.closeAllConnections();
      await Promise.all([page, media].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
