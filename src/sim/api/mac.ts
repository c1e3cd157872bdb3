/** VIF and PIF MAC addresses as XAPI makes them when none is given. */
import { randomBytes } from 'node:crypto';

/** A random locally administered unicast MAC (first octet xxxxxx10), lowercase with colons. */
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
