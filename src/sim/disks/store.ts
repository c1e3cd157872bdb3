/**
 * Which content each VDI has. VDIs from a fixture or a database dump get generated content
 * seeded by their uuid; snapshots share their source's content object (contents are never
 * changed in place, only replaced); imports store what they receive.
 */
import type { Store } from '../db/store.js';
import { type DiskContent, GeneratedContent, seedOf, StoredContent } from './content.js';

export class DiskStore {
  private readonly contents = new Map<string, DiskContent>();

  constructor(
    private readonly store: Store,
    /** Default share of allocated blocks for generated disks. */
    private readonly density = 0.5,
  ) {}

  contentOf(vdiRef: string): DiskContent {
    let content = this.contents.get(vdiRef);
    if (!content) {
      const vdi = this.store.expect('VDI', vdiRef);
      content = new GeneratedContent(seedOf(String(vdi.record.uuid)), Number(vdi.record.virtual_size), this.density);
      this.contents.set(vdiRef, content);
    }
    return content;
  }

  set(vdiRef: string, content: DiskContent): void {
    this.contents.set(vdiRef, content);
  }

  share(from: string, to: string): void {
    this.contents.set(to, this.contentOf(from));
  }

  createEmpty(vdiRef: string, size: number): StoredContent {
    const content = new StoredContent(size);
    this.contents.set(vdiRef, content);
    return content;
  }

  forget(vdiRef: string): void {
    this.contents.delete(vdiRef);
  }

  /** How many VDIs hold each content object now (a snapshot shares its source's until one is written). */
  holders(): Map<DiskContent, number> {
    const counts = new Map<DiskContent, number>();
    for (const content of this.contents.values()) counts.set(content, (counts.get(content) ?? 0) + 1);
    return counts;
  }
}
