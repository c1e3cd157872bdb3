/**
 * Outside tools (curl, openssl) run asynchronously: a simulator in the same process must keep
 * answering while they run, which execFileSync would prevent.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tool(cmd: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('latin1')) : reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString()}`))));
    // Output is read as latin1 (bytes kept 1:1), so input is written back the same way.
    child.stdin.end(Buffer.from(input, 'latin1'));
  });
}

export async function fingerprintByOpenssl(pem: string): Promise<string> {
  const out = await tool('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], pem);
  return `SHA256:${out.split('=')[1]!.trim().replace(/:/g, '').toLowerCase()}`;
}

/** The certificate the listener at address:port presents, by openssl s_client. */
export async function servedCertificate(address: string, port: string): Promise<string> {
  return tool('openssl', ['s_client', '-connect', `${address}:${port}`]);
}

export async function selfSignedByOpenssl(cn: string): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vmbackup-test-'));
  try {
    await tool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-days', '2', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')]);
    return { key: await readFile(join(dir, 'k.pem'), 'utf8'), cert: await readFile(join(dir, 'c.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
