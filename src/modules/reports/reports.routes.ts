import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { z } from '../../http/zod';
import type { Api } from '../../http/route';
import { callerOf, staffOf } from '../../http/auth';
import { broadcastCase, casePhoto, createCase, listCases, reviewCase } from './cases.service';
import { dashboard } from './dashboard.service';
import { yearlyDocx } from './docx';
import { reminderBanner } from './reminders';
import {
  BroadcastResponse,
  CaseBody,
  CaseList,
  CaseListQuery,
  CaseView,
  dashboardResponse,
  DashboardQuery,
  IdParams,
  ReminderResponse,
  ReturnBody,
  ReviewBody,
  SubmissionList,
  SubmissionStatusSchema,
  SubmittedQuery,
  YearBody,
  YearlyQuery,
  yearlyReportResponse,
} from './reports.schemas';
import { returnYearlyReport, submissionStatuses, submittedReport, submitYearlyReport } from './submissions.service';
import { writeYearlyXlsx } from './xlsx';
import { generateYearlyReport, type YearlyReport } from './yearly.service';

const TYPES = {
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

export function reportRoutes(api: Api): void {
  const app = api.app;
  const tags = ['reports'];
  const base = '/api/admin/v1/reports';
  const YearlyReportResponse = yearlyReportResponse();

  api.route({
    method: 'get',
    path: `${base}/yearly`,
    summary: 'Yearly report of an area in my scope (JSON, XLSX or DOCX; audited)',
    tags,
    auth: 'staff',
    query: YearlyQuery,
    response: YearlyReportResponse,
    raw: { contentType: TYPES.json },
    handler: async (ctx, { query }) =>
      send(ctx, await generateYearlyReport(app, callerOf(ctx), { year: query.year, area: query.area }, query.format), query.format),
  });

  /** A report as JSON, or as a workbook or Word file streamed. */
  function send(ctx: Context, report: YearlyReport, format: keyof typeof TYPES): void {
    ctx.set('cache-control', 'no-store');
    ctx.type = TYPES[format];
    if (format === 'json') {
      ctx.body = report;
      return;
    }
    ctx.attachment(`yearly-${report.year}-${report.area.code}${report.submitted ? '-submitted' : ''}.${format}`);
    const out = new PassThrough({ highWaterMark: 256 * 1024 });
    ctx.body = out;
    if (format === 'docx') {
      // docx's packer stream is its own Stream class (not node's), so Koa is handed a PassThrough it pipes into.
      yearlyDocx(report)
        .on('error', (err: Error) => out.destroy(err))
        .pipe(out);
      return;
    }
    writeYearlyXlsx(report, out).catch((err: unknown) => {
      app.logger.error({ err, event: 'reports.xlsx_failed' }, 'yearly xlsx failed');
      out.destroy(err as Error);
    });
  }

  // ---- submission (报送) ----
  api.route({
    method: 'get',
    path: `${base}/yearly/submissions`,
    summary: "Where each town's yearly report stands (district: every town; town admin: their own)",
    tags,
    auth: 'staff',
    roles: ['district_admin', 'town_admin'],
    query: z.object({ year: z.coerce.number().int().min(2020, '年份不正确').max(2100, '年份不正确') }).strict(),
    response: SubmissionList,
    handler: (ctx, { query }) => submissionStatuses(app, staffOf(ctx), query.year),
  });
  api.route({
    method: 'post',
    path: `${base}/yearly/submit`,
    summary: "Submit my town's yearly report: figures and files kept as they are now, with who and when (audited)",
    tags,
    auth: 'staff',
    roles: ['town_admin'],
    body: YearBody,
    response: SubmissionStatusSchema,
    status: 201,
    handler: (ctx, { body }) => submitYearlyReport(app, callerOf(ctx), body.year),
  });
  api.route({
    method: 'post',
    path: `${base}/yearly/return`,
    summary: "Return a town's submitted report with a reason (district; audited)",
    tags,
    auth: 'staff',
    roles: ['district_admin'],
    body: ReturnBody,
    response: SubmissionStatusSchema,
    handler: (ctx, { body }) => returnYearlyReport(app, callerOf(ctx), body.year, body.areaCode, body.reason),
  });
  api.route({
    method: 'get',
    path: `${base}/yearly/submitted`,
    summary: "A town's report as it was submitted (JSON, XLSX or DOCX; audited)",
    tags,
    auth: 'staff',
    roles: ['district_admin', 'town_admin'],
    query: SubmittedQuery,
    response: YearlyReportResponse,
    raw: { contentType: TYPES.json },
    handler: async (ctx, { query }) => send(ctx, await submittedReport(app, callerOf(ctx), query.year, query.area), query.format),
  });

  api.route({
    method: 'get',
    path: '/api/admin/v1/dashboard',
    summary: 'Home figures of an area in my scope and each child area (aggregates only; cached a minute)',
    tags,
    auth: 'staff',
    query: DashboardQuery,
    response: dashboardResponse(),
    handler: (ctx, { query }) => dashboard(app, staffOf(ctx), query),
  });

  api.route({
    method: 'get',
    path: `${base}/reminder`,
    summary: "Whether my area's yearly report is due (console banner)",
    tags,
    auth: 'staff',
    response: ReminderResponse,
    handler: (ctx) => reminderBanner(app, staffOf(ctx)),
  });

  api.route({
    method: 'post',
    path: `${base}/cases`,
    summary: 'Write a typical case (典型) for town review (audited)',
    tags,
    auth: 'staff',
    roles: ['town_admin', 'village_worker'],
    body: CaseBody,
    response: CaseView,
    status: 201,
    idempotent: true,
    bodyLimitKb: 1500,
    handler: (ctx, { body }) => createCase(app, callerOf(ctx), body),
  });
  api.route({
    method: 'get',
    path: `${base}/cases`,
    summary: 'Typical cases in my scope',
    tags,
    auth: 'staff',
    query: CaseListQuery,
    response: CaseList,
    handler: (ctx, { query }) => listCases(app, staffOf(ctx), query),
  });
  api.route({
    method: 'post',
    path: `${base}/cases/:id/review`,
    summary: 'Approve or reject a typical case (town or district; not the author; audited)',
    tags,
    auth: 'staff',
    roles: ['town_admin', 'district_admin'],
    params: IdParams,
    body: ReviewBody,
    response: CaseView,
    handler: (ctx, { params, body }) => reviewCase(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: `${base}/cases/:id/photo`,
    summary: 'Photo of a typical case (audited)',
    tags,
    auth: 'staff',
    params: IdParams,
    raw: { contentType: 'image/jpeg' },
    handler: async (ctx, { params }) => {
      const p = await casePhoto(app, callerOf(ctx), params.id);
      ctx.type = p.contentType;
      ctx.set('cache-control', 'private, no-store');
      ctx.body = p.bytes;
    },
  });
  api.route({
    method: 'post',
    path: `${base}/cases/:id/broadcast`,
    summary: 'Broadcast an approved case to the groups of its area (campaign approval rules)',
    tags,
    auth: 'staff',
    params: IdParams,
    response: BroadcastResponse,
    status: 201,
    idempotent: true,
    handler: (ctx, { params }) => broadcastCase(app, callerOf(ctx), params.id),
  });
}
