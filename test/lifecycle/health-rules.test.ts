// Pure decision table of the health rules: no database, so this suite runs once. The database
// behaviour of the same rules is covered per dialect in record-run.test.ts.
import { describe, expect, it } from 'vitest';
import {
  brokenAfterFailuresOf,
  DEFAULT_BROKEN_AFTER_FAILURES,
  decideRunEffects,
} from '../../src/lifecycle/health-rules.js';

describe('decideRunEffects', () => {
  const active = { status: 'active' as const, consecutiveFailures: 0 };

  it.each([
    // [from, streak, run, confidence, status after, notification, healStep]
    ['active', 0, 'success', null, 'active', null, false],
    ['active', 1, 'failed', null, 'active', null, false],
    ['active', 2, 'failed', null, 'broken', 'workflow_broken', false],
    ['broken', 5, 'failed', null, 'broken', null, false],
    ['broken', 5, 'success', null, 'active', 'workflow_healed', false],
    ['needs_review', 0, 'success', null, 'active', 'workflow_healed', false],
    ['active', 0, 'healed_ai', 0.8, 'active', null, true],
    ['active', 0, 'healed_deterministic', 0.99, 'active', null, true],
    ['active', 0, 'healed_ai', null, 'active', null, true],
    ['broken', 3, 'healed_ai', 0.85, 'active', 'workflow_healed', true],
    ['active', 0, 'healed_ai', 0.79999, 'needs_review', 'low_confidence', false],
    ['active', 0, 'healed_ai', 0.6, 'needs_review', 'low_confidence', false],
    ['needs_review', 0, 'healed_ai', 0.7, 'needs_review', null, false],
    ['broken', 3, 'healed_ai', 0.7, 'needs_review', 'low_confidence', false],
    ['active', 0, 'healed_ai', 0.59999, 'broken', 'workflow_broken', false],
    ['broken', 0, 'healed_deterministic', 0.1, 'broken', null, false],
    ['archived', 9, 'failed', null, 'archived', null, false],
    ['archived', 9, 'success', null, 'archived', null, false],
    ['archived', 0, 'healed_ai', 0.3, 'archived', null, false],
    ['archived', 0, 'healed_ai', 0.9, 'archived', null, true],
    ['draft', 2, 'failed', null, 'broken', 'workflow_broken', false],
    ['processing', 2, 'failed', null, 'broken', 'workflow_broken', false],
    ['processing', 0, 'success', null, 'processing', null, false],
    // A failed run's confidence is the failed attempt's: it neither heals nor breaks by itself.
    ['active', 0, 'failed', 0.95, 'active', null, false],
    ['active', 0, 'failed', 0.1, 'active', null, false],
  ] as const)('%s (streak %i) + %s @ %s → %s, %s', (from, streak, run, confidence, status, type, healStep) => {
    const effects = decideRunEffects(
      { status: from, consecutiveFailures: streak },
      { status: run, healingConfidence: confidence },
      DEFAULT_BROKEN_AFTER_FAILURES,
    );
    expect(effects.status).toBe(status);
    expect(effects.notification?.type ?? null).toBe(type);
    expect(effects.healStep).toBe(healStep);
  });

  it('gives each notification type its severity', () => {
    const broken = decideRunEffects({ ...active, consecutiveFailures: 2 }, { status: 'failed' }, 3).notification;
    expect(broken).toEqual({ type: 'workflow_broken', severity: 'error', reason: 'failure_streak' });
    const review = decideRunEffects(active, { status: 'healed_ai', healingConfidence: 0.7 }, 3).notification;
    expect(review).toEqual({ type: 'low_confidence', severity: 'warning', reason: 'low_confidence_heal' });
    const healed = decideRunEffects(
      { status: 'broken', consecutiveFailures: 3 },
      { status: 'success' },
      3,
    ).notification;
    expect(healed).toEqual({ type: 'workflow_healed', severity: 'info', reason: 'recovered' });
  });

  it('reads brokenAfterFailures from the company settings, defaulting to 3', () => {
    expect(brokenAfterFailuresOf({ brokenAfterFailures: 7 })).toBe(7);
    for (const bad of [
      {},
      null,
      'x',
      { brokenAfterFailures: 0 },
      { brokenAfterFailures: 1.5 },
      { brokenAfterFailures: '5' },
    ]) {
      expect(brokenAfterFailuresOf(bad)).toBe(3);
    }
  });
});
