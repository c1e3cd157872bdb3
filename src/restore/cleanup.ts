/**
 * Everything a restore creates on the pool, so that a failure, a cancel or a VERIFY_FAILED
 * leaves nothing of it behind: the import task is cancelled, then every VM, VBD, VDI and network
 * it made is destroyed. XAPI removes what a failed import made by itself; we do it again for what
 * it may keep (an import that completed just before our verifier failed, a VM it had made when
 * the cancel came, our own VDI.create).
 */
import type { PoolConnection } from '../xapi/connection.js';
import { poolError } from '../xapi/errors.js';
import { refs, str } from '../xapi/records.js';
import type { TransferTicket } from '../xapi/transfer-ticket.js';
import { within } from '../util/within.js';

/** How long a cancelled import gets to settle (and to tell its VM) before we clean up. */
const SETTLE_MS = 10_000;

/** The new VM ref in an /import task result: `['OpaqueRef:…']`, or the XML-RPC text of it. */
export function vmRefOfResult(result: unknown): string | null {
  if (Array.isArray(result)) return typeof result[0] === 'string' ? result[0] : null;
  if (typeof result === 'string') return /OpaqueRef:[0-9a-zA-Z-]+/.exec(result)?.[0] ?? null;
  return null;
}

export class Undo {
  private readonly tickets: { ticket: TransferTicket; makesVm: boolean }[] = [];
  private readonly vms = new Set<string>();
  private readonly vdis = new Set<string>();
  private readonly vbds = new Set<string>();
  private readonly networks = new Set<string>();

  constructor(private readonly conn: PoolConnection) {}

  /** `makesVm`: an /import, whose result is the VM it made (an /import_raw_vdi's is our own VDI). */
  ticket(ticket: TransferTicket, makesVm: boolean): void {
    this.tickets.push({ ticket, makesVm });
  }
  vm(ref: string): void {
    this.vms.add(ref);
  }
  vdi(ref: string): void {
    this.vdis.add(ref);
  }
  vbd(ref: string): void {
    this.vbds.add(ref);
  }
  network(ref: string): void {
    this.networks.add(ref);
  }

  /** Removes what was created; returns one sentence per thing that could not be removed. */
  async run(log: (message: string) => void): Promise<string[]> {
    const left: string[] = [];
    const call = async (doing: string, method: string, ...args: unknown[]): Promise<boolean> => {
      try {
        await this.conn.call(doing, method, ...args);
        return true;
      } catch (err) {
        const e = poolError(err, doing);
        // Gone already (XAPI's own cleanup of a failed import got there first): that is the goal.
        if (e.code === 'HANDLE_INVALID') return true;
        left.push(e.message);
        return false;
      }
    };
    for (const { ticket, makesVm } of this.tickets) {
      await ticket.cancel();
      if (!makesVm) continue;
      // A cancelled import may still have finished (the cancel came late): its result names the VM.
      const ref = vmRefOfResult(await within(ticket.result.catch(() => undefined), SETTLE_MS));
      if (ref) this.vms.add(ref);
    }
    for (const ref of this.vbds) await call('removing the disk attachment we made', 'VBD.destroy', ref);
    for (const vm of this.vms) {
      let record: Record<string, unknown>;
      try {
        record = await this.conn.call<Record<string, unknown>>('reading the restored VM', 'VM.get_record', vm);
      } catch {
        continue; // gone: XAPI removed the failed import itself
      }
      const name = str(record.name_label);
      for (const vbd of refs(record.VBDs)) {
        try {
          const r = await this.conn.call<Record<string, unknown>>('reading a disk of the restored VM', 'VBD.get_record', vbd);
          if (str(r.type) === 'Disk' && str(r.VDI) !== 'OpaqueRef:NULL') this.vdis.add(str(r.VDI));
        } catch {
          // the VBD went with the VM
        }
      }
      if (str(record.power_state) !== 'Halted') await call(`stopping the VM ${name}`, 'VM.hard_shutdown', vm);
      if (await call(`removing the VM ${name}`, 'VM.destroy', vm)) log(`removed the VM ${name} this restore created`);
    }
    for (const vdi of this.vdis) {
      if (await call('removing a disk this restore created', 'VDI.destroy', vdi)) log('removed a disk this restore created');
    }
    for (const network of this.networks) {
      try {
        const r = await this.conn.call<Record<string, unknown>>('reading a network the import created', 'network.get_record', network);
        if (refs(r.VIFs).length > 0) continue; // someone uses it now
        if (await call('removing a network the import created', 'network.destroy', network)) log(`removed the network ${str(r.name_label)} the import created`);
      } catch {
        // gone
      }
    }
    return left;
  }
}
