import { defineEntity, type OptionalProps, p, type Ref } from '@mikro-orm/core';
import { Company } from './company.js';
import { schemaFor } from './schema-for.js';
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
 * One recorded action of a workflow, ordered by `stepNumber` (table `steps`).
 *
 * @example
 * const steps = await t.steps.listByWorkflow(workflowId); // Step[], by stepNumber
 */
export interface Step {
  /** Auto-increment id, never reused. */
  id: number;
  /** The owning company (`company_id`, deleted with it). */
  company: Ref<Company>;
  /** The workflow it belongs to (`workflow_id`, deleted with it). */
  workflow: Ref<Workflow>;
  /** The screenshot taken at this step (`screenshot_id`), of the same company; null once it is deleted. */
  screenshot: Ref<Screenshot> | null | undefined;
  /** The user who last edited the label or instruction (`edited_by`); null once that user is deleted. */
  editedBy: Ref<User> | null | undefined;
  /** Position in the workflow, from 1; unique within the workflow. */
  stepNumber: number;
  /** ISO-8601 time from the recording, as the recorder sent it. */
  timestamp: string | null | undefined;
  /** What the user did: {@link ActionType}. */
  actionType: ActionType;
  /** How the recorder found the element. */
  selectors: StepSelectors;
  /** What the element was. */
  elementMeta: StepElementMeta;
  /** Where the page was. */
  pageContext: StepPageContext;
  /** What the action carried. */
  actionData: StepActionData | null | undefined;
  /** Surrounding DOM captured at record time. */
  domContext: StepDomContext | null | undefined;
  /** AI-generated label of the field. */
  fieldLabel: string | null | undefined;
  /** AI-generated instruction for a person replaying the step. */
  instruction: string | null | undefined;
  /** Confidence of the AI label and instruction, 0..1. */
  aiConfidence: number | null | undefined;
  /** The model that generated them. */
  aiModel: string | null | undefined;
  /** When they were generated. */
  aiGeneratedAt: Date | null | undefined;
  /** Whether a person edited the label (false by default); edited labels are not regenerated. */
  labelEdited: boolean;
  /** Whether a person edited the instruction (false by default). */
  instructionEdited: boolean;
  /** When a person last edited them. */
  editedAt: Date | null | undefined;
  /** Selectors before and after the last auto-heal. */
  healedSelectors: StepHealedSelectors | null | undefined;
  /** When the step was last healed. */
  healedAt: Date | null | undefined;
  /** Confidence of the last heal, 0..1. */
  healingConfidence: number | null | undefined;
  /** How the last heal was found: {@link HealingMethod}. */
  healingMethod: HealingMethod | null | undefined;
  /** When the row was inserted. */
  createdAt: Date;
  [OptionalProps]?: 'id' | 'labelEdited' | 'instructionEdited' | 'createdAt';
}

/**
 * The schema of {@link Step}, for `em.find(Step, …)` and a host's `entities`.
 *
 * @example
 * const steps = await em.find(Step, { workflow: workflowId }, { orderBy: { stepNumber: 'asc' } });
 */
export const Step = schemaFor<Step>()(
  defineEntity({
    name: 'Step',
    tableName: 'steps',
    properties: {
      id: p.integer().primary().autoincrement(),
      company: p.manyToOne(Company).ref().deleteRule('cascade').updateRule('cascade').index('steps_company_id_index'),
      workflow: p.manyToOne(Workflow).ref().deleteRule('cascade').updateRule('cascade'),
      screenshot: p
        .manyToOne(Screenshot)
        .ref()
        .nullable()
        .deleteRule('set null')
        .updateRule('cascade')
        .index('steps_screenshot_id_index'),
      editedBy: p
        .manyToOne(User)
        .ref()
        .fieldName('edited_by')
        .nullable()
        .deleteRule('set null')
        .updateRule('cascade')
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
  }),
);
