import { startServer, type Server } from './server.js';

/** Where a test's cluster lives: a Redis and a cluster name of the test's own. */
export interface TestCluster {
  readonly url: string;
  readonly cluster: string;
}

/** `tcpchat serve --cluster URL ARGS...` as node `name`, once it has joined the cluster. */
export async function clusterNode(name: string, { url, cluster }: TestCluster, args: readonly string[]): Promise<Server> {
  const server = await startServer([...args, '--cluster', url, '--cluster-name', cluster, '--node', name], { name: `node ${name}` });
  await server.stdout.waitFor(new RegExp(`^\\* joined the cluster as node ${name}: `));
  return server;
}
