import { inspect } from 'node:util';
import { type EntityMetadata, Reference } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, Workflow } from '../../src/index.js';
import { mappedColumns, mapRows } from '../../src/tenant/map-rows.js';
import { ReferenceSource } from '../../src/tenant/reference-source.js';
import { openTestDatabase } from '../support/open-test-database.js';

// mapRows makes entities with generated code (one class per entity); a row that lacks a column
// takes the generic path. Both must give the same entities: own enumerable properties in property
// order, the entity's own prototype, and a missing column left unset rather than set to undefined.
describe('mapRows', () => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase('sqlite', { migrate: false }));
  });
  afterAll(async () => dispose());

  const row = {
    id: 7,
    company_id: 3,
    created_by: null,
    name: 'Mapped',
    description: null,
    starting_url: 'https://app.example',
    tags: '["a"]',
    status: 'active',
    success_rate: 0.5,
    total_uses: 2,
    consecutive_failures: 0,
    created_at: '2026-01-01T10:00:00.000Z',
    updated_at: '2026-01-01T10:00:00.000Z',
    last_successful_run: null,
    last_failed_run: null,
  };

  it('maps every column the same way whether the row has all of them or not', () => {
    const meta = db.orm.getMetadata().get(Workflow) as EntityMetadata;
    expect(Object.keys(row).sort()).toEqual([...mappedColumns(meta)].sort());
    const refs = new ReferenceSource(db.orm.em as SqlEntityManager, 3);
    const { description: _, ...partial } = row;
    const [full, lacking] = mapRows(refs, Workflow, [row, partial]);
    for (const entity of [full, lacking]) {
      expect(Object.getPrototypeOf(entity)).toBe(meta.prototype);
      expect(entity.tags).toEqual(['a']);
      expect(entity.createdAt).toEqual(new Date('2026-01-01T10:00:00.000Z'));
      expect(entity.company.id).toBe(3);
      expect(entity.createdBy).toBeNull();
    }
    expect(Object.keys(full)).toEqual(meta.props.filter((p) => Object.hasOwn(full, p.name)).map((p) => p.name));
    expect(Object.hasOwn(full, 'description')).toBe(true);
    expect(full.description).toBeNull();
    expect(Object.hasOwn(lacking, 'description')).toBe(false);
    expect(Object.keys(lacking)).toEqual(Object.keys(full).filter((key) => key !== 'description'));
  });

  it("parses JSON as MikroORM's JsonType does (text that is no JSON stays text) and shares one reference per row id", () => {
    const refs = new ReferenceSource(db.orm.em as SqlEntityManager, 3);
    const [parsed, text, none] = mapRows(refs, Workflow, [
      row,
      { ...row, id: 8, tags: 'not json' },
      { ...row, id: 9, tags: null },
    ]);
    const jsonType = db.orm.getMetadata().get(Workflow).properties.tags.customType!;
    for (const [entity, raw] of [
      [parsed, row.tags],
      [text, 'not json'],
    ] as const) {
      expect(entity.tags).toEqual(jsonType.convertToJSValue(raw, db.orm.em.getPlatform()));
    }
    expect(text.tags as unknown).toBe('not json');
    expect(none.tags).toBeNull();
    expect(parsed.company).toBe(text.company);
    expect(mapRows(new ReferenceSource(db.orm.em as SqlEntityManager, 3), Workflow, [row])[0].company).not.toBe(
      parsed.company,
    );
  });

  it('maps a one-row result as it maps a page (keys, order, JSON, inspect), its references made by the source when read', () => {
    const em = db.orm.em as SqlEntityManager;
    const withCreator = { ...row, created_by: 11 };
    const refs = new ReferenceSource(em, 3);
    const [single] = mapRows(refs, Workflow, [withCreator]);
    const [paged] = mapRows(new ReferenceSource(em, 3), Workflow, [withCreator, { ...withCreator, id: 8 }]);
    expect(Object.getPrototypeOf(single)).toBe(Object.getPrototypeOf(paged));
    expect(Object.keys(single)).toEqual(Object.keys(paged));
    expect(JSON.stringify(single)).toBe(JSON.stringify(paged));
    expect(inspect(single)).toBe(inspect(paged));
    expect(Reference.isReference(single.company)).toBe(true);
    const companyMeta = db.orm.getMetadata().get(Workflow).properties.company.targetMeta as EntityMetadata;
    expect(single.company).toBe(refs.reference(companyMeta, 3));
    expect(single.company).toBe(single.company);
    expect(single.createdBy?.id).toBe(11);
    expect(mapRows(refs, Workflow, [{ ...row, created_by: null }])[0].createdBy).toBeNull();
    // Assigning replaces the reference, as it does on a page's entity.
    single.createdBy = null;
    paged.createdBy = null;
    expect(single.createdBy).toBeNull();
    expect(Object.keys(single)).toEqual(Object.keys(paged));
    expect(JSON.stringify(single)).toBe(JSON.stringify(paged));
  });
});
