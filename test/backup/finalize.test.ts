import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VmbackupError } from '../../src/errors.js';
import { commitFile, fsyncDirectory, tempPathFor, writeSmallFile } from '../../src/backup/finalize.js';
import { tempDirForTest } from '../helpers/temp.js';

async function writeTemp(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx');
  await handle.writeFile(text);
  await handle.close();
}

describe('finalize', () => {
  it('tempPathFor: a dot-prefixed .partial beside the final file, within NAME_MAX', () => {
    expect(tempPathFor('/b/web 01/backup-x/web 01.xva')).toBe('/b/web 01/backup-x/.web 01.xva.partial');
    // 121 × 2 + 4 = 246 bytes: `.<name>.partial` still fits (256 would not).
    expect(tempPathFor(`/b/v/${'é'.repeat(121)}.xva`)).toBe(`/b/v/.${'é'.repeat(121)}.xva.partial`);
    // 124 × 2 + 4 = 252 bytes: a legal name whose `.partial` form is too long.
    const long = tempPathFor(`/b/v/${'é'.repeat(124)}.xva`);
    expect(long).toMatch(/^\/b\/v\/\.[0-9a-f]{40}\.partial$/);
    expect(tempPathFor(`/b/v/${'é'.repeat(124)}.xva`)).toBe(long);
    expect(tempPathFor(`/b/v/${'é'.repeat(125)}.xva`)).not.toBe(long);
  });

  it('commitFile leaves the final file with its content and no temp file', async () => {
    const dir = tempDirForTest('finalize');
    const final = join(dir, 'vm.xva');
    const temp = tempPathFor(final);
    await writeTemp(temp, 'the whole export');
    await commitFile(temp, final);
    expect(readdirSync(dir)).toEqual(['vm.xva']);
    expect(readFileSync(final, 'utf8')).toBe('the whole export');
  });

  it('a crash before the commit leaves only the dot-prefixed temp name', async () => {
    const dir = tempDirForTest('finalize-crash');
    const final = join(dir, 'vm.xva');
    await writeTemp(tempPathFor(final), 'half an exp');
    expect(readdirSync(dir)).toEqual(['.vm.xva.partial']);
    expect(existsSync(final)).toBe(false);
  });

  it('never replaces an existing file unless asked', async () => {
    const dir = tempDirForTest('finalize-exists');
    const final = join(dir, 'vm.xva');
    writeFileSync(final, 'good backup');
    const temp = tempPathFor(final);
    await writeTemp(temp, 'new');
    const err = await commitFile(temp, final).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmbackupError);
    expect((err as VmbackupError).code).toBe('FILE_EXISTS');
    expect(readFileSync(final, 'utf8')).toBe('good backup');
    await commitFile(temp, final, { replace: true });
    expect(readFileSync(final, 'utf8')).toBe('new');
    await expect(commitFile(join(dir, 'a'), join(dir, 'sub', 'a'))).rejects.toThrow(/different folders/);
  });

  it('writeSmallFile writes markers and metadata whole, and refuses to overwrite', async () => {
    const dir = tempDirForTest('finalize-small');
    await writeSmallFile(join(dir, 'success'), '');
    await writeSmallFile(join(dir, 'vm-metadata.xml'), '<xml/>\n');
    expect(readdirSync(dir).sort()).toEqual(['success', 'vm-metadata.xml']);
    expect(readFileSync(join(dir, 'vm-metadata.xml'), 'utf8')).toBe('<xml/>\n');
    await expect(writeSmallFile(join(dir, 'success'), 'x')).rejects.toThrow(/already exists/);
    expect(readdirSync(dir).sort()).toEqual(['success', 'vm-metadata.xml']);
    expect(readFileSync(join(dir, 'success'), 'utf8')).toBe('');
    await fsyncDirectory(dir);
  });
});
