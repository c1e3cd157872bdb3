/**
 * A whole backup file read through its verifier before anything on the pool is touched. Only a
 * restore that REPLACES a VM needs it: the halted original goes before the import (XAPI would
 * refuse the archive's mac_seed beside it, or replaces it itself when ova.xml arrives), so a
 * damage found while streaming would come too late to keep it. One extra read of the file is
 * the price of never trading a VM for a corrupt backup.
 */
import { open } from 'node:fs/promises';
import { VmbackupError } from '../errors.js';
import { type VerifierSpec, verifierFor } from '../backup/verify.js';

const BUFFER = 1024 * 1024;
const PROGRESS_EVERY_MS = 250;

export async function checkAtRest(file: string, spec: VerifierSpec, signal: AbortSignal, onBytes: (done: number, rate: number) => void): Promise<number> {
  const verifier = verifierFor(spec);
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(BUFFER);
  const started = Date.now();
  let done = 0;
  let told = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { bytesRead } = await handle.read(buffer, 0, BUFFER, null);
      if (bytesRead === 0) break;
      await verifier.feed(buffer.subarray(0, bytesRead));
      done += bytesRead;
      if (Date.now() - told >= PROGRESS_EVERY_MS) {
        told = Date.now();
        onBytes(done, done / Math.max(0.001, (told - started) / 1000));
      }
    }
    await verifier.end();
  } catch (err) {
    // Ends a zstd verifier's child, which would otherwise wait on its stdin for good.
    verifier.abort();
    if (signal.aborted) throw signal.reason;
    if (err instanceof VmbackupError && err.code === 'VERIFY_FAILED') {
      throw new VmbackupError('VERIFY_FAILED', `${file}: ${err.message} (checked before replacing the VM: nothing on the pool was changed)`, 'restore another backup of this VM (vmbackup list --vm NAME)');
    }
    throw err;
  } finally {
    await handle.close();
  }
  onBytes(done, done / Math.max(0.001, (Date.now() - started) / 1000));
  return done;
}
