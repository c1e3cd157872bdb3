/**
 * event.inject and the blocking event.from (xapi-notes §2.4): answer as soon as at least one
 * matching object changed after the token, else wait up to `timeout` seconds and answer an
 * empty batch. One event per object, carrying its latest state; `valid_ref_counts` keyed by
 * lowercase class name (xen-api compares its `task` entry with its own task count).
 */
import { XapiFailure } from '../errors.js';
import type { Store } from '../db/store.js';
import type { Registry } from '../rpc/registry.js';
import type { WireEvent } from '../rpc/wire.js';
import type { ClassDef } from '../schema/types.js';
import { t } from '../schema/types.js';
import { xapiTimestamp } from '../time.js';

/** XAPI's token looks like "%020d,%020d"; the first number is our generation. */
export function makeToken(generation: number): string {
  return `${String(generation).padStart(20, '0')},${'0'.repeat(20)}`;
}

function parseToken(token: string): number {
  if (token === '') return 0;
  const m = /^(\d+)(?:,\d+)?$/.exec(token);
  if (!m) throw new XapiFailure('EVENT_FROM_TOKEN_PARSE_FAILURE', [token]);
  return Number(m[1]);
}

/** Class names (any case), "*", or "class/ref" (a single object). */
function resolveClasses(store: Store, names: string[]): { classes: Set<ClassDef> | 'all'; refs: Set<string> | null } {
  if (names.includes('*')) return { classes: 'all', refs: null };
  const classes = new Set<ClassDef>();
  let refs: Set<string> | null = null;
  for (const name of names) {
    const [cls, ref] = name.split('/');
    try {
      classes.add(store.classOf(cls!));
    } catch {
      continue; // XAPI ignores classes it does not know
    }
    if (ref) (refs ??= new Set()).add(ref);
  }
  return { classes, refs };
}

function waitForChange(store: Store, classes: Set<ClassDef> | 'all', deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown) => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => done(signal.reason);
    const timer = setTimeout(() => done(), Math.max(0, deadline - Date.now()));
    const unsubscribe = store.onChange((cls) => {
      if (classes === 'all' || classes.has(cls)) done();
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
  });
}

export function addEventMethods(registry: Registry): void {
  registry.add({
    name: 'event.inject',
    params: [
      { name: 'class', type: t.string },
      { name: 'ref', type: t.string },
    ],
    returns: t.string,
    run: ({ sim }, [cls, ref]) => {
      sim.store.expect(cls as string, ref);
      sim.store.touch(ref as string);
      return makeToken(sim.store.generation - 1);
    },
  });

  registry.add({
    name: 'event.from',
    params: [
      { name: 'classes', type: t.set(t.string) },
      { name: 'token', type: t.string },
      { name: 'timeout', type: t.float },
    ],
    returns: { kind: 'event-batch' },
    run: async ({ sim, session }, [names, token, timeout]) => {
      const { store } = sim;
      const since = parseToken(token as string);
      const { classes, refs } = resolveClasses(store, names as string[]);
      const deadline = Date.now() + Math.min(Number(timeout), 3600) * 1000;
      for (;;) {
        const changes = store.changesSince(since, classes);
        const rows = refs ? changes.rows.filter((r) => refs.has(r.ref)) : changes.rows;
        const deleted = refs ? changes.deleted.filter((d) => refs.has(d.ref)) : changes.deleted;
        if (rows.length + deleted.length > 0 || Date.now() >= deadline) {
          const now = xapiTimestamp();
          const events: WireEvent[] = [
            ...rows.map((r) => ({
              id: String(r.mtime),
              timestamp: now,
              class: r.cls.name.toLowerCase(),
              operation: r.ctime > since ? 'add' : 'mod',
              ref: r.ref,
              snapshot: r.record,
            })),
            ...deleted.map((d) => ({ id: String(d.gen), timestamp: now, class: d.cls.name.toLowerCase(), operation: 'del', ref: d.ref })),
          ];
          const counted = classes === 'all' ? store.classes : [...classes];
          const valid_ref_counts = Object.fromEntries(counted.map((c) => [c.name.toLowerCase(), store.count(c.name)]));
          return { events, valid_ref_counts, token: makeToken(store.generation) };
        }
        await waitForChange(store, classes, deadline, session!.closed.signal);
      }
    },
  });
}
