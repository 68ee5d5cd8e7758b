import { busContract } from '../contract/bus-contract.js';
import { createInProcessCluster } from './in-process-bus.js';

busContract('the in-process bus', async ({ historySize }) => ({
  bus: createInProcessCluster({ historySize }).bus,
  end: async () => {},
}));
