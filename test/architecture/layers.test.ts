import { createRequire } from 'node:module';
import { cruise, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

// The rule file states the layers; this test holds src/ to it.
const rules = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(): Promise<string[]> {
  const result: IReporterOutput = await cruise(['src'], {
    ...rules.options,
    validate: true,
    ruleSet: { forbidden: rules.forbidden },
  } as Parameters<typeof cruise>[1]);
  if (typeof result.output === 'string') throw new Error(`dependency-cruiser returned text: ${result.output.slice(0, 200)}`);
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
}

describe('the layers of src/', () => {
  it('no module imports a layer above its own, the package entry, a circle or a Node built-in outside the Node host and the CLI', async () => {
    expect(await violations()).toEqual([]);
  });
});
