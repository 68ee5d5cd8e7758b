import { describe, expect, it } from '@jest/globals';
import { JOIN_BYTES, TurnWrites, type TurnBytes, type TurnTarget } from '../../../src/drivers/turn-writes.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A receiver that records each send it gets. */
class Receiver implements TurnTarget {
  readonly got: TurnBytes[] = [];
  constructor(readonly name: string) {}
  send(sent: TurnBytes): void {
    this.got.push(sent);
  }
  /** What it got, one text per send. */
  get sends(): string[] {
    return this.got.map((sent) => Buffer.concat(sent instanceof Uint8Array ? [sent] : sent).toString());
  }
}

/** TurnWrites whose turns end when the test says (`endTurn`), not at the event loop's. */
function turns(limitBytes?: number) {
  const scheduled: (() => void)[] = [];
  const writes = new TurnWrites<Receiver>((flush) => scheduled.push(flush), limitBytes);
  const endTurn = (): void => {
    for (const flush of scheduled.splice(0)) flush();
  };
  return { writes, scheduled, endTurn };
}

describe('TurnWrites', () => {
  it("sends each receiver one write per turn: every batch's bytes it got, in the order written, across rooms", () => {
    const { writes, scheduled, endTurn } = turns();
    const [ada, bob, cy] = [new Receiver('ada'), new Receiver('bob'), new Receiver('cy')];
    // Three speakers' batches in one turn, as the router hands them out; cy is in another room.
    writes.write(bob, bytes('<ada> hi\n'));
    writes.write(ada, bytes('<bob> hello\n'));
    writes.write(bob, bytes('<cy2> #other is quiet\n')); // bob hears a private line from another room
    writes.write(cy, bytes('<dan> in #other\n'));
    writes.write(ada, bytes('<eve> one\n<eve> two\n'));
    writes.write(bob, bytes('<eve> one\n<eve> two\n'));

    expect([ada.sends, bob.sends, cy.sends]).toEqual([[], [], []]); // nothing before the turn is over
    expect(scheduled).toHaveLength(1); // one flush for the whole turn
    endTurn();

    expect(ada.sends).toEqual(['<bob> hello\n<eve> one\n<eve> two\n']);
    expect(bob.sends).toEqual(['<ada> hi\n<cy2> #other is quiet\n<eve> one\n<eve> two\n']);
    expect(cy.sends).toEqual(['<dan> in #other\n']);
  });

  it('makes one join for every receiver that gathered the same batches, and hands a lone write on as it is', () => {
    const { writes, endTurn } = turns();
    const room = ['ada', 'bob', 'cy', 'twin', 'dan'].map((name) => new Receiver(name));
    const [ada, bob, cy, twin, dan] = room;
    // Three speak in one turn; each hears the others, and ada and twin, who said nothing, hear all three.
    const said = [
      { speaker: bob, batch: bytes('<bob> one\n') },
      { speaker: cy, batch: bytes('<cy> two\n') },
      { speaker: dan, batch: bytes('<dan> three\n') },
    ];
    for (const { speaker, batch } of said) for (const receiver of room) if (receiver !== speaker) writes.write(receiver, batch);
    endTurn();

    expect(room.map((receiver) => receiver.sends)).toEqual([
      ['<bob> one\n<cy> two\n<dan> three\n'],
      ['<cy> two\n<dan> three\n'],
      ['<bob> one\n<dan> three\n'],
      ['<bob> one\n<cy> two\n<dan> three\n'],
      ['<bob> one\n<cy> two\n'],
    ]);
    expect(twin.got[0]).toBe(ada.got[0]); // one join for both, though cy came between them
    expect(cy.got[0]).not.toBe(ada.got[0]);

    const lone = bytes('<ada> hi\n');
    writes.write(bob, lone);
    endTurn();
    expect(bob.got[1]).toBe(lone); // not copied
  });

  it('hands large chunks over together, uncopied, for one writev', () => {
    const { writes, endTurn } = turns();
    const ada = new Receiver('ada');
    const chunks = [Buffer.alloc(JOIN_BYTES, 'a'), Buffer.from('b')];
    for (const chunk of chunks) writes.write(ada, chunk);
    endTurn();
    expect(ada.got).toHaveLength(1);
    expect(ada.got[0]).toEqual(chunks);
    expect((ada.got[0] as Uint8Array[]).every((chunk, index) => chunk === chunks[index])).toBe(true);
  });

  it('release sends what a receiver holds at once (before its close), and what it is written later goes after it', () => {
    const { writes, endTurn } = turns();
    const [ada, bob] = [new Receiver('ada'), new Receiver('bob')];
    writes.write(ada, bytes('one\n'));
    writes.write(bob, bytes('one\n'));
    writes.write(ada, bytes('! bye\n'));
    writes.release(ada);
    expect(ada.sends).toEqual(['one\n! bye\n']); // before the close that follows it
    writes.release(ada); // nothing held: nothing sent
    writes.write(ada, bytes('late\n'));
    endTurn();
    expect(ada.sends).toEqual(['one\n! bye\n', 'late\n']);
    expect(bob.sends).toEqual(['one\n']);
  });

  it('a receiver that leaves mid-turn and is released holds nothing up: the others get theirs at the turn end', () => {
    const { writes, scheduled, endTurn } = turns();
    const [ada, bob] = [new Receiver('ada'), new Receiver('bob')];
    writes.write(ada, bytes('one\n'));
    writes.write(bob, bytes('one\n'));
    writes.release(ada);
    writes.release(bob); // both gone before the turn ends
    expect(scheduled).toHaveLength(1);
    endTurn(); // and the flush finds nothing left
    expect([ada.sends, bob.sends]).toEqual([['one\n'], ['one\n']]);
  });

  it('sends at once what passes the limit in one turn, so a turn that reads a lot holds little', () => {
    const { writes, endTurn } = turns(8);
    const ada = new Receiver('ada');
    writes.write(ada, bytes('1234'));
    writes.write(ada, bytes('5678'));
    expect(ada.sends).toEqual(['12345678']);
    writes.write(ada, bytes('9'));
    endTurn();
    expect(ada.sends).toEqual(['12345678', '9']);
  });

  it('what is written while a turn is flushed waits for a flush of its own, in order', () => {
    const { writes, scheduled, endTurn } = turns();
    const bob = new Receiver('bob');
    const ada: Receiver = Object.assign(new Receiver('ada'), {
      // Sending to ada makes another write (a cut, a farewell to someone else): it waits for the next turn.
      send(sent: Uint8Array) {
        Receiver.prototype.send.call(ada, sent);
        writes.write(bob, bytes('two\n'));
      },
    });
    writes.write(ada, bytes('one\n'));
    writes.write(bob, bytes('one\n'));
    scheduled.splice(0)[0]();
    expect(bob.sends).toEqual(['one\n']);
    expect(scheduled).toHaveLength(1);
    endTurn();
    expect(bob.sends).toEqual(['one\n', 'two\n']);
  });

  it("each run has a turn of its own: one server's flush sends nothing another gathered", () => {
    const first = turns();
    const second = turns();
    const ada = new Receiver('ada');
    first.writes.write(ada, bytes('from the first\n'));
    second.endTurn();
    expect(ada.sends).toEqual([]);
    first.endTurn();
    expect(ada.sends).toEqual(['from the first\n']);
  });
});
