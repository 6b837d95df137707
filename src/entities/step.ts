import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
import { Screenshot } from './screenshot.js';
import { createdAt, optionalTimestamp } from './timestamps.js';
import { User } from './user.js';
import { Workflow } from './workflow.js';

/**
 * Actions the recorder captures.
 *
 * @example
 * const steps = recorded.filter((s) => ACTION_TYPES.includes(s.actionType));
 */
export const ACTION_TYPES = ['click', 'input_commit', 'select_change', 'submit', 'navigate'] as const;
/**
 * One of {@link ACTION_TYPES}.
 *
 * @example
 * const action: ActionType = 'input_commit';
 */
export type ActionType = (typeof ACTION_TYPES)[number];

/**
 * How a selector was healed.
 *
 * @example
 * await t.steps.update(stepId, { healingMethod: HEALING_METHODS[0] });
 */
export const HEALING_METHODS = ['deterministic', 'ai_assisted'] as const;
/**
 * One of {@link HEALING_METHODS}.
 *
 * @example
 * const method: HealingMethod = 'ai_assisted';
 */
export type HealingMethod = (typeof HEALING_METHODS)[number];

/**
 * How the recorder found the element (`Step.selectors`). Keys are snake_case as the recorder sends
 * them; other keys are kept as given.
 *
 * @example
 * const selectors: StepSelectors = { primary: '#email', css: 'form input[name="email"]', data_testid: 'login-email' };
 */
export interface StepSelectors {
  primary?: string | null;
  css?: string | null;
  xpath?: string | null;
  data_testid?: string | null;
  stable_attrs?: Record<string, unknown> | null;
  [key: string]: unknown;
}
/**
 * What the element was (`Step.elementMeta`); other keys are kept as given.
 *
 * @example
 * const elementMeta: StepElementMeta = { tag_name: 'input', type: 'email', name: 'email', role: 'textbox' };
 */
export interface StepElementMeta {
  tag_name?: string | null;
  role?: string | null;
  type?: string | null;
  name?: string | null;
  [key: string]: unknown;
}
/**
 * Where the page was when the step was recorded (`Step.pageContext`); other keys are kept as given.
 *
 * @example
 * const pageContext: StepPageContext = { url: 'https://app.example/login', title: 'Sign in', viewport: { width: 1280, height: 800 } };
 */
export interface StepPageContext {
  url?: string | null;
  title?: string | null;
  viewport?: { width?: number; height?: number; [key: string]: unknown } | null;
  page_state_hash?: string | null;
  [key: string]: unknown;
}
/**
 * What the action carried (`Step.actionData`): the typed value, or where a click landed.
 *
 * @example
 * const actionData: StepActionData = { input_value: 'ada@acme.test' };
 */
export interface StepActionData {
  input_value?: string | null;
  click_coordinates?: { x?: number; y?: number; [key: string]: unknown } | null;
  [key: string]: unknown;
}
/**
 * Surrounding DOM captured at record time (`Step.domContext`), for re-finding the element later.
 *
 * @example
 * const domContext: StepDomContext = { element_html: '<input name="email">', parent_html: '<form id="login">…</form>' };
 */
export interface StepDomContext {
  element_html?: string | null;
  parent_html?: string | null;
  [key: string]: unknown;
}
/**
 * Selectors before and after an auto-heal (`Step.healedSelectors`).
 *
 * @example
 * await t.steps.update(stepId, { healedSelectors: { previous_primary: '#email', healed_primary: 'input[name="email"]' }, healingConfidence: 0.9 });
 */
export interface StepHealedSelectors {
  previous_primary?: string | null;
  healed_primary?: string | null;
  [key: string]: unknown;
}

/**
 * One recorded action of a workflow, ordered by `stepNumber`.
 *
 * @example
 * const steps = await t.steps.listByWorkflow(workflowId); // Step[], by stepNumber
 */
export const Step = defineEntity({
  name: 'Step',
  tableName: 'steps',
  properties: {
    id: p.integer().primary().autoincrement(),
    company: p.manyToOne(Company).ref().deleteRule('cascade').index('steps_company_id_index'),
    workflow: p.manyToOne(Workflow).ref().deleteRule('cascade'),
    screenshot: p.manyToOne(Screenshot).ref().nullable().deleteRule('set null').index('steps_screenshot_id_index'),
    editedBy: p
      .manyToOne(User)
      .ref()
      .fieldName('edited_by')
      .nullable()
      .deleteRule('set null')
      .index('steps_edited_by_index'),
    stepNumber: p.integer(),
    timestamp: p.text().nullable(),
    actionType: p.text().$type<ActionType>(),
    selectors: p.json<StepSelectors>(),
    elementMeta: p.json<StepElementMeta>(),
    pageContext: p.json<StepPageContext>(),
    actionData: p.json<StepActionData>().nullable(),
    domContext: p.json<StepDomContext>().nullable(),
    fieldLabel: p.text().nullable(),
    instruction: p.text().nullable(),
    aiConfidence: p.double().$type<number>().nullable(),
    aiModel: p.text().nullable(),
    aiGeneratedAt: optionalTimestamp(),
    labelEdited: p.boolean().default(false),
    instructionEdited: p.boolean().default(false),
    editedAt: optionalTimestamp(),
    healedSelectors: p.json<StepHealedSelectors>().nullable(),
    healedAt: optionalTimestamp(),
    healingConfidence: p.double().$type<number>().nullable(),
    healingMethod: p.text().$type<HealingMethod>().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'steps_workflow_id_step_number_unique', properties: ['workflow', 'stepNumber'] }],
});
export type Step = InferEntity<typeof Step>;
