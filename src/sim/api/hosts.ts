/**
 * host.get_server_certificate: the PEM certificate a host serves. Clients that trust the pool
 * master use it to check the certificate of a member they are redirected to (HTTP 302).
 */
import { XapiFailure } from '../errors.js';
import type { Registry } from '../rpc/registry.js';
import { t } from '../schema/types.js';

export function addHostMethods(registry: Registry): void {
  registry.add({
    name: 'host.get_server_certificate',
    params: [{ name: 'host', type: t.ref('host') }],
    returns: t.string,
    run: ({ sim }, [host]) => {
      sim.store.expect('host', host as string);
      const pem = sim.hostCertificates.get(host as string);
      if (pem === undefined) throw new XapiFailure('INTERNAL_ERROR', ['this host serves no certificate (plain HTTP)']);
      return pem;
    },
  });
}
