/**
 * A strict little XML reader for the tests: elements, attributes, text, comments and an XML
 * declaration, nothing else (no DTD, no CDATA). It throws on anything not well-formed (an
 * unclosed or mismatched tag, an unquoted or repeated attribute, a raw `<` or a bare `&` in text
 * or in a value, content after the root), which is what the SVG tests need to know.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = '[A-Za-z_][\\w:.-]*';
const TOKEN = new RegExp(
  `(<\\?xml[^?]*\\?>)|(<!--[\\s\\S]*?-->)|<\\/(${NAME})\\s*>|<(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(\\/?)>|([^<]+)`,
  'y',
);
const ATTR = new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, 'g');
const BARE_AMP = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`not well-formed at offset ${at}: ${JSON.stringify(text.slice(at, at + 40))}`);
    const [, decl, comment, close, open, attrText, selfClose, chars] = m;
    if (decl !== undefined) {
      if (at !== 0) throw new Error('XML declaration not at the start');
    } else if (comment !== undefined) {
      continue;
    } else if (close !== undefined) {
      const top = stack.pop();
      if (!top || top.name !== close) throw new Error(`</${close}> at offset ${at} closes ${top ? `<${top.name}>` : 'nothing'}`);
    } else if (open !== undefined) {
      if (root && stack.length === 0) throw new Error(`a second root element <${open}> at offset ${at}`);
      const el: XmlElement = { name: open, attrs: {}, children: [] };
      for (const [, k, v] of attrText.matchAll(ATTR)) {
        if (k in el.attrs) throw new Error(`attribute ${k} repeated on <${open}>`);
        if (BARE_AMP.test(v)) throw new Error(`bare & in attribute ${k} of <${open}>`);
        el.attrs[k] = decode(v);
      }
      if (stack.length > 0) stack[stack.length - 1].children.push(el);
      else root = el;
      if (selfClose !== '/') stack.push(el);
    } else {
      if (BARE_AMP.test(chars)) throw new Error(`bare & in text at offset ${at}`);
      if (stack.length === 0) {
        if (chars.trim() !== '') throw new Error(`text outside the root element at offset ${at}`);
      } else {
        stack[stack.length - 1].children.push(decode(chars));
      }
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element named `name`, depth first. */
export function elements(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(el);
  return out;
}

export function textContent(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textContent(c))).join('');
}

function decode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}
