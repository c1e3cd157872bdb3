/**
 * The VM's own description for a delta backup: ova.xml, as the pool writes it at the head of
 * an XVA, from a metadata-only export (`GET /export_metadata?ref=<snapshot>`, xapi-notes §3).
 * A restore recreates the VM from it (name, vCPUs, memory, boot parameters, VIFs, VBDs). It is
 * Of the live VM (XAPI refuses it for a snapshot), right after the snapshot. It is
 * small (tens of KiB), so it is read here, on the main thread, into memory with a bound.
 */
import { VmbackupError } from '../errors.js';
import { TarParser } from '../formats/index.js';
import type { PoolConnection } from '../xapi/connection.js';
import { rawGet } from '../xapi/raw-get.js';
import { taskResultWithin } from '../xapi/task-result.js';

export const OVA_XML_FILE = 'ova.xml';
const OVA_MAX_BYTES = 64 * 2 ** 20;

export async function fetchOvaXml(conn: PoolConnection, vmRef: string, vmName: string, signal: AbortSignal): Promise<Buffer> {
  const ticket = await conn.transfer(`metadata export of ${vmName}`, '/export_metadata/', { ref: vmRef, export_snapshots: 'false' }, signal);
  try {
    const parts: Buffer[] = [];
    let size = 0;
    let found = false;
    const tar = new TarParser({
      header: (entry) => {
        found ||= entry.name === OVA_XML_FILE;
        if (entry.name === OVA_XML_FILE && entry.size > OVA_MAX_BYTES) throw new VmbackupError('METADATA_TOO_LARGE', `the pool's ova.xml for ${vmName} is ${entry.size} bytes`, 'this is not a VM description vmbackup can keep; report it');
      },
      data: (slice, entry) => {
        if (entry.name !== OVA_XML_FILE) return;
        parts.push(Buffer.from(slice));
        size += slice.length;
      },
      memberEnd: () => undefined,
      end: () => undefined,
    });
    let res;
    try {
      res = await rawGet(new URL(ticket.url), {}, { trust: ticket.trust, signal });
      if (res.status < 200 || res.status > 299) {
        res.body.destroy();
        throw new VmbackupError(`HTTP_${res.status}`, `HTTP ${res.status} ${res.statusText}`.trim());
      }
      await res.body.pump((chunk) => tar.feed(chunk));
      tar.end();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const error = err instanceof VmbackupError && err.code === 'METADATA_TOO_LARGE' ? err : await ticket.explain(err);
      await ticket.cancel();
      throw error;
    }
    await taskResultWithin(ticket.result, "the metadata export's");
    if (!found || size === 0) throw new VmbackupError('METADATA_MISSING', `the pool's metadata export of ${vmName} held no ova.xml`, 'check the pool (xe vm-export metadata=true); this backup is not kept');
    return Buffer.concat(parts, size);
  } finally {
    ticket.done();
  }
}
