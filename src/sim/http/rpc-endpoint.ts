/**
 * POST /jsonrpc (JSON-RPC) and POST /, /xmlrpc, /RPC2 (XML-RPC). XAPI routes by longest path
 * prefix, which is why xen-api's POST /xmlrpc reaches the XML-RPC handler (xapi-notes §1.4).
 * Failures are answered with HTTP 200 and the XAPI error envelope; only a malformed request is
 * an HTTP 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asFailure } from '../errors.js';
import type { Dispatcher } from '../rpc/dispatch.js';
import { jsonRpcFailure, JsonRpcMalformed, jsonRpcSuccess, parseJsonRpcCall } from '../rpc/jsonrpc.js';
import { parseXmlRpcCall, xmlRpcBare, xmlRpcFailure, xmlRpcSuccess } from '../rpc/xmlrpc.js';
import type { SimState } from '../state.js';

const MAX_BODY = 64 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new JsonRpcMalformed('request too large');
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

function answer(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function malformed(res: ServerResponse, why: string): void {
  answer(res, 500, 'text/html', `<html><body><h1>HTTP 500 internal server error</h1>${why}</body></html>`);
}

export async function handleJsonRpc(sim: SimState, dispatcher: Dispatcher, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let call;
  try {
    call = parseJsonRpcCall(await readBody(req));
  } catch (err) {
    return malformed(res, (err as Error).message);
  }
  const localAddress = req.socket.localAddress ?? '';
  sim.calls.add({ kind: 'rpc', name: call.method, params: call.params, transport: 'json-rpc', localAddress });
  let body: string;
  try {
    const { value } = await dispatcher.call(call.method, call.params, localAddress);
    body = jsonRpcSuccess(call, value === undefined ? '' : value);
  } catch (err) {
    body = jsonRpcFailure(call, asFailure(err));
  }
  // Exactly this content-type: with "; charset=utf-8" xen-api would switch to XML-RPC.
  answer(res, 200, 'application/json', body);
}

export async function handleXmlRpc(sim: SimState, dispatcher: Dispatcher, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const localAddress = req.socket.localAddress ?? '';
  let call;
  try {
    call = parseXmlRpcCall(await readBody(req));
  } catch (err) {
    return answer(res, 200, 'text/xml', xmlRpcFailure(asFailure(err)));
  }
  sim.calls.add({ kind: 'rpc', name: call.method, params: call.params, transport: 'xml-rpc', localAddress });
  let body: string;
  try {
    const { value, type } = await dispatcher.call(call.method, call.params, localAddress);
    body = call.method === 'system.listMethods' ? xmlRpcBare(value, type) : xmlRpcSuccess(value, type);
  } catch (err) {
    body = xmlRpcFailure(asFailure(err));
  }
  answer(res, 200, 'text/xml', body);
}
