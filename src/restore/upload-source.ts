/**
 * Where an upload's bytes come from (upload-stream.ts reads them in its reused buffers): a
 * backup file as it is on disk, or, for a delta point's disk, the synthetic full VHD of its
 * chain (chain/synthetic.ts), built from the link files on the same thread that sends it.
 * Both are read front to back; the chain's stream cannot seek.
 */
import { open } from 'node:fs/promises';
import { openChain } from '../chain/open-chain.js';
import { syntheticVhd } from '../chain/synthetic.js';

export interface ByteSource {
  size: number;
  /** Fills `buf[0, want)` with the bytes at `at` (always the next ones); returns the count read. */
  read(buf: Buffer, want: number, at: number): Promise<number>;
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    return {
      size,
      read: async (buf, want, at) => (await handle.read(buf, 0, want, at)).bytesRead,
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** The synthetic VHD of a chain (VHD paths newest first), as a source of its exact length. */
export async function chainSource(paths: readonly string[]): Promise<ByteSource> {
  const chain = await openChain(paths);
  let vhd;
  try {
    vhd = syntheticVhd(chain);
  } catch (err) {
    await chain.close();
    throw err;
  }
  const pieces = vhd.stream();
  let pending: Buffer | null = null;
  let position = 0;
  return {
    size: vhd.length,
    async read(buf, want, at) {
      if (at !== position) throw new Error(`a chain stream is read in order: asked for ${at}, at ${position}`);
      let filled = 0;
      while (filled < want) {
        if (!pending || pending.length === 0) {
          const next = await pieces.next();
          if (next.done) break;
          pending = next.value;
        }
        const take = Math.min(want - filled, pending.length);
        pending.copy(buf, filled, 0, take);
        pending = pending.subarray(take);
        filled += take;
      }
      position += filled;
      return filled;
    },
    async close() {
      await pieces.return(undefined).catch(() => undefined);
      await chain.close();
    },
  };
}
