/**
 * CSV as finance's spreadsheet programs read it: UTF-8 with a byte-order mark (without it Excel
 * reads 支付宝 as mojibake), CRLF line ends and RFC 4180 quoting, written a chunk at a time from an
 * async source so a month of orders never sits in memory.
 */

export type CsvCell = string | number | boolean | null;

/** U+FEFF: tells spreadsheet programs the file is UTF-8. */
export const UTF8_BOM = '\ufeff';

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @) or that starts with a tab or carriage
 * return (which some programs strip before looking): prefixed with ' so it is shown as text, never
 * evaluated — a merchant-chosen value must not become a formula on a finance team's machine.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A cell with any of these is quoted, its quotes doubled (RFC 4180 §2.6-2.7). */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Lines are handed on in chunks of about this many characters: few writes, little memory. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The file as chunks of text: the byte-order mark and the header row, then a line per row. It pulls
 * `rows` only as fast as the chunks are consumed (a Readable made from it follows the socket's
 * backpressure), and stops pulling when the consumer stops (return() reaches the source).
 */
export async function* csvChunks<Row>(header: readonly string[], rows: AsyncIterable<Row>, cellsOf: (row: Row) => readonly CsvCell[]): AsyncGenerator<string> {
  let chunk = UTF8_BOM + csvLine(header);
  for await (const row of rows) {
    chunk += csvLine(cellsOf(row));
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
