/**
 * The simulator's export handlers, checked with tools we did not write: tar, xxhsum, sha1sum,
 * gzip, zstd and qemu-img.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VhdParser } from '../../src/formats/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { login, raw, rpc, taskOutcome, vmRef } from '../helpers/sim-http.js';
import { stopAll, testSimulator } from '../helpers/sim.js';
import { tempDir } from '../helpers/cli.js';

let sim: Simulator | undefined;
afterEach(stopAll);

const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8' });

const temp = tempDir;

async function createTask(session: string): Promise<string> {
  return rpc<string>(sim!, 'task.create', session, 'test export', '');
}

describe('GET /export', () => {
  it.each(['xxhash', 'sha1'] as const)('is an XVA that tar lists in XAPI order, with %s checksums matching every chunk', async (checksum) => {
    sim = await testSimulator({ http: true, xvaChecksum: checksum });
    const session = await login(sim);
    const task = await createTask(session);
    const res = await raw(sim, 'GET', `/export?session_id=${session}&task_id=${task}&ref=${encodeURIComponent(vmRef(sim, 'web 01'))}`);
    expect(res.status).toBe(500); // web 01 is running: VM_BAD_POWER_STATE before any header
    expect((await taskOutcome(sim, session, task)).error_info).toEqual(['VM_BAD_POWER_STATE', vmRef(sim, 'web 01'), 'halted, suspended', 'running']);

    // Its snapshot exports fine.
    const snap = vmRef(sim, 'before upgrade');
    const task2 = await createTask(session);
    const xva = await raw(sim, 'GET', `/export/?session_id=${encodeURIComponent(session)}&task_id=${encodeURIComponent(task2)}&ref=${encodeURIComponent(snap)}`);
    expect(xva.status).toBe(200);
    expect(xva.headers['content-length']).toBeUndefined();
    expect(xva.headers['task-id']).toBe(task2);
    expect((await taskOutcome(sim, session, task2)).status).toBe('success');
    expect(xva.body.length % 512).toBe(0);
    expect(xva.body.subarray(-1024).every((b) => b === 0)).toBe(true);

    const dir = temp();
    writeFileSync(join(dir, 'x.xva'), xva.body);
    const listing = sh('tar', ['-tf', 'x.xva'], dir).trim().split('\n');
    expect(listing[0]).toBe('ova.xml');
    const suffix = checksum === 'xxhash' ? '.xxhash' : '.checksum';
    // Disks in string order of Ref:N; each chunk followed by its checksum member.
    const disks = [...new Set(listing.slice(1).map((m) => m.split('/')[0]!))];
    expect(disks).toEqual([...disks].sort());
    for (let i = 1; i < listing.length; i += 2) expect(listing[i + 1]).toBe(listing[i] + suffix);
    sh('tar', ['-xf', 'x.xva'], dir);
    let checked = 0;
    for (const disk of disks) {
      for (const name of readdirSync(join(dir, disk)).filter((n) => /^\d{8}$/.test(n))) {
        const file = join(dir, disk, name);
        const expected = readFileSync(`${file}${suffix}`, 'utf8');
        if (checksum === 'sha1') {
          expect(sh('sha1sum', [file]).split(' ')[0]).toBe(expected);
        } else {
          // xxhsum prints the 64-bit digest in lower case hex; XAPI writes upper case.
          expect(sh('xxhsum', ['-H64', file]).split(/\s+/)[0]!.toUpperCase()).toBe(expected);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['gzip', ['gzip', '-t']],
    ['zstd', ['zstd', '-t', '-q']],
  ])('use_compression=%s gives a stream the %s tool accepts, holding the same tar', async (compression, check) => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const ref = encodeURIComponent(vmRef(sim, 'db.example.com'));
    const plain = await raw(sim, 'GET', `/export?session_id=${session}&ref=${ref}`);
    const packed = await raw(sim, 'GET', `/export?session_id=${session}&ref=${ref}&use_compression=${compression}`);
    expect(packed.body.length).toBeLessThan(plain.body.length);
    const dir = temp();
    writeFileSync(join(dir, 'x.xva.z'), packed.body);
    writeFileSync(join(dir, 'x.xva'), plain.body);
    sh(check[0]!, [...check.slice(1), 'x.xva.z'], dir);
    const unpacked = execFileSync(compression === 'gzip' ? 'gzip' : 'zstd', ['-d', '-c', 'x.xva.z'], { cwd: dir, maxBuffer: 1 << 30 });
    expect(unpacked.equals(plain.body)).toBe(true);
  });
});

describe('GET /export_raw_vdi', () => {
  it('raw and vhd exports hold the same disk: qemu-img reads our VHD back to the raw bytes', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    // 3 MiB: not a multiple of the 2 MiB VHD block.
    const vdi = sim.state.store.rows('VDI').find((v) => Number(v.record.virtual_size) === 3 * 2 ** 20 && !v.record.is_a_snapshot)!;
    const rawDisk = await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${vdi.ref}&format=raw`);
    expect(rawDisk.status).toBe(200);
    expect(rawDisk.headers['content-type']).toBe('application/octet-stream');
    expect(rawDisk.body.length).toBe(3 * 2 ** 20);
    const vhd = await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&vdi=${String(vdi.record.uuid)}&format=vhd`);
    expect(vhd.headers['content-type']).toBe('application/vhd');
    const dir = temp();
    writeFileSync(join(dir, 'd.vhd'), vhd.body);
    const info = JSON.parse(sh('qemu-img', ['info', '-f', 'vpc', '--output=json', 'd.vhd'], dir)) as { format: string };
    expect(info.format).toBe('vpc');
    sh('qemu-img', ['convert', '--image-opts', 'driver=vpc,force_size_calc=current_size,file.filename=d.vhd', '-O', 'raw', 'd.raw'], dir);
    expect(readFileSync(join(dir, 'd.raw')).equals(rawDisk.body)).toBe(true);
  });

  it('an unknown format is a 404 and an INTERNAL_ERROR on the task', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const task = await rpc<string>(sim, 'task.create', session, 't', '');
    const vdi = sim.state.store.rows('VDI')[0]!;
    const res = await raw(sim, 'GET', `/export_raw_vdi?session_id=${session}&task_id=${task}&vdi=${vdi.ref}&format=qcow3`);
    expect(res.status).toBe(404);
    expect((await taskOutcome(sim, session, task)).error_info).toEqual(['INTERNAL_ERROR', 'Unknown format qcow3']);
  });

  it('refuses a bad session with 401, failing the task', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const task = await rpc<string>(sim, 'task.create', session, 't', '');
    const res = await raw(sim, 'GET', `/export_raw_vdi?session_id=OpaqueRef:bogus&task_id=${task}&vdi=x`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    expect((await taskOutcome(sim, session, task)).error_info[0]).toBe('SESSION_AUTHENTICATION_FAILED');
  });
});

describe('GET /export_raw_vdi with base= (a differencing VHD)', () => {
  it('holds only the blocks that differ from the base', async () => {
    sim = await testSimulator({ http: true });
    const session = await login(sim);
    const disks = sim.state.store.rows('VDI').filter((v) => !v.record.is_a_snapshot && Number(v.record.virtual_size) >= 4 * 2 ** 20);
    const [a, b] = disks;
    const snap = await rpc<string>(sim, 'VDI.snapshot', session, a!.ref, {});
    const blocksOf = async (query: string) => {
      const body = (await raw(sim!, 'GET', `/export_raw_vdi?session_id=${session}&format=vhd&${query}`)).body;
      const events = [...new VhdParser().feed(body)];
      const start = events.find((e) => e.type === 'start');
      return { diskType: start?.type === 'start' ? start.footer.diskType : undefined, blocks: events.filter((e) => e.type === 'block').length };
    };
    // A snapshot shares its source's content: nothing differs.
    expect(await blocksOf(`vdi=${a!.ref}&base=${snap}`)).toEqual({ diskType: 4, blocks: 0 });
    // Against another disk, every block that holds data on either side is present.
    expect((await blocksOf(`vdi=${a!.ref}&base=${b!.ref}`)).blocks).toBeGreaterThan(0);
    expect((await blocksOf(`vdi=${a!.ref}`)).diskType).toBe(3);
  });
});

describe('export progress', () => {
  it('counts the share of the disks read, empty chunks included, not the bytes sent', async () => {
    // A fixed uuid seed fixes which blocks hold data (content follows the VDI's uuid): with a
    // random one, 9 or more of its 31 random blocks held data in about 1 run in 400 (binomial,
    // p = 0.1), and the tar passed 0.3 of the disk.
    sim = await testSimulator({ http: true, uuidSeed: 'export progress', pool: { vms: [{ name: 'sparse', power: 'Halted', disks: [{ size: '64MiB', density: 0.1 }] }] } });
    const seen: number[] = [];
    const tasks = sim.state.tasks;
    const original = tasks.progress.bind(tasks);
    tasks.progress = (ref: string, value: number, force?: boolean) => {
      seen.push(value);
      return original(ref, value, force);
    };
    const session = await login(sim);
    const task = await createTask(session);
    const xva = await raw(sim, 'GET', `/export?session_id=${session}&task_id=${task}&ref=${encodeURIComponent(vmRef(sim, 'sparse'))}`);
    expect(xva.status).toBe(200);
    // The tar carries about a tenth of the disk; the progress before the end still reaches its end.
    expect(xva.body.length).toBeLessThan(0.3 * 64 * 2 ** 20);
    expect(xva.body.length).toBeGreaterThan(0.05 * 64 * 2 ** 20);
    expect(Math.max(...seen.filter((v) => v < 1))).toBeGreaterThan(0.9);
  });
});
