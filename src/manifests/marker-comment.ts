import { isAlias, isScalar, type ParsedNode } from 'yaml';

/** `# kpush:image <repository>` or `# kpush:tag <repository>` right after a value, on its line. */
const MARKER = /[ \t]*#[ \t]*kpush:(image|tag)[ \t]+([^\s#]+)/y;

export interface Marker {
  kind: 'image' | 'tag';
  /** The repository as written in the comment. */
  name: string;
}

/** The marker comment that follows a scalar (or alias) value on its line, if any. */
export function markerAfter(text: string, node: ParsedNode): Marker | null {
  // A block scalar ends at a line start, where the next line's comment is not its own.
  if (isScalar(node) ? node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' : !isAlias(node))
    return null;
  MARKER.lastIndex = node.range[1];
  const match = MARKER.exec(text);
  return match ? { kind: match[1] as Marker['kind'], name: match[2] ?? '' } : null;
}
