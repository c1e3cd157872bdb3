/**
 * Certificate pinning against the simulator's real HTTPS: the check happens on the handshake,
 * before the password (or a session id) is sent, for every way xen-api and we open a socket:
 * undici (RPC, events, getResource), node:https (putResource) and our own export GET.
 * The simulator's call log is the witness of what reached the pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { PoolConnection } from '../../src/xapi/connection.js';
import { parseFingerprint } from '../../src/xapi/fingerprint.js';
import { emptyRules, judge, type Peer, type TrustRules } from '../../src/xapi/tls-trust.js';
import { TrustPolicy, type Verdict } from '../../src/xapi/trust-policy.js';
import { FAR_POOL } from '../helpers/far-pool.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { selfSignedByOpenssl } from '../helpers/tools.js';

const open: PoolConnection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await stopAll();
});

const fp = (text: string) => parseFingerprint(text)!;
const A = fp('aa'.repeat(32));
const B = fp('bb'.repeat(32));
const peer = (over: Partial<Peer> = {}): Peer => ({ hostPort: 'xen1:443', fingerprint: A, subject: 'CN=xen1', issuer: 'CN=xen1', validFrom: '', validTo: '', caVerified: false, ...over });
const rules = (over: Partial<TrustRules> = {}): TrustRules => ({ ...emptyRules(), ...over });

describe('judge (pure)', () => {
  it.each([
    ['first contact', rules(), peer(), { ok: false, why: 'unknown' }],
    ['pinned', rules({ pinned: { 'xen1:443': A } }), peer(), { ok: true, why: 'pinned' }],
    ['pinned elsewhere only', rules({ pinned: { 'xen2:443': A } }), peer(), { ok: false, why: 'unknown' }],
    ['changed', rules({ pinned: { 'xen1:443': B } }), peer(), { ok: false, why: 'changed', expected: B, by: 'pin' }],
    ['changed, but --trust gives the new one', rules({ pinned: { 'xen1:443': B }, anywhere: [A] }), peer(), { ok: true, why: 'given' }],
    ['vouched by the pool', rules({ accepted: { 'xen1:443': [A] } }), peer(), { ok: true, why: 'accepted' }],
    ['not what the pool vouched for', rules({ accepted: { 'xen1:443': [B] } }), peer(), { ok: false, why: 'changed', expected: B, by: 'pool' }],
    ['a CA vouches for the name', rules({ pinned: { 'xen1:443': B } }), peer({ caVerified: true }), { ok: true, why: 'ca' }],
    ['--insecure', rules({ pinned: { 'xen1:443': B }, insecure: true }), peer(), { ok: true, why: 'insecure' }],
  ])('%s', (_name, r, p, expected) => {
    expect(judge(r, p)).toEqual(expected);
  });
});

function policy(sim: Simulator, over: Partial<TrustRules> = {}, ask?: (p: Peer) => Promise<Verdict>, remembered?: string[]) {
  return new TrustPolicy(rules(over), { ask, remember: (hostPort, f) => remembered?.push(`${hostPort} ${f}`) });
}

async function connect(sim: Simulator, tls: TrustPolicy, url = sim.url) {
  const conn = await PoolConnection.open({ target: { url, user: sim.user }, credentials: async (t) => ({ user: t.user, password: sim.password }), tls, callTimeoutMs: 10_000 });
  open.push(conn);
  return conn;
}

const logins = (sim: Simulator) => sim.calls.named('session.login_with_password').length;
const hostPort = (sim: Simulator, i = 0) => `${sim.hostAddresses[i]}:${new URL(sim.url).port}`;

describe('a connection to the pool', () => {
  it('refuses an unknown certificate with its fingerprint, and never logs in', async () => {
    const sim = await testSimulator();
    const err = await connect(sim, policy(sim)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CERT_UNKNOWN', message: expect.stringContaining(sim.fingerprint!) });
    expect(logins(sim)).toBe(0);
    expect(sim.calls.sawText(sim.password)).toBe(false);
  });

  it('refuses a certificate that differs from the pin, naming both, before login', async () => {
    const sim = await testSimulator();
    const err = await connect(sim, policy(sim, { pinned: { [hostPort(sim)]: A } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CERT_CHANGED' });
    expect((err as Error).message).toContain(A);
    expect((err as Error).message).toContain(sim.fingerprint!);
    expect((err as { hint: string }).hint).toContain(`--trust ${sim.fingerprint}`);
    expect(sim.calls.records).toEqual([]);
  });

  it('a man in the middle on the master address is refused against the genuine pin', async () => {
    const impostor = await selfSignedByOpenssl('xcp1');
    const sim = await testSimulator({ servedTls: { '127.0.0.1': impostor } });
    const err = await connect(sim, policy(sim, { pinned: { [hostPort(sim)]: fp(sim.hostFingerprints[0]!) } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CERT_CHANGED' });
    expect(logins(sim)).toBe(0);
  });

  it('logs in to a pinned certificate; asks at a terminal about a new one ("once" is not remembered, "always" is)', async () => {
    const sim = await testSimulator();
    await connect(sim, policy(sim, { pinned: { [hostPort(sim)]: fp(sim.fingerprint!) } }));
    expect(logins(sim)).toBe(1);

    const asked: Peer[] = [];
    const remembered: string[] = [];
    await connect(sim, policy(sim, {}, async (p) => (asked.push(p), 'once'), remembered));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ hostPort: hostPort(sim), fingerprint: sim.fingerprint, subject: expect.stringContaining('CN=') });
    expect(remembered).toEqual([]);
    await connect(sim, policy(sim, {}, async () => 'always', remembered));
    expect(remembered).toEqual([`${hostPort(sim)} ${sim.fingerprint}`]);

    const before = logins(sim);
    const err = await connect(sim, policy(sim, {}, async () => 'cancel')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CERT_REFUSED' });
    expect(logins(sim)).toBe(before);
  });

  it('checks members through the master: a GET (undici) and a PUT (node:https) redirected to a member that shows the certificate the pool knows pass, an impostor is refused', async () => {
    const farVdi = (sim: Simulator) => sim.state.store.rows('VDI').find((v) => sim.state.store.get(String(v.record.SR))?.record.name_label === 'Local storage xcp2')!.ref;
    const genuine = await testSimulator({ pool: FAR_POOL });
    const conn = await connect(genuine, policy(genuine, { anywhere: [fp(genuine.fingerprint!)] }));
    // xen-api follows the 302 to the member through its undici dispatcher...
    const res = (await conn.xapi.getResource('/export_raw_vdi', { query: { vdi: farVdi(genuine), format: 'raw' } })) as unknown as { body: { arrayBuffer(): Promise<ArrayBuffer> } };
    expect((await res.body.arrayBuffer()).byteLength).toBe(6 * 2 ** 20);
    // ... and a PUT's 302 through node:https (http-request-plus).
    await conn.xapi.putResource(Buffer.alloc(6 * 2 ** 20), '/import_raw_vdi', { query: { vdi: farVdi(genuine), format: 'raw' } });
    const atMember = genuine.calls.records.filter((r) => r.localAddress.endsWith('127.0.0.2')).map((r) => r.name);
    expect(atMember).toEqual(expect.arrayContaining(['GET /export_raw_vdi', 'PUT /import_raw_vdi']));

    const impostor = await selfSignedByOpenssl('xcp2');
    const mitm = await testSimulator({ pool: FAR_POOL, servedTls: { '127.0.0.2': impostor } });
    const conn2 = await connect(mitm, policy(mitm, { anywhere: [fp(mitm.fingerprint!)] }));
    const getErr = await conn2.xapi.getResource('/export_raw_vdi', { query: { vdi: farVdi(mitm), format: 'raw' } }).catch((e: unknown) => e);
    expect(getErr).toMatchObject({ code: 'CERT_CHANGED', message: expect.stringContaining('the pool master says') });
    const putErr = await conn2.xapi.putResource(Buffer.alloc(1024), '/import_raw_vdi', { query: { vdi: farVdi(mitm), format: 'raw' } }).catch((e: unknown) => e);
    expect(putErr).toMatchObject({ code: 'CERT_CHANGED' });
    expect(mitm.calls.records.filter((r) => r.localAddress.endsWith('127.0.0.2'))).toEqual([]);
  }, 30_000);
});

