/**
 * The simulator's HTTP(S) front: one listener per pool member (all on one port, on 127.0.0.1,
 * 127.0.0.2, ...), so a login at a member's address can answer HOST_IS_SLAVE like a real pool.
 * Routing follows XAPI: POST goes to JSON-RPC under /jsonrpc and to XML-RPC anywhere else;
 * GET/PUT go to the resource handler with the longest matching path prefix.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from '../rpc/dispatch.js';
import type { SimState } from '../state.js';
import { handleJsonRpc, handleXmlRpc } from './rpc-endpoint.js';

export type Handler = (sim: SimState, req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface Routes {
  GET: Record<string, Handler>;
  PUT: Record<string, Handler>;
}

export interface Tls {
  key: string;
  cert: string;
}

function longestPrefix(table: Record<string, Handler>, path: string): Handler | undefined {
  const match = Object.keys(table)
    .filter((prefix) => path.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return match === undefined ? undefined : table[match];
}

function router(sim: SimState, dispatcher: Dispatcher, routes: Routes) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const run = async () => {
      if (req.method === 'POST') {
        if (url.pathname.startsWith('/jsonrpc')) return handleJsonRpc(sim, dispatcher, req, res);
        return handleXmlRpc(sim, dispatcher, req, res);
      }
      const table = req.method === 'GET' || req.method === 'HEAD' ? routes.GET : req.method === 'PUT' ? routes.PUT : {};
      sim.calls.add({
        kind: 'http',
        name: `${req.method} ${url.pathname}`,
        params: Object.fromEntries(url.searchParams),
        localAddress: req.socket.localAddress ?? '',
      });
      const handler = longestPrefix(table, url.pathname);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'text/html', Connection: 'close' });
        res.end('<html><body><h1>HTTP 404 not found</h1></body></html>');
        return;
      }
      return handler(sim, req, res);
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/html', Connection: 'close' });
        res.end(`<html><body><h1>HTTP 500 internal server error</h1>${String(err)}</body></html>`);
      } else {
        res.destroy();
      }
    });
  };
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Listens on every address (same port; `port` 0 picks a free one for the first address). */
export async function listen(sim: SimState, dispatcher: Dispatcher, routes: Routes, addresses: string[], port: number, tlsAt: (address: string) => Tls | null): Promise<Listening> {
  const servers: Server[] = [];
  const handler = router(sim, dispatcher, routes);
  let actualPort = port;
  for (const address of addresses) {
    const tls = tlsAt(address);
    const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler) : createHttpServer(handler);
    // Exports can be idle for a long time (a stalled stream); never time them out here.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(actualPort, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    actualPort = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port: actualPort,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
