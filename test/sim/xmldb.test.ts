import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/sim/db/store.js';
import { startSimulator } from '../../src/sim/index.js';
import { CLASSES } from '../../src/sim/schema/index.js';
import type { SimState } from '../../src/sim/state.js';
import { loadXmlDb } from '../../src/sim/xmldb/read.js';
import { dumpXmlDb } from '../../src/sim/xmldb/write.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/xapi-db/${name}.xml`, import.meta.url)), 'utf8');
const STATE1 = fixture('state1');
const TAMPA = fixture('tampa_poolofone_40');

/** A bare store to load into (loadXmlDb only needs `store`). */
function load(xml: string) {
  const store = new Store(CLASSES);
  const result = loadXmlDb({ store } as SimState, xml);
  return { store, result };
}

/** Every row of every class: ref -> class, generation counters and record. */
function snapshot(store: Store, except: string[] = []) {
  const out: Record<string, unknown> = {};
  for (const cls of store.classes) {
    if (except.includes(cls.name)) continue;
    for (const row of store.rows(cls.name)) out[row.ref] = { cls: cls.name, ctime: row.ctime, mtime: row.mtime, record: row.record };
  }
  return out;
}

function vmCounts(store: Store) {
  const vms = store.rows('VM').map((r) => r.record);
  return {
    all: vms.length,
    regular: vms.filter((v) => !v.is_a_template && !v.is_a_snapshot && !v.is_control_domain).length,
    controlDomains: vms.filter((v) => v.is_control_domain).length,
    snapshots: vms.filter((v) => v.is_a_snapshot).length,
  };
}

const byName = (store: Store, cls: string, name: string) => store.rows(cls).find((r) => r.record.name_label === name);

describe('loading the reference dumps', () => {
  it('state1.xml (XenServer 6.0): the counts of the README', () => {
    const { store, result } = load(STATE1);
    expect(vmCounts(store)).toEqual({ all: 59, regular: 4, controlDomains: 2, snapshots: 2 });
    expect([store.count('VDI'), store.count('VBD'), store.count('VIF'), store.count('SR'), store.count('host')]).toEqual([41, 12, 11, 11, 2]);
    expect(result.tables).toMatchObject({ VM: 59, VDI: 41, VBD: 12, VIF: 11, SR: 11, host: 2, pool: 1, task: 0 });
    expect(result.skippedTables).toEqual(expect.arrayContaining(['SM', 'host_cpu', 'session', 'VBD_metrics']));
    expect(result.skippedTables).not.toContain('VM');
    expect(result.skippedColumns.host).toEqual(['boot_free_mem']);
  });

  it('tampa_poolofone_40.xml (6.1, one line, __ctime/__mtime): the counts of the README', () => {
    const { store } = load(TAMPA);
    expect(vmCounts(store)).toEqual({ all: 64, regular: 2, controlDomains: 1, snapshots: 0 });
    expect([store.count('VDI'), store.count('VBD'), store.count('VIF'), store.count('SR'), store.count('host')]).toEqual([5, 4, 2, 5, 1]);
    const pool = store.rows('pool')[0]!;
    expect([pool.ctime, pool.mtime]).toEqual([46, 2556]);
    expect(store.generation).toBe(4366);
  });

  it('decodes names, old escapes, maps and sets, and rebuilds the computed sets', () => {
    const { store } = load(STATE1);
    const iscsi = byName(store, 'VM', 'Iscsi Box')!;
    expect(iscsi.ref).toBe('OpaqueRef:eef198a8-a2df-4141-2869-3234a029a4f5');
    // VM.VBDs is not in the dump: rebuilt from VBD.VM, in ref order.
    expect(iscsi.record.VBDs).toEqual(['OpaqueRef:41cee406-d660-e081-66f4-5c9c922145d3', 'OpaqueRef:67b85eb4-8ced-7129-920c-5a8730a76234']);
    expect(byName(store, 'VM', 'Windows Server 2008 (1)')!.record.VBDs).toEqual([]);
    const vbdsOfVms = store.rows('VM').flatMap((r) => r.record.VBDs as string[]);
    expect(vbdsOfVms.sort()).toEqual(store.rows('VBD').map((r) => r.ref).sort());
    // "%_" is two spaces.
    const dvd = store.get('OpaqueRef:51d541fd-eb2d-af39-1ac6-9252b3bab211')!;
    expect(dvd.record.name_description).toBe('TSSTcorp model CD-ROM  SH-C522C rev TS03 type 5');
    // A map (and a snapshot's own VM's HVM boot params) and an enum set.
    expect(store.get('OpaqueRef:6dbaf145-56df-857c-57c4-c02a8cb9df2b')!.record.HVM_boot_params).toEqual({ order: 'dc' });
    const local = store.get('OpaqueRef:8e673ce4-bbd2-23e7-3c1b-fbead967f50f')!;
    expect(local.record.name_label).toBe('Local storage');
    expect(local.record.sm_config).toEqual({ allocation: 'thick', use_vhd: 'true', devserial: 'scsi-SATA_ST3250820AS_6QE14SEC' });
    expect(local.record.allowed_operations).toEqual(expect.arrayContaining(['forget', 'vdi_create', 'vdi_snapshot', 'scan', 'unplug']));
    expect(local.record.VDIs).toEqual(store.rows('VDI').filter((v) => v.record.SR === local.ref).map((v) => v.ref).sort());
    // Fields the 5.57 schema lacks get today's defaults.
    expect(iscsi.record.has_vendor_device).toBe(false);
  });

  it('decodes "%_" inside a map value (host.cpu_info of the Tampa dump)', () => {
    const { store } = load(TAMPA);
    const cpu = store.rows('host')[0]!.record.cpu_info as Record<string, string>;
    expect(cpu.modelname).toBe('Intel(R) Xeon(R) CPU           X3450  @ 2.67GHz');
    expect(cpu.cpu_count).toBe('8');
  });

  it.each<[string, (xml: string) => string]>([
    ['CRLF', (x) => x.replace(/\n/g, '\r\n')],
    ['CR only', (x) => x.replace(/\n/g, '\r')],
    ['no newline', (x) => x.replace(/\n/g, '')],
    ['tabs and a declaration', (x) => `<?xml version="1.0" encoding="UTF-8"?>\n${x.replace(/\n</g, '\n\t\t<')}`],
    ['a byte-order mark', (x) => `\ufeff${x}`],
  ])('accepts the %s layout', (_, change) => {
    expect(snapshot(load(change(STATE1)).store)).toEqual(snapshot(load(STATE1).store));
  });

  it('rejects what is not a database dump', () => {
    expect(() => load('<html><body/></html>')).toThrow(/not an XAPI database dump/);
    expect(() => load('<database><table name="VM">')).toThrow(/not an XAPI database dump/);
  });
});

describe('dumping', () => {
  it.each([['state1', STATE1], ['tampa', TAMPA]])('%s: load -> dump -> load -> dump is stable', (_, xml) => {
    const first = load(xml).store;
    const dump1 = dumpXmlDb(first);
    const second = load(dump1).store;
    const dump2 = dumpXmlDb(second);
    expect(dump2).toBe(dump1);
    expect(snapshot(second)).toEqual(snapshot(first));
    expect(second.generation).toBe(first.generation);
  });

  it("writes XAPI's layout: declaration, manifest, row meta first, db column names, no computed sets", () => {
    const { store } = load(TAMPA);
    const dump = dumpXmlDb(store);
    expect(dump).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<database><manifest><pair key="schema_major_vsn" value="5"\/><pair key="schema_minor_vsn" value="\d+"\/><pair key="generation_count" value="4366"\/><\/manifest><table name="pool">/);
    expect(dump).not.toContain('\n<database>\n');
    const vmRow = /<row ref="OpaqueRef:2691907c-6e32-f1f0-c3eb-4507d1e8c38d"[^>]*\/>/.exec(dump)![0];
    expect(vmRow).toMatch(/^<row ref="OpaqueRef:2691907c[^"]*" __ctime="\d+" __mtime="\d+" HVM__boot_params=/);
    expect(vmRow).toContain(' _ref="OpaqueRef:2691907c-6e32-f1f0-c3eb-4507d1e8c38d"');
    expect(vmRow).toContain(' name__label="dlvmlocalpo1"');
    expect(vmRow).toContain(' memory__static_max="');
    expect(vmRow).not.toMatch(/ (VBDs|VIFs|consoles|snapshots|children|name_label)=/);
    const names = [...dump.matchAll(/<table name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(CLASSES.map((c) => c.name));
  });

  it('writes task empty, escapes markup and whitespace, and keeps odd names through a reload', () => {
    const { store } = load(STATE1);
    store.add('task', { name_label: 'running' });
    const vm = byName(store, 'VM', 'Iscsi Box')!;
    const odd = `  <a & "b">\t'c' (d) 100%_ \\ \r\n`;
    store.update(vm.ref, { name_label: odd, tags: ["it's", 'x y'], other_config: { 'k k': 'v\nv' } });
    const dump = dumpXmlDb(store);
    expect(dump).toContain('<table name="task"/>');
    expect(dump).toContain(`name__label="%.%.&lt;a%.&amp;%.&quot;b&quot;&gt;%t'c'%.(d)%.100%%_%.\\%.%r%n"`);
    expect(dump).toContain(`tags="('it\\'s'%.'x%.y')"`);
    const again = load(dump).store.get(vm.ref)!.record;
    expect(again).toMatchObject({ name_label: odd, tags: ["it's", 'x y'], other_config: { 'k k': 'v\nv' } });
  });
});

describe('GET /pool/xmldbdump', () => {
  it('serves the dump with no content-type and no length; it loads back into the same pool', async () => {
    const sim = await startSimulator({ http: true, load: (s) => loadXmlDb(s, STATE1), loginFailureDelayMs: 0 });
    try {
      const login = await fetch(`${sim.url}/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.login_with_password', params: [sim.user, sim.password] }),
      });
      const session = ((await login.json()) as { result: string }).result;
      expect(session).toMatch(/^OpaqueRef:/);

      const res = await fetch(`${sim.url}/pool/xmldbdump?session_id=${encodeURIComponent(session)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBeNull();
      expect(res.headers.get('content-length')).toBeNull();
      expect(res.headers.get('transfer-encoding')).toBeNull();
      expect(res.headers.get('connection')).toBe('close');
      expect(res.headers.get('cache-control')).toBe('no-cache, no-store');
      const body = await res.text();

      const served = load(body).store;
      expect(vmCounts(served)).toEqual({ all: 59, regular: 4, controlDomains: 2, snapshots: 2 });
      // The same pool as the simulator holds (tasks are not persisted); the reload is stable.
      expect(snapshot(served, ['task'])).toEqual(snapshot(sim.state.store, ['task']));
      expect(dumpXmlDb(served)).toBe(body);
      const task = sim.state.store.rows('task').find((r) => r.record.name_label === 'Dumping database as XML');
      expect(task?.record.status).toBe('success');

      const bad = await fetch(`${sim.url}/pool/xmldbdump?session_id=OpaqueRef:bogus`);
      expect(bad.status).toBe(401);
      await bad.arrayBuffer();
    } finally {
      await sim.close();
    }
  });

  it('a dropped stream fails the task, and the truncated body does not load', async () => {
    const sim = await startSimulator({ http: true, load: (s) => loadXmlDb(s, TAMPA), loginFailureDelayMs: 0 });
    try {
      sim.faults.dropExportAfter(100_000, { path: '/pool/xmldbdump' });
      const basic = Buffer.from(`${sim.user}:${sim.password}`).toString('base64');
      const res = await fetch(`${sim.url}/pool/xmldbdump`, { headers: { authorization: `Basic ${basic}` } });
      expect(res.status).toBe(200);
      // The connection ends early; depending on how, the client sees an error or a short body.
      const body = await res.text().catch(() => '');
      expect(body.length).toBeLessThanOrEqual(100_000);
      expect(() => load(body)).toThrow(/not an XAPI database dump/);
      const task = sim.state.store.rows('task').find((r) => r.record.name_label === 'Dumping database as XML');
      expect(task?.record.status).toBe('failure');
    } finally {
      await sim.close();
    }
  });
});
