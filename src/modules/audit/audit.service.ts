import { once } from 'node:events';
import type { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor, AuditTarget, Caller } from '../../access';
import type { AppContext } from '../../context';
import type { AuditAction } from '../../dictionaries';
import { shanghaiTime } from '../../lib/shanghai';
import { requestContext } from '../../logger';
import { findPage, type PageQuery } from '../../lib/pagination';
import { AuditLog, type AuditDoc } from './audit.model';

/** Append one record. There is no update or delete path for audit records anywhere in the code. */
export async function audit(app: AppContext, actor: Actor, action: AuditAction, target: AuditTarget, details?: Record<string, unknown>): Promise<void> {
  await AuditLog(app.db).create({
    at: app.clock.now(),
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name,
    action,
    targetType: target.type,
    targetId: target.id,
    requestId: requestContext.getStore()?.requestId,
    ip: actor.ip,
    ...(actor.areaPath ? { areaPath: actor.areaPath } : {}),
    details,
  });
}

interface AuditFilter {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  actorName?: string;
  /** Records of staff under all of these areas (the reader's scope, and the area asked for). */
  areas?: string[];
  /** Entries at or after / before these times. */
  from?: Date;
  to?: Date;
}

/** The reader's filters narrowed to their scope: a district admin reads everything, a town admin their town's staff. */
export function auditFilterFor(reader: { role: string; areaCode: string }, q: Omit<AuditFilter, 'areas'> & { area?: string }): AuditFilter {
  const areas = [...(reader.role === 'district_admin' ? [] : [reader.areaCode]), ...(q.area ? [q.area] : [])];
  const { area: _area, ...rest } = q;
  return { ...rest, ...(areas.length ? { areas } : {}) };
}

function mongoFilter(f: AuditFilter): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const k of ['action', 'actorId', 'targetType', 'targetId', 'actorName'] as const) if (f[k]) filter[k] = f[k];
  if (f.areas) filter.areaPath = f.areas.length === 1 ? f.areas[0] : { $all: f.areas };
  if (f.from || f.to) filter.at = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return filter;
}

const recordView = (r: AuditDoc) => ({
  id: String(r._id),
  at: r.at.toISOString(),
  actorType: r.actorType,
  actorId: r.actorId,
  actorName: r.actorName ?? null,
  action: r.action,
  targetType: r.targetType,
  targetId: r.targetId,
  requestId: r.requestId ?? null,
  ip: r.ip ?? null,
  areaCode: r.areaPath?.[r.areaPath.length - 1] ?? null,
  areaPath: r.areaPath?.length ? r.areaPath : null,
  details: r.details ?? null,
});

export async function listAudit(app: AppContext, f: AuditFilter, page: PageQuery) {
  return findPage(AuditLog(app.db), mongoFilter(f), page, (rows) => rows.map(recordView));
}

const AUDIT_EXPORT_MAX = 10_000;

/**
 * Stream the filtered log as a workbook (newest first, at most AUDIT_EXPORT_MAX rows). The export's own record,
 * with its filters and row count, is written before the file is finished, so no export completes unaudited.
 */
export async function writeAuditXlsx(app: AppContext, caller: Caller, f: AuditFilter, asked: Record<string, unknown>, out: PassThrough): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet('审计日志');
  ws.columns = [
    { header: '时间（北京时间）', key: 'at', width: 18 },
    { header: '操作人', key: 'actor', width: 16 },
    { header: '操作人地区', key: 'area', width: 18 },
    { header: '操作', key: 'action', width: 28 },
    { header: '对象类型', key: 'targetType', width: 14 },
    { header: '对象编号', key: 'targetId', width: 26 },
    { header: '详情', key: 'details', width: 50 },
    { header: 'IP', key: 'ip', width: 16 },
  ];
  let rows = 0;
  for await (const r of AuditLog(app.db).find(mongoFilter(f)).sort({ _id: -1 }).limit(AUDIT_EXPORT_MAX).lean().cursor({ batchSize: 500 })) {
    ws.addRow({
      at: shanghaiTime(r.at),
      actor: r.actorName ?? `${r.actorType}:${r.actorId}`,
      area: r.areaPath?.[r.areaPath.length - 1] ?? '',
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      details: r.details ? JSON.stringify(r.details) : '',
      ip: r.ip ?? '',
    }).commit();
    rows++;
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  ws.commit();
  const filters = Object.fromEntries(
    Object.entries(asked)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
  await caller.audit('audit.export', { type: 'audit', id: 'export' }, { rowCount: rows, filters });
  await wb.commit();
  return rows;
}
