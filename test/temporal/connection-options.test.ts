import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeConnection, temporalConnectionOptions, TemporalConnectionConfigError } from '../../src/temporal/connection-options';

let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'connection-options-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('without TLS variables the connection is plaintext', () => {
  const options = temporalConnectionOptions({}, 'temporal:7233');
  expect(options).toEqual({ address: 'temporal:7233' });
  expect(describeConnection(options)).toBe('plaintext');
});

test('mTLS: the client certificate pair, the CA and the server name are read from their files', () => {
  const options = temporalConnectionOptions(
    { TEMPORAL_TLS_CERT: file('c.pem', 'CERT'), TEMPORAL_TLS_KEY: file('c.key', 'KEY'), TEMPORAL_TLS_CA: file('ca.pem', 'CA'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' },
    'temporal:7233',
  );
  expect(options.tls).toEqual({
    clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
    serverRootCACertificate: Buffer.from('CA'),
    serverNameOverride: 'temporal.internal',
  });
  expect(describeConnection(options)).toBe('mTLS');
});

test('an API key (Temporal Cloud) implies TLS with the system CAs', () => {
  const options = temporalConnectionOptions({ TEMPORAL_API_KEY: 'key-123' }, 'ns.acct.tmprl.cloud:7233');
  expect(options).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key-123' });
  expect(describeConnection(options)).toBe('TLS + API key');
});

test('TEMPORAL_TLS=true alone turns TLS on', () => {
  expect(temporalConnectionOptions({ TEMPORAL_TLS: 'true' }, 'h:1').tls).toEqual({});
});

test('every problem is named at once: half a key pair, an unreadable file, a contradiction', () => {
  let error: unknown;
  try {
    temporalConnectionOptions({ TEMPORAL_TLS_CERT: join(dir, 'missing.pem'), TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, 'h:1');
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(TemporalConnectionConfigError);
  expect((error as TemporalConnectionConfigError).problems).toEqual([
    expect.stringMatching(/^TEMPORAL_TLS_CERT=.*missing\.pem cannot be read \(ENOENT\)$/),
    'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (client certificate and its key)',
    expect.stringMatching(/^TEMPORAL_TLS=false contradicts/),
  ]);
});
