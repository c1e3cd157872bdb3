/**
 * A pool of two hosts with their own certificates, as real pools have: exports of a VM whose disk
 * sits on the second host's local SR answer 302 at the master, and curl and openssl (tools we did
 * not write) see the redirect, the tar at the end of it, and each host's own certificate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { FAR_POOL } from '../helpers/far-pool.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { fingerprintByOpenssl, selfSignedByOpenssl, servedCertificate, tool } from '../helpers/tools.js';

afterEach(stopAll);

const curl = (args: string[]) => tool('curl', ['-sS', '-k', ...args]);

async function jsonRpc(sim: Simulator, method: string, ...params: unknown[]): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const reply = JSON.parse(await curl(['-H', 'content-type: application/json', '--data-binary', body, `${sim.url}/jsonrpc`])) as { result?: unknown; error?: unknown };
  if (reply.error) throw new Error(JSON.stringify(reply.error));
  return reply.result;
}

const ref = (sim: Simulator, cls: string, name: string) => sim.state.store.rows(cls).find((r) => r.record.name_label === name)!.ref;
const served = async (address: string, port: string) => fingerprintByOpenssl(await servedCertificate(address, port));

describe('a pool whose VM lives on the second host', () => {
  it('answers 302 to the second host for /export and /export_raw_vdi; the export arrives there', async () => {
    const sim = await testSimulator({ pool: FAR_POOL });
    const port = new URL(sim.url).port;
    const session = (await jsonRpc(sim, 'session.login_with_password', sim.user, sim.password)) as string;
    const far = ref(sim, 'VM', 'far');
    const head = await curl(['-o', '/dev/null', '-D', '-', `${sim.url}/export?session_id=${session}&ref=${far}`]);
    expect(head).toMatch(/^HTTP\/1\.1 302/);
    expect(head).toMatch(new RegExp(`Location: https://127\\.0\\.0\\.2:${port}/export\\?session_id=`, 'i'));

    const tar = await curl(['-L', `${sim.url}/export?session_id=${session}&ref=${far}`]);
    const listing = await tool('tar', ['-t'], tar);
    expect(listing).toMatch(/^ova\.xml$/m);
    expect(listing).toMatch(/^Ref:\d+\/00000000\.xxhash$/m);

    const vdi = sim.state.store.rows('VDI').find((v) => v.record.SR === ref(sim, 'SR', 'Local storage xcp2'))!.ref;
    expect(await curl(['-o', '/dev/null', '-D', '-', `${sim.url}/export_raw_vdi?session_id=${session}&vdi=${vdi}&format=raw`])).toMatch(/^HTTP\/1\.1 302/);
    expect(await curl(['-L', '-o', '/dev/null', '-w', '%{size_download}', `${sim.url}/export_raw_vdi?session_id=${session}&vdi=${vdi}&format=raw`])).toBe(String(6 * 2 ** 20));

    // A VM on the master's storage is not redirected.
    expect(await curl(['-o', '/dev/null', '-w', '%{http_code}', `${sim.url}/export?session_id=${session}&ref=${ref(sim, 'VM', 'near')}`])).toBe('200');
  }, 30_000);

  it('gives each host its own certificate, which host.get_server_certificate returns', async () => {
    const sim = await testSimulator({ pool: FAR_POOL });
    const port = new URL(sim.url).port;
    const [first, second] = sim.hostFingerprints;
    expect(first).not.toBe(second);
    expect(await served('127.0.0.1', port)).toBe(first);
    expect(await served('127.0.0.2', port)).toBe(second);
    const session = (await jsonRpc(sim, 'session.login_with_password', sim.user, sim.password)) as string;
    const pem = (await jsonRpc(sim, 'host.get_server_certificate', session, ref(sim, 'host', 'xcp2'))) as string;
    expect(await fingerprintByOpenssl(pem)).toBe(second);
  }, 30_000);

  it('serves a man-in-the-middle certificate at an address when told to, while the pool keeps the genuine one', async () => {
    const impostor = await selfSignedByOpenssl('impostor');
    const sim = await testSimulator({ pool: FAR_POOL, servedTls: { '127.0.0.2': impostor } });
    const port = new URL(sim.url).port;
    const fp = await served('127.0.0.2', port);
    expect(fp).not.toBe(sim.hostFingerprints[1]);
    expect(fp).toBe(await fingerprintByOpenssl(impostor.cert));
    const session = (await jsonRpc(sim, 'session.login_with_password', sim.user, sim.password)) as string;
    const pem = (await jsonRpc(sim, 'host.get_server_certificate', session, ref(sim, 'host', 'xcp2'))) as string;
    expect(await fingerprintByOpenssl(pem)).toBe(sim.hostFingerprints[1]);
  }, 30_000);
});
