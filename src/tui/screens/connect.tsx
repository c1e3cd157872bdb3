/**
 * The connect screen: a known pool from the settings or a new one (URL, user), then the same
 * openPool a headless run uses, with its questions answered here, in its order: the certificate
 * (once the pool answered), then the password and the keychain. Failures are shown in plain words with their code (the XAPI code for pool errors) and
 * the hint, with a menu to retry, pick another pool or quit.
 */
import { Box, Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { credentialsAccepted, credentialSourceFor, type PasswordFlags } from '../../access/credentials.js';
import type { CliIo } from '../../access/io.js';
import { openPool, type TrustFlags } from '../../access/pool-access.js';
import { VmbackupError } from '../../errors.js';
import { SettingsStore } from '../../settings/store.js';
import type { PoolConnection } from '../../xapi/connection.js';
import type { PoolTarget } from '../../xapi/target.js';
import { Menu } from '../components/menu-view.js';
import { QuestionView } from '../components/question-view.js';
import { TextField } from '../components/text-field.js';
import { useKeys } from '../hooks/use-keys.js';
import { useQuestions } from '../hooks/use-questions.js';

export interface ConnectScreenProps {
  io: CliIo;
  /** --pool (and --user): connect at once, without the list. */
  initial?: PoolTarget | undefined;
  trust: TrustFlags;
  passwords: PasswordFlags;
  onConnected(conn: PoolConnection, target: PoolTarget, notes: string[]): void;
  onQuit(): void;
  /** "Browse the backups": the Backups screen of `backupDir` before (or without) a pool. */
  onBackups?(): void;
  backupDir?: string;
  /** Why the screen shows again (a backup picked without a pool: connect to restore it). */
  note?: string | null;
}

type Step = { name: 'choose' } | { name: 'url'; value: string; problem?: string } | { name: 'user'; url: string; value: string } | { name: 'connecting'; target: PoolTarget } | { name: 'failed'; target: PoolTarget; error: { code: string; message: string; hint?: string } };

/** "xcp1" and "xcp1:8443" mean https://; anything else must parse as an http(s) URL. */
export function poolUrlOf(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(t) ? t : `https://${t}`);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

function knownPools(io: CliIo): { pools: PoolTarget[]; problem: string | null } {
  try {
    return { pools: SettingsStore.open(io.env).knownPools().map((p) => ({ url: p.url, user: p.user })), problem: null };
  } catch (err) {
    return { pools: [], problem: (err as Error).message };
  }
}

export function ConnectScreen(props: ConnectScreenProps) {
  const [step, setStep] = useState<Step>(props.initial ? { name: 'connecting', target: props.initial } : { name: 'choose' });
  const [notes, setNotes] = useState<string[]>([]);
  const questions = useQuestions();
  const attempt = useRef(0);

  useEffect(() => {
    if (step.name !== 'connecting') return;
    const mine = ++attempt.current;
    const collected: string[] = [];
    // access/ reports on stderr (pins saved, password source warnings): shown here instead,
    // since a write to the terminal would tear Ink's frame.
    const note = (text: string) => {
      for (const line of text.split('\n')) if (line.trim() !== '') collected.push(line.replace(/^vmbackup: /, ''));
      if (attempt.current === mine) setNotes([...collected]);
    };
    const io: CliIo = { ...props.io, stdout: note, stderr: note, tty: questions.prompter };
    let conn: PoolConnection | null = null;
    (async () => {
      conn = await openPool(io, step.target, credentialSourceFor(io, props.passwords), props.trust, { ask: questions.askTrust, face: 'tui' });
      await credentialsAccepted(io);
      try {
        SettingsStore.open(io.env).rememberPool(step.target);
      } catch (err) {
        note(`warning: the pool was not added to the known pools: ${(err as Error).message}`);
      }
      if (attempt.current !== mine) return void (await conn.close());
      props.onConnected(conn, step.target, collected);
    })().catch((err: unknown) => {
      if (attempt.current !== mine) return;
      const e = err instanceof VmbackupError ? { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), hint: 'this is a bug in vmbackup; please report it' };
      setStep({ name: 'failed', target: step.target, error: e });
    });
  }, [step]);

  useKeys(({ input, key }) => {
    if (key.escape) {
      if (step.name === 'url' || step.name === 'user') setStep({ name: 'choose' });
      else if (step.name === 'connecting') questions.dismiss();
    }
    if (key.ctrl && input === 'c') {
      questions.dismiss();
      props.onQuit();
    }
  });

  return (
    <Box flexDirection="column">
      <Text bold>vmbackup: connect to a pool</Text>
      <Text> </Text>
      {props.note ? (
        <Text color="yellow" wrap="wrap">
          {props.note}
        </Text>
      ) : null}
      <StepView step={step} setStep={setStep} io={props.io} onQuit={props.onQuit} onBackups={props.onBackups} backupDir={props.backupDir} />
      {step.name === 'connecting' && questions.current ? <QuestionView question={questions.current} /> : null}
      {notes.map((n, i) => (
        <Text key={i} dimColor wrap="wrap">
          {n}
        </Text>
      ))}
    </Box>
  );
}

function StepView({ step, setStep, io, onQuit, onBackups, backupDir }: { step: Step; setStep(s: Step): void; io: CliIo; onQuit(): void; onBackups?: (() => void) | undefined; backupDir?: string | undefined }) {
  const [known] = useState(() => knownPools(io));
  switch (step.name) {
    case 'choose': {
      const items = [
        ...known.pools.map((p) => ({ key: `${p.user}@${p.url}`, label: `${p.user} @ ${p.url}`, value: p as PoolTarget | 'new' | 'backups' | 'quit' })),
        { key: 'new', label: 'Connect to a new pool...', value: 'new' as const },
        ...(onBackups ? [{ key: 'backups', label: `Backups: browse ${backupDir ?? 'backup_dir'} (restore asks for a pool)`, value: 'backups' as const }] : []),
        { key: 'quit', label: 'Quit', value: 'quit' as const },
      ];
      return (
        <Box flexDirection="column">
          {known.problem ? <Text color="yellow">{known.problem}</Text> : null}
          <Text>{known.pools.length > 0 ? 'Known pools:' : 'No known pools yet.'}</Text>
          <Menu
            items={items}
            limit={12}
            onSelect={(item) => {
              if (item.value === 'quit') onQuit();
              else if (item.value === 'backups') onBackups?.();
              else if (item.value === 'new') setStep({ name: 'url', value: '' });
              else setStep({ name: 'connecting', target: item.value });
            }}
          />
        </Box>
      );
    }
    case 'url':
      return (
        <Box flexDirection="column">
          <Box>
            <Text>Pool master URL: </Text>
            <TextField
              key="url"
              initial={step.value}
              placeholder="https://xcp-master.example.com"
              onSubmit={(value) => {
                const url = poolUrlOf(value);
                if (url === null) setStep({ name: 'url', value, problem: `"${value}" is not a pool address: write a host name or https://host[:port]` });
                else setStep({ name: 'user', url, value: 'root' });
              }}
            />
          </Box>
          {step.problem ? <Text color="red">{step.problem}</Text> : null}
          <Text dimColor>enter: next   esc: back</Text>
        </Box>
      );
    case 'user':
      return (
        <Box flexDirection="column">
          <Text>Pool master URL: {step.url}</Text>
          <Box>
            <Text>User: </Text>
            <TextField key="user" initial={step.value} onSubmit={(value) => value.trim() !== '' && setStep({ name: 'connecting', target: { url: step.url, user: value.trim() } })} />
          </Box>
          <Text dimColor>enter: connect   esc: back</Text>
        </Box>
      );
    case 'connecting':
      return <Text>Connecting to {step.target.url} as {step.target.user}...</Text>;
    case 'failed':
      return (
        <Box flexDirection="column">
          <Text color="red" wrap="wrap">
            Could not connect to {step.target.url} as {step.target.user}: {step.error.message} [{step.error.code}]
          </Text>
          {step.error.hint ? <Text wrap="wrap">fix: {step.error.hint}</Text> : null}
          <Text> </Text>
          <Menu
            items={[
              { label: 'Try again', value: 'retry' },
              { label: 'Choose another pool', value: 'choose' },
              { label: 'Quit', value: 'quit' },
            ]}
            onSelect={(item) => {
              if (item.value === 'retry') setStep({ name: 'connecting', target: step.target });
              else if (item.value === 'choose') setStep({ name: 'choose' });
              else onQuit();
            }}
          />
        </Box>
      );
  }
}
