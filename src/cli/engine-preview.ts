/**
 * Preview against the pool: log in (the password check, as the old preview), plan, and print
 * what a run would do. Exits 0 when the run could start, 2 when not (the old preview always
 * exited 1, which made it useless in scripts).
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { previewRun } from '../backup/preview.js';
import { poolPreviewJson, poolPreviewProblems, poolPreviewText } from '../report/pool-preview.js';
import { connect, type EngineContext } from './engine-run.js';
import { EXIT } from './exit-codes.js';

export async function previewAgainstPool(ctx: EngineContext): Promise<number> {
  const { io, inv, loaded, settings } = ctx;
  const conn = await connect(io, ctx.target, inv, ctx.settings);
  try {
    const preview = await previewRun(conn, loaded.model, settings, loaded.source, io.now());
    const byLine = (a: { line: number | null }, b: { line: number | null }) => (a.line ?? Infinity) - (b.line ?? Infinity);
    const issues = [...loaded.issues, ...preview.plan.issues].sort(byLine);
    const input = { preview, settings, source: loaded.source, issues, now: io.now() };
    if (inv.json?.to === 'stdout') io.stdout(JSON.stringify(poolPreviewJson(input), null, 2) + '\n');
    else {
      io.stdout(poolPreviewText(input));
      if (inv.json) await writeFile(resolve(io.cwd, inv.json.path), JSON.stringify(poolPreviewJson(input), null, 2) + '\n');
    }
    return poolPreviewProblems(input).errors === 0 ? EXIT.OK : EXIT.INVALID;
  } finally {
    await conn.close();
  }
}
