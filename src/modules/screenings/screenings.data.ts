import type { Types } from 'mongoose';
import type { AppContext } from '../../context';
import { screeningCaseStatus, screeningProgramme } from '../../dictionaries';
import type { ResidentDataSection } from '../module';
import { codeBooks } from './screenings.codes';
import { resultDetailView } from './screenings.cases';
import { ScreeningCases, ScreeningConsents, ScreeningContacts, ScreeningResults } from './screenings.model';
import { eraseResult } from './screenings.service';

/** "Export my data": her consents, her results in full (released or not), her follow-up steps and contacts. */
async function exportScreenings(app: AppContext, residentId: Types.ObjectId) {
  const [consents, results, cases, contacts, books] = await Promise.all([
    ScreeningConsents(app.db).find({ residentId }).lean(),
    ScreeningResults(app.db).find({ residentId }).lean(),
    ScreeningCases(app.db).find({ residentId }).lean(),
    ScreeningContacts(app.db).find({ residentId }).sort({ at: 1 }).lean(),
    codeBooks(app),
  ]);
  return {
    consents: consents.map((c) => ({ talkId: String(c.talkId), given: c.given, history: c.history.map((h) => ({ given: h.given, at: h.at.toISOString() })) })),
    results: results.map((r) => {
      const v = resultDetailView(app, r, books.get(r.programme) ?? []);
      return {
        programme: v.programmeLabel,
        level: v.levelLabel,
        items: v.items.map((i) => `${i.testLabel}：${i.codeLabel}`),
        remark: v.remark,
        enteredAt: v.enteredAt,
      };
    }),
    followUps: cases.map((c) => ({
      programme: screeningProgramme.label(c.programme),
      status: screeningCaseStatus.label(c.status),
      hospital: c.hospital ?? null,
    })),
    contacts: contacts.map((v) => ({ on: v.on, kind: v.kind, topic: v.topic, nextStep: v.nextStep })),
  };
}

/** "Erase me": codes, remarks and notes go, open cases end; the level, programme and area stay for the counts. */
async function eraseScreenings(app: AppContext, residentId: Types.ObjectId) {
  const results = await ScreeningResults(app.db).find({ residentId }, { caseId: 1 }).lean();
  for (const r of results) await eraseResult(app, r);
  await ScreeningContacts(app.db).updateMany({ residentId }, { $unset: { noteEnc: 1 } });
  await ScreeningConsents(app.db).deleteMany({ residentId });
}

export const screeningResidentData: ResidentDataSection = { name: 'screenings', export: exportScreenings, erase: eraseScreenings };

/** SCREENING_RETENTION_DAYS after a result needed no follow-up, or after its case ended, its codes and notes go. */
export async function runScreeningRetention(app: AppContext): Promise<{ erased: number }> {
  const cutoff = new Date(app.clock.now().getTime() - app.config.SCREENING_RETENTION_DAYS * 86_400_000);
  const due = await ScreeningResults(app.db)
    .find({ closedAt: { $lt: cutoff }, erasedAt: { $exists: false } }, { caseId: 1 })
    .lean();
  for (const r of due) await eraseResult(app, r);
  return { erased: due.length };
}
