/**
 * Digest authentication and the ACLs of the nodes the sidecar creates (`registry.auth`,
 * `registry.acl`; docs/security.md, "ZooKeeper ACLs").
 *
 * ZooKeeper's digest scheme: the client sends `user:password` once per connection; the server
 * names it `digest:user:base64(sha1("user:password"))`, and an ACL entry with that id grants
 * its permissions to whoever authenticated with the same pair. A wrong password is not refused
 * at login (it is just another identity); it shows as NoAuth on a node created with the right
 * one, so `digestMismatch` looks for that case by name and reports it plainly.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** ZooKeeper's permission bits (ZooDefs.Perms). */
export const PERMISSIONS = { read: 1, write: 2, create: 4, delete: 8, admin: 16 } as const;
export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = 31;

export interface DigestAuthConfig {
  readonly scheme: 'digest';
  readonly username: string;
  /** File holding the password (trailing newline ignored); read at start, never logged. */
  readonly passwordFile: string;
}

export interface AclConfig {
  /** What everyone (`world:anyone`) may do on the registrations (provider and consumer nodes). */
  readonly world: readonly Permission[];
  /** What everyone may do on the folders (service, category, root) the sidecar creates. */
  readonly worldOnParents: readonly Permission[];
}

export const ACL_DEFAULTS: AclConfig = { world: ['read'], worldOnParents: ['read', 'create'] };

/** One ACL entry, independent of the client library. */
export interface AclEntry {
  readonly permissions: number;
  readonly scheme: string;
  readonly id: string;
}

/** What the session sends and what the nodes it creates carry. */
export interface ZkCredentials {
  readonly scheme: 'digest';
  readonly username: string;
  /** `user:password`, the bytes of ZooKeeper's auth packet. */
  readonly auth: Buffer;
  /** `user:base64(sha1(user:password))`, the id ACL entries name. */
  readonly digestId: string;
  readonly nodeAcl: readonly AclEntry[];
  readonly parentAcl: readonly AclEntry[];
}

export function permissionBits(permissions: readonly Permission[]): number {
  return permissions.reduce((bits, name) => bits | PERMISSIONS[name], 0);
}

/** `cdrwa`-style letters, as zkCli prints them (logs and error messages). */
export function permissionLetters(bits: number): string {
  return (['create', 'delete', 'read', 'write', 'admin'] as const).map((name) => (bits & PERMISSIONS[name] ? name[0] : '')).join('') || 'none';
}

export function digestId(username: string, password: string): string {
  return `${username}:${createHash('sha1').update(`${username}:${password}`).digest('base64')}`;
}

function aclFor(digest: string, world: readonly Permission[]): AclEntry[] {
  // The digest identity always has every right: the sidecar must re-create and remove its nodes.
  const entries: AclEntry[] = [{ permissions: ALL_PERMISSIONS, scheme: 'digest', id: digest }];
  const bits = permissionBits(world);
  if (bits !== 0) entries.push({ permissions: bits, scheme: 'world', id: 'anyone' });
  return entries;
}

/** Reads the password file and builds the credentials; a clear error names the file when it cannot be read. */
export function loadCredentials(auth: DigestAuthConfig, acl: AclConfig): ZkCredentials {
  let password: string;
  try {
    password = readFileSync(auth.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(`registry.auth.passwordFile: cannot read ${auth.passwordFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (password === '') throw new Error(`registry.auth.passwordFile: ${auth.passwordFile} is empty`);
  const digest = digestId(auth.username, password);
  return {
    scheme: 'digest',
    username: auth.username,
    auth: Buffer.from(`${auth.username}:${password}`, 'utf8'),
    digestId: digest,
    nodeAcl: aclFor(digest, acl.world),
    parentAcl: aclFor(digest, acl.worldOnParents),
  };
}

/**
 * When `acl` grants our user name under another digest, the node was made with another
 * password: the one in passwordFile is wrong (or was changed without re-creating the nodes).
 * ZooKeeper (3.6+) shows a digest in full only to a client with ADMIN on the node and `user:x`
 * to others: a masked id under our name means the same, as our own identity has ADMIN there.
 */
export function digestMismatch(credentials: ZkCredentials, acl: readonly AclEntry[]): boolean {
  return acl.some((entry) => entry.scheme === 'digest' && entry.id.startsWith(`${credentials.username}:`) && entry.id !== credentials.digestId);
}
