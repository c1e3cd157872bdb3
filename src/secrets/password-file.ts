/**
 * The legacy password file: the base64 of the password, nothing more ("obscured, not encrypted",
 * spec §8). We read files the original wrote, and files it could not use:
 * - a trailing newline after the base64 (editors add one; Python ignored it too);
 * - a password that itself ends in a newline, as `echo secret | base64` makes. The original
 *   sent "secret\n" and the login failed (NAU #79/#92); we drop that one newline and say so.
 * Files we write are 0600 and have no trailing newline, like the original's.
 */
import { readFile } from 'node:fs/promises';
import { VmbackupError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export interface DecodedPassword {
  password: string;
  /** Things worth telling the user in --verbose (never the password itself). */
  notes: string[];
}

export function encodePasswordFile(password: string): string {
  return Buffer.from(password, 'utf8').toString('base64');
}

export function decodePasswordFile(content: Uint8Array, file: string): DecodedPassword {
  const text = Buffer.from(content).toString('latin1').replace(/[ \t\r\n]/g, '');
  const hint = `recreate it: vmbackup password-file ${file}`;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0 || text.length === 0) {
    // Never echo the content: it is a (weakly hidden) password.
    throw new VmbackupError('PASSWORD_FILE_INVALID', `${file} is not a base64 password file`, hint);
  }
  let password: string;
  try {
    password = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'base64'));
  } catch {
    throw new VmbackupError('PASSWORD_FILE_INVALID', `${file} does not decode to UTF-8 text`, hint);
  }
  const notes: string[] = [];
  if (/\r?\n$/.test(password)) {
    password = password.replace(/\r?\n$/, '');
    notes.push(`${file}: the stored password ended with a newline (as "echo PASS | base64" makes); it was removed`);
  }
  if (password === '') throw new VmbackupError('PASSWORD_FILE_INVALID', `${file} holds an empty password`, hint);
  return { password, notes };
}

export async function readPasswordFile(file: string): Promise<DecodedPassword> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (err) {
    throw new VmbackupError('PASSWORD_FILE_UNREADABLE', `cannot read password file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'check the path and its permissions');
  }
  return decodePasswordFile(content, file);
}

/** Writes (or replaces) a password file, mode 0600. */
export async function writePasswordFile(file: string, password: string): Promise<void> {
  await writeFileAtomic(file, encodePasswordFile(password), { overwrite: true, mode: 0o600 });
}
