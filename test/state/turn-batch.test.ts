// test/state/turn-batch.test.ts
// TurnBatcher: the calls of one event-loop turn go out together, each answered with its own result.

import { TurnBatcher } from '../../src/state/redis/turn-batch';

describe('TurnBatcher', () => {
  test('the items of one turn are sent in one call and each gets its own result', async () => {
    const calls: number[][] = [];
    const batcher = new TurnBatcher<number, string>(100, async (items) => {
      calls.push(items);
      return items.map((item) => `r${item}`);
    });
    const results = await Promise.all([1, 2, 3].map((item) => batcher.add(item)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(calls).toEqual([[1, 2, 3]]);
    // A later turn is a call of its own.
    await expect(batcher.add(4)).resolves.toBe('r4');
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  test('a full batch leaves at once; the rest of the turn follows in the next call', async () => {
    const calls: number[][] = [];
    const batcher = new TurnBatcher<number, number>(3, async (items) => {
      calls.push(items);
      return items.map((item) => item * 10);
    });
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((item) => batcher.add(item)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(calls).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  test('batches by number are sent apart (one cluster bucket per call)', async () => {
    const calls: Array<string[]> = [];
    const batcher = new TurnBatcher<string, string>(100, async (items) => {
      calls.push(items);
      return items;
    });
    await Promise.all([batcher.add('a0', 0), batcher.add('b1', 1), batcher.add('c0', 0)]);
    expect(calls).toEqual([['a0', 'c0'], ['b1']]);
  });

  test('a failed call fails every item of its batch and no other; a send that throws does too', async () => {
    const batcher = new TurnBatcher<string, string>(100, (items) => {
      if (items.includes('throws')) throw new Error('bad arguments');
      return items.includes('down') ? Promise.reject(new Error('redis down')) : Promise.resolve(items);
    });
    const failed = await Promise.allSettled([
      batcher.add('ok', 0),
      batcher.add('down', 0),
      batcher.add('fine', 1),
    ]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('redis down'));
    await expect(batcher.add('throws')).rejects.toThrow('bad arguments');
    // The batcher keeps working after a failure.
    await expect(batcher.add('again')).resolves.toBe('again');
  });
});
