/**
 * Tracetest's selector and assertion languages, for checking what emitTracetestYaml writes. Written
 * from Tracetest's documentation (concepts/selectors, concepts/expressions, cli/creating-tests) and
 * checked against how its server reads them (the selector and expression grammars, comparators,
 * filters and the attributes it adds to spans). Test support only: a tokenizer and a
 * recursive-descent parser per language, plus the checks a parser alone would let through but a
 * run would fail on: the values Tracetest gives its own attributes (status codes, span kinds and
 * types), integer-only ordering, filter names and arities.
 *
 * The subset is what the documentation describes; function calls in expressions are left out.
 *
 *   selector    := ε | span ("," span)*                       alternatives, merged
 *   span        := "span" "[" filter ((",")? filter)* "]" pseudo? span?      span? = descendants
 *   filter      := property ("=" | "contains") value
 *   property    := ident ("." ident)*
 *   value       := string | int | float | "true" | "false"    string: a Go string literal
 *   pseudo      := ":" ("first" | "last" | "nth_child" "(" int ")")
 *
 *   assertion   := expression comparator expression
 *   comparator  := "=" | "!=" | "<" | ">" | "<=" | ">=" | "contains" | "not-contains"
 *   expression  := term (operator term)* ("|" filterName term*)*
 *   term        := duration | number | attr:<name> | env:<name> | var:<name> | string | array
 *   array       := "[" (term ("," term)*)? "]"
 *   string      := "…" | '…'     kept as written; `${expression}` inside interpolates
 */
import { load } from 'js-yaml';

export class TracetestSyntaxError extends Error {
  constructor(
    readonly input: string,
    readonly position: number,
    reason: string,
  ) {
    super(`${reason} (at ${position} in ${JSON.stringify(input)})`);
    this.name = 'TracetestSyntaxError';
  }
}

// ── what Tracetest knows ─────────────────────────────────────────────────────────────────────────

/** `tracetest.span.status_code`: the OTLP StatusCode enum names (Tracetest stores `Code.String()`). */
export const SPAN_STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** The selector's `kind` and `tracetest.span.kind`: Tracetest's span kinds, in its own spelling. */
export const SPAN_KINDS = ['server', 'client', 'producer', 'consumer', 'internal', 'unespecified'];

/** `tracetest.span.type`, from the first attribute prefix it finds (http., db., …), else general. */
export const SPAN_TYPES = ['http', 'database', 'rpc', 'messaging', 'faas', 'exception', 'general'];

/** What the `type` filter answers. */
const VALUE_TYPES = [
  'nil',
  'string',
  'number',
  'duration',
  'array',
  'json',
  'attribute',
  'variable',
];

/** Attributes whose values Tracetest sets from a fixed list. */
const ENUMERATED: Record<string, readonly string[]> = {
  kind: SPAN_KINDS,
  'tracetest.span.kind': SPAN_KINDS,
  'tracetest.span.type': SPAN_TYPES,
  'tracetest.span.status_code': SPAN_STATUS_CODES,
};

/**
 * The `tracetest.*` attributes that exist: per span, on the trigger span (the response), and the
 * selection's count. Any other `tracetest.` name is a typo that would fail as "not found".
 */
const TRACETEST_ATTRIBUTES = new Set([
  'tracetest.span.name',
  'tracetest.span.type',
  'tracetest.span.kind',
  'tracetest.span.duration',
  'tracetest.span.start_time',
  'tracetest.span.end_time',
  'tracetest.span.parent_id',
  'tracetest.span.status_code',
  'tracetest.span.status_description',
  'tracetest.selected_spans.count',
  'tracetest.response.status',
  'tracetest.response.body',
  'tracetest.response.headers',
]);

/** Filters and how many arguments each takes. */
const FILTER_ARITY: Record<string, number> = {
  json_path: 1,
  regex: 1,
  regex_group: 1,
  get_index: 1,
  length: 0,
  type: 0,
};

export type Comparator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'contains' | 'not-contains';

/** Comparators that order: Tracetest parses both sides as base-10 integers (durations in ns). */
const ORDERING = new Set<Comparator>(['<', '>', '<=', '>=']);

/** Trigger types a test file can declare. */
const TRIGGER_TYPES = new Set(['http', 'grpc', 'kafka', 'traceid']);

// ── shared token stream ──────────────────────────────────────────────────────────────────────────

interface Token {
  type: string;
  text: string;
  at: number;
}

class Tokens {
  private index = 0;

  constructor(
    readonly input: string,
    private readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  is(type: string, text?: string): boolean {
    const token = this.peek();
    return token.type === type && (text === undefined || token.text === text);
  }

  accept(type: string, text?: string): Token | undefined {
    return this.is(type, text) ? this.next() : undefined;
  }

  expect(type: string, text: string | undefined, what: string): Token {
    const token = this.accept(type, text);
    if (token === undefined) this.fail(`expected ${what}, found ${describe(this.peek())}`);
    return token;
  }

  fail(reason: string, at = this.peek().at): never {
    throw new TracetestSyntaxError(this.input, at, reason);
  }
}

function describe(token: Token): string {
  return token.type === 'end' ? 'the end' : JSON.stringify(token.text);
}

// ── selectors ────────────────────────────────────────────────────────────────────────────────────

export interface SelectorFilter {
  property: string;
  operator: '=' | 'contains';
  value: string | number | boolean;
}

export interface SpanSelectorNode {
  filters: SelectorFilter[];
  pseudoClass?: { name: 'first' | 'last' | 'nth_child'; n?: number };
  /** Spans anywhere below the ones this node selects. */
  descendant?: SpanSelectorNode;
}

/** The alternatives of a selector; none for the empty selector (every span). */
export type SelectorAst = SpanSelectorNode[];

/**
 * Selector tokens as Go's text/scanner cuts them (Tracetest's selector parser uses its default
 * lexer): identifiers, integers, floats, double-quoted Go strings, and single characters.
 */
function tokenizeSelector(input: string): Token[] {
  const tokens: Token[] = [];
  const patterns: [string, RegExp][] = [
    ['space', /\s+/y],
    ['ident', /[A-Za-z_][A-Za-z0-9_]*/y],
    ['float', /[0-9]*\.[0-9]+|[0-9]+\.[0-9]*/y],
    ['int', /[0-9]+/y],
  ];
  let at = 0;
  scan: while (at < input.length) {
    if (input[at] === '"') {
      const { end, value } = readGoString(input, at);
      tokens.push({ type: 'string', text: value, at });
      at = end;
      continue;
    }
    for (const [type, pattern] of patterns) {
      pattern.lastIndex = at;
      const match = pattern.exec(input);
      if (match === null) continue;
      if (type !== 'space') tokens.push({ type, text: match[0], at });
      at += match[0].length;
      continue scan;
    }
    tokens.push({ type: 'char', text: input[at], at });
    at++;
  }
  tokens.push({ type: 'end', text: '', at });
  return tokens;
}

/**
 * The Go string literal starting at `start` (text/scanner cuts it, strconv.Unquote decodes it, and
 * Tracetest matches "" when decoding fails): where it ends and the text it stands for.
 */
function readGoString(input: string, start: number): { end: number; value: string } {
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
    '"': '"',
  };
  let at = start + 1;
  let value = '';
  const fail = (reason: string): never => {
    throw new TracetestSyntaxError(input, at, reason);
  };
  while (at < input.length && input[at] !== '"') {
    const char = input[at];
    if (char === '\n') fail('a selector string cannot hold a raw line break');
    if (char !== '\\') {
      value += char;
      at++;
      continue;
    }
    const escape = input[at + 1] ?? '';
    const octal = /^[0-3][0-7]{2}/.exec(input.slice(at + 1, at + 4));
    const digits = ({ x: 2, u: 4, U: 8 } as Record<string, number | undefined>)[escape];
    if (escape in simple) {
      value += simple[escape];
      at += 2;
    } else if (octal !== null) {
      value += String.fromCharCode(parseInt(octal[0], 8));
      at += 4;
    } else if (digits !== undefined) {
      const hex = input.slice(at + 2, at + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) fail(`malformed \\${escape} escape`);
      const code = parseInt(hex, 16);
      // Go refuses surrogate halves and code points past Unicode.
      if (escape !== 'x' && ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff))
        fail(`\\${escape}${hex} is not a character Go accepts`);
      value += String.fromCodePoint(code);
      at += 2 + digits;
    } else fail(`\\${escape} is not a Go string escape`);
  }
  if (at >= input.length) fail('unterminated string');
  return { end: at + 1, value };
}

export function parseSelector(input: string): SelectorAst {
  const tokens = new Tokens(input, tokenizeSelector(input));
  if (tokens.is('end')) return [];
  const alternatives = [parseSpanSelector(tokens)];
  while (tokens.accept('char', ',')) alternatives.push(parseSpanSelector(tokens));
  tokens.expect('end', undefined, 'the end of the selector');
  return alternatives;
}

function parseSpanSelector(tokens: Tokens): SpanSelectorNode {
  tokens.expect('ident', 'span', '"span"');
  tokens.expect('char', '[', '"["');
  if (tokens.is('char', ']'))
    tokens.fail('span[] is a syntax error in Tracetest (the empty selector selects every span)');
  const filters = [parseFilter(tokens)];
  while (!tokens.accept('char', ']')) {
    tokens.accept('char', ',');
    filters.push(parseFilter(tokens));
  }
  const node: SpanSelectorNode = { filters };
  if (tokens.accept('char', ':')) node.pseudoClass = parsePseudoClass(tokens);
  if (tokens.is('ident', 'span')) node.descendant = parseSpanSelector(tokens);
  return node;
}

function parseFilter(tokens: Tokens): SelectorFilter {
  const start = tokens.peek().at;
  let property = tokens.expect('ident', undefined, 'an attribute name').text;
  while (tokens.accept('char', '.'))
    property += `.${tokens.expect('ident', undefined, 'a name part after "."').text}`;
  let operator: SelectorFilter['operator'];
  if (tokens.accept('char', '=')) operator = '=';
  else if (tokens.accept('ident', 'contains')) operator = 'contains';
  else
    tokens.fail(
      `a selector compares with = or contains only, found ${describe(tokens.peek())} after ${property}`,
    );
  const token = tokens.next();
  let value: SelectorFilter['value'];
  if (token.type === 'string') value = token.text;
  else if (token.type === 'int' || token.type === 'float') value = Number(token.text);
  else if (token.type === 'ident' && (token.text === 'true' || token.text === 'false'))
    value = token.text === 'true';
  else tokens.fail(`expected a value for ${property}, found ${describe(token)}`, token.at);
  checkKnownAttribute(property, tokens, start);
  checkEnumerated(property, operator, value, tokens, token.at);
  return { property, operator, value };
}

function parsePseudoClass(tokens: Tokens): NonNullable<SpanSelectorNode['pseudoClass']> {
  const name = tokens.expect('ident', undefined, 'a pseudo-class');
  if (name.text === 'first' || name.text === 'last') return { name: name.text };
  if (name.text !== 'nth_child')
    tokens.fail(`unknown pseudo-class :${name.text} (first, last, nth_child(n))`, name.at);
  tokens.expect('char', '(', '"(" after nth_child');
  const n = tokens.expect('int', undefined, 'a position');
  tokens.expect('char', ')', '")"');
  if (Number(n.text) < 1) tokens.fail('nth_child counts from 1', n.at);
  return { name: 'nth_child', n: Number(n.text) };
}

// ── assertions and expressions ───────────────────────────────────────────────────────────────────

export type Term =
  | { kind: 'number'; text: string; at: number }
  | { kind: 'duration'; text: string; at: number }
  | { kind: 'attribute' | 'environment' | 'variable'; name: string; at: number }
  /** `value`: the text as Tracetest compares it (`\"` and `\'` become quotes, nothing else). */
  | { kind: 'string'; value: string; at: number }
  | { kind: 'array'; items: Term[]; at: number };

export interface Expression {
  terms: Term[];
  operators: string[];
  filters: { name: string; args: Term[]; at: number }[];
}

export interface AssertionAst {
  left: Expression;
  comparator: Comparator;
  right: Expression;
}

/**
 * Expression tokens, tried in the order of Tracetest's lexer rules: the first rule that matches
 * wins (so `contains` is a comparator wherever it starts, and `5ms` a duration, not `5` + `ms`).
 */
const EXPRESSION_RULES: [string, RegExp][] = [
  ['space', /\s+/y],
  ['punct', /[(),|[\]]/y],
  ['comparator', /!=|<=|>=|=|<|>|contains|not-contains/y],
  ['operator', /[+\-*/]/y],
  ['duration', /[0-9]+(\.[0-9]+)?( )?(ns|us|ms|s|m|h)/y],
  ['number', /[0-9]+(\.[0-9]+)?/y],
  ['attribute', /attr:[a-zA-Z_0-9][a-zA-Z_0-9.-]*/y],
  ['environment', /env:[a-zA-Z_0-9][a-zA-Z_0-9.]*/y],
  ['variable', /var:[a-zA-Z_0-9][a-zA-Z_0-9.]*/y],
  ['string', /"(\\"|[^"])*"/y],
  ['string', /'(\\'|[^'])*'/y],
  ['ident', /[a-zA-Z][a-zA-Z0-9_]*/y],
];

function tokenizeExpression(input: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  scan: while (at < input.length) {
    for (const [type, pattern] of EXPRESSION_RULES) {
      pattern.lastIndex = at;
      const match = pattern.exec(input);
      if (match === null) continue;
      if (type !== 'space') tokens.push({ type, text: match[0], at });
      at += match[0].length;
      continue scan;
    }
    throw new TracetestSyntaxError(input, at, `no token starts with ${JSON.stringify(input[at])}`);
  }
  tokens.push({ type: 'end', text: '', at });
  return tokens;
}

/** An assertion (`<expression> <comparator> <expression>`), as a test spec's `assertions` hold. */
export function parseAssertion(input: string): AssertionAst {
  const tokens = new Tokens(input, tokenizeExpression(input));
  const left = parseExpressionFrom(tokens);
  const comparator = tokens.expect('comparator', undefined, 'a comparator').text as Comparator;
  const right = parseExpressionFrom(tokens);
  tokens.expect('end', undefined, 'the end of the assertion');
  const assertion = { left, comparator, right };
  checkAssertion(assertion, tokens);
  return assertion;
}

/** An expression alone, as an output's `value` holds it. */
export function parseExpression(input: string): Expression {
  const tokens = new Tokens(input, tokenizeExpression(input));
  const expression = parseExpressionFrom(tokens);
  tokens.expect('end', undefined, 'the end of the expression');
  return expression;
}

function parseExpressionFrom(tokens: Tokens): Expression {
  const terms = [parseTerm(tokens)];
  const operators: string[] = [];
  while (tokens.is('operator')) {
    operators.push(tokens.next().text);
    terms.push(parseTerm(tokens));
  }
  const filters: Expression['filters'] = [];
  while (tokens.accept('punct', '|')) {
    const name = tokens.expect('ident', undefined, 'a filter name');
    const args: Term[] = [];
    while (startsTerm(tokens.peek())) args.push(parseTerm(tokens));
    const arity = FILTER_ARITY[name.text];
    if (arity === undefined)
      tokens.fail(`unknown filter ${name.text} (${Object.keys(FILTER_ARITY).join(', ')})`, name.at);
    if (args.length !== arity)
      tokens.fail(`${name.text} takes ${arity} argument(s), found ${args.length}`, name.at);
    filters.push({ name: name.text, args, at: name.at });
  }
  return { terms, operators, filters };
}

function startsTerm(token: Token): boolean {
  return (
    ['number', 'duration', 'attribute', 'environment', 'variable', 'string'].includes(token.type) ||
    (token.type === 'punct' && token.text === '[')
  );
}

function parseTerm(tokens: Tokens): Term {
  const token = tokens.peek();
  switch (token.type) {
    case 'number':
    case 'duration':
      tokens.next();
      return { kind: token.type, text: token.text, at: token.at };
    case 'attribute':
    case 'environment':
    case 'variable': {
      tokens.next();
      const name = token.text.slice(token.text.indexOf(':') + 1);
      if (token.type === 'attribute') checkKnownAttribute(name, tokens, token.at);
      return { kind: token.type, name, at: token.at };
    }
    case 'string': {
      tokens.next();
      const text = token.text.slice(1, -1);
      checkInterpolations(text, tokens, token.at);
      return { kind: 'string', value: text.replace(/\\(["'])/g, '$1'), at: token.at };
    }
    case 'punct':
      if (token.text === '[') {
        tokens.next();
        const items: Term[] = [];
        if (!tokens.is('punct', ']')) {
          items.push(parseTerm(tokens));
          while (tokens.accept('punct', ',')) items.push(parseTerm(tokens));
        }
        tokens.expect('punct', ']', '"]"');
        return { kind: 'array', items, at: token.at };
      }
  }
  return tokens.fail(`expected a value, found ${describe(token)}`);
}

/**
 * `${…}` in a string is an expression Tracetest evaluates and splices in. A `${` without a closing
 * `}` stays text.
 */
function checkInterpolations(text: string, tokens: Tokens, at: number): void {
  for (const match of text.matchAll(/\$\{([^}]+)\}/g)) {
    try {
      parseExpression(match[1]);
    } catch (e) {
      tokens.fail(`bad interpolation \${${match[1]}}: ${(e as Error).message}`, at);
    }
  }
}

// ── checks beyond syntax ─────────────────────────────────────────────────────────────────────────

function checkKnownAttribute(name: string, tokens: Tokens, at: number): void {
  if (name.startsWith('tracetest.') && !TRACETEST_ATTRIBUTES.has(name))
    tokens.fail(`Tracetest has no attribute ${name}`, at);
}

/** A value compared with an attribute Tracetest fills from a fixed list must come from it. */
function checkEnumerated(
  attribute: string,
  comparator: Comparator,
  value: string | number | boolean,
  tokens: Tokens,
  at: number,
): void {
  const allowed = ENUMERATED[attribute];
  if (allowed === undefined) return;
  const text = String(value);
  const ok =
    comparator === 'contains' || comparator === 'not-contains'
      ? allowed.some((v) => v.includes(text))
      : allowed.includes(text);
  if (!ok)
    tokens.fail(`${attribute} is one of ${allowed.join(', ')}: ${JSON.stringify(text)} is not`, at);
}

/** The one term an expression is, when it has no operators or filters. */
function single(e: Expression): Term | undefined {
  return e.terms.length === 1 && e.filters.length === 0 ? e.terms[0] : undefined;
}

/** The attribute an expression is, when it is exactly one `attr:` reference. */
function bareAttribute(e: Expression): string | undefined {
  const term = single(e);
  return term?.kind === 'attribute' ? term.name : undefined;
}

/** The text of a number or string term, as Tracetest compares it. */
function literalText(term: Term | undefined): string | undefined {
  if (term?.kind === 'number') return term.text;
  if (term?.kind === 'string') return term.value;
  return undefined;
}

function checkAssertion({ left, comparator, right }: AssertionAst, tokens: Tokens): void {
  const enumerated = (attribute: string | undefined, op: Comparator, term: Term | undefined) => {
    const text = literalText(term);
    if (attribute !== undefined && text !== undefined)
      checkEnumerated(attribute, op, text, tokens, term!.at);
  };
  if (comparator === 'contains') {
    // `[a, b] contains attr:x`: each item a value x takes; `attr:x contains "…"`: part of one.
    const list = single(left);
    if (list?.kind === 'array')
      for (const item of list.items) enumerated(bareAttribute(right), '=', item);
    enumerated(bareAttribute(left), comparator, single(right));
  } else {
    enumerated(bareAttribute(left), comparator, single(right));
    enumerated(bareAttribute(right), comparator, single(left));
  }
  // `… | type = "number"`: one of the names the filter answers.
  for (const [side, other] of [
    [left, right],
    [right, left],
  ]) {
    const text = literalText(single(other));
    const typed = side.filters[side.filters.length - 1]?.name === 'type';
    if (typed && text !== undefined && !VALUE_TYPES.includes(text))
      tokens.fail(
        `the type filter answers ${VALUE_TYPES.join(', ')}: not ${JSON.stringify(text)}`,
        single(other)!.at,
      );
  }
  if (ORDERING.has(comparator)) checkOrdering(left, right, tokens);
}

/**
 * Tracetest orders with strconv.ParseInt on both sides (durations first become nanoseconds): a
 * literal must be an integer, and a span duration needs a unit (a bare number would be read as ns).
 */
function checkOrdering(left: Expression, right: Expression, tokens: Tokens): void {
  for (const [side, other] of [
    [left, right],
    [right, left],
  ]) {
    const term = single(side);
    const text = literalText(term);
    if (text !== undefined && !/^[0-9]+$/.test(text))
      tokens.fail(
        `Tracetest orders integers only: ${JSON.stringify(text)} would fail to parse`,
        term!.at,
      );
    if (term?.kind === 'number' && bareAttribute(other) === 'tracetest.span.duration')
      tokens.fail('compare tracetest.span.duration with a duration (250ms), not a number', term.at);
  }
}

// ── test files ───────────────────────────────────────────────────────────────────────────────────

export interface TracetestFileCheck {
  selectors: number;
  assertions: number;
  outputs: number;
  /** `<where>: <why>`, empty when the file is valid. */
  problems: string[];
}

/**
 * A `type: Test` file as Tracetest's CLI reads it: the document's shape, every selector, every
 * assertion, every output (name, selector, value) and the `${…}` expressions of the trigger.
 */
export function checkTracetestFile(content: string): TracetestFileCheck {
  const result: TracetestFileCheck = { selectors: 0, assertions: 0, outputs: 0, problems: [] };
  const problem = (where: string, why: string) => result.problems.push(`${where}: ${why}`);
  const attempt = (where: string, parse: () => unknown) => {
    try {
      parse();
    } catch (e) {
      problem(where, (e as Error).message);
    }
  };
  const doc = load(content) as Record<string, any> | undefined;
  if (doc?.type !== 'Test') problem('type', `expected "Test", found ${JSON.stringify(doc?.type)}`);
  const spec = (doc?.spec ?? {}) as Record<string, any>;
  for (const field of ['id', 'name'])
    if (typeof spec[field] !== 'string' || spec[field] === '') problem(`spec.${field}`, 'missing');
  const trigger = (spec.trigger ?? {}) as Record<string, any>;
  if (!TRIGGER_TYPES.has(trigger.type as string))
    problem('spec.trigger.type', `not a trigger type: ${JSON.stringify(trigger.type)}`);
  else if (typeof trigger[trigger.type === 'http' ? 'httpRequest' : trigger.type] !== 'object')
    problem('spec.trigger', `no request for the ${trigger.type as string} trigger`);
  for (const [where, text] of stringsIn(trigger, 'spec.trigger'))
    for (const match of text.matchAll(/\$\{([^}]+)\}/g))
      attempt(where, () => parseExpression(match[1]));
  const specs: unknown[] = Array.isArray(spec.specs) ? spec.specs : [];
  if (!Array.isArray(spec.specs)) problem('spec.specs', 'missing');
  specs.forEach((entry, i) => {
    const s = (entry ?? {}) as Record<string, any>;
    const where = `spec.specs[${i}]`;
    if (typeof s.selector !== 'string') problem(`${where}.selector`, 'missing');
    else {
      result.selectors++;
      attempt(`${where}.selector`, () => parseSelector(s.selector as string));
    }
    if (!Array.isArray(s.assertions) || s.assertions.length === 0)
      problem(`${where}.assertions`, 'none');
    else
      (s.assertions as unknown[]).forEach((a, j) => {
        result.assertions++;
        if (typeof a !== 'string') problem(`${where}.assertions[${j}]`, 'not a string');
        else attempt(`${where}.assertions[${j}]`, () => parseAssertion(a));
      });
  });
  ((spec.outputs ?? []) as Record<string, any>[]).forEach((o, i) => {
    const where = `spec.outputs[${i}]`;
    result.outputs++;
    // The next test reads it as `${var:NAME}`: the name must lex as a variable.
    if (typeof o.name !== 'string' || !/^[a-zA-Z_0-9][a-zA-Z_0-9.]*$/.test(o.name))
      problem(`${where}.name`, `not a variable name: ${JSON.stringify(o.name)}`);
    if (typeof o.selector !== 'string') problem(`${where}.selector`, 'missing');
    else attempt(`${where}.selector`, () => parseSelector(o.selector as string));
    if (typeof o.value !== 'string') problem(`${where}.value`, 'missing');
    else attempt(`${where}.value`, () => parseExpression(o.value as string));
  });
  return result;
}

function stringsIn(value: unknown, where: string): [string, string][] {
  if (typeof value === 'string') return [[where, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${where}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, `${where}.${k}`));
  return [];
}
