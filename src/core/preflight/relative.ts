// src/core/preflight/relative.ts
// Conflicts that need no list price: caps that let any SKU be paid nothing, or less than the near-zero share.

import { BASIS_POINTS, formatBp } from '../money';
import type { Campaign, Policy } from '../policy';
import { isActive } from '../totals';
import { CodeStacker, type ExactLowest, SCALE, type StackableCode } from './lowest';
import type { PreflightFinding, SkuPreflight } from './types';

const BP = BigInt(BASIS_POINTS);
/** The list price the search is run at: 10,000, so its prices read in basis points of list. */
const LIST = BASIS_POINTS;

/**
 * The codes usable at `at` whose share of an order no currency bounds: a percentage without any `max`. Their
 * minimum spends are left out: an order can always be filled up to them, and a percentage takes the same share.
 */
function uncappedCodes(policy: Policy, at: number): StackableCode[] {
  const codes: StackableCode[] = [];
  for (const [code, terms] of Object.entries(policy.vouchers)) {
    const discount = terms.discount;
    if (!isActive(terms, at) || discount === undefined || !('percentBp' in discount)) continue;
    if (discount.max !== undefined) continue;
    codes.push({
      code,
      minSubtotal: 0,
      discount: { percentBp: discount.percentBp, max: undefined },
      withCampaigns: terms.withCampaigns !== false,
      stackable: terms.stackable ?? true,
      paymentMethods: terms.paymentMethods,
      customerIds: terms.customerIds,
    });
  }
  return codes;
}

/** The deepest line cap a campaign lets its lines go to, and the field that sets it. */
function campaignDepth(policy: Policy, campaign: Campaign): { bp: number; field: string } {
  if (campaign.lineDiscountCapBp !== undefined) {
    return { bp: campaign.lineDiscountCapBp, field: `campaign ${campaign.id}'s lineDiscountCapBp` };
  }
  // Without a cap of its own, a line goes as deep as the everyday caps of its SKU or category allow.
  const caps = policy.discountCaps;
  let deepest = { bp: caps.lineBp, field: 'discountCaps.lineBp' };
  for (const sku of campaign.skus ?? []) {
    const bp = caps.skus[sku];
    if (bp !== undefined && bp > deepest.bp) deepest = { bp, field: `discountCaps.skus.${sku}` };
  }
  for (const category of campaign.categories ?? []) {
    const bp = caps.categories[category];
    if (bp !== undefined && bp > deepest.bp) deepest = { bp, field: `discountCaps.categories.${category}` };
  }
  return deepest;
}

/** The share of list left, in basis points rounded down. */
const shareBp = (lowest: ExactLowest) => Number(lowest.num / (lowest.den * SCALE));

/**
 * Errors that hold whatever a SKU's list price: a campaign whose cap (its own `lineDiscountCapBp`, or the everyday
 * SKU or category cap it falls back on), with the percentage codes no `max` bounds stacked on it, lets a line be
 * paid 0 (`free`) or under `nearZeroTotal.fractionBp` of its list price (`near_zero`); or such codes alone do. A
 * conflict a priced row already reports (a row of that campaign, or a row at its list price, with `free` or
 * `near_zero`) is not reported again.
 */
export function relativeFindings(
  policy: Policy,
  at: number,
  rows: readonly SkuPreflight[],
): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const stacker = new CodeStacker(uncappedCodes(policy, at));
  const { fractionBp } = policy.nearZeroTotal;
  const reported = (matches: (row: SkuPreflight) => boolean) =>
    rows.some((row) => matches(row) && (row.findings.includes('free') || row.findings.includes('near_zero')));
  /** The error for a lowest price reached by `how`, or nothing when it is above the near-zero share. */
  const judge = (
    lowest: ExactLowest,
    subject: Pick<PreflightFinding, 'campaign' | 'voucher'>,
    how: string,
    fix: string,
  ) => {
    if (lowest.num === 0n) {
      findings.push({
        severity: 'error',
        code: 'free',
        ...subject,
        message: `${how} takes 100% off: any SKU it reaches can be had for nothing, whatever its list price. ${fix}`,
        observed: 0,
        limit: fractionBp,
        unit: 'bp',
      });
    } else if (lowest.num * BP < BigInt(LIST) * BigInt(fractionBp) * lowest.den * SCALE) {
      findings.push({
        severity: 'error',
        code: 'near_zero',
        ...subject,
        message: `${how} leaves ${formatBp(shareBp(lowest))} of the list price, under ${formatBp(fractionBp)} (nearZeroTotal.fractionBp): any SKU it reaches is near zero, whatever its list price. ${fix}`,
        observed: shareBp(lowest),
        limit: fractionBp,
        unit: 'bp',
      });
    }
  };
  const withCodes = (codes: readonly string[]) =>
    codes.length === 0 ? '' : ` with ${codes.join(' + ')} (a percentage without max)`;

  for (const campaign of policy.campaigns) {
    if (!isActive(campaign, at) || !(campaign.skus || campaign.categories)) continue;
    if (reported((row) => row.campaign === campaign.id)) continue;
    const depth = campaignDepth(policy, campaign);
    const lowest = stacker.lowest(LIST, depth.bp);
    // A price reached at the list price is the codes' alone: judged below, once for every campaign.
    if (lowest.campaignDiscountBp === 0) continue;
    judge(
      lowest,
      { campaign: campaign.id },
      `Campaign ${campaign.id} at ${formatBp(depth.bp)} off (${depth.field})${withCodes(lowest.codes)}`,
      lowest.codes.length === 0
        ? `Lower ${depth.field}.`
        : `Lower ${depth.field}, give the codes a max, or keep them off campaign prices (withCampaigns: false).`,
    );
  }
  const alone = stacker.lowest(LIST, 0);
  if (alone.codes.length > 0 && !reported((row) => row.combination.campaign === null)) {
    judge(
      alone,
      { voucher: alone.codes.join(' + ') },
      `Voucher ${alone.codes.join(' + ')} (a percentage without max${alone.codes.length > 1 ? ', stacked' : ''})`,
      alone.codes.length === 1
        ? 'Give it a max in each currency, or a smaller percentBp.'
        : 'Give the codes a max, smaller percentages, or keep them apart (stackable).',
    );
  }
  return findings;
}
