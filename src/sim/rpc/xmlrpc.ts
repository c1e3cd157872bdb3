/**
 * XML-RPC for the simulator: reading a methodCall and writing XAPI's Status/Value/
 * ErrorDescription envelope. Parsing uses sax and tolerates the whitespace that some clients
 * (Python's xmlrpclib) put between elements; whitespace inside a <value> or <string> is data.
 */
import sax from 'sax';
import { XapiFailure } from '../errors.js';
import { escapeXml, valueXml, type WireType } from './wire.js';

export interface RpcRequest {
  method: string;
  params: unknown[];
}

interface Frame {
  name: string;
  text: string;
  children: unknown[];
  members?: Record<string, unknown>;
  memberName?: string;
}

function scalar(frame: Frame): unknown {
  switch (frame.name) {
    case 'i4':
    case 'int':
    case 'i8':
    case 'double':
      return Number(frame.text);
    case 'boolean':
      return frame.text.trim() === '1';
    case 'nil':
      return null;
    default:
      // string, dateTime.iso8601 (kept as XAPI text), base64
      return frame.text;
  }
}

function malformed(detail: string): XapiFailure {
  return new XapiFailure('XMLRPC_UNMARSHAL_FAILURE', [detail]);
}

export function parseXmlRpcCall(xml: string): RpcRequest {
  const parser = sax.parser(true, { trim: false, normalize: false });
  const stack: Frame[] = [];
  let method: string | undefined;
  const params: unknown[] = [];
  let error: Error | undefined;

  parser.onerror = (err) => {
    error = err;
    parser.resume();
  };
  parser.onopentag = (node) => {
    stack.push({ name: node.name, text: '', children: [], ...(node.name === 'struct' ? { members: {} } : {}) });
  };
  parser.ontext = (text) => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = () => {
    const frame = stack.pop()!;
    const parent = stack[stack.length - 1];
    let produced: unknown;
    let has = false;
    switch (frame.name) {
      case 'value':
        // <value>text</value> without a type element is a string, whitespace included.
        produced = frame.children.length > 0 ? frame.children[0] : frame.text;
        has = true;
        break;
      case 'array':
        produced = frame.children[0] ?? [];
        has = true;
        break;
      case 'data':
        produced = frame.children;
        has = true;
        break;
      case 'struct':
        produced = frame.members;
        has = true;
        break;
      case 'name':
        if (parent?.name === 'member') parent.memberName = frame.text;
        else if (parent?.name === 'methodCall') method = frame.text;
        break;
      case 'methodName':
        method = frame.text.trim();
        break;
      case 'member': {
        const struct = parent;
        if (struct?.members && frame.memberName !== undefined) struct.members[frame.memberName] = frame.children[0];
        break;
      }
      case 'param':
        params.push(frame.children[0]);
        break;
      case 'params':
      case 'methodCall':
        break;
      default:
        produced = scalar(frame);
        has = true;
    }
    if (has && parent) parent.children.push(produced);
  };
  parser.write(xml).close();
  if (error) throw malformed(error.message.split('\n')[0] ?? 'bad XML');
  if (!method) throw malformed('no methodName');
  return { method, params };
}

function envelope(inner: string): string {
  return `<?xml version="1.0"?><methodResponse><params><param><value><struct>${inner}</struct></value></param></params></methodResponse>`;
}

export function xmlRpcSuccess(value: unknown, type: WireType): string {
  return envelope(`<member><name>Status</name><value>Success</value></member><member><name>Value</name>${valueXml(value, type)}</member>`);
}

/** system.listMethods answers a bare array, without the Status/Value wrapper (xapi-notes §2.2). */
export function xmlRpcBare(value: unknown, type: WireType): string {
  return `<?xml version="1.0"?><methodResponse><params><param>${valueXml(value, type)}</param></params></methodResponse>`;
}

export function xmlRpcFailure(failure: XapiFailure): string {
  const items = failure.description.map((s) => `<value>${escapeXml(s)}</value>`).join('');
  return envelope(
    `<member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data>${items}</data></array></value></member>`,
  );
}

/** A bare XML-RPC <value> document (ova.xml is one), decoded like a call parameter. */
export function parseXmlRpcValue(xml: string): unknown {
  const body = xml.replace(/^\s*<\?xml[^>]*\?>/, '');
  return parseXmlRpcCall(`<methodCall><methodName>value</methodName><params><param>${body}</param></params></methodCall>`).params[0];
}
