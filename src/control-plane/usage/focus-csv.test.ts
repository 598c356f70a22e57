import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../test/helpers/csv.js';
import type { UsageExportRow } from '../../storage/ports/ledger-store.js';
import { csvText, FOCUS_COLUMNS, FOCUS_HEADER, focusRecord, renderFocusCsv } from './focus-csv.js';

const row = (over: Partial<UsageExportRow> = {}): UsageExportRow => ({
  hour: Date.UTC(2026, 11, 31, 23),
  team: 'payments',
  user: 'alice',
  keyId: 'key_1',
  agent: 'bot',
  workflow: null,
  run: 'run-1',
  repo: 'web',
  model: 'gpt-x',
  provider: 'openai',
  priceVersion: 'pb-7',
  requests: 3,
  errors: 1,
  inputTokens: 1_200_000,
  cachedInputTokens: 200_000,
  cacheWriteInputTokens: 0,
  outputTokens: 300_001,
  costMicros: 1_234_567,
  savingsMicros: 5,
  cacheHits: 1,
  ...over,
});

async function text(rows: UsageExportRow[], perChunk?: number): Promise<string[]> {
  async function* source() {
    yield* rows;
  }
  const out: string[] = [];
  for await (const chunk of renderFocusCsv(source(), perChunk)) out.push(chunk);
  return out;
}

describe('FOCUS CSV', () => {
  it('has the FOCUS 1.2 columns a FinOps tool needs, and x_ columns for Gantry attribution', () => {
    for (const c of ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'ListUnitPrice', 'PricingQuantity', 'PricingUnit', 'ConsumedQuantity',
      'ConsumedUnit', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart',
      'BillingPeriodEnd', 'BillingCurrency', 'ServiceCategory', 'ServiceName', 'ProviderName', 'PublisherName', 'InvoiceIssuerName', 'SkuId', 'SkuMeter',
      'SkuPriceId', 'RegionId', 'ResourceId', 'ResourceName', 'ResourceType', 'Tags', 'x_Team', 'x_User', 'x_ApiKey', 'x_Agent', 'x_Workflow', 'x_Run',
      'x_Repo', 'x_PriceVersion', 'x_InputTokens', 'x_OutputTokens']) {
      expect(FOCUS_COLUMNS).toContain(c);
    }
  });

  it('writes exact costs, tokens as the consumed quantity, the hour and its billing month', () => {
    const r = focusRecord(row());
    expect(r).toMatchObject({
      BilledCost: '1.234567',
      EffectiveCost: '1.234567',
      ListCost: '1.234567',
      ConsumedQuantity: '1500001',
      ConsumedUnit: 'Tokens',
      PricingQuantity: '1.500001',
      PricingUnit: '1M Tokens',
      // 1,234,567 micros / 1,500,001 tokens = $0.823044… per 1M tokens
      ListUnitPrice: '0.823044',
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargeFrequency: 'Usage-Based',
      ChargePeriodStart: '2026-12-31T23:00:00.000Z',
      ChargePeriodEnd: '2027-01-01T00:00:00.000Z',
      BillingPeriodStart: '2026-12-01T00:00:00.000Z',
      BillingPeriodEnd: '2027-01-01T00:00:00.000Z',
      BillingCurrency: 'USD',
      ServiceCategory: 'AI and Machine Learning',
      ProviderName: 'openai',
      SkuId: 'openai/gpt-x',
      SkuPriceId: 'pb-7/openai/gpt-x',
      x_Workflow: '',
      x_PriceVersion: 'pb-7',
      x_SavingsCost: '0.000005',
    });
    expect(JSON.parse(r.Tags)).toEqual({ 'gantry/team': 'payments', 'gantry/user': 'alice', 'gantry/agent': 'bot', 'gantry/run': 'run-1', 'gantry/repo': 'web' });
    expect(focusRecord(row({ inputTokens: 0, outputTokens: 0, costMicros: 0 }))).toMatchObject({ ListUnitPrice: '', PricingQuantity: '0' });
  });

  it('quotes commas and quotes, and keeps client-chosen names from running as spreadsheet formulas', async () => {
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvText('-1+2')).toBe("'-1+2");
    const [chunk] = await text([row({ run: '=1+1', workflow: 'a,"b"' })]);
    const [header, line] = parseCsv(chunk as string);
    expect(header?.join(',')).toBe(FOCUS_HEADER);
    expect(line?.[FOCUS_COLUMNS.indexOf('x_Run')]).toBe("'=1+1");
    expect(line?.[FOCUS_COLUMNS.indexOf('x_Workflow')]).toBe('a,"b"');
    expect(line).toHaveLength(FOCUS_COLUMNS.length);
  });

  it('streams in chunks, header first, and writes a header alone for an empty range', async () => {
    const chunks = await text(Array.from({ length: 5 }, (_, i) => row({ run: `r${i}` })), 2);
    expect(chunks).toHaveLength(3);
    expect(parseCsv(chunks.join(''))).toHaveLength(6);
    expect(await text([])).toEqual([`${FOCUS_HEADER}\r\n`]);
  });
});
