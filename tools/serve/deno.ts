/**
 * @fileoverview Deno adapter: `Deno.serve` with the service's Web-standard handler (Service.fetch enforces the body
 * size and time limits while reading). Loaded only under Deno; nothing here runs on Node.
 */

import type { Service } from './service.js';
import type { Listening } from './node.js';

interface DenoServer {
  finished: Promise<void>;
  addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
}
interface DenoNamespace {
  serve(options: { hostname?: string; port?: number; onListen?: (addr: { hostname: string; port: number }) => void }, handler: (r: Request) => Response | Promise<Response>): DenoServer;
}

/** True when running under Deno. */
export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === 'object';
}

/** Serves `service` with Deno.serve on `host` (default 127.0.0.1) and `port` (default 8080; 0 picks a free one). */
export async function listenDeno(service: Service, options: { host?: string; port?: number } = {}): Promise<Omit<Listening, 'server'>> {
  const Deno = (globalThis as unknown as { Deno: DenoNamespace }).Deno;
  let listened!: (a: { hostname: string; port: number }) => void;
  const ready = new Promise<{ hostname: string; port: number }>((r) => { listened = r; });
  const server = Deno.serve({ hostname: options.host ?? '127.0.0.1', port: options.port ?? 8080, onListen: (a) => listened(a) }, (r) => service.fetch(r));
  const a = await ready;
  const host = a.hostname.includes(':') ? `[${a.hostname}]` : a.hostname;
  return { url: `http://${host}:${a.port}`, port: a.port, close: () => server.shutdown() };
}
