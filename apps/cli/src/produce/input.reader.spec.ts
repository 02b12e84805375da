import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type InputItem, readInputs } from './input.reader';

const REQ = '{"resourceSpans":[{}]}';

async function collect(paths: string[], format = 'auto' as const, stdin = '') {
  const items: InputItem[] = [];
  for await (const item of readInputs(paths, {
    format,
    stdin: () => Readable.from([Buffer.from(stdin)]),
  }))
    items.push(item);
  return items.map((i) =>
    i.kind === 'request'
      ? `${i.kind} ${i.file.replace(dir, '')}${i.line ? `:${i.line}` : ''} ${i.format}`
      : `${i.kind} ${i.file.replace(dir, '')}${'line' in i && i.line ? `:${i.line}` : ''}`,
  );
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 't2t-reader-'));
  mkdirSync(join(dir, 'b'));
  mkdirSync(join(dir, '.hidden'));
  writeFileSync(join(dir, 'c.json'), REQ);
  writeFileSync(join(dir, 'a.jsonl'), `${REQ}\n\n{oops\n${REQ}\n`);
  writeFileSync(join(dir, 'b', 'z.pb'), Buffer.from([0x0a, 0x00]));
  writeFileSync(join(dir, 'b', 'notes.txt'), 'hello');
  writeFileSync(join(dir, '.hidden', 'x.json'), REQ);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(readInputs.name, () => {
  it('walks directories in sorted order, skipping hidden entries and unknown extensions', async () => {
    expect(await collect([dir])).toEqual([
      'request /a.jsonl:1 jsonl',
      'bad /a.jsonl:3',
      'request /a.jsonl:4 jsonl',
      'ignored /b/notes.txt',
      'request /b/z.pb otlp_proto',
      'request /c.json otlp_json',
    ]);
  });

  it('reads inputs in the order named, and reports missing ones', async () => {
    expect(await collect([join(dir, 'c.json'), join(dir, 'missing.json'), join(dir, 'b')])).toEqual(
      [
        'request /c.json otlp_json',
        'bad /missing.json',
        'ignored /b/notes.txt',
        'request /b/z.pb otlp_proto',
      ],
    );
  });

  it('reads every file of a walk in the forced format', async () => {
    expect(await collect([join(dir, 'b')], 'otlp_proto' as never)).toEqual([
      'bad /b/notes.txt',
      'request /b/z.pb otlp_proto',
    ]);
  });

  it('reads stdin by content', async () => {
    expect(await collect(['-'], 'auto', `${REQ}\n${REQ}\n`)).toEqual([
      'request <stdin>:1 jsonl',
      'request <stdin>:2 jsonl',
    ]);
    expect(await collect(['-'], 'auto', '  \n')).toEqual(['bad <stdin>']);
  });
});
