import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { addConnection, createModel, enter, type Connection, type ServerModel } from '../../../streams/server/model.js';
import { guestNick } from '../../../streams/server/nicks.js';

/** A lone server's model, with the default door and no password unless given. */
export function testModel(options: Partial<Parameters<typeof createModel>[0]> = {}): ServerModel {
  return createModel({
    name: 'server',
    mode: 'room',
    announceMax: 100,
    admission: DEFAULT_ADMISSION_LIMITS,
    epoch: 'run-1',
    historySize: 100,
    firstRoom: '#lobby',
    now: () => 0,
    ...options,
  });
}

/** A member in the first room, with a guest nick. */
export function addMember(model: ServerModel, id: number): Connection {
  const conn = addConnection(model, id, { ip: `10.0.0.${id}`, port: 4000 }, 'joining');
  enter(model, conn, guestNick(model), model.firstRoom);
  return conn;
}
