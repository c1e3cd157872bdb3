/**
 * JSON-RPC as XAPI speaks it (xapi-notes §2.3): v2 requests carry "jsonrpc":"2.0" and get
 * {jsonrpc, result|error:{code:1, message:CODE, data:[params]}, id}; v1 requests get
 * {result, error:null|[CODE, ...params], id}. The reply content-type is exactly
 * "application/json": xen-api falls back to XML-RPC on anything else.
 */
import { XapiFailure } from '../errors.js';
import type { RpcRequest } from './xmlrpc.js';

export interface JsonRpcRequest extends RpcRequest {
  id: string | number;
  v2: boolean;
}

export class JsonRpcMalformed extends Error {}

export function parseJsonRpcCall(body: string): JsonRpcRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    throw new JsonRpcMalformed('body is not JSON');
  }
  if (typeof msg !== 'object' || msg === null) throw new JsonRpcMalformed('not an object');
  const { method, params, id, jsonrpc } = msg as Record<string, unknown>;
  if (typeof method !== 'string') throw new JsonRpcMalformed('no method');
  if (typeof id !== 'string' && typeof id !== 'number') throw new JsonRpcMalformed('id must be a string or a number');
  return { method, params: Array.isArray(params) ? params : [], id, v2: jsonrpc === '2.0' };
}

export function jsonRpcSuccess(req: JsonRpcRequest, result: unknown): string {
  return JSON.stringify(req.v2 ? { jsonrpc: '2.0', result, id: req.id } : { result, error: null, id: req.id });
}

export function jsonRpcFailure(req: JsonRpcRequest, failure: XapiFailure): string {
  return JSON.stringify(
    req.v2
      ? { jsonrpc: '2.0', error: { code: 1, message: failure.code, data: failure.params }, id: req.id }
      : { result: null, error: failure.description, id: req.id },
  );
}
