import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies with each key once. `{"amount":"1.00","amount":"100000.00"}` is valid JSON that
 * parsers read differently (the first or the last wins): in a money API that is a request whose
 * meaning depends on who reads it, so it is refused with a 400 naming the key. Everything else
 * is Fastify's own JSON parsing (prototype poisoning refused, body limits of the route).
 */
export function useStrictJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    void parse(request, text, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      const key = firstDuplicateKey(text);
      if (key === undefined) return done(null, value);
      const shown = JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
      done(Object.assign(new Error(`body: key ${shown} appears more than once in an object; send each field once`), { statusCode: 400, code: 'bad_request' }), undefined);
    });
  });
}

/** The first key that repeats within one object of `text`, which must be valid JSON. */
export function firstDuplicateKey(text: string): string | undefined {
  // null: an array; a set: the keys of an object seen so far.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (char === '{') {
      open.push(new Set());
      expectKey = true;
    } else if (char === '[') {
      open.push(null);
      expectKey = false;
    } else if (char === '}' || char === ']') {
      open.pop();
      expectKey = false;
    } else if (char === ',') {
      expectKey = open[open.length - 1] !== null && open.length > 0;
    }
  }
  return undefined;
}
