import { describe, expect, it } from 'vitest';
import { postgresqlDialect } from '../../src/dialects/postgresql/postgresql-dialect.js';
import { sqliteDialect } from '../../src/dialects/sqlite/sqlite-dialect.js';
import { buildWorkflowListQuery, type ParsedWorkflowListOptions } from '../../src/tenant/workflow-list-query.js';

// The list's statement text is made once per shape (dialect and which filters are given): every
// shape must get its own text, with one placeholder per parameter.
describe('the workflow list statement', () => {
  const shapes: ParsedWorkflowListOptions[] = [];
  for (let bits = 0; bits < 16; bits++) {
    shapes.push({
      status: bits & 1 ? 'active' : null,
      createdBy: bits & 2 ? 4 : null,
      tag: bits & 4 ? 'x' : null,
      after: bits & 8 ? { at: '2026-01-01T00:00:00.000Z', id: 9 } : null,
      limit: 50,
    });
  }

  it('has one text per dialect and filter combination, each with a placeholder per parameter', () => {
    const texts = new Set<string>();
    for (const dialect of [sqliteDialect, postgresqlDialect]) {
      for (const shape of shapes) {
        const first = buildWorkflowListQuery(dialect, 3, shape);
        const again = buildWorkflowListQuery(dialect, 7, { ...shape, limit: 10 });
        expect(again.sql).toBe(first.sql);
        expect(first.sql.split('?').length - 1).toBe(first.params.length);
        expect(first.sql.includes('"w"."status" = ?')).toBe(shape.status !== null);
        expect(first.sql.includes('"w"."created_by" = ?')).toBe(shape.createdBy !== null);
        expect(first.params).toContain(3);
        expect(again.params).toContain(7);
        texts.add(first.sql);
      }
    }
    expect(texts.size).toBe(32);
  });
});
