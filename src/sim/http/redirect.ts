/**
 * XAPI answers an export with `302 Found` when the host that got the request cannot see the
 * storage (xapi-notes §3.1, §3.2): a local SR of another pool member. The Location is that
 * member's address, with the same path and query (session and task travel along).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { SimState } from '../state.js';

function hostAt(sim: SimState, localAddress: string): string | undefined {
  const address = localAddress.replace(/^::ffff:/, '');
  return sim.store.rows('host').find((h) => h.record.address === address)?.ref;
}

function sees(sim: SimState, host: string, sr: string): boolean {
  const record = sim.store.get(sr)?.record;
  if (!record) return true;
  if (record.shared) return true;
  return sim.store.rows('PBD').some((p) => p.record.SR === sr && p.record.host === host && p.record.currently_attached);
}

/**
 * Sends the 302 and returns true when this host cannot see one of `srs` and another host sees
 * them all. Unknown objects are left to the handler, which reports them properly.
 */
export function redirectForStorage(sim: SimState, req: IncomingMessage, res: ServerResponse, srs: string[]): boolean {
  const here = hostAt(sim, req.socket.localAddress ?? '');
  if (here === undefined || srs.every((sr) => sees(sim, here, sr))) return false;
  const there = sim.store.rows('host').find((h) => srs.every((sr) => sees(sim, h.ref, sr)));
  if (!there) return false;
  const address = String(there.record.address);
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = address.includes(':') ? `[${address}]` : address;
  res.writeHead(302, { Location: `${scheme}://${host}:${req.socket.localPort}${req.url ?? '/'}`, 'Content-Length': '0', Connection: 'close' });
  res.end();
  return true;
}

/** The SRs holding a VM's disks (CD drives and empty VBDs hold none). */
export function srsOfVm(sim: SimState, vmRef: string): string[] {
  const vm = sim.store.get(vmRef)?.record;
  const vbds = (vm?.VBDs as string[] | undefined) ?? [];
  return vbds.flatMap((vbd) => {
    const vdi = sim.store.get(vbd)?.record.VDI as string | undefined;
    const sr = vdi ? (sim.store.get(vdi)?.record.SR as string | undefined) : undefined;
    return sr ? [sr] : [];
  });
}
