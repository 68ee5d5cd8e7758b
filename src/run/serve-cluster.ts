import { randomBytes } from 'node:crypto';
import { map, Subject, type Observable } from '../../streams/rx.js';
import type { BusEvent, BusRequest } from '../../streams/cluster/bus.js';
import { nickKey } from '../../streams/protocol/nick.js';
import type { ClusterConfig } from './cluster-config.js';
import { redisBus } from '../drivers/redis-bus.js';

/**
 * The loop between the router and a cluster: what the router asks goes into the bus's request
 * stream, and what the bus hears comes back as the router's source. `congested` is told when
 * Redis falls behind this node's room lines, and when it has caught up. `firstRoom` (`--room`) is
 * where new members are, the room the cluster keeps when nobody is in it.
 */
export function clusterBus(config: ClusterConfig, historySize: number, report: (text: string) => void, congested: (on: boolean) => void, firstRoom?: string) {
  const self = { node: config.node, instance: randomBytes(9).toString('base64url') };
  const requests = new Subject<BusRequest>();
  const bus = redisBus({ url: config.url, cluster: config.name, node: self.node, instance: self.instance, historySize, ttlMs: config.presenceTtlMs, report, congested, firstRoom });
  return {
    self,
    // This router asks for no room moves or topics, so it hears no room events.
    event$: bus(requests.pipe(map(withKeys))) as Observable<BusEvent>,
    request: (request: BusRequest): void => requests.next(request),
  };
}

/**
 * The nick keys the bus needs, for a core that does not give them yet (before rooms, issue 15):
 * its requests are taken as they are once it does.
 */
function withKeys(request: BusRequest): BusRequest {
  switch (request.type) {
    case 'claim':
      return {
        ...request,
        ...(request.nick === undefined || request.key !== undefined ? {} : { key: nickKey(request.nick) }),
        ...(request.previous === undefined || request.previousKey !== undefined ? {} : { previousKey: nickKey(request.previous) }),
      };
    case 'release':
      return { ...request, key: request.key ?? nickKey(request.nick) };
    case 'sync':
      return { ...request, members: request.members.map((member) => ({ ...member, key: member.key ?? nickKey(member.nick) })) };
    default:
      return request;
  }
}
