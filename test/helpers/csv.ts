/** RFC 4180 records: quoted cells with "" escapes, CRLF (or LF) line ends. For tests of CSV output. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** The values of one column (by header name) of a CSV text. */
export function csvColumn(csv: string, column: string): string[] {
  const [header, ...lines] = parseCsv(csv);
  const index = (header ?? []).indexOf(column);
  if (index === -1) throw new Error(`no column ${column}`);
  return lines.map((l) => l[index] as string);
}
