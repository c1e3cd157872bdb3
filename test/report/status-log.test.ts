/** The status log's records: the old script's exact format, which NRPE checks and greps parse. */
import { describe, expect, it } from 'vitest';
import type { VmResult } from '../../src/backup/events.js';
import { statusRecords, statusTimestamp } from '../../src/report/status-log.js';
import { vmResult } from '../helpers/results.js';

const AT = new Date(2016, 10, 30, 14, 47, 2);

const result = (over: Partial<VmResult>) => vmResult('web01', { bytes: 3 * 2 ** 30 + 5, elapsedMs: 119_999, ...over });

const end = (r: VmResult) => statusRecords({ type: 'vm-done', result: r }, 'xen1', AT)[0];

describe('status log records', () => {
  it('stamps local time as YYYY/MM/DD HH:MM:SS', () => {
    expect(statusTimestamp(AT)).toBe('2016/11/30 14:47:02');
  });

  it.each<[Partial<VmResult>, string]>([
    [{}, '2016/11/30 14:47:02,vm-export,xen1,end,SUCCESS web01,elapse:1 size:3G'],
    [{ status: 'warning' }, '2016/11/30 14:47:02,vm-export,xen1,end,WARNING web01,elapse:1 size:3G'],
    [{ status: 'failed', error: { code: 'SR_FULL', message: 'x', phase: 'snapshot' } }, '2016/11/30 14:47:02,vm-export,xen1,end,SNAPSHOT-FAIL web01'],
    [{ status: 'failed', error: { code: 'VDI_IO_ERROR', message: 'x', phase: 'export' } }, '2016/11/30 14:47:02,vm-export,xen1,end,VM-EXPORT-FAIL web01'],
    [{ status: 'failed', error: { code: 'VERIFY_FAILED', message: 'x', phase: 'verify' } }, '2016/11/30 14:47:02,vm-export,xen1,end,VM-EXPORT-FAIL web01,VERIFY_FAILED'],
    [{ status: 'failed', error: { code: 'VERIFY_FAILED', message: 'x', phase: 'export' } }, '2016/11/30 14:47:02,vm-export,xen1,end,VM-EXPORT-FAIL web01,VERIFY_FAILED'],
    [{ status: 'failed', mode: 'vdi-export', error: { code: 'SR_FULL', message: 'x', phase: 'snapshot' } }, '2016/11/30 14:47:02,vdi-export,xen1,end,VDI-SNAPSHOT-FAIL web01'],
    [{ status: 'failed', mode: 'vdi-export', error: { code: 'E', message: 'x', phase: 'export' } }, '2016/11/30 14:47:02,vdi-export,xen1,end,VDI-EXPORT-FAIL web01'],
    [{ status: 'failed', error: { code: 'NO_SPACE', message: 'x', phase: 'sweep' } }, '2016/11/30 14:47:02,vm-export,xen1,end,ERROR NO_SPACE web01'],
    [{ status: 'cancelled', error: { code: 'INTERRUPTED', message: 'x', phase: 'export' } }, '2016/11/30 14:47:02,vm-export,xen1,end,CANCELLED web01'],
    // A comma in a VM name would add a field: replaced by a space. A newline would split the
    // record and a NUL make grep call the log binary: escaped, as in every log.
    [{ name: 'a,b\nc' }, '2016/11/30 14:47:02,vm-export,xen1,end,SUCCESS a b\\nc,elapse:1 size:3G'],
    [{ name: 'nul\u0000\tdel\u007f' }, '2016/11/30 14:47:02,vm-export,xen1,end,SUCCESS nul\\x00\\tdel\\x7f,elapse:1 size:3G'],
    [{ name: 'x\ny', status: 'failed', error: { code: 'E', message: 'x', phase: 'sweep' } }, '2016/11/30 14:47:02,vm-export,xen1,end,ERROR E x\\ny'],
  ])('%j', (over, record) => {
    expect(end(result(over))).toBe(record);
  });

  it('run begin and end, with the S/W/E counts', () => {
    expect(statusRecords({ type: 'run-start', at: AT, vms: [], scope: { vmExport: [], vdiExport: [], exclude: [], errors: [], warnings: [] } as never, poolDb: false }, 'xen1', AT)).toEqual([
      '2016/11/30 14:47:02,vmbackup.py,xen1,begin',
    ]);
    const summary = { counts: { success: 2, warning: 1, error: 0 }, status: 'WARNING' } as never;
    expect(statusRecords({ type: 'run-done', summary }, 'xen1', AT)).toEqual(['2016/11/30 14:47:02,vmbackup.py,xen1,end,WARNING,S:2 W:1 E:0']);
    expect(statusRecords({ type: 'bytes', vm: 'x', done: 1, estimate: 2, rate: 3 }, 'xen1', AT)).toEqual([]);
  });
});
