/**
 * `vmbackup sim --churn PERCENT[/INTERVAL]`: how much of every running VM's disks changes, and
 * how often (default every 60 s). PERCENT is a share of all 2 MiB blocks, allocated or not;
 * INTERVAL is a number with ms, s, m or h (a bare number is seconds).
 */
export interface ChurnSpec {
  percent: number;
  intervalMs: number;
}

export const DEFAULT_CHURN_INTERVAL_MS = 60_000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, h: 3_600_000 };

export const CHURN_HELP = `  --churn PERCENT[/INTERVAL]  every INTERVAL (default 60s; ms, s, m, h) rewrite PERCENT % of the
               2 MiB blocks of every running VM's disks (e.g. --churn 5/10s), deterministic by seed`;

export function parseChurnSpec(text: string): ChurnSpec {
  const m = /^(\d+(?:\.\d+)?)%?(?:\/(\d+(?:\.\d+)?)(ms|s|m|h)?)?$/.exec(text.trim());
  const percent = m ? Number(m[1]) : NaN;
  if (!m || !(percent > 0 && percent <= 100)) throw new Error(`--churn ${text}: expected PERCENT[/INTERVAL], a share of 0-100 and e.g. 10s (e.g. --churn 5/10s)`);
  const intervalMs = m[2] === undefined ? DEFAULT_CHURN_INTERVAL_MS : Math.round(Number(m[2]) * UNITS[m[3] ?? '']!);
  if (!(intervalMs >= 10)) throw new Error(`--churn ${text}: the interval must be at least 10ms`);
  return { percent, intervalMs };
}
