/** XAPI's datetime text: "20240101T12:34:56Z" (no dashes, no colons in the date part, UTC). */
export function xapiDateTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/-/g, '');
}

/** Seconds since the epoch with a fraction, as event timestamps carry them. */
export function xapiTimestamp(d: Date = new Date()): string {
  return (d.getTime() / 1000).toFixed(6);
}
