/**
 * Where the frameworks keep providers in ZooKeeper (docs/protocols.md):
 *
 *   Dubbo     /dubbo/<URL.encode(interface)>/providers/<URL.encode(provider URL)>   (consumers/ likewise)
 *   SOFARPC   /sofa-rpc/<interface>/providers/<URL.encode(provider URL)>           (consumers/ likewise)
 *
 * Nodes under providers/ and consumers/ are ephemeral and carry no data we need; the parents
 * are persistent. URL.encode on both sides is java.net.URLEncoder with UTF-8 (form encoding:
 * letters, digits and `.-*_` stay, space becomes `+`, every other byte `%XX`).
 */

export type Layout = 'dubbo' | 'sofa-rpc';
export type Category = 'providers' | 'consumers';

export interface Roots {
  readonly dubbo: string;
  readonly 'sofa-rpc': string;
}

export const DEFAULT_ROOTS: Roots = { dubbo: '/dubbo', 'sofa-rpc': '/sofa-rpc' };

/** java.net.URLEncoder.encode(text, "UTF-8"). */
export function javaUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** java.net.URLDecoder.decode(text, "UTF-8"); undefined for malformed escapes. */
export function javaUrlDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** SOFARPC serves Bolt; everything else (dubbo, tri, ...) lives in Dubbo's tree. */
export function layoutOf(protocol: string): Layout {
  return protocol === 'bolt' ? 'sofa-rpc' : 'dubbo';
}

/** The layouts a subscription must watch: both when it names no protocol. */
export function layoutsFor(protocol: string | undefined): Layout[] {
  return protocol === undefined ? ['dubbo', 'sofa-rpc'] : [layoutOf(protocol)];
}

/** `/dubbo/<interface>/providers` or `/sofa-rpc/<interface>/consumers`... */
export function categoryPath(roots: Roots, layout: Layout, service: string, category: Category): string {
  // Dubbo URL-encodes the interface segment; SOFARPC writes the interface id as is.
  const segment = layout === 'dubbo' ? javaUrlEncode(service) : service;
  return `${roots[layout].replace(/\/+$/, '')}/${segment}/${category}`;
}

/** Which layout a watched path belongs to, from its root. */
export function layoutOfPath(roots: Roots, path: string): Layout {
  return path.startsWith(`${roots['sofa-rpc'].replace(/\/+$/, '')}/`) ? 'sofa-rpc' : 'dubbo';
}
