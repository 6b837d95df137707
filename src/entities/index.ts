import { Company } from './company.js';
import { HealthLog } from './health-log.js';
import { Notification } from './notification.js';
import { Screenshot } from './screenshot.js';
import { Step } from './step.js';
import { User } from './user.js';
import { Workflow } from './workflow.js';

/**
 * The seven entity schemas, in dependency order; register them in a host's own MikroORM config.
 *
 * @example
 * await MikroORM.init({ entities: [...entities, ...yours], clientUrl });
 */
export const entities = [Company, User, Workflow, Screenshot, Step, HealthLog, Notification] as const;

export { Company, HealthLog, Notification, Screenshot, Step, User, Workflow };
