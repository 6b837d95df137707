import { convertError } from '../database/convert-error.js';

/**
 * Runs one repository call and lets only OverlayDbError out: anything thrown below (a driver
 * error, a MikroORM exception) is converted, with the original kept as `cause`.
 *
 * @example
 * return guard('Listing workflows', async () => mapRows(refs, Workflow, await query(ctx.em, sql, params)));
 */
export async function guard<T>(context: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw convertError(error, context);
  }
}
