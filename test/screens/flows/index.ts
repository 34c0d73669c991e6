import type { ScreenView } from '../../../screens/view.ts';

/**
 * Views for each flow's screens (screens/flows/), one file per flow beside this one, gathered
 * here for the render test: every flow screen id needs at least one case.
 */
export const flowCases: Array<[string, ScreenView]> = [];
