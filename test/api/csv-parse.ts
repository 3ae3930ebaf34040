/** An RFC 4180 reader for the tests: records of cells, quotes and doubled quotes understood, CRLF between records. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"' && cell === '') {
      quoted = true;
    } else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else if (char === '\n' || char === '\r' || char === '"') {
      throw new Error(`not RFC 4180: a bare ${JSON.stringify(char)} at ${i}`);
    } else {
      cell += char;
    }
  }
  if (quoted) throw new Error('not RFC 4180: an open quote at the end');
  if (cell !== '' || record.length > 0) throw new Error('not RFC 4180: the last record does not end with CRLF');
  return records;
}
