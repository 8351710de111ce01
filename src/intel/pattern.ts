/**
 * STIX 2.1 patterning (§9): a parser for the whole grammar (observation expressions with AND, OR,
 * FOLLOWEDBY and qualifiers; comparison expressions with every operator; every literal), a checker of
 * the values ACD can act on (addresses, CIDRs, ports), and the builders of the patterns ACD emits.
 * A malformed pattern is refused with an AcdError naming the position and what was expected.
 */
import { isIP } from 'node:net';
import { AcdError } from '../shared/errors.js';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'binary'; value: string }
  | { kind: 'hex'; value: string }
  | { kind: 'timestamp'; value: string };

/** One step of an object path: a property name, a list index, or `*` (any item). */
export type PathStep = { prop: string } | { index: number | '*' };

export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
}

export type ComparisonOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type Comparison =
  | { kind: 'test'; path: ObjectPath; op: ComparisonOp; negated: boolean; value: Literal | Literal[] }
  | { kind: 'exists'; path: ObjectPath }
  | { kind: 'and' | 'or'; left: Comparison; right: Comparison };

export type Qualifier =
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number }
  | { kind: 'startstop'; start: string; stop: string };

export type Observation =
  | { kind: 'observation'; comparison: Comparison; qualifiers: Qualifier[] }
  | { kind: 'and' | 'or' | 'followedby'; left: Observation; right: Observation; qualifiers: Qualifier[] };

export class PatternError extends AcdError {
  readonly position: number;
  constructor(message: string, position: number, pattern: string) {
    super('STIX_PATTERN', `STIX pattern is malformed at position ${position}: ${message} (in ${JSON.stringify(pattern.length > 200 ? pattern.slice(0, 200) + '…' : pattern)})`, {
      details: { position },
    });
    this.position = position;
  }
}

type Tok =
  | { t: 'punct'; v: string; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'lit'; v: Literal; at: number }
  | { t: 'eof'; at: number };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'EXISTS', 'IN', 'START', 'STOP', 'SECONDS', 'WITHIN', 'REPEATS', 'TIMES']);
const TIMESTAMP = /^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const fail = (m: string, at = i): never => {
    throw new PatternError(m, at, src);
  };
  const quoted = (start: number): string => {
    // a STIX string literal: '…' with \' and \\ the only escapes
    let s = '';
    let j = start;
    for (;;) {
      if (j >= src.length) fail('unterminated string literal', start - 1);
      const c = src[j]!;
      if (c === '\\') {
        const n = src[j + 1];
        if (n !== "'" && n !== '\\') fail(`bad escape \\${n ?? ''} in a string literal (only \\' and \\\\ are allowed)`, j);
        s += n;
        j += 2;
        continue;
      }
      if (c === "'") {
        i = j + 1;
        return s;
      }
      s += c;
      j++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=' || two === '<>') {
      out.push({ t: 'punct', v: two === '<>' ? '!=' : two, at });
      i += 2;
      continue;
    }
    if ('[]().:,=<>*'.includes(c)) {
      out.push({ t: 'punct', v: c, at });
      i++;
      continue;
    }
    if (c === "'") {
      out.push({ t: 'lit', v: { kind: 'string', value: quoted(i + 1) }, at });
      continue;
    }
    if ((c === 'b' || c === 'h' || c === 't') && src[i + 1] === "'") {
      const v = quoted(i + 2);
      if (c === 'b' && !BASE64.test(v)) fail('binary literal b\'…\' is not base64', at);
      if (c === 'h' && !HEX.test(v)) fail('hex literal h\'…\' needs an even number of hex digits', at);
      if (c === 't' && (!TIMESTAMP.test(v) || Number.isNaN(Date.parse(v)))) fail(`timestamp literal t'${v}' is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS[.s]Z)`, at);
      out.push({ t: 'lit', v: { kind: c === 'b' ? 'binary' : c === 'h' ? 'hex' : 'timestamp', value: v }, at });
      continue;
    }
    const num = /^[+-]?(?:0|[1-9][0-9]*)(\.[0-9]+)?/.exec(src.slice(i));
    if (num && (c === '+' || c === '-' || (c >= '0' && c <= '9'))) {
      i += num[0].length;
      out.push({ t: 'lit', v: num[1] ? { kind: 'float', value: Number(num[0]) } : { kind: 'int', value: Number(num[0]) }, at });
      continue;
    }
    const word = /^[a-zA-Z_][a-zA-Z0-9_-]*/.exec(src.slice(i));
    if (word) {
      i += word[0].length;
      if (word[0] === 'true' || word[0] === 'false') out.push({ t: 'lit', v: { kind: 'bool', value: word[0] === 'true' }, at });
      else out.push({ t: 'word', v: word[0], at });
      continue;
    }
    fail(`unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ t: 'eof', at: src.length });
  return out;
}

class Parser {
  private p = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  private peek(): Tok {
    return this.toks[this.p]!;
  }
  private next(): Tok {
    return this.toks[this.p++]!;
  }
  private fail(m: string, tok = this.peek()): never {
    throw new PatternError(m, tok.at, this.src);
  }
  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'word' && t.v === v;
  }
  private expectPunct(v: string, what: string): void {
    if (!this.isPunct(v)) this.fail(`expected ${JSON.stringify(v)} ${what}, found ${describe(this.peek())}`);
    this.p++;
  }

  pattern(): Observation {
    const o = this.observations();
    if (this.peek().t !== 'eof') this.fail(`expected AND, OR, FOLLOWEDBY or the end of the pattern, found ${describe(this.peek())}`);
    return o;
  }

  // FOLLOWEDBY binds loosest, then OR, then AND (STIX 2.1 §9.5 precedence)
  private observations(): Observation {
    let left = this.observationOr();
    while (this.isWord('FOLLOWEDBY')) {
      this.p++;
      left = { kind: 'followedby', left, right: this.observationOr(), qualifiers: [] };
    }
    return left;
  }
  private observationOr(): Observation {
    let left = this.observationAnd();
    while (this.isWord('OR')) {
      this.p++;
      left = { kind: 'or', left, right: this.observationAnd(), qualifiers: [] };
    }
    return left;
  }
  private observationAnd(): Observation {
    let left = this.observation();
    while (this.isWord('AND')) {
      this.p++;
      left = { kind: 'and', left, right: this.observation(), qualifiers: [] };
    }
    return left;
  }
  private observation(): Observation {
    let o: Observation;
    if (this.isPunct('[')) {
      this.p++;
      const comparison = this.comparisonOr();
      this.expectPunct(']', 'to close the observation expression');
      o = { kind: 'observation', comparison, qualifiers: [] };
    } else if (this.isPunct('(')) {
      this.p++;
      o = this.observations();
      this.expectPunct(')', 'to close the parenthesised observation expressions');
    } else {
      this.fail(`expected "[" to open an observation expression, found ${describe(this.peek())}`);
    }
    const seen = new Set<string>();
    for (;;) {
      const q = this.qualifier();
      if (!q) break;
      // §9.4: an observation expression must not have more than one qualifier of a kind
      if (seen.has(q.kind)) this.fail(`more than one ${q.kind.toUpperCase()} qualifier on one observation expression`);
      seen.add(q.kind);
      o.qualifiers.push(q);
    }
    return o;
  }
  private qualifier(): Qualifier | undefined {
    if (this.isWord('WITHIN')) {
      this.p++;
      const n = this.next();
      if (n.t !== 'lit' || (n.v.kind !== 'int' && n.v.kind !== 'float') || n.v.value <= 0) this.fail('WITHIN needs a positive number of seconds', n);
      if (!this.isWord('SECONDS')) this.fail(`expected SECONDS after WITHIN ${n.v.value}`);
      this.p++;
      return { kind: 'within', seconds: n.v.value };
    }
    if (this.isWord('REPEATS')) {
      this.p++;
      const n = this.next();
      if (n.t !== 'lit' || n.v.kind !== 'int' || n.v.value <= 0) this.fail('REPEATS needs a positive integer', n);
      if (!this.isWord('TIMES')) this.fail(`expected TIMES after REPEATS ${n.v.value}`);
      this.p++;
      return { kind: 'repeats', times: n.v.value };
    }
    if (this.isWord('START')) {
      this.p++;
      const a = this.next();
      if (a.t !== 'lit' || a.v.kind !== 'timestamp') this.fail("START needs a timestamp literal t'…'", a);
      if (!this.isWord('STOP')) this.fail('expected STOP after START t\'…\'');
      this.p++;
      const b = this.next();
      if (b.t !== 'lit' || b.v.kind !== 'timestamp') this.fail("STOP needs a timestamp literal t'…'", b);
      if (Date.parse(b.v.value) <= Date.parse(a.v.value)) this.fail('STOP must be later than START', b);
      return { kind: 'startstop', start: a.v.value, stop: b.v.value };
    }
    return undefined;
  }

  private comparisonOr(): Comparison {
    let left = this.comparisonAnd();
    while (this.isWord('OR')) {
      this.p++;
      left = { kind: 'or', left, right: this.comparisonAnd() };
    }
    return left;
  }
  private comparisonAnd(): Comparison {
    let left = this.propTest();
    while (this.isWord('AND')) {
      this.p++;
      left = { kind: 'and', left, right: this.propTest() };
    }
    return left;
  }
  private propTest(): Comparison {
    if (this.isPunct('(')) {
      this.p++;
      const c = this.comparisonOr();
      this.expectPunct(')', 'to close the parenthesised comparison');
      return c;
    }
    if (this.isWord('EXISTS')) {
      this.p++;
      return { kind: 'exists', path: this.objectPath() };
    }
    const path = this.objectPath();
    let negated = false;
    if (this.isWord('NOT')) {
      negated = true;
      this.p++;
    }
    const t = this.next();
    let op: ComparisonOp;
    if (t.t === 'punct' && ['=', '!=', '<', '>', '<=', '>='].includes(t.v)) op = t.v as ComparisonOp;
    else if (t.t === 'word' && ['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(t.v)) op = t.v as ComparisonOp;
    else this.fail(`expected a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after ${pathText(path)}, found ${describe(t)}`, t);
    if (op === 'IN') {
      this.expectPunct('(', 'to open the set after IN');
      const values: Literal[] = [this.literal()];
      while (this.isPunct(',')) {
        this.p++;
        values.push(this.literal());
      }
      this.expectPunct(')', 'to close the set after IN');
      return { kind: 'test', path, op, negated, value: values };
    }
    const at = this.peek();
    const value = this.literal();
    if (['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(op) && value.kind !== 'string') this.fail(`${op} needs a string literal`, at);
    if (['<', '>', '<=', '>='].includes(op) && (value.kind === 'bool' || value.kind === 'binary')) this.fail(`${op} needs an orderable literal (number, string, timestamp, hex)`, at);
    if (op === 'MATCHES') {
      try {
        new RegExp(value.value as string); // PCRE in STIX; without the u flag JS accepts its identity escapes such as \@
      } catch (e) {
        this.fail(`MATCHES needs a valid regular expression: ${(e as Error).message}`, at);
      }
    }
    return { kind: 'test', path, op, negated, value };
  }
  private literal(): Literal {
    const t = this.next();
    if (t.t !== 'lit') this.fail(`expected a literal value, found ${describe(t)}`, t);
    return t.v;
  }
  private objectPath(): ObjectPath {
    const ty = this.next();
    if (ty.t !== 'word' || KEYWORDS.has(ty.v)) this.fail(`expected an object type (e.g. ipv4-addr), found ${describe(ty)}`, ty);
    if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(ty.v) || ty.v.includes('--')) this.fail(`object type ${JSON.stringify(ty.v)} must be lower-case letters, digits and single hyphens`, ty);
    this.expectPunct(':', `after the object type ${ty.v}`);
    const steps: PathStep[] = [{ prop: this.propName() }];
    for (;;) {
      if (this.isPunct('.')) {
        this.p++;
        steps.push({ prop: this.propName() });
      } else if (this.isPunct('[')) {
        this.p++;
        const t = this.next();
        if (t.t === 'punct' && t.v === '*') steps.push({ index: '*' });
        else if (t.t === 'lit' && t.v.kind === 'int') steps.push({ index: t.v.value });
        else this.fail('a list index must be an integer or *', t);
        this.expectPunct(']', 'to close the list index');
      } else break;
    }
    return { objectType: ty.v, steps };
  }
  private propName(): string {
    const t = this.next();
    if (t.t === 'lit' && t.v.kind === 'string') return t.v.value;
    if (t.t === 'word' && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(t.v)) return t.v;
    return this.fail(`expected a property name, found ${describe(t)}`, t);
  }
}

function describe(t: Tok): string {
  if (t.t === 'eof') return 'the end of the pattern';
  if (t.t === 'lit') return `the ${t.v.kind} literal ${JSON.stringify(t.v.value)}`;
  return JSON.stringify(t.v);
}

export function pathText(p: ObjectPath): string {
  let s = `${p.objectType}:`;
  p.steps.forEach((st, i) => {
    if ('prop' in st) {
      const name = /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(st.prop) ? st.prop : quote(st.prop);
      s += i === 0 ? name : `.${name}`;
    } else s += `[${st.index}]`;
  });
  return s;
}

/** Parses a STIX 2.1 pattern; throws PatternError (code STIX_PATTERN) naming the position. */
export function parsePattern(pattern: string): Observation {
  if (typeof pattern !== 'string' || pattern.trim() === '') throw new PatternError('the pattern is empty', 0, String(pattern));
  if (pattern.length > 65536) throw new PatternError('the pattern is longer than 65536 characters', 65536, pattern.slice(0, 100));
  return new Parser(lex(pattern), pattern).pattern();
}

/** Every property test of a pattern, in order. */
export function comparisons(o: Observation): Array<Extract<Comparison, { kind: 'test' }>> {
  const out: Array<Extract<Comparison, { kind: 'test' }>> = [];
  const walkC = (c: Comparison): void => {
    if (c.kind === 'test') out.push(c);
    else if (c.kind === 'and' || c.kind === 'or') {
      walkC(c.left);
      walkC(c.right);
    }
  };
  const walkO = (x: Observation): void => {
    if (x.kind === 'observation') walkC(x.comparison);
    else {
      walkO(x.left);
      walkO(x.right);
    }
  };
  walkO(o);
  return out;
}

const PORT_PROPS = new Set(['src_port', 'dst_port']);

/**
 * A port literal as a number, or undefined: an integer 0–65535, or the same digits quoted, which
 * misp-stix writes (`[network-traffic:dst_port = '4444']`) and the OASIS pattern validator accepts.
 */
export function portOf(v: Literal): number | undefined {
  const n = v.kind === 'int' ? v.value : v.kind === 'string' && /^(0|[1-9][0-9]{0,4})$/.test(v.value) ? Number(v.value) : undefined;
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
}

/**
 * Parses and checks the values ACD acts on: an address compared with = or IN must be an address or
 * CIDR of its family; ports must be integers 0–65535 (or their digits quoted). Returns the parsed pattern.
 */
export function validatePattern(pattern: string): Observation {
  const ast = parsePattern(pattern);
  for (const c of comparisons(ast)) {
    const last = c.path.steps[c.path.steps.length - 1];
    const prop = last && 'prop' in last ? last.prop : '';
    const values = Array.isArray(c.value) ? c.value : [c.value];
    const addrType = c.path.objectType === 'ipv4-addr' || c.path.objectType === 'ipv6-addr' ? c.path.objectType : undefined;
    if (prop === 'value' && addrType && c.path.steps.length === 1 && (c.op === '=' || c.op === '!=' || c.op === 'IN')) {
      const fam = addrType === 'ipv4-addr' ? 4 : 6;
      for (const v of values) {
        if (v.kind !== 'string' || !isAddressOrCidr(v.value, fam)) {
          throw new AcdError('STIX_PATTERN', `STIX pattern compares ${pathText(c.path)} with ${JSON.stringify(v.value)}, which is not an IPv${fam} address or CIDR`);
        }
      }
    }
    if (c.path.objectType === 'network-traffic' && PORT_PROPS.has(prop) && c.path.steps.length === 1) {
      for (const v of values) {
        if (portOf(v) === undefined) {
          throw new AcdError('STIX_PATTERN', `STIX pattern compares ${pathText(c.path)} with ${JSON.stringify(v.value)}, which is not a port (an integer 0–65535, or its digits quoted)`);
        }
      }
    }
  }
  return ast;
}

export function isAddressOrCidr(s: string, family: 4 | 6): boolean {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  if (isIP(addr) !== family) return false;
  if (slash < 0) return true;
  const bits = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** A STIX string literal: quotes with \' and \\ escaped. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The pattern ACD emits for an address, optionally with the service port and protocol it was seen on. */
export function addressPattern(address: string, opts: { port?: number; protocol?: string } = {}): string {
  const fam = isIP(address.split('/')[0] ?? '');
  if (fam === 0) throw new AcdError('STIX_PATTERN', `cannot build a pattern for ${JSON.stringify(address)}: not an IP address`);
  const type = fam === 4 ? 'ipv4-addr' : 'ipv6-addr';
  if (!opts.port) return `[${type}:value = ${quote(address)}]`;
  const parts = [`network-traffic:dst_ref.type = '${type}'`, `network-traffic:dst_ref.value = ${quote(address)}`, `network-traffic:dst_port = ${opts.port}`];
  if (opts.protocol) parts.push(`network-traffic:protocols[*] = ${quote(opts.protocol)}`);
  return `[${parts.join(' AND ')}]`;
}

/** An address, CIDR or service an imported indicator names, which selection may adopt as a criterion. */
export interface AddressTerm {
  address: string;
  port: number | null;
}

/**
 * The addresses a pattern asserts (compared with = or IN, not negated), with the destination port when
 * the same observation names exactly one. Patterns of other kinds give none: they stay intelligence
 * only and never become selection criteria.
 */
export function addressTerms(pattern: string): AddressTerm[] {
  const ast = validatePattern(pattern);
  const out: AddressTerm[] = [];
  const obs: Observation[] = [];
  const collect = (o: Observation): void => {
    if (o.kind === 'observation') obs.push(o);
    else {
      collect(o.left);
      collect(o.right);
    }
  };
  collect(ast);
  for (const o of obs) {
    const tests = comparisons(o);
    const ports = tests.filter((c) => c.path.objectType === 'network-traffic' && c.op === '=' && !c.negated && pathText(c.path) === 'network-traffic:dst_port');
    const port = ports.length === 1 && !Array.isArray(ports[0]!.value) ? (portOf(ports[0]!.value) ?? null) : null;
    for (const c of tests) {
      if (c.negated || (c.op !== '=' && c.op !== 'IN')) continue;
      const t = pathText(c.path);
      const isAddr = t === 'ipv4-addr:value' || t === 'ipv6-addr:value' || t === 'network-traffic:dst_ref.value' || t === 'network-traffic:src_ref.value';
      if (!isAddr) continue;
      for (const v of Array.isArray(c.value) ? c.value : [c.value]) {
        if (v.kind !== 'string' || (!isAddressOrCidr(v.value, 4) && !isAddressOrCidr(v.value, 6))) continue;
        out.push({ address: v.value, port: t.startsWith('network-traffic:dst') ? port : null });
      }
    }
  }
  return out;
}
