/**
 * ova.xml, the first member of an XVA: one XML-RPC <value> with a `version` struct and the
 * exported objects (xapi-notes §4.1). Decoded with sax, as the pool dumps are. A restore reads the
 * VM and its disks from it (restore/ova-xml.ts); a verifier checks that the disks whose chunks
 * follow are the archive's VDIs, each ending at its virtual size (`ovaDiskSizes`).
 */
import sax from 'sax';
import { FormatError } from './errors.js';
import type { XvaEvent } from './xva-summary.js';

type XmlRpcValue = string | XmlRpcValue[] | { [key: string]: XmlRpcValue };

/** A generic XML-RPC value decoder: structs become objects, arrays lists, scalars their text. */
export function parseXmlRpc(xml: string): XmlRpcValue {
  const parser = sax.parser(true);
  // Each open <value>, <struct> or <array> is a frame; a <member> remembers its name.
  const stack: { kind: 'value' | 'struct' | 'array'; value?: XmlRpcValue; text: string; name?: string }[] = [];
  let result: XmlRpcValue = '';
  let error: Error | undefined;
  let textTarget: 'name' | 'value' | null = null;
  let memberName = '';
  parser.onerror = (err) => {
    error ??= err;
    parser.resume();
  };
  parser.onopentag = (node) => {
    if (node.name === 'value') stack.push({ kind: 'value', text: '' });
    else if (node.name === 'struct') stack.push({ kind: 'struct', value: {}, text: '' });
    else if (node.name === 'array') stack.push({ kind: 'array', value: [], text: '' });
    else if (node.name === 'name') {
      memberName = '';
      textTarget = 'name';
    }
    if (node.name === 'value') textTarget = 'value';
  };
  parser.ontext = (t) => {
    if (textTarget === 'name') memberName += t;
    else if (textTarget === 'value') stack[stack.length - 1]!.text += t;
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = (name) => {
    if (name === 'name') {
      textTarget = null;
      const struct = [...stack].reverse().find((f) => f.kind === 'struct');
      if (struct) struct.name = memberName;
      return;
    }
    if (name === 'struct' || name === 'array') {
      const frame = stack.pop()!;
      stack[stack.length - 1]!.value = frame.value!;
      return;
    }
    if (name !== 'value') return;
    const frame = stack.pop()!;
    const value = frame.value ?? frame.text;
    textTarget = null;
    const parent = stack[stack.length - 1];
    if (!parent) result = value;
    else if (parent.kind === 'array') (parent.value as XmlRpcValue[]).push(value);
    else if (parent.kind === 'struct') (parent.value as Record<string, XmlRpcValue>)[parent.name ?? ''] = value;
  };
  parser.write(xml).close();
  if (error) throw error;
  return result;
}


/**
 * The virtual size of each VDI the archive exports, by its object id (`Ref:12`: the folder of
 * its chunks). Throws a FormatError (XVA_OVA_XML) when ova.xml is not well-formed XML-RPC or holds
 * no list of objects: XAPI could not import it.
 */
export function ovaDiskSizes(xml: string, offset?: number): Record<string, number> {
  const where = { member: 'ova.xml', ...(offset === undefined ? {} : { offset }) };
  let root: XmlRpcValue;
  try {
    root = parseXmlRpc(xml);
  } catch (err) {
    throw new FormatError('XVA_OVA_XML', `ova.xml is not well-formed XML: ${(err as Error).message.split('\n')[0]}`, where);
  }
  const objects = (root as { objects?: unknown })?.objects;
  if (!Array.isArray(objects)) throw new FormatError('XVA_OVA_XML', 'ova.xml holds no list of exported objects', where);
  const sizes: Record<string, number> = {};
  for (const o of objects as { class?: unknown; id?: unknown; snapshot?: Record<string, unknown> }[]) {
    if (o?.class !== 'VDI' || typeof o.id !== 'string') continue;
    const size = Number(o.snapshot?.virtual_size);
    if (!Number.isSafeInteger(size) || size < 0) throw new FormatError('XVA_OVA_XML', `ova.xml gives VDI ${o.id} no valid virtual_size`, where);
    sizes[o.id] = size;
  }
  return sizes;
}

/**
 * What ova.xml promises about the chunks that follow it, checked as the parser's events pass:
 * every disk with chunks is a VDI of the archive, and its chunks end at that VDI's virtual size.
 * XAPI always writes a disk's last chunk (xva-writer.ts does too), so a disk that ends short lost
 * its tail: the one missing chunk a member-by-member check cannot see (empty chunks in the middle
 * are legitimately left out). A VDI with no chunks at all is allowed: ova.xml also lists the CD
 * images a VM had, which are not exported.
 */
export class XvaDiskCheck {
  private sizes: Record<string, number> | null = null;

  /** Feeds the parser's events (from feed() or end()); throws a FormatError on a broken promise. */
  take(events: readonly XvaEvent[]): void {
    for (const event of events) {
      if (event.type === 'ova') this.sizes = ovaDiskSizes(event.xml, 0);
      else if (event.type === 'end' && this.sizes) this.checkEnd(event.disks);
    }
  }

  private checkEnd(disks: readonly { id: string; size: number }[]): void {
    const sizes = this.sizes!;
    for (const disk of disks) {
      const size = sizes[disk.id];
      if (size === undefined) throw new FormatError('XVA_DISK_SIZE', `the archive holds chunks of disk ${disk.id}, which ova.xml does not export`, { member: disk.id });
      if (disk.size !== size) {
        throw new FormatError('XVA_DISK_SIZE', `disk ${disk.id} ends at byte ${disk.size} of its ${size}: ${disk.size < size ? 'its last chunk is missing' : 'it is longer than its virtual size'}`, { member: disk.id });
      }
    }
  }
}
