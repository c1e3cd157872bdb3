import type { Simulator } from '../../src/sim/index.js';
import { parseFingerprint } from '../../src/xapi/fingerprint.js';
import { emptyRules } from '../../src/xapi/tls-trust.js';
import { TrustPolicy } from '../../src/xapi/trust-policy.js';

/** A policy that trusts this simulator's hosts by their fingerprints (as --trust would), nothing else. */
export function trustSim(sim: Simulator): TrustPolicy {
  const rules = emptyRules();
  for (const fp of sim.hostFingerprints) {
    const parsed = parseFingerprint(fp);
    if (parsed) rules.anywhere.push(parsed);
  }
  return new TrustPolicy(rules);
}
