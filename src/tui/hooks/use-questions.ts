/**
 * The questions the shared access code asks while a pool is opened (the password, "remember it
 * in the keychain?", the first-contact certificate question), answered on the connect screen.
 * access/ asks through a TtyPrompter and an `ask(peer)` hook; here both become React state
 * that the screen renders as inputs and menus, and each answer resolves the pending promise.
 * So the TUI takes passwords from the same sources, in the same order, as a headless run.
 */
import { useMemo, useRef, useState } from 'react';
import type { TtyPrompter } from '../../access/io.js';
import type { Peer } from '../../xapi/tls-trust.js';
import type { Verdict } from '../../xapi/trust-policy.js';

export type Question =
  | { kind: 'text'; question: string; masked: boolean; answer(text: string): void }
  /** A question ending in "[y/N]" is a confirmation: a menu, No first. */
  | { kind: 'yes-no'; question: string; answer(yes: boolean): void }
  | { kind: 'trust'; peer: Peer; answer(verdict: Verdict): void };

export interface Questions {
  current: Question | null;
  prompter: TtyPrompter;
  askTrust(peer: Peer): Promise<Verdict>;
  /** Answers whatever is pending as a refusal (leaving the screen, Escape). */
  dismiss(): void;
}

export function useQuestions(): Questions {
  const [current, setCurrent] = useState<Question | null>(null);
  const pending = useRef<Question | null>(null);
  const show = (q: Question | null) => {
    pending.current = q;
    setCurrent(q);
  };

  return useMemo(() => {
    const prompter: TtyPrompter = {
      ask: (question, options) =>
        new Promise<string>((resolve) => {
          const done = (text: string) => {
            show(null);
            resolve(text);
          };
          const text = question.trim();
          if (/\[y\/N\]$/i.test(text)) show({ kind: 'yes-no', question: text.replace(/\s*\[y\/N\]$/i, ''), answer: (yes) => done(yes ? 'y' : 'n') });
          else show({ kind: 'text', question: text, masked: options?.masked === true, answer: done });
        }),
    };
    const askTrust = (peer: Peer) =>
      new Promise<Verdict>((resolve) => {
        show({
          kind: 'trust',
          peer,
          answer: (verdict) => {
            show(null);
            resolve(verdict);
          },
        });
      });
    const dismiss = () => {
      const q = pending.current;
      if (!q) return;
      if (q.kind === 'text') q.answer('');
      else if (q.kind === 'yes-no') q.answer(false);
      else q.answer('cancel');
    };
    return { current, prompter, askTrust, dismiss };
    // The functions are stable; only `current` changes.
  }, [current]);
}
