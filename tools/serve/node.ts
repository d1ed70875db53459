/**
 * @fileoverview Node adapter: a node:http server in front of a Service. It reads each body within the service's size
 * and time limits (413 / 408 as one-line JSON, then the connection closes) and hands plain values to `handle`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServeError } from './errors.js';
import { timedOut, tooLarge, type ServeReply, type Service } from './service.js';

export interface ListenOptions {
  /** Interface to bind (default 127.0.0.1: loopback only, so nothing is exposed unless asked). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
}

export interface Listening {
  server: Server;
  /** `http://host:port` actually bound. */
  url: string;
  port: number;
  /** Stops accepting, ends idle keep-alive connections, waits for replies in flight. */
  close(): Promise<void>;
}

function send(res: ServerResponse, r: ServeReply): void {
  // An explicit length: writeHead alone would make node send the body chunked. A flat [name, value, ...] list is
  // node's cheapest header form.
  const h: string[] = ['content-length', String(typeof r.body === 'string' ? Buffer.byteLength(r.body) : r.body.length)];
  for (const k in r.headers) h.push(k, r.headers[k]);
  res.writeHead(r.status, h);
  res.end(r.body);
}

/**
 * A body past the limit is still read (and dropped) up to this many bytes, so the 413 goes out on a connection that
 * stays usable; past it, or on a timeout, the reply closes the connection.
 */
function discardCap(limit: number): number {
  return Math.max(8 * limit, 8 << 20);
}

/** The request listener alone (for embedding in an existing node:http server). */
export function nodeHandler(service: Service): (req: IncomingMessage, res: ServerResponse) => void {
  const timeoutMs = service.options.requestTimeoutMs;
  return (req, res) => {
    const startedAt = performance.now();
    const method = req.method ?? 'GET', url = req.url ?? '/';
    const limit = service.bodyLimit(method, url), cap = discardCap(limit);
    let refused: ServeError | null = null;
    let replied = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = (e: ServeError, close: boolean) => {
      if (replied || res.destroyed) return;
      replied = true;
      clearTimeout(timer);
      send(res, service.adapterError(e, startedAt, close));
      if (close) {
        // Let the client read the reply before the socket goes: drop what it still sends, close soon after.
        req.resume();
        setTimeout(() => req.destroy(), 2000).unref();
      }
    };
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      if (Number(declared) > cap) return reply(tooLarge(limit, Number(declared)), true);
      refused = tooLarge(limit, Number(declared));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    timer = setTimeout(() => reply(timedOut(timeoutMs), true), timeoutMs);
    req.on('data', (c: Buffer) => {
      if (replied) return;
      size += c.length;
      if (size > cap) return reply(refused ?? tooLarge(limit), true);
      if (size > limit) refused ??= tooLarge(limit);
      if (!refused) chunks.push(c);
    });
    // An aborted request ends in 'close' without 'end' (node emits its 'error' only to listeners: none needed).
    req.on('close', () => clearTimeout(timer));
    req.on('end', () => {
      clearTimeout(timer);
      if (replied) return;
      if (refused) return reply(refused, false);
      replied = true;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      void service.handle({ method, url, header: (n) => req.headers[n] as string | undefined, body }, startedAt).then((r) => {
        if (!res.destroyed) send(res, r);
      });
    });
  };
}

/** Serves `service` with node:http. */
export function listenNode(service: Service, options: ListenOptions = {}): Promise<Listening> {
  const server = createServer({ keepAliveTimeout: 5000 }, nodeHandler(service));
  // Backstops for clients too slow to send their headers (the handler times bodies itself).
  server.headersTimeout = Math.min(60_000, service.options.requestTimeoutMs);
  server.requestTimeout = service.options.requestTimeoutMs + 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server, port: a.port, url: `http://${host}:${a.port}`,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        }),
      });
    });
  });
}
