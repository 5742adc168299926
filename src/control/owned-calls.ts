/**
 * The app registry as one API sees it: the same publications, with each refusal of a
 * state-changing call for want of the owner's lease token (PMESH_NOT_OWNER) counted for
 * that API (pmesh_control_refusals_total{reason="not_owner"}) and logged. The ownership
 * itself is decided in app-publications.ts, once for every API.
 */
import { MeshError, type ControlApi, type CountRefusal, type Logger } from '../core/index.js';
import type { AppRegistry } from '../registry/index.js';

export function countingOwnership(apps: AppRegistry, api: ControlApi, countRefusal: CountRefusal, log: Logger): AppRegistry {
  const counted = <T>(what: string, service: string, call: Promise<T>): Promise<T> =>
    call.catch((error: unknown) => {
      if (MeshError.is(error) && error.reason === 'PMESH_NOT_OWNER') {
        countRefusal(api, 'not_owner');
        log.warn({ api, service, call: what }, 'refused: the caller does not hold the publication\'s lease token');
      }
      throw error;
    });
  return {
    publish: (publication, owner) => counted('publish', publication.service, apps.publish(publication, owner)),
    unpublish: (query, owner) => counted('unpublish', query.service, apps.unpublish(query, owner)),
    lookup: (query) => apps.lookup(query),
    watch: (query, listener) => apps.watch(query, listener),
  };
}
