/**
 * The simulator's state folder, shared by `vmbackup sim` and the TUI demo: what must stay the
 * same from one start to the next, so that a client that pinned the certificate, or a cfg saved
 * in the demo with its password file, still works after a restart. Without it every start made
 * a new certificate, and the second try of the README's steps met CERT_CHANGED.
 *
 * Where: --state DIR, else $VMBACKUP_SIM_STATE_DIR, else $XDG_STATE_HOME/vmbackup/sim, else
 * ~/.local/state/vmbackup/sim. Made on first start (folders 0700); in it, all 0600:
 *   host-1.pem   the pool master's certificate and its key (PEM, certificate first);
 *   host-2.pem   the next member's, and so on (the demo pool has two hosts);
 *   password     the password, in the legacy base64 format: a `--password-file` as it is;
 *   uuid-seed    what the pool's uuids are drawn from, so its VMs keep their uuids (backup
 *                folders are matched to their VM by uuid: new ones made every restart's
 *                backups look like another VM's).
 * Two starts at once on a fresh folder agree: each file is linked into place only if absent,
 * and the loser reads the winner's.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { VmbackupError } from '../errors.js';
import { decodePasswordFile, encodePasswordFile } from '../secrets/password-file.js';
import { selfSignedCertificate, type SimHost, type Tls } from '../sim/index.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export const SIM_STATE_ENV = 'VMBACKUP_SIM_STATE_DIR';

export interface SimStateLocation {
  dir: string;
  /** True when neither --state nor the variable chose it: commands shown then need no --state. */
  isDefault: boolean;
}

export function simStateLocation(env: NodeJS.ProcessEnv, cwd: string, given?: string): SimStateLocation {
  if (given !== undefined && given !== '') return { dir: resolve(cwd, given), isDefault: false };
  const fromEnv = env[SIM_STATE_ENV];
  if (fromEnv) return { dir: resolve(cwd, fromEnv), isDefault: false };
  const base = env.XDG_STATE_HOME ? resolve(env.XDG_STATE_HOME) : join(env.HOME || homedir(), '.local', 'state');
  return { dir: join(base, 'vmbackup', 'sim'), isDefault: true };
}

export interface SimStateFolder {
  dir: string;
  /** The legacy password file holding `password`; null when --password gave another one. */
  passwordFile: string | null;
  password: string;
  /** Seed of the pool's uuids (startSimulator's uuidSeed). */
  uuidSeed: string;
  /** Each host's certificate, made on first use and then read back. */
  certificateFor(host: SimHost): Promise<Tls>;
}

function unusable(path: string, err: unknown): VmbackupError {
  return new VmbackupError(
    'SIM_STATE_UNUSABLE',
    `cannot use the simulator's state ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    `check its permissions, or give another folder with --state DIR or ${SIM_STATE_ENV}`,
  );
}

/** Writes `make()`'s text unless the file exists; returns what the file holds either way. */
async function readOrCreate(path: string, make: () => Promise<string>): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unusable(path, err);
  }
  try {
    await writeFileAtomic(path, await make(), { overwrite: false, mode: 0o600 });
  } catch (err) {
    // Another start made it first: use theirs, so both serve the same.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(path, err);
  }
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw unusable(path, err);
  }
}

const PEM = (label: string) => new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`);

function splitPem(text: string, file: string): Tls {
  const cert = PEM('CERTIFICATE').exec(text)?.[0];
  const key = PEM('(?:RSA |EC )?PRIVATE KEY').exec(text)?.[0];
  if (cert === undefined || key === undefined) {
    throw new VmbackupError(
      'SIM_STATE_INVALID',
      `${file} does not hold a PEM certificate and its key`,
      `delete it and start again: a new certificate is made (clients that pinned the old one will refuse it until re-pinned)`,
    );
  }
  return { cert: `${cert}\n`, key: `${key}\n` };
}

/**
 * Opens (and on first use makes) the folder. `password`: the one --password gave, which is then
 * served but not stored.
 */
export async function openSimState(dir: string, options: { password?: string | undefined } = {}): Promise<SimStateFolder> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw unusable(dir, err);
  }
  const file = join(dir, 'password');
  let password = options.password;
  let passwordFile: string | null = null;
  if (password === undefined || password === '') {
    const text = await readOrCreate(file, async () => encodePasswordFile(randomBytes(9).toString('base64url')));
    password = decodePasswordFile(Buffer.from(text, 'utf8'), file).password;
    passwordFile = file;
  }
  const uuidSeed = (await readOrCreate(join(dir, 'uuid-seed'), async () => `${randomBytes(16).toString('hex')}\n`)).trim();
  return {
    dir,
    passwordFile,
    password,
    uuidSeed,
    async certificateFor(host) {
      const file = join(dir, `host-${host.index + 1}.pem`);
      const text = await readOrCreate(file, async () => {
        const made = await selfSignedCertificate(host.hostname, [host.address]);
        return `${made.cert.trimEnd()}\n${made.key.trimEnd()}\n`;
      });
      return splitPem(text, file);
    },
  };
}
