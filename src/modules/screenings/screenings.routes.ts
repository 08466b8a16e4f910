import { callerOf, residentId, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { screeningProgramme } from '../../dictionaries';
import { codeBooks, updateCodeBook } from './screenings.codes';
import { addContact, caseSummaryCounts, hospitalChoices, listCases, listContacts, moveCase, updateHospital, viewCase } from './screenings.cases';
import { importResults, resultTemplate } from './screenings.import';
import { PROGRAMMES } from './screenings.model';
import * as s from './screenings.schemas';
import * as svc from './screenings.service';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function screeningRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: screenings'];
  const base = '/api/admin/v1/screenings';

  // ---- residents ----
  api.route({
    method: 'get',
    path: '/api/v1/screenings/:talkId/consent',
    summary: 'My consent to keep the results of this screening in the system, and its text',
    tags: ['screenings'],
    auth: 'resident',
    params: s.TalkParams,
    response: s.ConsentView,
    handler: (ctx, { params }) => svc.myConsent(app, residentId(ctx), params.talkId),
  });
  api.route({
    method: 'put',
    path: '/api/v1/screenings/:talkId/consent',
    summary: 'Give or withdraw that consent; a withdrawal erases results already entered and ends their follow-up',
    tags: ['screenings'],
    auth: 'resident',
    params: s.TalkParams,
    body: s.ConsentBody,
    response: s.ConsentView,
    handler: (ctx, { params, body }) => svc.setConsent(app, residentId(ctx), params.talkId, body.given),
  });
  api.route({
    method: 'get',
    path: '/api/v1/me/screening-results',
    summary: 'My screenings: results once released, with advice and the next step of the follow-up',
    tags: ['screenings'],
    auth: 'resident',
    response: s.MyResults,
    handler: (ctx) => svc.myResults(app, residentId(ctx)),
  });
  api.route({
    method: 'post',
    path: '/api/v1/me/screening-results/:id/callback',
    summary: 'Ask the follow-up worker to call me back about this result',
    tags: ['screenings'],
    auth: 'resident',
    params: s.IdParams,
    response: s.CallbackDone,
    handler: (ctx, { params }) => svc.askCallback(app, residentId(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: '/api/v1/me/screening-results/:id/went',
    summary: 'I went to the hospital I was referred to',
    tags: ['screenings'],
    auth: 'resident',
    params: s.IdParams,
    response: s.WentDone,
    handler: (ctx, { params }) => svc.iWent(app, residentId(ctx), params.id),
  });

  // ---- staff: code books and hospitals ----
  api.route({
    method: 'get',
    path: `${base}/codes`,
    summary: 'Result codes and advice per programme',
    tags,
    auth: 'staff',
    response: s.CodeBooks,
    handler: async () => {
      const books = await codeBooks(app);
      return { items: PROGRAMMES.map((p) => ({ programme: p, label: screeningProgramme.labels[p], tests: books.get(p) ?? [] })) };
    },
  });
  api.route({
    method: 'put',
    path: `${base}/codes/:programme`,
    summary: "Replace a programme's result codes and advice (district admin)",
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    params: s.ProgrammeParams,
    body: s.CodeBookBody,
    response: s.CodeBooks,
    handler: async (ctx, { params, body }) => {
      const caller = callerOf(ctx);
      await updateCodeBook(app, params.programme, body.tests, caller.staff.id);
      await caller.audit('screening.codes_update', { type: 'screening_codes', id: params.programme });
      const books = await codeBooks(app);
      return { items: PROGRAMMES.map((p) => ({ programme: p, label: screeningProgramme.labels[p], tests: books.get(p) ?? [] })) };
    },
  });
  api.route({
    method: 'get',
    path: `${base}/hospitals`,
    summary: "Referral hospitals: the expert pool's institutions with address and phone",
    tags,
    auth: 'staff',
    response: s.Hospitals,
    handler: async () => ({ items: await hospitalChoices(app) }),
  });
  api.route({
    method: 'put',
    path: `${base}/hospitals`,
    summary: 'Set the address and phone of a referral hospital (district admin)',
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    body: s.HospitalBody,
    response: s.Hospitals,
    handler: (ctx, { body }) => updateHospital(app, callerOf(ctx), body),
  });

  // ---- staff: results of a session ----
  api.route({
    method: 'get',
    path: `${base}/talks/:talkId/participants`,
    summary: 'The attendance list with consent and which results are in (names masked, no results)',
    tags,
    auth: 'staff',
    params: s.TalkParams,
    response: s.Participants,
    handler: (ctx, { params }) => svc.participants(app, staffOf(ctx), params.talkId),
  });
  api.route({
    method: 'get',
    path: `${base}/talks/:talkId/participants/:residentId/results`,
    summary: "A participant's results in full (audited)",
    tags,
    auth: 'staff',
    params: s.EntryParams,
    response: s.ParticipantResults,
    handler: (ctx, { params }) => svc.participantResults(app, callerOf(ctx), params.talkId, params.residentId),
  });
  api.route({
    method: 'put',
    path: `${base}/talks/:talkId/participants/:residentId/results`,
    summary: "Enter (or correct) one programme's result of a participant who came and consented; abnormal or needs-review opens a follow-up case",
    tags,
    auth: 'staff',
    params: s.EntryParams,
    body: s.ResultBody,
    response: s.ResultEntered,
    handler: (ctx, { params, body }) => svc.enterResult(app, callerOf(ctx), params.talkId, params.residentId, body),
  });
  api.route({
    method: 'get',
    path: `${base}/talks/:talkId/import-template`,
    summary: "The hospital's XLSX sheet for this session: participants who came and consented (masked), a column per test, the codes",
    tags,
    auth: 'staff',
    params: s.TalkParams,
    raw: { contentType: XLSX },
    handler: async (ctx, { params }) => {
      const file = await resultTemplate(app, staffOf(ctx), params.talkId);
      ctx.set('content-type', XLSX);
      ctx.set('content-disposition', 'attachment; filename="screening-results.xlsx"');
      ctx.body = file;
    },
  });
  api.route({
    method: 'post',
    path: `${base}/talks/:talkId/import`,
    summary: 'Import results from the XLSX sheet (base64); all or nothing, errors by row',
    tags,
    auth: 'staff',
    params: s.TalkParams,
    bodyLimitKb: 1500,
    body: s.ImportBody,
    response: s.ImportResult,
    status: 201,
    handler: (ctx, { params, body }) => importResults(app, callerOf(ctx), params.talkId, body.content),
  });
  api.route({
    method: 'post',
    path: `${base}/talks/:talkId/release`,
    summary: 'Release entered results to the residents (all not yet released, or those named); each gets a notice that a result is ready',
    tags,
    auth: 'staff',
    params: s.TalkParams,
    body: s.ReleaseBody,
    response: s.Released,
    handler: (ctx, { params, body }) => svc.releaseResults(app, callerOf(ctx), params.talkId, body.residentIds),
  });
  api.route({
    method: 'get',
    path: `${base}/results/:id`,
    summary: 'One result in full (audited)',
    tags,
    auth: 'staff',
    params: s.IdParams,
    response: s.ResultForStaff,
    handler: (ctx, { params }) => svc.viewResult(app, callerOf(ctx), params.id),
  });

  // ---- staff: follow-up ----
  api.route({
    method: 'get',
    path: `${base}/cases`,
    summary: 'The follow-up board: cases in my area (mine=true: assigned to me), overdue first; names masked',
    tags,
    auth: 'staff',
    query: s.CaseQuery,
    response: s.CaseList,
    handler: (ctx, { query }) => listCases(app, staffOf(ctx), { mine: query.mine === 'true', state: query.state }),
  });
  api.route({
    method: 'get',
    path: `${base}/cases/summary`,
    summary: 'For the start page: my open follow-up cases, overdue, call-backs asked for',
    tags,
    auth: 'staff',
    response: s.Summary,
    handler: (ctx) => caseSummaryCounts(app, staffOf(ctx)),
  });
  api.route({
    method: 'get',
    path: `${base}/cases/:id`,
    summary: "A case in full: the resident's name and phone, the result, steps and notes (audited)",
    tags,
    auth: 'staff',
    params: s.IdParams,
    response: s.CaseFull,
    handler: (ctx, { params }) => viewCase(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/cases/:id/transitions`,
    summary: 'Move a case: contacted, referred (hospital), attended, diagnosed, closed, lost (reason)',
    tags,
    auth: 'staff',
    params: s.IdParams,
    body: s.MoveBody,
    response: s.CaseSummary,
    handler: (ctx, { params, body }) => moveCase(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'post',
    path: `${base}/cases/:id/contacts`,
    summary: 'Log a follow-up contact (the first moves the case to contacted)',
    tags,
    auth: 'staff',
    params: s.IdParams,
    body: s.ContactBody,
    response: s.ContactAdded,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => addContact(app, callerOf(ctx), { caseId: params.id }, body),
  });
  api.route({
    method: 'post',
    path: `${base}/contacts`,
    summary: 'Log a counselling or 生育调节指导 visit of a resident in my area',
    tags,
    auth: 'staff',
    body: s.ResidentContactBody,
    response: s.ContactAdded,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => {
      const { residentId: id, ...rest } = body;
      return addContact(app, callerOf(ctx), { residentId: id }, rest);
    },
  });
  api.route({
    method: 'get',
    path: `${base}/contacts`,
    summary: 'Follow-up and counselling contacts in my area: who, when, how, topic, next step (no notes)',
    tags,
    auth: 'staff',
    query: s.ContactQuery,
    response: s.ContactList,
    handler: (ctx, { query }) => listContacts(app, staffOf(ctx), query),
  });
}
