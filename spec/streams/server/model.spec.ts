import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { RouterEvent } from '../../../streams/server/events.js';
import type { ServerModel } from '../../../streams/server/model.js';
import { routerOn } from '../../../streams/server/router.js';
import { addMember, testModel } from './model-fixture.js';
import { heard } from '../../../streams/server/heartbeat.js';
import { addConnection, memberKey, recipientsOf, tag } from '../../../streams/server/model.js';

/** Everything that must hold of the model between any two events. */
function expectConsistent(model: ServerModel): void {
  const members = [...model.conns.values()].filter((conn) => conn.phase === 'member');
  for (const member of members) {
    expect(model.rooms.get(member.room!.name)).toBe(member.room);
    expect(member.room!.members.has(member.id)).toBe(true);
    expect(model.nicks.get(memberKey(member.nick))).toBe(member.id);
  }
  for (const conn of model.conns.values()) if (conn.phase !== 'member') expect(conn.room).toBeUndefined();
  // Every member is in exactly one room, and a room holds members only.
  expect([...model.rooms.values()].reduce((sum, room) => sum + room.members.size, 0)).toBe(members.length);
  expect(model.nicks.size).toBe(members.length);
  for (const [name, room] of model.rooms) {
    expect(room.name).toBe(name);
    for (const id of room.members) expect(model.conns.get(id)?.room).toBe(room);
    // An empty room is forgotten, but the first and the console's.
    if (room !== model.firstRoom && room !== model.consoleRoom) expect(room.members.size).toBeGreaterThan(0);
    if (room.recipients) {
      expect([...room.recipients.all].sort()).toEqual([...room.members].sort());
      expect([...room.recipients.plain, ...room.recipients.tagged].sort()).toEqual([...room.members].sort());
      for (const id of room.recipients.tagged) expect(model.conns.get(id)?.session).toBeDefined();
    }
  }
  expect(model.rooms.get(model.firstRoom.name)).toBe(model.firstRoom);
  expect(model.rooms.get(model.consoleRoom.name)).toBe(model.consoleRoom);
  // Every connection in the table is counted once at the door, and a closed one no longer.
  expect(model.admission.total).toBe(model.conns.size);
  // The heartbeat watches tagged connections still open, and nothing else.
  for (const conn of model.watched) expect([model.conns.get(conn.id), conn.session !== undefined]).toEqual([conn, true]);
}

const id = fc.integer({ min: 1, max: 4 });
const said = fc.constantFrom(
  'hello',
  '/join #dev',
  '/join #dev',
  '/join #Ops',
  '/join #lobby',
  '/join bad name!',
  '/part',
  '/nick ada',
  '/nick ADA',
  '/nick bob',
  '/me waves',
  '/topic plans',
  '/who #dev',
  '/rooms',
  '/history 2',
  '/cap tcpchat session=s1',
  '/cap tcpchat session=s1 resume=E:1 room=#ops',
  '/pass pw',
  '/pass nope',
  '/quit',
);
const event: fc.Arbitrary<RouterEvent> = fc.oneof(
  {
    weight: 3,
    arbitrary: id.map((conn): RouterEvent => ({ kind: 'open', id: conn, ip: `10.0.0.${conn}`, port: 4000 })),
  },
  id.map((conn): RouterEvent => ({ kind: 'closed', id: conn, reason: 'connection closed' })),
  {
    weight: 8,
    arbitrary: fc
      .tuple(id, fc.array(said, { minLength: 1, maxLength: 3 }))
      .map(([conn, lines]): RouterEvent => ({ kind: 'lines', id: conn, lines })),
  },
  id.map((conn): RouterEvent => ({ kind: 'idle', id: conn, seconds: 1 })),
  id.map((conn): RouterEvent => ({ kind: 'line-too-long', id: conn, maxBytes: 8, fatal: true })),
  id.map((conn): RouterEvent => ({ kind: 'password-deadline', id: conn })),
  fc
    .constantFrom('/kick ada', '/kick guest-2', '/join #dev', '/join #lobby', 'hi all', '/msg bob psst')
    .map((line): RouterEvent => ({ kind: 'console', command: parseConsoleLine(line) })),
);

describe('the server model', () => {
  it('stays consistent whatever happens: each member in exactly one room, no empty room kept, each connection counted once', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 50 }),
        fc.constantFrom(undefined, undefined, 'pw'),
        fc.constantFrom('room' as const, 'room' as const, 'console-only' as const),
        (events, password, mode) => {
          const model = testModel({ password, mode, epoch: 'E', admission: { ...DEFAULT_ADMISSION_LIMITS, maxClients: 4 } });
          const route = routerOn(model);
          // An id is opened again only once its connection has closed, as the shell numbers them.
          const open = new Set<number>();
          for (const each of events) {
            if (each.kind === 'open' && open.has(each.id)) continue;
            if ('id' in each && each.kind !== 'open' && !open.has(each.id)) continue;
            if (each.kind === 'open') open.add(each.id);
            if (each.kind === 'closed') open.delete(each.id);
            route(each);
            expectConsistent(model);
          }
          for (const conn of [...open]) route({ kind: 'closed', id: conn, reason: 'gone' });
          expectConsistent(model);
          expect([model.conns.size, model.watched.size]).toEqual([0, 0]);
          expect([...model.rooms.keys()]).toEqual(
            model.consoleRoom === model.firstRoom ? [model.firstRoom.name] : [model.firstRoom.name, model.consoleRoom.name],
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a connection record', () => {
  it('starts with none of what only some connections set, and keeps each as set, defaults and 0 included', () => {
    const model = testModel();
    const conn = addMember(model, 1);
    expect([conn.fingerprint, conn.session, conn.held, conn.claim, conn.closing, conn.identified, conn.heardAt, conn.pinged]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      0,
    ]);
    heard(model.watched, conn, 0); // the first moment of virtual time is a time like any other
    expect([conn.heardAt, conn.pinged]).toEqual([0, 0]);
    conn.pinged = 2;
    conn.session = 's1';
    conn.held = [['a line']];
    conn.held = undefined;
    expect([conn.heardAt, conn.pinged, conn.session, conn.held]).toEqual([0, 2, 's1', undefined]);
    expect(addConnection(model, 2, { ip: '10.0.0.2', port: 4000 }, 'joining', 'AB:CD').fingerprint).toBe('AB:CD');
  });
});

describe("a room's recipients", () => {
  it('are one list for a room of plain clients, and split once one takes tags', () => {
    const model = testModel();
    for (const id of [1, 2, 3]) addMember(model, id);
    const plainOnly = recipientsOf(model, model.firstRoom);
    expect(plainOnly).toEqual({ all: [1, 2, 3], plain: [1, 2, 3], tagged: [] });
    expect(plainOnly.plain).toBe(plainOnly.all);
    tag(model.conns.get(2)!, 'session-2');
    expect(recipientsOf(model, model.firstRoom)).toEqual({ all: [1, 2, 3], plain: [1, 3], tagged: [2] });
  });
});
