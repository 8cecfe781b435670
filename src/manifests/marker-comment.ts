import { isAlias, isCollection, isScalar, type ParsedNode } from 'yaml';

/** `# kpush:image <repository>` or `# kpush:tag <repository>` right after a value, on its line. */
const MARKER = /[ \t]*#[ \t]*kpush:(image|tag)[ \t]+([^\s#]+)/y;

export interface Marker {
  kind: 'image' | 'tag';
  /** The repository as written in the comment. */
  name: string;
}

/**
 * The marker comment that follows a scalar, alias or flow collection on its line, if any (a
 * marker on a flow collection is an explicit request kpush must decline by name).
 */
export function markerAfter(text: string, node: ParsedNode): Marker | null {
  // A block scalar or collection ends at a line start, where the next line's comment is not its own.
  const endsOnItsLine = isScalar(node)
    ? node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED'
    : isAlias(node) || (isCollection(node) && node.flow === true);
  if (!endsOnItsLine) return null;
  MARKER.lastIndex = node.range[1];
  const match = MARKER.exec(text);
  return match ? { kind: match[1] as Marker['kind'], name: match[2] ?? '' } : null;
}
