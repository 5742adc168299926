/** Input checks at the registry's edge: a bad publication is refused, never half-written. */
import { MeshError } from '../core/index.js';
import type { Publication, ServiceQuery } from './registry.js';

const NAME = /^[A-Za-z0-9_$.\-]+$/;
const TOKEN = /^[^\s&=?#/%]*$/;

function bad(message: string): MeshError {
  return new MeshError('PMESH_BAD_REQUEST', `registry: ${message}`);
}

export function checkQuery(query: ServiceQuery): void {
  if (!NAME.test(query.service)) {
    throw bad(`service ${JSON.stringify(query.service.slice(0, 200))} is not an interface name (letters, digits and _ $ . - only)`);
  }
  for (const [field, value] of [['version', query.version], ['group', query.group], ['protocol', query.protocol]] as const) {
    if (value !== undefined && !TOKEN.test(value)) throw bad(`${field} ${JSON.stringify(value.slice(0, 200))} has a forbidden character (no spaces or & = ? # / %)`);
  }
}

export function checkPublication(p: Publication): void {
  checkQuery(p);
  if (!/^[a-z][a-z0-9+.-]*$/.test(p.protocol)) throw bad(`protocol ${JSON.stringify(p.protocol)} is not a URL scheme`);
  if (!p.host || /[\s/?#@]/.test(p.host)) throw bad(`host ${JSON.stringify(p.host)} is not a host`);
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw bad(`port ${p.port} is out of range`);
  for (const method of p.methods ?? []) if (!/^[A-Za-z_$][\w$]*$/.test(method)) throw bad(`method ${JSON.stringify(method)} is not a name`);
  if (p.weight !== undefined && (!Number.isInteger(p.weight) || p.weight < 0)) throw bad(`weight ${p.weight} is not a non-negative integer`);
  for (const key of Object.keys(p.parameters ?? {})) if (!/^[\w.\-]+$/.test(key)) throw bad(`parameter name ${JSON.stringify(key)}`);
}
