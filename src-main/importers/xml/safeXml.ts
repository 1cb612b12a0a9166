import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ImportProblem } from '../problems';

/**
 * XML read from files we did not write (solutions exported from customer organizations, mail
 * attachments, downloads). Safe by construction rather than by parser defaults:
 * - the size is checked on the bytes, before any decoding or parsing;
 * - a DOCTYPE is refused outright, so there is nothing to declare an entity with (billion laughs,
 *   external entities and external DTDs all need one);
 * - the parser expands no entity at all; the five predefined ones and character references are
 *   decoded here, after parsing, one pass, so nothing can expand into more markup;
 * - nesting is bounded, and a malformed file is reported with its line.
 */
export interface XmlLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
}

/** Solution files are a few MB at most; a customizations.xml of a large org is ~10 MB. */
export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 20 * 1024 * 1024, maxDepth: 64 };

export interface XmlElement {
  readonly name: string;
  /** Attribute names as written; look them up with attr(), which ignores case. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Text content directly inside the element (CDATA included), trimmed. */
  readonly text: string;
  readonly line: number;
}

export type XmlResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly error: ImportProblem };

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY_REF = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g;

function lineAt(starts: readonly number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The first reference to an entity that is neither predefined nor a valid character reference. */
function badEntity(text: string): { index: number; ref: string } | null {
  ENTITY_REF.lastIndex = 0;
  for (let m = ENTITY_REF.exec(text); m; m = ENTITY_REF.exec(text)) {
    const body = m[1];
    if (body[0] === '#') {
      const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!(code > 0 && code <= 0x10ffff)) return { index: m.index, ref: m[0] };
    } else if (!(body in PREDEFINED)) return { index: m.index, ref: m[0] };
  }
  return null;
}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY_REF, (whole, body: string) => {
    if (body[0] === '#') return String.fromCodePoint(body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10));
    return PREDEFINED[body] ?? whole;
  });
}

/**
 * Tag nesting with the line where it first goes past the limit. Runs on text the validator has
 * accepted, so a scanner of tags, comments, CDATA and processing instructions is enough.
 */
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<(\/?)[^\s/>!?]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/g;
function tooDeep(text: string, maxDepth: number): number | null {
  let depth = 0;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(text); m; m = MARKUP.exec(text)) {
    const t = m[0];
    if (t.startsWith('<!') || t.startsWith('<?')) continue;
    if (m[1] === '/') depth--;
    else if (m[2] !== '/') {
      depth++;
      if (depth > maxDepth) return m.index;
    }
  }
  return null;
}

type Ordered = Record<string, unknown>;

const PARSER_OPTIONS = {
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
} as const;

/** Decodes bytes as UTF-8 (UTF-16 when the file says so with its byte-order mark) and drops the BOM. */
export function decodeXmlBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses one XML document; any refusal names the file and, where known, the line. */
export function parseXml(input: Uint8Array | string, file: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlResult {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > limits.maxBytes) return fail(file, `file is ${size} bytes; the limit is ${limits.maxBytes} bytes`);
  let text = typeof input === 'string' ? input : decodeXmlBytes(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const starts = lineStarts(text);
  const doctype = /<!DOCTYPE|<!ENTITY/i.exec(text);
  if (doctype) {
    return fail(file, 'document type declarations (DOCTYPE/ENTITY) are not accepted: solution files never carry one, and they are how entity-expansion and external-entity attacks are made', lineAt(starts, doctype.index));
  }
  if (!text.trim()) return fail(file, 'the file is empty');
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) return fail(file, `not well-formed XML: ${valid.err.msg}`, valid.err.line);
  const deep = tooDeep(text, limits.maxDepth);
  if (deep !== null) return fail(file, `elements are nested more than ${limits.maxDepth} deep`, lineAt(starts, deep));
  const entity = badEntity(text);
  if (entity) return fail(file, `undefined entity ${entity.ref}`, lineAt(starts, entity.index));
  let parsed: Ordered[];
  try {
    parsed = new XMLParser({ ...PARSER_OPTIONS, maxNestedTags: limits.maxDepth + 1 }).parse(text) as Ordered[];
  } catch (e) {
    return fail(file, `cannot be read: ${(e as Error).message}`);
  }
  const meta = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const convert = (node: Ordered): XmlElement | null => {
    const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
    if (!name) return null;
    const raw = (node[':@'] ?? {}) as Record<string, string>;
    const attrs = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(raw)) attrs[k] = decodeEntities(String(v));
    const children: XmlElement[] = [];
    let textContent = '';
    for (const child of node[name] as Ordered[]) {
      if ('#text' in child) textContent += String(child['#text']);
      else {
        const c = convert(child);
        if (c) children.push(c);
      }
    }
    const index = (node as unknown as Record<symbol, { startIndex?: number } | undefined>)[meta]?.startIndex ?? 0;
    return { name, attrs, children, text: decodeEntities(textContent).trim(), line: lineAt(starts, index) };
  };
  const roots = parsed.map(convert).filter((e): e is XmlElement => e !== null);
  if (roots.length !== 1) return fail(file, `expected one root element, found ${roots.length}`);
  return { ok: true, root: roots[0] };
}

function fail(file: string, message: string, line?: number): XmlResult {
  return { ok: false, error: line ? { file, line, message } : { file, message } };
}

// ---- reading helpers (names compared without case: files in the wild vary) ----------------------

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function attr(e: XmlElement, ...names: string[]): string | undefined {
  // Spelled as asked first (the common case, and hot on roles of a thousand privileges), then without case.
  for (const n of names) {
    const v = e.attrs[n];
    if (v !== undefined) return v;
  }
  for (const n of names) for (const k in e.attrs) if (same(k, n)) return e.attrs[k];
  return undefined;
}

export const childrenNamed = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => same(c.name, name));
export const child = (e: XmlElement, name: string): XmlElement | undefined => e.children.find((c) => same(c.name, name));
export const isNamed = (e: XmlElement, name: string): boolean => same(e.name, name);

/** An attribute, or else a child element's text: some exports write <IsInherited>1</IsInherited>. */
export function attrOrChild(e: XmlElement, ...names: string[]): string | undefined {
  const a = attr(e, ...names);
  if (a !== undefined) return a;
  for (const n of names) {
    const c = child(e, n);
    if (c) return c.text;
  }
  return undefined;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
