import { callerOf, staffOf } from '../../http/auth';
import type { Api } from '../../http/route';
import { listHelpRequests, moveHelpRequest, openHelpRequest } from './care.help';
import {
  CloseBody,
  FamilyBody,
  FamilyExport,
  FamilyListQuery,
  FamilyPage,
  FamilyPatch,
  FamilyView,
  Figures,
  FiguresQuery,
  HelpBody,
  HelpList,
  HelpMoveBody,
  HelpMoved,
  HelpView,
  IdParams,
  PairOptions,
  PairOptionsQuery,
  Visit,
  VisitBody,
  VisitList,
} from './care.schemas';
import * as care from './care.service';

/** Staff only: the care registry never reaches residents' pages or groups. */
export function careRoutes(api: Api): void {
  const app = api.app;
  const tags = ['admin: care'];
  const base = '/api/admin/v1/care';
  api.route({
    method: 'post',
    path: `${base}/families`,
    summary: 'Register a family (consent recorded; personal fields sealed)',
    tags,
    auth: 'staff',
    body: FamilyBody,
    response: FamilyView,
    status: 201,
    idempotent: true,
    handler: (ctx, { body }) => care.registerFamily(app, callerOf(ctx), body),
  });
  api.route({
    method: 'get',
    path: `${base}/families`,
    summary: 'Families I may see (masked); overdue=true for visits past due',
    tags,
    auth: 'staff',
    query: FamilyListQuery,
    response: FamilyPage,
    handler: (ctx, { query }) => care.listFamilies(app, staffOf(ctx), query),
  });
  api.route({
    method: 'get',
    path: `${base}/pair-options`,
    summary: "A village's active village workers by name, to pair a family with",
    tags,
    auth: 'staff',
    query: PairOptionsQuery,
    response: PairOptions,
    handler: (ctx, { query }) => care.pairOptions(app, staffOf(ctx), query.villageCode),
  });
  api.route({
    method: 'get',
    path: `${base}/families/export`,
    summary: 'Printable list: masked unless district admin (audited)',
    tags,
    auth: 'staff',
    response: FamilyExport,
    handler: (ctx) => care.exportFamilies(app, callerOf(ctx)),
  });
  api.route({
    method: 'get',
    path: `${base}/families/:id`,
    summary: 'One family in full (audited)',
    tags,
    auth: 'staff',
    params: IdParams,
    response: FamilyView,
    handler: (ctx, { params }) => care.viewFamily(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'patch',
    path: `${base}/families/:id`,
    summary: 'Change the pairing, the visit interval or the needs',
    tags,
    auth: 'staff',
    params: IdParams,
    body: FamilyPatch,
    response: FamilyView,
    handler: (ctx, { params, body }) => care.updateFamily(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'post',
    path: `${base}/families/:id/withdraw-consent`,
    summary: 'The family withdraws consent: personal data erased now',
    tags,
    auth: 'staff',
    params: IdParams,
    response: FamilyView,
    handler: (ctx, { params }) => care.withdrawConsent(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/families/:id/close`,
    summary: 'Take a family off the registry (personal data kept REFERRAL_RETENTION_DAYS)',
    tags,
    auth: 'staff',
    params: IdParams,
    body: CloseBody,
    response: FamilyView,
    handler: (ctx, { params, body }) => care.closeFamily(app, callerOf(ctx), params.id, body.reason),
  });
  api.route({
    method: 'post',
    path: `${base}/families/:id/visits`,
    summary: 'Log a visit (what was done, next step)',
    tags,
    auth: 'staff',
    params: IdParams,
    body: VisitBody,
    response: Visit,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => care.addVisit(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: `${base}/families/:id/visits`,
    summary: 'The visit log (audited)',
    tags,
    auth: 'staff',
    params: IdParams,
    response: VisitList,
    handler: (ctx, { params }) => care.listVisits(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/families/:id/help-requests`,
    summary: 'Open a help request for a family',
    tags,
    auth: 'staff',
    params: IdParams,
    body: HelpBody,
    response: HelpView,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => openHelpRequest(app, callerOf(ctx), params.id, body),
  });
  api.route({
    method: 'get',
    path: `${base}/families/:id/help-requests`,
    summary: "A family's help requests (audited)",
    tags,
    auth: 'staff',
    params: IdParams,
    response: HelpList,
    handler: (ctx, { params }) => listHelpRequests(app, callerOf(ctx), params.id),
  });
  api.route({
    method: 'post',
    path: `${base}/help-requests/:id/transitions`,
    summary: 'Move a help request along its workflow',
    tags,
    auth: 'staff',
    params: IdParams,
    body: HelpMoveBody,
    response: HelpMoved,
    handler: (ctx, { params, body }) => moveHelpRequest(app, callerOf(ctx), params.id, body.to, body.note),
  });
  api.route({
    method: 'get',
    path: `${base}/figures`,
    summary: 'Per village: families by type, visits overdue and done, help open',
    tags,
    auth: 'staff',
    roles: ['district_admin', 'town_admin'],
    query: FiguresQuery,
    response: Figures,
    handler: (ctx, { query }) => care.figures(app, staffOf(ctx), query.since),
  });
}
