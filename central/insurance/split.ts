import type { ChargeLevel } from './port.ts';

/**
 * The simulated platform's reimbursement policy, in integer fen so fund + account + cash is the
 * total exactly. Deliberately simple and written down, so a test can work out every figure:
 *
 * - The charge level comes from the national catalogue code's first character: a service (a
 *   digit, except 9) is 甲类, fully in scope; a drug or material (X 西药, Z 中成药, C 耗材) is
 *   乙类, of which the patient pays 10 % first; anything else (9…, the hospital's own
 *   items) is 丙类, not covered.
 * - The fund pays its ratio of the in-scope amount, rounded half up, capped by what it may
 *   still pay this year; no deductible for outpatients.
 * - The personal account, if the patient allows it, pays what the fund does not, up to its balance.
 * - The patient pays the rest in cash.
 */

export function chargeLevel(listCode: string): ChargeLevel {
  if (/^[0-8]/.test(listCode)) return '01';
  if (/^[XZC]/.test(listCode)) return '02';
  return '03';
}

/** 乙类 items: the share the patient pays before the fund, in basis points. */
export const preSelfPayBp = 1000;

function share(amountFen: number, bp: number): number {
  return Math.floor((amountFen * bp + 5_000) / 10_000);
}

export interface LineShares {
  ownPayFen: number;
  preSelfPayFen: number;
  inScopeFen: number;
}

export function lineShares(amountFen: number, level: ChargeLevel): LineShares {
  if (level === '03') return { ownPayFen: amountFen, preSelfPayFen: 0, inScopeFen: 0 };
  const preSelfPayFen = level === '02' ? share(amountFen, preSelfPayBp) : 0;
  return { ownPayFen: 0, preSelfPayFen, inScopeFen: amountFen - preSelfPayFen };
}

export interface SplitInput {
  lines: { amountFen: number; ownPayFen: number; preSelfPayFen: number; inScopeFen: number }[];
  ratioBp: number;
  fundRemainingFen: number;
  acctBalanceFen: number;
  useAccount: boolean;
}

export interface SplitFigures extends LineShares {
  totalFen: number;
  fundFen: number;
  acctFen: number;
  cashFen: number;
}

export function splitFigures(input: SplitInput): SplitFigures {
  const sum = (pick: (l: SplitInput['lines'][number]) => number) => input.lines.reduce((s, l) => s + pick(l), 0);
  const totalFen = sum((l) => l.amountFen);
  const inScopeFen = sum((l) => l.inScopeFen);
  const fundFen = Math.min(share(inScopeFen, input.ratioBp), input.fundRemainingFen);
  const acctFen = input.useAccount ? Math.min(input.acctBalanceFen, totalFen - fundFen) : 0;
  return { totalFen, ownPayFen: sum((l) => l.ownPayFen), preSelfPayFen: sum((l) => l.preSelfPayFen), inScopeFen, fundFen, acctFen, cashFen: totalFen - fundFen - acctFen };
}
