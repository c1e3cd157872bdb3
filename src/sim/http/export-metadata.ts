/**
 * GET /export_metadata?ref=<VM ref>|uuid=<VM uuid>[&export_snapshots=true|false]
 * (xen-api export.ml `metadata_handler`): the VM's metadata alone, a tar holding only `ova.xml`,
 * as the first member of an XVA has it, with preserve_power_state (a running VM says Running).
 *   - export_snapshots (default true): the VM's snapshots come too, with their disks and VIFs,
 *     and every VM keeps is_a_snapshot / snapshot_of / snapshots (ova-xml.ts);
 *   - a snapshot (or snapshot template) is refused before any header:
 *     OPERATION_NOT_ALLOWED ["Exporting metadata of a snapshot is not allowed"], HTTP 500;
 *   - an unknown ref: HANDLE_INVALID, an unknown uuid: UUID_INVALID, also before any header;
 *   - unlike /export, XAPI builds the tar first and sends it with a Content-Length, HTTP/1.0.
 * Not modelled: all=true (every VM's metadata), include_vhd_parents, include_dom0.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TAR_END, tarHeader, tarPadding } from '../../formats/tar-header.js';
import { asFailure, XapiFailure } from '../errors.js';
import type { Row } from '../db/store.js';
import type { SimState } from '../state.js';
import { buildOvaXml } from './ova-xml.js';
import { beginTransfer, failBeforeHeaders, finishTransfer } from './transfer.js';

function findVm(sim: SimState, query: URLSearchParams): Row {
  const uuid = query.get('uuid');
  if (uuid !== null && query.get('ref') === null) {
    const row = sim.store.byUuid('VM', uuid);
    if (!row) throw new XapiFailure('UUID_INVALID', ['VM', uuid]);
    return row;
  }
  return sim.store.expect('VM', query.get('ref') ?? '');
}

/** The tar XAPI sends: one `ova.xml` member, then the end-of-archive blocks. */
export function metadataTar(ovaXml: string): Buffer {
  const xml = Buffer.from(ovaXml, 'utf8');
  return Buffer.concat([tarHeader('ova.xml', xml.length), xml, tarPadding(xml.length), TAR_END]);
}

export async function handleExportMetadata(sim: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t = beginTransfer(sim, req, res, 'VM.export_metadata');
  if (!t) return;
  let vm: Row;
  try {
    vm = findVm(sim, t.query);
    if (vm.record.is_a_snapshot) throw new XapiFailure('OPERATION_NOT_ALLOWED', ['Exporting metadata of a snapshot is not allowed']);
  } catch (err) {
    return failBeforeHeaders(t, asFailure(err));
  }
  const faults = sim.faults.forStream(t.url.pathname, vm.record);
  if (faults.http500) return failBeforeHeaders(t, new XapiFailure('INTERNAL_ERROR', ['injected fault: HTTP 500']));
  const snapshotMetadata = (t.query.get('export_snapshots') ?? 'true') === 'true';
  const tar = metadataTar(buildOvaXml(sim.store, vm.ref, { preservePowerState: true, snapshotMetadata }).xml);
  t.res.writeHead(200, {
    Connection: 'close',
    'Cache-Control': 'no-cache, no-store',
    'task-id': t.taskRef,
    'content-type': 'application/octet-stream',
    'Content-Length': String(tar.length),
    'Content-Disposition': 'attachment; filename="export.xva"',
  });
  t.res.write(tar);
  finishTransfer(t, { ok: true });
}
