/**
 * `1.5 GiB`: sizes for people (binary units, three significant digits). In util/ so that both
 * backup/free-space.ts and report/catalog-text.ts use one copy: importing free-space.ts loads
 * the whole formats library (hash-wasm included), about a third of `vmbackup list`'s start-up
 * on a loaded machine, and `list` needs only this function from it.
 * (report/mail-content.ts has its own, in decimal units like the mail's MB/s column.)
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → "1.5 KiB". */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(value) : value >= 100 ? value.toFixed(0) : value.toFixed(1);
  return `${text} ${UNITS[unit]}`;
}
