// Quickstart: migrate an embedded SQLite file, create a company and its admin, store a workflow
// with its steps through the company's tenant scope, and print what was stored.
//   npm run quickstart                        (SQLite file ./quickstart.db)
//   DATABASE_URL=postgresql://… npm run quickstart
import { createAdmin, createCompany, openDatabase } from '@overlay/db';

const db = await openDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:///./quickstart.db', migrate: true });
try {
  console.log(`database: ${db.dialect}, schema at ${await db.migrator.current()}`);

  // Sign-up in one transaction: a taken email leaves no company behind.
  const { company, admin } = await db.transaction(async (tx) => {
    const company = await createCompany(tx, { name: 'Acme Corp' });
    const admin = await createAdmin(tx, {
      companyId: company.id,
      // A fresh address per run, so the quickstart can be run again on the same file.
      email: `admin+${Date.now()}@acme.test`,
      password: 'correct-horse-42',
      name: 'Ada Admin',
    });
    return { company, admin };
  });
  console.log(`company #${company.id} "${company.name}", admin #${admin.id} <${admin.email}> (${admin.role})`);

  const acme = db.forCompany(company.id);
  const workflow = await acme.workflows.create({
    name: 'Submit an expense report',
    startingUrl: 'https://expenses.example.test/new',
    tags: ['finance'],
    createdBy: admin.id,
    steps: [
      {
        stepNumber: 1,
        actionType: 'input_commit',
        selectors: { primary: '#amount', css: 'input#amount' },
        elementMeta: { tag_name: 'input', type: 'number', name: 'amount' },
        pageContext: { url: 'https://expenses.example.test/new', title: 'New expense' },
        actionData: { input_value: '42.00' },
      },
      {
        stepNumber: 2,
        actionType: 'click',
        selectors: { primary: 'button[type=submit]' },
        elementMeta: { tag_name: 'button', role: 'button' },
        pageContext: { url: 'https://expenses.example.test/new', title: 'New expense' },
      },
    ],
  });

  const stored = await acme.workflows.getWithSteps(workflow.id);
  if (!stored) throw new Error('the workflow just created was not found');
  console.log(`workflow #${stored.id} "${stored.name}" [${stored.status}] with ${stored.steps.length} steps:`);
  for (const step of stored.steps) {
    console.log(`  ${step.stepNumber}. ${step.actionType} ${step.selectors.primary}`);
  }
} finally {
  await db.close();
}
