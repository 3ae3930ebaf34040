/**
 * JSON bodies with a key given twice are refused (useStrictJson): readers disagree on which value
 * counts, so the request means different things to different parsers. firstDuplicateKey finds the
 * key in any valid JSON text, escaped spellings included, and never sees one where there is none.
 */
import fc from 'fast-check';
import Fastify from 'fastify';
import { firstDuplicateKey, useStrictJson } from '../../src/http/strict-json';

describe('firstDuplicateKey', () => {
  test.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"amount":"1.00","mrn":"x","amount":"1.00"}', 'amount'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"x":{"b":[1,{"c":1,"c":2}]}}', 'c'],
    ['[{"a":1},{"a":1,"b":{"a":1},"a":3}]', 'a'],
    ['{"k\\"":1,"k\\"":2}', 'k"'],
  ])('%s repeats %j', (text, key) => {
    expect(firstDuplicateKey(text)).toBe(key);
  });

  test.each([['{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}'], ['{"a":"\\"a\\":1,\\"a\\":2"}'], ['["a","a"]'], ['{}'], ['"a"'], ['{"a":[],"b":{}}']])('%s has none', (text) => {
    expect(firstDuplicateKey(text)).toBeUndefined();
  });

  test('any JSON that JSON.stringify writes has none, whatever its keys and strings', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(firstDuplicateKey(JSON.stringify(value))).toBeUndefined();
      }),
      { seed: 20_261_201, numRuns: 2_000 },
    );
  });

  test('a key written again at the end of any object is found', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }), fc.nat(), (object, pick) => {
        const keys = Object.keys(object);
        const key = keys[pick % keys.length];
        const text = `${JSON.stringify(object).slice(0, -1)},${JSON.stringify(key)}:null}`;

        expect(firstDuplicateKey(text)).toBe(key);
      }),
      { seed: 20_261_201, numRuns: 1_000 },
    );
  });
});

describe('useStrictJson', () => {
  const app = Fastify();
  useStrictJson(app);
  app.post('/echo', async (request) => request.body);
  afterAll(() => app.close());

  const post = async (payload: string) => {
    const { request } = await import('undici');
    await app.listen({ port: 0, host: '127.0.0.1' }).catch(() => undefined);
    const { port } = app.server.address() as { port: number };
    const response = await request(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };

  test('a body with each key once is parsed as before', async () => {
    expect(await post('{"a":1,"b":{"a":2}}')).toEqual({ status: 200, body: { a: 1, b: { a: 2 } } });
  });

  test('a duplicate key is a 400 that names it', async () => {
    const answer = await post('{"amount":"1.00","amount":"100000.00"}');

    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('body: key "amount" appears more than once in an object; send each field once');
  });

  test('prototype poisoning and bad JSON are still refused', async () => {
    expect((await post('{"__proto__":{"x":1}}')).status).toBe(400);
    expect((await post('{"a":')).status).toBe(400);
  });
});
