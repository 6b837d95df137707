import { convertError } from '../database/convert-error.js';
import { detachReturned } from './detach.js';

/**
 * Runs one repository call and lets only OverlayDbError out: anything thrown below (a driver
 * error, a MikroORM exception) is converted, with the original kept as `cause`. Entities in the
 * result are detached from the EntityManager that loaded them ({@link detachReturned}).
 *
 * @example
 * return guard('Listing workflows', () => em.find(Workflow, where));
 */
export async function guard<T>(context: string, work: () => Promise<T>): Promise<T> {
  try {
    return detachReturned(await work());
  } catch (error) {
    throw convertError(error, context);
  }
}
