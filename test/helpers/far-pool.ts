import type { PoolFixture } from '../../src/sim/pool/fixture.js';

/** Two hosts; "far" has its disk on a local SR of the second host, so its exports answer 302 at the master. */
export const FAR_POOL: PoolFixture = {
  name: 'two hosts',
  hosts: [{ name: 'xcp1' }, { name: 'xcp2' }],
  srs: [
    { name: 'Local storage xcp1', size: '1TiB', default: true },
    { name: 'Local storage xcp2', size: '1TiB', host: 'xcp2' },
  ],
  vms: [
    { name: 'near', power: 'Halted', disks: [{ size: '4MiB', density: 1 }] },
    { name: 'far', power: 'Halted', host: 'xcp2', disks: [{ size: '6MiB', density: 0.5, sr: 'Local storage xcp2' }] },
  ],
};
