import type { FlowName } from '../../machines/flows.ts';
import type { Builder } from '../parts.ts';
import { strings, type Text } from '../strings.ts';

/**
 * Each flow's screens (issue 5): its menu label, and a builder per screen id its machine names in
 * `meta`. A flow's strings live in its own file beside its builders; `flowStrings` gathers them so
 * the width and language tests see every word on screen. Report printing's screens predate this
 * and live with the core screens.
 */
export const flowLabels: Record<FlowName, Text> = {
  reports: strings.menu.reports,
};

export const flowStrings: Record<string, Record<string, Text>> = {};

export const flowBuilders: Partial<Record<string, Builder>> = {};
