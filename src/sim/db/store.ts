/**
 * The simulator's database: one table per XAPI class, rows keyed by opaque ref, every record
 * complete (all fields of its class), and a generation counter that orders every change so that
 * `event.from` can answer "what changed since token T" the way XAPI does: one event per object,
 * carrying its latest state.
 */
import { randomUUID } from 'node:crypto';
import { XapiFailure } from '../errors.js';
import type { ClassDef, Value } from '../schema/types.js';
import { classByName, completeRecord } from '../schema/index.js';
import { RELATIONS, type Relation } from '../schema/relations.js';

export type RecordData = Record<string, Value>;

export interface Row {
  readonly ref: string;
  readonly cls: ClassDef;
  record: RecordData;
  /** Generation at which the row was created and last changed. */
  ctime: number;
  mtime: number;
}

export interface Deletion {
  ref: string;
  cls: ClassDef;
  gen: number;
}

export interface Changes {
  rows: Row[];
  deleted: Deletion[];
}

/** How many deletions are remembered for event.from; older tokens get EVENTS_LOST. */
const DELETION_MEMORY = 100_000;

export function newRef(): string {
  return `OpaqueRef:${randomUUID()}`;
}

export class Store {
  private readonly tables = new Map<string, Map<string, Row>>();
  private readonly rowsByRef = new Map<string, Row>();
  private readonly uuids = new Map<string, Row>();
  private deletions: Deletion[] = [];
  /** Deletions older than this generation have been forgotten. */
  private forgottenBefore = 0;
  private readonly listeners = new Set<(changed: ClassDef) => void>();
  generation = 0;
  /**
   * Where new rows get their uuid. The simulator swaps in a seeded source while it builds the
   * pool, so a simulator started again on the same state folder serves the same VM uuids, as a
   * real pool does after a restart (backup folders are matched to VMs by uuid).
   */
  newUuid: () => string = randomUUID;

  /** Relations whose both classes are simulated, by child class name. */
  private readonly relationsOf = new Map<string, Relation[]>();

  constructor(readonly classes: readonly ClassDef[]) {
    for (const cls of classes) this.tables.set(cls.name, new Map());
    for (const r of RELATIONS) {
      if (!this.tables.has(r.child) || !this.tables.has(r.parent)) continue;
      this.relationsOf.set(r.child, [...(this.relationsOf.get(r.child) ?? []), r]);
    }
  }

  /** Members of each computed set (parent ref → set field → refs), for O(1) membership tests. */
  private readonly setIndex = new Map<string, Map<string, Set<string>>>();

  /**
   * Adds or removes `child` in the computed set of the row its `r.field` points to. The set is
   * changed in place: copying it (or the record) per change made a 10,000-VM pool quadratic.
   */
  private relink(r: Relation, child: string, parentRef: Value | undefined, add: boolean): void {
    const parent = typeof parentRef === 'string' ? this.rowsByRef.get(parentRef) : undefined;
    if (!parent || parent.cls.name !== r.parent) return;
    let sets = this.setIndex.get(parent.ref);
    if (!sets) this.setIndex.set(parent.ref, (sets = new Map()));
    let members = sets.get(r.set);
    if (!members) sets.set(r.set, (members = new Set(parent.record[r.set] as string[] | undefined)));
    if (add === members.has(child)) return;
    const list = parent.record[r.set] as Value[];
    if (add) {
      members.add(child);
      list.push(child);
    } else {
      members.delete(child);
      list.splice(list.indexOf(child), 1);
    }
    parent.mtime = ++this.generation;
    this.notify(parent.cls);
  }

  /** Recomputes every one-to-many set from the references (after a bulk load). */
  rebuildRelations(): void {
    this.setIndex.clear();
    for (const [child, relations] of this.relationsOf) {
      for (const r of relations) {
        for (const parent of this.tables.get(r.parent)!.values()) parent.record[r.set] = [];
      }
      for (const row of this.tables.get(child)!.values()) {
        for (const r of relations) this.relink(r, row.ref, row.record[r.field], true);
      }
    }
  }

  classOf(name: string): ClassDef {
    const cls = classByName(name);
    if (!cls || !this.tables.has(cls.name)) throw new XapiFailure('HANDLE_INVALID', [name, '']);
    return cls;
  }

  /** Creates a row; missing fields get their defaults, a missing uuid a fresh one. */
  add(className: string, fields: Record<string, unknown>, ref: string = newRef()): string {
    const cls = this.classOf(className);
    const record = completeRecord(cls, { uuid: this.newUuid(), ...fields });
    const gen = ++this.generation;
    const row: Row = { ref, cls, record, ctime: gen, mtime: gen };
    this.tables.get(cls.name)!.set(ref, row);
    this.rowsByRef.set(ref, row);
    this.uuids.set(`${cls.name}/${String(record.uuid)}`, row);
    this.notify(cls);
    for (const r of this.relationsOf.get(cls.name) ?? []) this.relink(r, ref, record[r.field], true);
    return ref;
  }

  get(ref: string): Row | undefined {
    return this.rowsByRef.get(ref);
  }

  /** The row of `ref` in class `className`, or XAPI's HANDLE_INVALID [class, ref]. */
  expect(className: string, ref: unknown): Row {
    const cls = this.classOf(className);
    const row = typeof ref === 'string' ? this.rowsByRef.get(ref) : undefined;
    if (!row || row.cls !== cls) throw new XapiFailure('HANDLE_INVALID', [cls.name, String(ref)]);
    return row;
  }

  byUuid(className: string, uuid: string): Row | undefined {
    return this.uuids.get(`${this.classOf(className).name}/${uuid}`);
  }

  rows(className: string): Row[] {
    return [...this.tables.get(this.classOf(className).name)!.values()];
  }

  count(className: string): number {
    return this.tables.get(this.classOf(className).name)!.size;
  }

  /** Sets fields of a row (values already validated by the caller's types). */
  update(ref: string, fields: Record<string, Value>): void {
    const row = this.rowsByRef.get(ref);
    if (!row) throw new XapiFailure('HANDLE_INVALID', ['', ref]);
    const before = row.record;
    row.record = completeRecord(row.cls, { ...row.record, ...fields });
    row.mtime = ++this.generation;
    this.notify(row.cls);
    for (const r of this.relationsOf.get(row.cls.name) ?? []) {
      if (before[r.field] === row.record[r.field]) continue;
      this.relink(r, ref, before[r.field], false);
      this.relink(r, ref, row.record[r.field], true);
    }
  }

  /** Marks a row changed without changing it (event.inject). */
  touch(ref: string): void {
    const row = this.rowsByRef.get(ref);
    if (!row) return;
    row.mtime = ++this.generation;
    this.notify(row.cls);
  }

  remove(ref: string): void {
    const row = this.rowsByRef.get(ref);
    if (!row) return;
    this.tables.get(row.cls.name)!.delete(ref);
    this.rowsByRef.delete(ref);
    this.setIndex.delete(ref);
    this.uuids.delete(`${row.cls.name}/${String(row.record.uuid)}`);
    for (const r of this.relationsOf.get(row.cls.name) ?? []) this.relink(r, ref, row.record[r.field], false);
    this.deletions.push({ ref, cls: row.cls, gen: ++this.generation });
    if (this.deletions.length > DELETION_MEMORY) {
      const dropped = this.deletions.splice(0, this.deletions.length - DELETION_MEMORY);
      this.forgottenBefore = dropped[dropped.length - 1]!.gen;
    }
    this.notify(row.cls);
  }

  /**
   * Rows created or changed, and rows deleted, after generation `since`, in the given classes.
   * Throws EVENTS_LOST when deletions after `since` may have been forgotten.
   */
  changesSince(since: number, classes: ReadonlySet<ClassDef> | 'all'): Changes {
    if (since < this.forgottenBefore) throw new XapiFailure('EVENTS_LOST', []);
    const wanted = (cls: ClassDef) => classes === 'all' || classes.has(cls);
    const rows: Row[] = [];
    for (const [name, table] of this.tables) {
      if (!wanted(this.classOf(name))) continue;
      for (const row of table.values()) if (row.mtime > since) rows.push(row);
    }
    rows.sort((a, b) => a.mtime - b.mtime);
    const deleted = this.deletions.filter((d) => d.gen > since && wanted(d.cls));
    return { rows, deleted };
  }

  /** Calls `listener` after every change; returns the function that unsubscribes it. */
  onChange(listener: (changed: ClassDef) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(cls: ClassDef): void {
    for (const listener of this.listeners) listener(cls);
  }
}
