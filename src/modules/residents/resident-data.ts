import type { Types } from 'mongoose';
import type { AppContext } from '../../context';

/**
 * Other modules hold a resident's data too (registrations, attempts, referrals…). Each registers a section so
 * "export my data" and "erase me" cover everything without this module knowing the others.
 */
export interface ResidentDataSection {
  name: string;
  export(ctx: AppContext, residentId: Types.ObjectId): Promise<unknown>;
  /** Remove or anonymise personal fields; keep what anonymous statistics need. */
  erase(ctx: AppContext, residentId: Types.ObjectId): Promise<void>;
}

const sections = new Map<string, ResidentDataSection>();

export function registerResidentData(section: ResidentDataSection): void {
  sections.set(section.name, section);
}

export function residentDataSections(): ResidentDataSection[] {
  return [...sections.values()];
}
