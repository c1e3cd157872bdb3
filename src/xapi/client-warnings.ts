/**
 * xen-api 4.7 reports what its event loop recovers from with `console.warn(tag, error)`: a
 * whole stack trace on stderr, again every few seconds while the pool is away (24 of them, 10 KB,
 * in one run against a dead pool), torn through the TUI's frame. It takes no logger option, so
 * console.warn is wrapped once: a call made from xen-api's code (its file is in the stack)
 * becomes one line for the open connections' logs; any other call goes through unchanged.
 */
import { inspect } from 'node:util';

type Sink = (line: string) => void;

const sinks = new Set<Sink>();
let installed = false;

/** xen-api's module file: `.../node_modules/xen-api/index.mjs`. */
const CLIENT_FRAME = /[\\/]node_modules[\\/]xen-api[\\/]/;

const MAX_LINE = 300;

/** One line for a warning's arguments: strings as they are, errors by code and message. */
export function warningLine(args: unknown[]): string {
  const parts = args.map((a) => {
    if (typeof a === 'string') return a;
    if (a instanceof Error) {
      const code = (a as { code?: unknown }).code;
      return typeof code === 'string' && !a.message.includes(code) ? `${a.message} (${code})` : a.message;
    }
    return inspect(a, { depth: 1, breakLength: Infinity, compact: true });
  });
  const line = parts.join(' ').replace(/\s+/g, ' ').trim();
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

function install(): void {
  if (installed) return;
  installed = true;
  const previous = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!CLIENT_FRAME.test(new Error().stack ?? '')) return previous.apply(console, args);
    // A warning from a client whose connection is closed has nobody to tell: dropped.
    const line = `xen-api: ${warningLine(args)}`;
    for (const sink of sinks) sink(line);
  };
}

/**
 * Sends the client's warnings to `sink` until the returned function is called. Each connection
 * deduplicates what it receives (see PoolConnection).
 */
export function captureClientWarnings(sink: Sink): () => void {
  install();
  sinks.add(sink);
  return () => void sinks.delete(sink);
}
