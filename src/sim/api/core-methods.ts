/**
 * session.*, system.listMethods and task.*: the calls every client makes before anything else.
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import { t } from '../schema/types.js';

const VOID = { kind: 'void' } as const;

async function checkPassword(sim: import('../state.js').SimState, user: string, password: string): Promise<void> {
  const { options, faults } = sim;
  const wrong = faults.loginRejected() || user !== options.user || password !== options.password;
  await faults.loginDelay();
  if (!wrong) return;
  // Real XAPI makes a failed login wait 5 s, to slow down guessing.
  await new Promise((resolve) => setTimeout(resolve, options.loginFailureDelayMs));
  throw new XapiFailure('SESSION_AUTHENTICATION_FAILED', [user, 'Authentication failure']);
}

export function addCoreMethods(registry: Registry): void {
  registry.add({
    name: 'session.login_with_password',
    session: false,
    // xen-api sends only user and password; XAPI also takes version and originator.
    params: [
      { name: 'uname', type: t.string },
      { name: 'pwd', type: t.string },
      { name: 'version', type: t.string },
      { name: 'originator', type: t.string },
    ],
    optional: 2,
    returns: t.ref('session'),
    run: async ({ sim, localAddress }, [user, password]) => {
      await checkPassword(sim, user as string, password as string);
      return sim.sessions.login(user as string, localAddress);
    },
  });
  registry.add({
    name: 'session.logout',
    params: [],
    returns: VOID,
    run: ({ sim, session }) => sim.sessions.logout(session!.ref),
  });
  registry.add({
    name: 'system.listMethods',
    session: false,
    params: [],
    returns: t.set(t.string),
    run: () => registry.names(),
  });

  registry.add({
    name: 'task.create',
    params: [
      { name: 'label', type: t.string },
      { name: 'description', type: t.string },
    ],
    returns: t.ref('task'),
    run: ({ sim }, [label, description]) => sim.tasks.create(label as string, description as string),
  });
  registry.add({
    name: 'task.destroy',
    params: [{ name: 'self', type: t.ref('task') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [ref]) => sim.tasks.destroy(ref as string),
  });
  registry.add({
    name: 'task.cancel',
    params: [{ name: 'task', type: t.ref('task') }],
    returns: VOID,
    mutating: true,
    run: ({ sim }, [ref]) => sim.tasks.cancel(ref as string),
  });
  registry.add({
    name: 'task.set_status',
    params: [
      { name: 'self', type: t.ref('task') },
      { name: 'value', type: t.enum('pending', 'success', 'failure', 'cancelling', 'cancelled') },
    ],
    returns: VOID,
    run: ({ sim }, [ref, status]) => {
      sim.store.expect('task', ref);
      sim.store.update(ref as string, { status: status as string });
    },
  });
  registry.add({
    name: 'task.set_progress',
    params: [
      { name: 'self', type: t.ref('task') },
      { name: 'value', type: t.float },
    ],
    returns: VOID,
    run: ({ sim }, [ref, value]) => {
      sim.store.expect('task', ref);
      sim.store.update(ref as string, { progress: value as number });
    },
  });
}
