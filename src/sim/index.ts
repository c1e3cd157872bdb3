/**
 * startSimulator: an in-process XAPI pool that the real xen-api client (and our engine) talks to
 * over HTTP(S). Product code: `vmbackup sim` runs it standalone and the demo uses it.
 *
 *   const sim = await startSimulator({ pool: fixture });
 *   sim.url; sim.fingerprint; sim.faults.dropExportAfter(1 << 20); sim.calls.named('VM.snapshot');
 *   await sim.close();
 */
import { randomBytes, randomUUID } from 'node:crypto';
import selfsigned from 'selfsigned';
import { fingerprintOfPem } from '../util/fingerprint.js';
import { addCoreMethods } from './api/core-methods.js';
import { addEventMethods } from './api/events.js';
import { addHostMethods } from './api/hosts.js';
import { Sessions } from './api/sessions.js';
import { Tasks } from './api/tasks.js';
import { addVdiMethods } from './api/vdi.js';
import { addVbdMethods } from './api/vbd.js';
import { addVmMethods } from './api/vm.js';
import { addVmCreateMethods } from './api/vm-create.js';
import { addVmPowerMethods } from './api/vm-power.js';
import { CallLog } from './calls.js';
import { seededUuids } from './db/seeded-uuids.js';
import { Store } from './db/store.js';
import { Churn, type ChurnResult } from './disks/churn.js';
import { DiskStore } from './disks/store.js';
import { Faults } from './faults.js';
import { handleExport } from './http/export.js';
import { handleExportMetadata } from './http/export-metadata.js';
import { handleExportRaw } from './http/export-raw.js';
import { handleImport } from './http/import.js';
import { handleImportRaw } from './http/import-raw.js';
import { listen, type Routes, type Tls } from './http/server.js';
import { buildPool } from './pool/build.js';
import type { PoolFixture } from './pool/fixture.js';
import { Dispatcher } from './rpc/dispatch.js';
import { addGenericMethods } from './rpc/generic.js';
import { Registry } from './rpc/registry.js';
import { CLASSES } from './schema/index.js';
import type { SimOptions, SimState } from './state.js';
import { handleDbDump } from './xmldb/handler.js';

export type { Tls };

export interface SimulatorOptions extends Partial<SimOptions> {
  /** The pool to serve (default: a small demo pool). */
  pool?: PoolFixture;
  /** Or fill the store yourself before the server starts. */
  load?: (sim: SimState) => void;
  /** Plain HTTP instead of HTTPS. */
  http?: boolean;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The master's address; other hosts get 127.0.0.2, .3, ... when this is 127.0.0.1. */
  address?: string;
  /** PEM key and certificate for every host; default: each host its own self-signed certificate, as in a real pool. */
  tls?: Tls;
  /**
   * Each host's own certificate when `tls` is not given; default: a new self-signed one per
   * start. `vmbackup sim` and the demo keep theirs in a state folder, so a pin stays valid.
   */
  certificateFor?: (host: SimHost) => Promise<Tls>;
  /**
   * The key of the certificates made per host: RSA 2048 as XAPI's own (default), or EC P-256,
   * which the tests use: an RSA key takes ~0.2 s of CPU to make, an EC one ~15 ms, and the
   * suite starts hundreds of simulators.
   */
  certificateKeys?: 'rsa' | 'ec';
  /**
   * The same seed builds the same pool with the same uuids (`vmbackup sim` keeps one in its state
   * folder); without it every start makes new ones.
   */
  uuidSeed?: string;
  /**
   * What the listener at an address presents instead of its host's certificate, while the pool
   * database keeps the genuine one: a man in the middle, for trust tests.
   */
  servedTls?: Record<string, Tls>;
  /** Default share of allocated blocks in generated disks. */
  density?: number;
  /**
   * Running VMs' disks change by themselves: every `intervalMs` (default 60 s), `percent` % of
   * their 2 MiB blocks are rewritten (disks/churn.ts). `seed` fixes which blocks and their bytes.
   */
  churn?: { percent: number; intervalMs?: number; seed?: number };
}

/** A pool member as its certificate sees it: `index` 0 is the master, then the others in pool order. */
export interface SimHost {
  index: number;
  hostname: string;
  address: string;
}

export interface Simulator {
  url: string;
  /** "SHA256:" + hex of the certificate's SHA-256 digest; null over HTTP. */
  fingerprint: string | null;
  user: string;
  password: string;
  faults: Faults;
  calls: CallLog;
  state: SimState;
  /** The address each host listens on, master first. */
  hostAddresses: string[];
  /** The fingerprint of each host's own certificate, in the order of hostAddresses. */
  hostFingerprints: string[];
  /**
   * Rewrites `percent` % of the 2 MiB blocks of every running VM's disks now (default: the
   * `churn` option's percent, else 5); snapshots taken before keep their bytes.
   */
  churnNow(percent?: number): ChurnResult;
  close(): Promise<void>;
}

/** A self-signed certificate for a host, valid ten years, naming its hostname, localhost and its address. */
export async function selfSignedCertificate(hostname: string, addresses: string[], keys: 'rsa' | 'ec' = 'rsa'): Promise<Tls> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostname }], {
    ...(keys === 'ec' ? { keyType: 'ec' as const } : { keySize: 2048 }),
    notAfterDate: new Date(Date.now() + 10 * 365 * 86400_000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2 as const, value: hostname }, { type: 2 as const, value: 'localhost' }, ...addresses.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export function buildRegistry(): Registry {
  const registry = new Registry();
  for (const cls of CLASSES) addGenericMethods(registry, cls);
  addCoreMethods(registry);
  addEventMethods(registry);
  addHostMethods(registry);
  addVmMethods(registry);
  addVmCreateMethods(registry);
  addVdiMethods(registry);
  addVbdMethods(registry);
  addVmPowerMethods(registry);
  return registry;
}

const ROUTES: Routes = {
  GET: { '/export': handleExport, '/export_metadata': handleExportMetadata, '/export_raw_vdi': handleExportRaw, '/pool/xmldbdump': handleDbDump },
  PUT: { '/import': handleImport, '/import_raw_vdi': handleImportRaw },
};

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const options: SimOptions = {
    user: opts.user ?? 'root',
    password: opts.password ?? randomBytes(9).toString('base64url'),
    loginFailureDelayMs: opts.loginFailureDelayMs ?? 5000,
    progressIntervalMs: opts.progressIntervalMs ?? 10_000,
    xvaChecksum: opts.xvaChecksum ?? 'xxhash',
  };
  const store = new Store(CLASSES);
  const sessions = new Sessions(store);
  const sim: SimState = {
    store,
    sessions,
    tasks: new Tasks(store, () => sim.options.progressIntervalMs),
    disks: new DiskStore(store, opts.density ?? 0.5),
    faults: new Faults(store, () => sessions.invalidateAll()),
    calls: new CallLog(),
    hostCertificates: new Map(),
    options,
  };
  if (opts.uuidSeed !== undefined) store.newUuid = seededUuids(opts.uuidSeed);
  if (opts.load) opts.load(sim);
  else buildPool(sim, opts.pool ?? { vms: [{ name: 'demo', disks: [{ size: '64MiB' }] }] });
  // Snapshots, tasks and imports made while serving get fresh uuids, as on a real pool.
  store.newUuid = randomUUID;

  const master = opts.address ?? '127.0.0.1';
  const hosts = store.rows('host');
  const poolMaster = String(store.rows('pool')[0]?.record.master);
  const ordered = [...hosts.filter((h) => h.ref === poolMaster), ...hosts.filter((h) => h.ref !== poolMaster)];
  const addresses = ordered.map((_, i) => (i === 0 ? master : master === '127.0.0.1' ? `127.0.0.${i + 1}` : null));
  ordered.forEach((h, i) => store.update(h.ref, { address: addresses[i] ?? `unreachable-${i}` }));
  const bound = addresses.filter((a): a is string => a !== null);

  const certificateFor = opts.certificateFor ?? ((host: SimHost) => selfSignedCertificate(host.hostname, [host.address], opts.certificateKeys));
  const own = new Map<string, Tls>();
  if (!opts.http) {
    for (const [i, h] of ordered.entries()) {
      const address = addresses[i];
      if (address === null || address === undefined) continue;
      const tls = opts.tls ?? (await certificateFor({ index: i, hostname: String(h.record.hostname ?? 'xcp-ng'), address }));
      own.set(address, tls);
      sim.hostCertificates.set(h.ref, tls.cert);
    }
  }
  const tlsAt = (address: string): Tls | null => (opts.http ? null : (opts.servedTls?.[address] ?? own.get(address) ?? null));
  const server = await listen(sim, new Dispatcher(sim, buildRegistry()), ROUTES, bound, opts.port ?? 0, tlsAt);
  const tls = tlsAt(master);
  const host = master.includes(':') ? `[${master}]` : master;
  const churn = new Churn(sim, opts.churn?.seed ?? 0);
  const churnTimer = opts.churn ? setInterval(() => churn.now(opts.churn!.percent), opts.churn.intervalMs ?? 60_000) : null;
  // A churning simulator must not keep a process alive by itself (tests, the bench).
  churnTimer?.unref();
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${server.port}`,
    fingerprint: tls ? fingerprintOfPem(tls.cert) : null,
    user: options.user,
    password: options.password,
    faults: sim.faults,
    calls: sim.calls,
    state: sim,
    hostAddresses: bound,
    hostFingerprints: bound.map((a) => (own.has(a) ? fingerprintOfPem(own.get(a)!.cert) : '')),
    churnNow: (percent) => churn.now(percent ?? opts.churn?.percent ?? 5),
    close: async () => {
      if (churnTimer) clearInterval(churnTimer);
      // Answer pending event.from calls first, so clients shut down promptly (xapi-notes §1.12).
      sessions.invalidateAll();
      await server.close();
    },
  };
}
