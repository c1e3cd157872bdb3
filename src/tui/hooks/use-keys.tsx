/**
 * Keys, one at a time, to whoever is on screen now.
 *
 * An Ink event may hold several keys (`jjj` held down, a paste, two Backspaces: see
 * state/key-split.ts). Ink's own useInput has two more ways to lose keys: it hands the whole
 * chunk to the handlers subscribed when the chunk arrived, and it subscribes a newly drawn
 * screen's handler in a passive effect, after the frame is on the terminal, so a key typed
 * right after a screen change (or the rest of a paste that changed the screen) went nowhere.
 *
 * The KeyRouter at the root is the one Ink input handler of the app, subscribed once. Screens
 * register with useKeys in a layout effect, which runs in the same commit that draws them, so
 * they hear every key from the moment they show. The router hands out a chunk one key at a
 * time: the first at once, each next one after React has drawn what the key before did, so the
 * rest of a paste reaches the screen it opened.
 *
 * useLiveState is state whose newest value a handler reads at once, for what the next key of
 * the same Ink event must see before React has drawn again.
 */
import { type Key, useInput } from 'ink';
import { createContext, type MutableRefObject, type ReactNode, useCallback, useContext, useLayoutEffect, useRef, useState } from 'react';
import { type KeyPress, splitKeys } from '../state/key-split.js';

type Listener = MutableRefObject<(press: KeyPress) => void>;

interface Router {
  add(listener: Listener): () => void;
}

const RouterContext = createContext<Router | null>(null);

export function KeyRouter({ children }: { children: ReactNode }) {
  const [listeners] = useState(() => new Set<Listener>());
  const [router] = useState<Router>(() => ({
    add(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  }));
  // Keys not yet handed out, in order; one drain at a time.
  const queue = useRef<KeyPress[]>([]);
  const draining = useRef(false);
  const onInput = useCallback((input: string, key: Key) => {
    queue.current.push(...splitKeys(input, key));
    if (draining.current) return;
    draining.current = true;
    const next = () => {
      const press = queue.current.shift();
      if (press === undefined) {
        draining.current = false;
        return;
      }
      for (const listener of [...listeners]) listener.current(press);
      // The next key waits for the event loop's next turn: React renders the updates of this
      // one in a microtask (or a task queued before this one), so by then the screen this key
      // opened is drawn and registered. A microtask here ran before React's, and the rest of
      // a chunk went to the screen that had left.
      if (queue.current.length > 0) setImmediate(next);
      else draining.current = false;
    };
    next();
  }, []);
  useInput(onInput);
  return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

/** Calls onKey with each key while `isActive` (default true); the newest onKey is called. */
export function useKeys(onKey: (press: KeyPress) => void, options: { isActive?: boolean } = {}): void {
  const router = useContext(RouterContext);
  const isActive = options.isActive ?? true;
  const latest = useRef(onKey);
  latest.current = onKey;
  useLayoutEffect(() => (router && isActive ? router.add(latest) : undefined), [router, isActive]);
  // Outside a KeyRouter (a component drawn on its own) it listens to Ink directly.
  const direct = useCallback((input: string, key: Key) => {
    for (const press of splitKeys(input, key)) latest.current(press);
  }, []);
  useInput(direct, { isActive: router === null && isActive });
}

export function useLiveState<T>(initial: T | (() => T)): [T, (next: T) => void, MutableRefObject<T>] {
  const [value, setValue] = useState(initial);
  const live = useRef(value);
  const set = useCallback((next: T) => {
    live.current = next;
    setValue(next);
  }, []);
  return [value, set, live];
}
