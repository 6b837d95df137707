// Pure functions: no database is involved, so this suite runs once, not once per dialect.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../../src/index.js';
import { decideRunEffects } from '../../src/lifecycle/health-rules.js';
import {
  assertStatusTransition,
  canTransitionStatus,
  WORKFLOW_STATUS_TRANSITIONS,
} from '../../src/lifecycle/status-transitions.js';

describe('workflow status transitions', () => {
  it('is the documented table', () => {
    expect(WORKFLOW_STATUS_TRANSITIONS).toEqual({
      draft: ['processing', 'active', 'needs_review', 'broken', 'archived'],
      processing: ['draft', 'needs_review', 'broken', 'archived'],
      active: ['draft', 'needs_review', 'broken', 'archived'],
      needs_review: ['active', 'draft', 'broken', 'archived'],
      broken: ['active', 'draft', 'needs_review', 'archived'],
      archived: ['draft'],
    });
    expect(Object.isFrozen(WORKFLOW_STATUS_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(WORKFLOW_STATUS_TRANSITIONS.draft)).toBe(true);
  });

  it('allows exactly the table (and staying put), and throws INVALID_INPUT on status otherwise', () => {
    for (const from of WORKFLOW_STATUSES) {
      for (const to of WORKFLOW_STATUSES) {
        const allowed = from === to || (WORKFLOW_STATUS_TRANSITIONS[from] as readonly string[]).includes(to);
        expect(canTransitionStatus(from, to)).toBe(allowed);
        if (allowed) expect(() => assertStatusTransition(from, to)).not.toThrow();
        else
          expect(() => assertStatusTransition(from, to)).toThrow(
            expect.objectContaining({ code: 'INVALID_INPUT', field: 'status' }),
          );
      }
    }
  });

  it('archived is terminal except back to draft; processing never jumps to active', () => {
    expect(() => assertStatusTransition('archived', 'active')).toThrow(/archived workflow cannot become active/);
    expect(() => assertStatusTransition('processing', 'active')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    assertStatusTransition('archived', 'draft');
  });

  it('refuses unknown statuses', () => {
    expect(canTransitionStatus('deleted' as WorkflowStatus, 'draft')).toBe(false);
    expect(() => assertStatusTransition('draft', 'deleted' as WorkflowStatus)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'status' }),
    );
  });

  it('every status change a run can cause is in the table, and raises exactly one notification', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WORKFLOW_STATUSES),
        fc.nat({ max: 10 }),
        fc.constantFrom('success', 'healed_deterministic', 'healed_ai', 'failed' as const),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.integer({ min: 1, max: 6 }),
        (status, streak, runStatus, confidence, limit) => {
          const effects = decideRunEffects(
            { status, consecutiveFailures: streak },
            { status: runStatus, healingConfidence: confidence },
            limit,
          );
          expect(canTransitionStatus(status, effects.status)).toBe(true);
          expect(effects.notification !== null).toBe(effects.status !== status);
          if (status === 'archived') expect(effects.status).toBe('archived');
          expect(effects.ok).toBe(runStatus !== 'failed');
          expect(effects.consecutiveFailures).toBe(runStatus === 'failed' ? streak + 1 : 0);
        },
      ),
    );
  });
});
