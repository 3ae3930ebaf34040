/**
 * The lane that keeps a run's local activities one at a time (plain promises: no workflow needed).
 * A run under the patch starts each call once the one before it has settled, in the order asked,
 * whether that one succeeded or failed; a run from before the patch runs them side by side.
 */
import { LocalActivityLane } from '../../src/workflows/shared/local-activity-lane';

/** A call the test settles by hand, which notes when it started. */
function manualCall(name: string, started: string[]) {
  let settle!: { resolve: (value: string) => void; reject: (error: Error) => void };
  const call = () =>
    new Promise<string>((resolve, reject) => {
      started.push(name);
      settle = { resolve, reject };
    });
  return { call, settle: () => settle };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('serialised: each call starts after the one before it settled, a failure included, in the order asked', async () => {
  const lane = new LocalActivityLane();
  lane.serialise();
  const started: string[] = [];
  const [a, b, c] = ['create', 'verify', 'book'].map((name) => manualCall(name, started));
  const results = [lane.run(a.call), lane.run(b.call), lane.run(c.call)];
  await tick();
  expect(started).toEqual(['create']);
  expect(lane.idle()).toBe(false);

  a.settle().reject(new Error('platform down'));
  await expect(results[0]).rejects.toThrow('platform down');
  await tick();
  expect(started).toEqual(['create', 'verify']);

  b.settle().resolve('ok');
  await expect(results[1]).resolves.toBe('ok');
  await tick();
  expect(started).toEqual(['create', 'verify', 'book']);
  expect(lane.idle()).toBe(false);

  c.settle().resolve('written');
  await expect(results[2]).resolves.toBe('written');
  expect(lane.idle()).toBe(true);
});

test('not serialised (a run from before the patch): calls start at once, side by side', async () => {
  const lane = new LocalActivityLane();
  const started: string[] = [];
  const [a, b] = ['create', 'verify'].map((name) => manualCall(name, started));
  const results = [lane.run(a.call), lane.run(b.call)];
  expect(started).toEqual(['create', 'verify']);
  expect(lane.serialising).toBe(false);
  b.settle().resolve('ok');
  a.settle().resolve('created');
  await expect(Promise.all(results)).resolves.toEqual(['created', 'ok']);
});
