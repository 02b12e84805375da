import { parseRole } from './roles';

describe(parseRole.name, () => {
  it('takes --role, then T2T_ROLE, then all', () => {
    expect(parseRole(['node', 'main.js', '--role', 'ingest'], 'modeling')).toBe('ingest');
    expect(parseRole(['node', 'main.js', '--role=clustering'], undefined)).toBe('clustering');
    expect(parseRole(['node', 'main.js'], 'generator')).toBe('generator');
    expect(parseRole(['node', 'main.js'], undefined)).toBe('all');
  });

  it('names the roles when given an unknown one', () => {
    expect(() => parseRole(['--role', 'ingester'], undefined)).toThrow(
      'unknown role "ingester": use one of all, ingest, clustering, modeling, generator, receiver',
    );
  });
});
