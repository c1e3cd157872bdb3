/**
 * Types for the xen-api 4.7 client (Vates), which ships none (xapi-notes §1.13). Only what we
 * use is declared; values are `unknown` where the transport changes their type (ints are
 * strings over XML-RPC and numbers over JSON-RPC).
 */
declare module 'xen-api' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingHttpHeaders } from 'node:http';
  import type { Readable } from 'node:stream';

  export type OpaqueRef = string;

  export interface XapiObject {
    readonly $type: string;
    readonly $ref: OpaqueRef;
    readonly $id: string;
    readonly [field: string]: unknown;
  }

  export interface XapiErrorLike extends Error {
    code: string;
    params: string[];
    call?: { method: string; params: unknown; duration: number };
    url?: string;
    task?: unknown;
  }

  export interface CreateClientOptions {
    url: string;
    auth?: { user: string; password: string } | { sessionId: string };
    allowUnauthorized?: boolean;
    readOnly?: boolean;
    httpProxy?: string;
    callTimeout?: number | Record<string, number> | ((method: string, args: unknown[]) => number);
    transport?: 'auto' | 'json-rpc' | 'xml-rpc';
    watchEvents?: boolean | string[];
    debounce?: number;
    eventPollDelay?: number;
    httpInactivityTimeout?: number;
    callConcurrency?: number;
    syncStackTraces?: boolean;
  }

  /** promise-toolbox's CancelToken, structurally. */
  export interface CancelTokenLike {
    promise: Promise<unknown>;
    reason?: unknown;
  }

  export interface ResourceOptions {
    host?: XapiObject;
    query?: Record<string, string>;
    task?: boolean | string | Promise<string>;
  }

  export interface ResourceResponse {
    statusCode: number;
    headers: IncomingHttpHeaders;
    body: Readable;
    task?: Promise<unknown>;
  }

  export interface ObjectCollection extends EventEmitter {
    readonly all: Record<string, XapiObject>;
    readonly size: number;
    readonly indexes: { type: Record<string, Record<string, XapiObject> | undefined> };
  }

  export class Xapi extends EventEmitter {
    constructor(options: CreateClientOptions);
    readonly status: 'disconnected' | 'connecting' | 'connected';
    readonly sessionId: string;
    readonly pool: XapiObject;
    readonly objects: ObjectCollection;
    readonly objectsFetched: Promise<void>;
    readonly connected: Promise<void>;
    readonly disconnected: Promise<void>;
    readOnly: boolean;
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
    callAsync<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
    callAsync<T = unknown>(cancelToken: CancelTokenLike, method: string, ...args: unknown[]): Promise<T>;
    createTask(label: string, description?: string): Promise<OpaqueRef>;
    watchTask<T = unknown>(ref: OpaqueRef | XapiObject): Promise<T>;
    getObject(idOrUuidOrRef: string, defaultValue?: unknown): XapiObject;
    getObjectByRef(ref: OpaqueRef, defaultValue?: unknown): XapiObject;
    getObjectByUuid(uuid: string, defaultValue?: unknown): XapiObject;
    getRecord(type: string, ref: OpaqueRef): Promise<XapiObject>;
    getRecordByUuid(type: string, uuid: string): Promise<XapiObject>;
    getAllRecords(type: string): Promise<XapiObject[]>;
    getField<T = unknown>(type: string, ref: OpaqueRef, field: string): Promise<T>;
    setField(type: string, ref: OpaqueRef, field: string, value: unknown): Promise<void>;
    barrier(ref?: OpaqueRef): Promise<void>;
    getResource(pathname: string, options?: ResourceOptions): Promise<ResourceResponse>;
    getResource(cancelToken: CancelTokenLike, pathname: string, options?: ResourceOptions): Promise<ResourceResponse>;
    putResource(body: unknown, pathname: string, options?: ResourceOptions): Promise<unknown>;
    putResource(cancelToken: CancelTokenLike, body: unknown, pathname: string, options?: ResourceOptions): Promise<unknown>;
  }

  export function createClient(options: CreateClientOptions): Xapi;

  export const Ref: {
    readonly EMPTY: 'OpaqueRef:NULL';
    is(value: unknown): boolean;
    isNotEmpty(value: unknown): boolean;
  };
}
