import { ConfigError, DEFAULTS, loadConfig, type Role } from '../src/config';
import { formatDuration, parseDuration } from '../src/contracts/duration';

const GATEWAY_ENV = {
  GATEWAY_URL: 'https://gw.example.com',
  GATEWAY_APP_KEY: 'mch-10086',
  GATEWAY_SECRET: '8f2c1e7a9b3d4f60a1b2c3d4e5f60718',
  // Not gateway settings, but required alongside them by the API and the worker.
  PUBLIC_URL: 'https://orchestrator.example.com',
  CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  NOTIFY_SECRET: 'notify-secret-0123456789',
  OPERATOR_TOKEN: 'operator-token-0123456789',
  DATABASE_URL: 'postgres://orders:orders-password@db.internal:5432/orders',
};
const API_TOKEN = 'api-token-0123456789abcdef';

/** The problems a configuration has, or [] when it loads. */
function problemsOf(env: NodeJS.ProcessEnv, role: Role): string[] {
  try {
    loadConfig(env, role);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('defaults', () => {
  // toMatchObject: settings added later get their own assertions without breaking these.
  it('the all-in-one start needs no variable at all, and these are the defaults', () => {
    const config = loadConfig({}, 'all-in-one');

    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      apiToken: undefined,
      gateway: undefined,
      sandboxMerchant: { appKey: undefined, secret: undefined },
      gatewayTimeoutMs: 10_000,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'orders', uiPort: 8233 },
      callbackAllowedIps: [],
      trustProxy: [],
      notifyAllowPrivate: true,
      timeouts: {
        paymentCallbackMs: 10 * 60_000,
        paymentExpiryMs: 2 * 3_600_000,
        payoutCallbackMs: 30 * 60_000,
        pollIntervalMs: 30_000,
        pollIntervalMaxMs: 10 * 60_000,
        payoutAttentionAfterMs: 24 * 3_600_000,
        payoutNotFoundConfirmMs: 300_000,
      },
      notifySecret: undefined,
      dataDir: '.data',
      logLevel: 'info',
    });
  });

  it('a worker gets its gateway from the environment and Temporal at localhost:7233 by default', () => {
    const config = loadConfig(GATEWAY_ENV, 'worker');

    expect(config.gateway).toEqual({ url: 'https://gw.example.com', appKey: 'mch-10086', secret: GATEWAY_ENV.GATEWAY_SECRET, timeoutMs: 10_000 });
    expect(config.temporal.address).toBe('localhost:7233');
    expect(config.apiToken).toBeUndefined();
  });

  it('the API gets its token, its gateway and Temporal at localhost:7233 by default', () => {
    const config = loadConfig({ ...GATEWAY_ENV, API_TOKEN }, 'api');

    expect(config.apiToken).toBe(API_TOKEN);
    expect(config.gateway?.url).toBe('https://gw.example.com');
    expect(config.temporal.address).toBe('localhost:7233');
  });

  it('empty and blank variables count as unset; values are trimmed', () => {
    const config = loadConfig({ PORT: '', HOST: '   ', LOG_LEVEL: ' debug ', GATEWAY_HTTP_TIMEOUT: ' 3s ' }, 'all-in-one');

    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('debug');
    expect(config.gatewayTimeoutMs).toBe(3000);
  });

  it('every wait can be configured', () => {
    const config = loadConfig(
      {
        GATEWAY_HTTP_TIMEOUT: '2500ms',
        PAYMENT_CALLBACK_TIMEOUT: '5m',
        PAYMENT_EXPIRY: '1d',
        PAYOUT_CALLBACK_TIMEOUT: '1h',
        POLL_INTERVAL: '5s',
        POLL_INTERVAL_MAX: '5s',
        PAYOUT_ATTENTION_AFTER: '2d',
        PAYOUT_NOT_FOUND_CONFIRM: '90s',
      },
      'all-in-one',
    );

    expect(config.gatewayTimeoutMs).toBe(2500);
    expect(config.timeouts).toMatchObject({
      paymentCallbackMs: 300_000,
      paymentExpiryMs: 86_400_000,
      payoutCallbackMs: 3_600_000,
      pollIntervalMs: 5000,
      pollIntervalMaxMs: 5000,
      payoutAttentionAfterMs: 172_800_000,
      payoutNotFoundConfirmMs: 90_000,
    });
  });
});

describe('the order book (DATABASE_URL)', () => {
  const withBook = (url: string | undefined): NodeJS.ProcessEnv => ({ ...GATEWAY_ENV, API_TOKEN, DATABASE_URL: url });

  it('the all-in-one start without it keeps an embedded PostgreSQL under DATA_DIR (databaseUrl undefined)', () => {
    expect(loadConfig({}, 'all-in-one').databaseUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: '  ' }, 'all-in-one').databaseUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgres://orders:pw@127.0.0.1:5433/orders' }, 'all-in-one').databaseUrl).toBe('postgres://orders:pw@127.0.0.1:5433/orders');
  });

  it.each(['api', 'worker'] as const)('the %s requires it: separate processes share one book, an embedded one each would split it', (role) => {
    expect(problemsOf(withBook(undefined), role)).toEqual([`DATABASE_URL is required by the ${role} (the order book's PostgreSQL, postgres://user:password@host:5432/database)`]);
    expect(loadConfig(withBook(' postgresql://orders:pw@db.internal/orders?sslmode=require '), role).databaseUrl).toBe('postgresql://orders:pw@db.internal/orders?sslmode=require');
  });

  it.each([
    ['mysql://orders:s3cret-pw@db:3306/orders', 'DATABASE_URL has the scheme "mysql"'],
    ['https://db.internal/orders', 'DATABASE_URL has the scheme "https"'],
    ['orders:s3cret-pw@db.internal/orders', 'DATABASE_URL has the scheme "orders"'],
    ['db.internal:5432/orders', 'DATABASE_URL has the scheme "db.internal"'],
    ['postgres:///orders', 'DATABASE_URL names no host'],
    ['not a url at all', 'DATABASE_URL is not a URL'],
  ])('%s is refused, naming what is wrong and never the password', (url, start) => {
    for (const role of ['api', 'worker', 'all-in-one'] as const) {
      const problems = problemsOf(withBook(url), role);
      expect(problems).toEqual([`${start}: a PostgreSQL URL such as postgres://user:password@host:5432/database is needed`]);
      expect(problems.join()).not.toContain('s3cret');
    }
  });
});

describe('the reconciliation schedule (RECONCILE_CRON, RECONCILE_TIMEZONE, RECONCILE_QPS)', () => {
  it('defaults: every day at 02:00 in Asia/Shanghai, 5 platform queries per second', () => {
    expect(DEFAULTS).toMatchObject({ RECONCILE_CRON: '0 2 * * *', RECONCILE_TIMEZONE: 'Asia/Shanghai', RECONCILE_QPS: '5' });
    for (const role of ['all-in-one', 'api', 'worker'] as const) {
      expect(loadConfig(role === 'all-in-one' ? {} : { ...GATEWAY_ENV, API_TOKEN }, role).reconcile).toEqual({ cron: '0 2 * * *', timezone: 'Asia/Shanghai', qps: 5 });
    }
  });

  it('takes any five-field cron of numbers, ranges, lists, steps and *, an IANA zone and a fractional rate', () => {
    const reconcile = (env: NodeJS.ProcessEnv) => loadConfig(env, 'all-in-one').reconcile;
    expect(reconcile({ RECONCILE_CRON: ' 30 1 * * 1-5 ', RECONCILE_TIMEZONE: 'UTC', RECONCILE_QPS: '0.5' })).toEqual({ cron: '30 1 * * 1-5', timezone: 'UTC', qps: 0.5 });
    for (const cron of ['*/15 * * * *', '0 0,12 1 */2 *', '59 23 31 12 7', '0 2-4/1 1-15 1,6 0', '5/10 * * * *']) {
      expect(reconcile({ RECONCILE_CRON: cron }).cron).toBe(cron);
    }
    expect(reconcile({ RECONCILE_TIMEZONE: 'America/New_York' }).timezone).toBe('America/New_York');
    expect(reconcile({ RECONCILE_QPS: '1000' }).qps).toBe(1000);
  });

  const CRON_PROBLEM = (cron: string) =>
    `RECONCILE_CRON="${cron}" is not a five-field cron expression such as "0 2 * * *" (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-7; each a number, a range a-b, * or a list of them, with an optional /step)`;

  it.each([
    '0 2 * *', // four fields
    '0 0 2 * * *', // six (seconds are not a field here)
    '@daily',
    '0 2 * * MON',
    '60 2 * * *', // minute out of range
    '0 24 * * *', // hour out of range
    '0 2 0 * *', // day of month starts at 1
    '0 2 * 13 *',
    '0 2 * * 8',
    '0 5-2 * * *', // a range backwards
    '*/0 * * * *', // a step of nothing
    '0 2 * * 1,',
  ])('RECONCILE_CRON="%s" is refused, saying what a cron expression is', (cron) => {
    expect(problemsOf({ RECONCILE_CRON: cron }, 'all-in-one')).toEqual([CRON_PROBLEM(cron)]);
  });

  it.each(['Mars/Olympus_Mons', 'Asia/Beijing', 'GMT+25'])('RECONCILE_TIMEZONE="%s" is refused', (timezone) => {
    expect(problemsOf({ RECONCILE_TIMEZONE: timezone }, 'all-in-one')).toEqual([`RECONCILE_TIMEZONE="${timezone}" is not an IANA time zone such as Asia/Shanghai or UTC`]);
  });

  it.each(['0', '0.0', '-1', 'abc', '5qps', '1e3', '1000.5', 'Infinity', '.5'])('RECONCILE_QPS="%s" is refused', (qps) => {
    expect(problemsOf({ RECONCILE_QPS: qps }, 'all-in-one')).toEqual([`RECONCILE_QPS="${qps}" is not a number of queries per second between 0 and 1000 (e.g. 5 or 0.5)`]);
  });

  it('every bad value is named in one start', () => {
    expect(problemsOf({ RECONCILE_CRON: 'nightly', RECONCILE_TIMEZONE: 'Nowhere', RECONCILE_QPS: '0' }, 'all-in-one')).toHaveLength(3);
  });
});

describe('required variables, per role', () => {
  it('the API without any variable names every required one at once', () => {
    expect(problemsOf({}, 'api')).toEqual([
      'API_TOKEN is required by the API (bearer token of /v1)',
      'GATEWAY_URL is required by the api',
      'GATEWAY_APP_KEY is required by the api',
      'GATEWAY_SECRET is required by the api',
      'CODEC_KEYS is required by the api (payload encryption keys)',
      'OPERATOR_TOKEN is required by the API (codec server for the Temporal UI)',
      "DATABASE_URL is required by the api (the order book's PostgreSQL, postgres://user:password@host:5432/database)",
    ]);
  });

  it('the worker without any variable names the gateway, codec and notification variables, not API_TOKEN', () => {
    expect(problemsOf({}, 'worker')).toEqual([
      'GATEWAY_URL is required by the worker',
      'GATEWAY_APP_KEY is required by the worker',
      'GATEWAY_SECRET is required by the worker',
      'PUBLIC_URL is required by the worker (the platform is sent PUBLIC_URL/callbacks/… as the callback address of every order)',
      'NOTIFY_SECRET is required by the worker (it signs merchant notifications)',
      'CODEC_KEYS is required by the worker (payload encryption keys)',
      "DATABASE_URL is required by the worker (the order book's PostgreSQL, postgres://user:password@host:5432/database)",
    ]);
  });

  it('CODEC_KEYS problems are named without the key material', () => {
    const problems = problemsOf({ ...GATEWAY_ENV, CODEC_KEYS: 'k1:dG9vLXNob3J0' }, 'worker');
    expect(problems).toEqual(['CODEC_KEYS key "k1" must be 32 bytes, base64-encoded (e.g. openssl rand -base64 32)']);
  });

  it('the all-in-one start with GATEWAY_URL needs the credentials too', () => {
    expect(problemsOf({ GATEWAY_URL: 'https://gw.example.com' }, 'all-in-one')).toEqual([
      'GATEWAY_APP_KEY is required when GATEWAY_URL is set',
      'GATEWAY_SECRET is required when GATEWAY_URL is set',
      'PUBLIC_URL is required when GATEWAY_URL is set (the platform is sent PUBLIC_URL/callbacks/… as the callback address of every order)',
    ]);
  });

  it('the all-in-one start with credentials but no GATEWAY_URL uses them as the sandbox merchant', () => {
    const config = loadConfig({ GATEWAY_APP_KEY: 'mch-1', GATEWAY_SECRET: 'sandbox-secret' }, 'all-in-one');

    expect(config.gateway).toBeUndefined();
    expect(config.sandboxMerchant).toEqual({ appKey: 'mch-1', secret: 'sandbox-secret' });
  });

  it('the all-in-one start with a complete gateway uses the real platform', () => {
    expect(loadConfig(GATEWAY_ENV, 'all-in-one').gateway).toEqual({
      url: 'https://gw.example.com',
      appKey: 'mch-10086',
      secret: GATEWAY_ENV.GATEWAY_SECRET,
      timeoutMs: 10_000,
    });
  });
});

describe('malformed values are named, all at once', () => {
  it('a start with many mistakes reports every one of them in one ConfigError', () => {
    const env = {
      ...GATEWAY_ENV,
      GATEWAY_URL: 'gw.example.com',
      PORT: 'abc',
      TEMPORAL_UI_PORT: '70000',
      GATEWAY_HTTP_TIMEOUT: '1.5s',
      PAYMENT_EXPIRY: '2 hours',
      PUBLIC_URL: 'ftp://merchant.example.com',
      TEMPORAL_ADDRESS: 'temporal.internal',
      CALLBACK_ALLOWED_IPS: '10.0.0.1, 300.1.1.1, ::1, gw.example.com',
      LOG_LEVEL: 'verbose',
      NOTIFY_SECRET: 'short',
    };

    let thrown: unknown;
    try {
      loadConfig(env, 'worker');
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toEqual([
      'PORT="abc" is not a TCP port (1-65535)',
      'PUBLIC_URL="ftp://merchant.example.com" is not an absolute http(s) URL without query or fragment',
      'GATEWAY_HTTP_TIMEOUT="1.5s" is not a duration such as 500ms, 5s, 10m, 24h',
      'GATEWAY_URL="gw.example.com" is not an absolute http(s) URL without query or fragment',
      'TEMPORAL_ADDRESS="temporal.internal" is not host:port',
      'CALLBACK_ALLOWED_IPS contains "300.1.1.1", which is not an IP address or CIDR range (such as 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)',
      'CALLBACK_ALLOWED_IPS contains "gw.example.com", which is not an IP address or CIDR range (such as 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)',
      'PAYMENT_EXPIRY="2 hours" is not a duration such as 500ms, 5s, 10m, 24h',
      'NOTIFY_SECRET must be at least 16 characters',
      'LOG_LEVEL="verbose" is not one of fatal, error, warn, info, debug, trace, silent',
      'TEMPORAL_UI_PORT="70000" is not a TCP port (1-65535)',
    ]);
    expect(error.message).toBe(`Invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  it.each(['0', '65536', '-1', '30.5', '3e3', 'http'])('PORT=%j is not a port', (value) => {
    expect(problemsOf({ PORT: value }, 'all-in-one')).toEqual([`PORT="${value}" is not a TCP port (1-65535)`]);
  });

  it.each(['1', '65535'])('PORT=%s is a port', (value) => {
    expect(loadConfig({ PORT: value }, 'all-in-one').port).toBe(Number(value));
  });

  it.each([
    ['no unit', 'POLL_INTERVAL', '30'],
    ['zero', 'POLL_INTERVAL', '0s'],
    ['a fraction', 'PAYOUT_CALLBACK_TIMEOUT', '0.5h'],
    ['an unknown unit', 'PAYOUT_ATTENTION_AFTER', '1w'],
    ['a negative value', 'PAYMENT_CALLBACK_TIMEOUT', '-5m'],
    ['an ISO 8601 duration', 'GATEWAY_HTTP_TIMEOUT', 'PT10S'],
  ])('a duration with %s is named (%s=%j)', (_what, name, value) => {
    expect(problemsOf({ [name]: value }, 'all-in-one')).toEqual([`${name}="${value}" is not a duration such as 500ms, 5s, 10m, 24h`]);
  });

  it.each([
    ['a scheme without slashes', 'http:merchant.example.com'],
    ['a scheme with one slash', 'https:/merchant.example.com'],
    ['no scheme', 'merchant.example.com'],
    ['a scheme-relative URL', '//merchant.example.com'],
    ['another scheme', 'ftp://merchant.example.com'],
    ['a query', 'https://merchant.example.com/?tenant=1'],
    ['a fragment', 'https://merchant.example.com/#callbacks'],
    ['a space in the host', 'https://merchant example.com'],
  ])('a URL with %s is named (%j)', (_what, value) => {
    expect(problemsOf({ PUBLIC_URL: value }, 'all-in-one')).toEqual([`PUBLIC_URL="${value}" is not an absolute http(s) URL without query or fragment`]);
    expect(problemsOf({ ...GATEWAY_ENV, GATEWAY_URL: value }, 'worker')).toEqual([`GATEWAY_URL="${value}" is not an absolute http(s) URL without query or fragment`]);
  });

  it('URLs keep their path and lose trailing slashes', () => {
    const config = loadConfig({ ...GATEWAY_ENV, GATEWAY_URL: 'https://gw.example.com/merchant-api//', PUBLIC_URL: 'https://shop.example.com/pay/' }, 'worker');

    expect(config.gateway?.url).toBe('https://gw.example.com/merchant-api');
    expect(config.publicUrl).toBe('https://shop.example.com/pay');
  });

  it('TEMPORAL_ADDRESS accepts host:port, including a bracketed IPv6 address', () => {
    expect(loadConfig({ ...GATEWAY_ENV, TEMPORAL_ADDRESS: 'temporal.internal:7233' }, 'worker').temporal.address).toBe('temporal.internal:7233');
    expect(loadConfig({ ...GATEWAY_ENV, TEMPORAL_ADDRESS: '[::1]:7233' }, 'worker').temporal.address).toBe('[::1]:7233');
    expect(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7233' }, 'all-in-one').temporal.address).toBe('127.0.0.1:7233');
  });

  it('CALLBACK_ALLOWED_IPS is a comma-separated list of IPv4 and IPv6 addresses', () => {
    const config = loadConfig({ CALLBACK_ALLOWED_IPS: ' 203.0.113.7 ,, 2001:db8::1,' }, 'all-in-one');

    expect(config.callbackAllowedIps).toEqual(['203.0.113.7', '2001:db8::1']);
  });

  it('CALLBACK_ALLOWED_IPS and TRUST_PROXY take CIDR ranges; IPv4-mapped IPv6 entries are kept as IPv4', () => {
    const config = loadConfig(
      { CALLBACK_ALLOWED_IPS: '203.0.113.0/24, 2001:DB8::/32, ::ffff:198.51.100.7', TRUST_PROXY: '10.0.0.0/8, ::ffff:172.16.0.0/108, fd00::1' },
      'all-in-one',
    );

    expect(config.callbackAllowedIps).toEqual(['203.0.113.0/24', '2001:db8::/32', '198.51.100.7']);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '172.16.0.0/12', 'fd00::1']);
  });

  it.each([
    ['an IPv4 prefix above 32', '203.0.113.0/33'],
    ['an IPv6 prefix above 128', '2001:db8::/129'],
    ['an empty prefix', '203.0.113.0/'],
    ['a negative prefix', '203.0.113.0/-1'],
    ['a host name', 'proxy.internal'],
    ['an address with a port', '203.0.113.7:443'],
  ])('a range with %s is named, in either list (%j)', (_what, value) => {
    const why = 'which is not an IP address or CIDR range (such as 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)';
    expect(problemsOf({ CALLBACK_ALLOWED_IPS: value, TRUST_PROXY: value }, 'all-in-one')).toEqual([
      `CALLBACK_ALLOWED_IPS contains "${value}", ${why}`,
      `TRUST_PROXY contains "${value}", ${why}`,
    ]);
  });

  it.each(['GATEWAY_ALLOW_HTTP', 'NOTIFY_ALLOW_PRIVATE'])('%s is true or false, nothing else', (name) => {
    expect(problemsOf({ [name]: 'yes' }, 'all-in-one')).toEqual([`${name}="yes" is not true or false`]);
    expect(problemsOf({ [name]: 'false' }, 'all-in-one')).toEqual([]);
  });
});

describe('GATEWAY_URL must be https', () => {
  it('an http GATEWAY_URL is refused, naming GATEWAY_ALLOW_HTTP', () => {
    expect(problemsOf({ ...GATEWAY_ENV, GATEWAY_URL: 'http://gw.example.com' }, 'worker')).toEqual([
      'GATEWAY_URL="http://gw.example.com" must be https (set GATEWAY_ALLOW_HTTP=true to allow http, for a local sandbox only)',
    ]);
    expect(problemsOf({ ...GATEWAY_ENV, API_TOKEN, GATEWAY_URL: 'HTTP://127.0.0.1:4000' }, 'api')).toHaveLength(1);
    expect(problemsOf({ ...GATEWAY_ENV, GATEWAY_URL: 'http://127.0.0.1:4000', GATEWAY_ALLOW_HTTP: 'false' }, 'all-in-one')).toHaveLength(1);
  });

  it('GATEWAY_ALLOW_HTTP=true allows a local sandbox over http', () => {
    const config = loadConfig({ ...GATEWAY_ENV, GATEWAY_URL: 'http://127.0.0.1:4000', GATEWAY_ALLOW_HTTP: 'true' }, 'worker');

    expect(config.gateway?.url).toBe('http://127.0.0.1:4000');
  });

  it('the all-in-one start with its embedded sandbox (no GATEWAY_URL) needs nothing: the check is on GATEWAY_URL only', () => {
    expect(loadConfig({}, 'all-in-one').gateway).toBeUndefined();
  });
});

describe('merchant notifications to private addresses (NOTIFY_ALLOW_PRIVATE)', () => {
  it('are refused by default by the worker, the API and an all-in-one start against a real platform', () => {
    expect(loadConfig(GATEWAY_ENV, 'worker').notifyAllowPrivate).toBe(false);
    expect(loadConfig({ ...GATEWAY_ENV, API_TOKEN }, 'api').notifyAllowPrivate).toBe(false);
    expect(loadConfig(GATEWAY_ENV, 'all-in-one').notifyAllowPrivate).toBe(false);
  });

  it('are allowed by default in the all-in-one start with the embedded sandbox (a local setup), unless set false', () => {
    expect(loadConfig({}, 'all-in-one').notifyAllowPrivate).toBe(true);
    expect(loadConfig({ NOTIFY_ALLOW_PRIVATE: 'false' }, 'all-in-one').notifyAllowPrivate).toBe(false);
  });

  it('NOTIFY_ALLOW_PRIVATE=true allows them anywhere', () => {
    expect(loadConfig({ ...GATEWAY_ENV, NOTIFY_ALLOW_PRIVATE: 'true' }, 'worker').notifyAllowPrivate).toBe(true);
  });
});

describe('PUBLIC_URL', () => {
  it('defaults to http://HOST:PORT', () => {
    expect(loadConfig({ HOST: '10.1.2.3', PORT: '8080' }, 'all-in-one').publicUrl).toBe('http://10.1.2.3:8080');
  });

  it('brackets an IPv6 HOST in the default', () => {
    expect(loadConfig({ HOST: '::1', PORT: '8080' }, 'all-in-one').publicUrl).toBe('http://[::1]:8080');
  });

  it('when set, is used as given', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://merchant.example.com', PORT: '8080' }, 'all-in-one').publicUrl).toBe('https://merchant.example.com');
  });

  it('the worker refuses to start without it: it signs PUBLIC_URL/callbacks/… into every order it sends the platform', () => {
    const { PUBLIC_URL: _omitted, ...withoutPublicUrl } = GATEWAY_ENV;

    expect(problemsOf(withoutPublicUrl, 'worker')).toEqual([
      'PUBLIC_URL is required by the worker (the platform is sent PUBLIC_URL/callbacks/… as the callback address of every order)',
    ]);
  });

  it('the all-in-one start needs it with GATEWAY_URL, not with the embedded sandbox; the API-only start does not', () => {
    const { PUBLIC_URL: _omitted, ...withoutPublicUrl } = GATEWAY_ENV;

    expect(problemsOf(withoutPublicUrl, 'all-in-one')).toEqual([
      'PUBLIC_URL is required when GATEWAY_URL is set (the platform is sent PUBLIC_URL/callbacks/… as the callback address of every order)',
    ]);
    expect(problemsOf({}, 'all-in-one')).toEqual([]);
    expect(problemsOf({ ...withoutPublicUrl, API_TOKEN }, 'api')).toEqual([]);
  });
});

describe('secrets', () => {
  it('API_TOKEN must be at least 16 characters, and the message does not repeat it', () => {
    const problems = problemsOf({ ...GATEWAY_ENV, API_TOKEN: '0123456789abcde' }, 'api');

    expect(problems).toEqual(['API_TOKEN must be at least 16 characters']);
    expect(problems.join('\n')).not.toContain('0123456789abcde');
  });

  it('an API_TOKEN of 16 characters is enough', () => {
    expect(loadConfig({ ...GATEWAY_ENV, API_TOKEN: '0123456789abcdef' }, 'api').apiToken).toBe('0123456789abcdef');
  });

  it('a short API_TOKEN is rejected in the all-in-one start too, where it is optional', () => {
    expect(problemsOf({ API_TOKEN: 'short' }, 'all-in-one')).toEqual(['API_TOKEN must be at least 16 characters']);
  });

  it('NOTIFY_SECRET, when set, must be at least 16 characters', () => {
    expect(problemsOf({ NOTIFY_SECRET: 'fifteen-chars!!' }, 'all-in-one')).toEqual(['NOTIFY_SECRET must be at least 16 characters']);
    expect(loadConfig({ NOTIFY_SECRET: 'sixteen-chars!!!' }, 'all-in-one').notifySecret).toBe('sixteen-chars!!!');
  });

  it('no problem message contains the gateway secret', () => {
    const problems = problemsOf({ ...GATEWAY_ENV, GATEWAY_URL: 'nope', PORT: 'x' }, 'api');

    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain(GATEWAY_ENV.GATEWAY_SECRET);
  });
});

describe('relations between waits', () => {
  it('POLL_INTERVAL_MAX shorter than POLL_INTERVAL is rejected', () => {
    expect(problemsOf({ POLL_INTERVAL: '1m', POLL_INTERVAL_MAX: '30s' }, 'all-in-one')).toEqual([
      'POLL_INTERVAL_MAX must not be shorter than POLL_INTERVAL',
    ]);
  });

  it('PAYMENT_EXPIRY shorter than PAYMENT_CALLBACK_TIMEOUT is rejected', () => {
    expect(problemsOf({ PAYMENT_CALLBACK_TIMEOUT: '3h' }, 'all-in-one')).toEqual(['PAYMENT_EXPIRY must not be shorter than PAYMENT_CALLBACK_TIMEOUT']);
  });

  it('a malformed wait is named once, without a second, false complaint about its relation', () => {
    expect(problemsOf({ POLL_INTERVAL_MAX: 'soon', PAYMENT_EXPIRY: 'never' }, 'all-in-one')).toEqual([
      'PAYMENT_EXPIRY="never" is not a duration such as 500ms, 5s, 10m, 24h',
      'POLL_INTERVAL_MAX="soon" is not a duration such as 500ms, 5s, 10m, 24h',
    ]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['10m', 600_000],
    ['24h', 86_400_000],
    ['2d', 172_800_000],
    ['0s', 0],
    [' 5s ', 5000],
    ['999999999ms', 999_999_999],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '1.5s', '5 s', '5S', '-5s', '+5s', '1h30m', '5sec', '1w', '1e3ms', '1000000000ms'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1s500ms'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('%d ms reads %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    ['500ms', '500ms'],
    ['90s', '1m30s'],
    ['10m', '10m'],
    ['24h', '1d'],
    ['2d', '2d'],
  ])('what parseDuration reads from %j reads %j', (text, formatted) => {
    expect(formatDuration(parseDuration(text)!)).toBe(formatted);
  });
});

describe('monitoring, worker process and Temporal connection settings', () => {
  it('defaults: /metrics open, worker metrics on 9464, tracing off, no worker health endpoint, 30s grace, plaintext Temporal', () => {
    const config = loadConfig({}, 'all-in-one');
    expect(config).toMatchObject({ metricsToken: undefined, workerMetricsPort: 9464, otlpEndpoint: undefined });
    expect(config.worker).toEqual({ healthPort: undefined, healthHost: '127.0.0.1', shutdownGraceMs: 30_000 });
    expect(config.temporal.connection).toEqual({});
  });

  it('reads METRICS_TOKEN, WORKER_METRICS_PORT, OTEL_EXPORTER_OTLP_ENDPOINT, the worker settings and an API key', () => {
    const config = loadConfig(
      {
        METRICS_TOKEN: 'metrics-token-0123456789',
        WORKER_METRICS_PORT: '9500',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318/',
        WORKER_HEALTH_PORT: '8081',
        WORKER_HEALTH_HOST: '0.0.0.0',
        WORKER_SHUTDOWN_GRACE: '45s',
        TEMPORAL_API_KEY: 'key-123',
      },
      'all-in-one',
    );
    expect(config).toMatchObject({ metricsToken: 'metrics-token-0123456789', workerMetricsPort: 9500, otlpEndpoint: 'http://otel-collector:4318' });
    expect(config.worker).toEqual({ healthPort: 8081, healthHost: '0.0.0.0', shutdownGraceMs: 45_000 });
    expect(config.temporal.connection).toEqual({ tls: {}, apiKey: 'key-123' });
  });

  it('names every bad value, once each', () => {
    expect(
      problemsOf(
        {
          METRICS_TOKEN: 'short',
          WORKER_METRICS_PORT: '70000',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
          WORKER_HEALTH_PORT: 'eighty',
          WORKER_SHUTDOWN_GRACE: 'soon',
          TEMPORAL_TLS_CERT: '/nonexistent/client.pem',
          TEMPORAL_TLS: 'maybe',
        },
        'all-in-one',
      ),
    ).toEqual([
      expect.stringContaining('TEMPORAL_TLS_CERT=/nonexistent/client.pem cannot be read'),
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (client certificate and its key)',
      'TEMPORAL_TLS="maybe" is not true or false',
      'WORKER_HEALTH_PORT="eighty" is not a TCP port (0-65535)',
      'WORKER_SHUTDOWN_GRACE="soon" is not a duration such as 30s or 2m',
      'METRICS_TOKEN must be at least 16 characters',
      'WORKER_METRICS_PORT="70000" is not a TCP port (1-65535)',
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not an absolute http(s) URL without query or fragment',
    ]);
  });
});
