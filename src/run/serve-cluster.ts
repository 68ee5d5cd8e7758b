import { randomBytes } from 'node:crypto';
import { Subject } from '../../streams/rx.js';
import type { BusRequest } from '../../streams/cluster/bus.js';
import type { ClusterConfig } from './cluster-config.js';
import { redisBus } from '../drivers/redis-bus.js';

/**
 * The loop between the router and a cluster: what the router asks goes into the bus's request
 * stream, and what the bus hears comes back as the router's source. `congested` is told when
 * Redis falls behind this node's room lines, and when it has caught up. `firstRoom` (`--room`) is
 * where new members are, the room the cluster keeps when nobody is in it.
 */
export function clusterBus(
  config: ClusterConfig,
  historySize: number,
  report: (text: string) => void,
  congested: (on: boolean) => void,
  firstRoom?: string,
) {
  const self = { node: config.node, instance: randomBytes(9).toString('base64url') };
  const requests = new Subject<BusRequest>();
  const bus = redisBus({
    url: config.url,
    cluster: config.name,
    node: self.node,
    instance: self.instance,
    historySize,
    ttlMs: config.presenceTtlMs,
    report,
    congested,
    firstRoom,
  });
  return {
    self,
    event$: bus(requests),
    request: (request: BusRequest): void => requests.next(request),
  };
}
