import { LineSplitter, splitLines, stripBom } from './line.splitter';

const text = (lines: { number: number; bytes: Buffer }[]) =>
  lines.map((l) => [l.number, l.bytes.toString('utf8')]);

describe(LineSplitter.name, () => {
  it('numbers lines like an editor, skipping blank ones but counting them', () => {
    const input = Buffer.from('{"a":1}\n\n  \t\n{"b":2}\n');
    expect(text(splitLines(input))).toEqual([
      [1, '{"a":1}'],
      [4, '{"b":2}'],
    ]);
  });

  it('drops \\r\\n and \\n terminators and keeps a last line without one', () => {
    expect(text(splitLines(Buffer.from('a\r\nb\nc')))).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('keeps every other byte as it is, also invalid UTF-8 and inner whitespace', () => {
    const line = Buffer.from([0x7b, 0xff, 0x20, 0x09, 0x7d]);
    const [only] = splitLines(Buffer.concat([line, Buffer.from('\n')]));
    expect(only.bytes.equals(line)).toBe(true);
  });

  it('drops a UTF-8 byte-order mark at the start only', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const lines = splitLines(Buffer.concat([bom, Buffer.from('x\n'), bom, Buffer.from('y')]));
    expect(lines[0].bytes.toString()).toBe('x');
    expect(lines[1].bytes.equals(Buffer.concat([bom, Buffer.from('y')]))).toBe(true);
    expect(stripBom(Buffer.concat([bom, Buffer.from('{}')])).toString()).toBe('{}');
  });

  it('gives the same lines however the stream is cut into chunks', () => {
    const input = Buffer.from('\ufefffirst\r\n\r\nsecond line\nthird\r\n  \nlast');
    const expected = text(splitLines(input));
    expect(expected).toEqual([
      [1, 'first'],
      [3, 'second line'],
      [4, 'third'],
      [6, 'last'],
    ]);
    for (let size = 1; size <= input.length; size++) {
      const sut = new LineSplitter();
      const lines = [];
      for (let i = 0; i < input.length; i += size)
        lines.push(...sut.push(input.subarray(i, i + size)));
      lines.push(...sut.end());
      expect(text(lines)).toEqual(expected);
    }
  });

  it('yields nothing for empty or blank input', () => {
    expect(splitLines(Buffer.alloc(0))).toEqual([]);
    expect(splitLines(Buffer.from('\n\r\n  \n'))).toEqual([]);
  });
});
