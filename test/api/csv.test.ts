/**
 * The CSV writer of the exports: RFC 4180 quoting, CRLF line ends, a byte-order mark first, the
 * spreadsheet formula guard, and chunks pulled only as they are read.
 */
import { csvCell, csvChunks, csvLine, UTF8_BOM } from '../../src/api/exports/csv';
import { exportFilename, notificationStatus } from '../../src/api/exports/order-csv';
import { parseCsv } from './csv-parse';

describe('a cell', () => {
  test.each([
    ['plain text stays as it is', 'P-20261130', 'P-20261130'],
    ['Chinese stays as it is', '支付宝 Alipay', '支付宝 Alipay'],
    ['a comma is quoted', 'a,b', '"a,b"'],
    ['a quote is doubled inside quotes', 'say "hi"', '"say ""hi"""'],
    ['a line feed is quoted', 'a\nb', '"a\nb"'],
    ['a carriage return inside is quoted', 'a\r\nb', '"a\r\nb"'],
    ['null is empty', null, ''],
    ['a boolean', true, 'true'],
    ['a number', 15, '15'],
    ['a decimal amount string', '100.50', '100.50'],
  ])('%s', (_what, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  test.each([
    ['=', '=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+', '+86 10 1234', "'+86 10 1234"],
    ['-', '-2+3', "'-2+3"],
    ['@', '@SUM(A1)', "'@SUM(A1)"],
    ['a tab', '\t=1', "'\t=1"],
    ['a carriage return', '\r=1', `"'\r=1"`],
  ])('a cell starting with %s is prefixed with an apostrophe, so it is never run as a formula', (_start, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  test('a formula sign later in the text is left alone', () => {
    expect(csvCell('a=b')).toBe('a=b');
  });
});

test('a line ends with CRLF, and parses back to its cells', () => {
  const cells = ['x,y', 'say "hi"', 'two\nlines', '', '支付宝'];

  const line = csvLine(cells);

  expect(line.endsWith('\r\n')).toBe(true);
  expect(parseCsv(line)).toEqual([cells]);
});

describe('the chunks of a file', () => {
  async function* rows(count: number, pulled: { count: number }): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) {
      pulled.count = i + 1;
      yield i;
    }
  }

  test('start with the byte-order mark and the header, then a line per row', async () => {
    let text = '';
    for await (const chunk of csvChunks(['n', 'name'], rows(3, { count: 0 }), (n) => [n, `row ${n}`])) text += chunk;

    expect(text).toBe(`${UTF8_BOM}n,name\r\n0,row 0\r\n1,row 1\r\n2,row 2\r\n`);
  });

  test('an empty source still gives the header', async () => {
    let text = '';
    for await (const chunk of csvChunks(['n'], rows(0, { count: 0 }), (n) => [n])) text += chunk;

    expect(text).toBe(`${UTF8_BOM}n\r\n`);
  });

  test('rows are pulled only as chunks are read: the file never sits in memory', async () => {
    const pulled = { count: 0 };
    const chunks = csvChunks(['n', 'padding'], rows(100_000, pulled), (n) => [n, 'x'.repeat(100)]);

    const first = await chunks.next();

    expect(first.done).toBe(false);
    expect(first.value.length).toBeLessThan(100 * 1024);
    // One chunk's worth of rows (about 64 KiB of lines), not the 100,000.
    expect(pulled.count).toBeLessThan(1_000);
    await chunks.return(undefined);
    expect(pulled.count).toBeLessThan(1_000);
  });
});

test('the notification status says how far telling the merchant got, the worst first', () => {
  const delivery = (status: 'pending' | 'delivered' | 'gave_up') => ({ eventId: 'e', type: 'payment.succeeded', status, attempts: 1 });

  expect(notificationStatus({ notification: { url: null, deliveries: [] } })).toBe('no_url');
  expect(notificationStatus({ notification: { url: 'https://m.example.com/n', deliveries: [] } })).toBe('none');
  expect(notificationStatus({ notification: { url: 'https://m.example.com/n', deliveries: [delivery('delivered')] } })).toBe('delivered');
  expect(notificationStatus({ notification: { url: 'https://m.example.com/n', deliveries: [delivery('delivered'), delivery('pending')] } })).toBe('pending');
  expect(notificationStatus({ notification: { url: 'https://m.example.com/n', deliveries: [delivery('pending'), delivery('gave_up')] } })).toBe('gave_up');
});

test('the file name says what was exported, in characters any file system takes', () => {
  expect(exportFilename('payment', {})).toBe('payments.csv');
  expect(exportFilename('payout', { createdFrom: '2026-11-01T00:00:00.000Z', createdTo: '2026-12-01T00:00:00.000Z', status: 'succeeded' })).toBe(
    'payouts_2026-11-01T000000Z_2026-12-01T000000Z_succeeded.csv',
  );
  expect(exportFilename('payment', { createdFrom: '2026-11-01T08:30:00.250Z' })).toBe('payments_2026-11-01T083000250Z_any.csv');
});
