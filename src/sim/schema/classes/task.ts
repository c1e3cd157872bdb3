/**
 * task: the record of `task.get_record`. Tasks are not persisted, so the XML dumps have no task
 * table; the "name" namespace still gets the usual double underscore.
 *
 * status, progress, result and error_info are written through explicit messages that task owners
 * (xapi itself, or clients that created the task) use to report completion.
 */
import { EPOCH, NULL_REF, t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, currentOps, refs, stringMap, stringSet, taskAllowedOperations, taskStatusType,
} from './common.js';

export const task: ClassDef = {
  name: 'task',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'name_label', db: 'name__label', type: t.string, default: '' },
    { name: 'name_description', db: 'name__description', type: t.string, default: '' },
    { name: 'allowed_operations', type: t.set(taskAllowedOperations), default: [] },
    { name: 'current_operations', type: currentOps(taskAllowedOperations), default: {} },
    { name: 'created', type: t.datetime, default: EPOCH },
    { name: 'finished', type: t.datetime, default: EPOCH },
    { name: 'status', type: taskStatusType, default: 'pending', methods: SET },
    { name: 'resident_on', type: t.ref('host'), default: NULL_REF },
    { name: 'progress', type: t.float, default: 0, methods: SET },
    { name: 'type', type: t.string, default: '<none/>' },
    { name: 'result', type: t.string, default: '', methods: SET },
    { name: 'error_info', type: stringSet, default: [], methods: SET },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'subtask_of', type: t.ref('task'), default: NULL_REF },
    { name: 'subtasks', type: refs('task'), default: [] },
    { name: 'backtrace', type: t.string, default: '()' },
  ],
};
