import type { Connection, Model, Types } from 'mongoose';
import type { ZodRawShape } from 'zod';
import type { AppContext } from '../context';
import type { Cell, FigureScope } from '../lib/area-figures';
import type { PiiCrypto } from '../lib/pii';
import type { Migration } from '../db/migrations';
import type { Api } from '../http/route';
import type { NoticeKindDecl } from '../notify/notice-kinds';
import type { Task } from '../task';
import type { StaffPrincipal } from '../access';

/**
 * A module's share of a resident's data (registrations, attempts, referrals…), so "export my data" and
 * "erase me" cover everything without the residents module knowing the others.
 */
export interface ResidentDataSection {
  name: string;
  export(app: AppContext, residentId: Types.ObjectId): Promise<unknown>;
  /** Remove or anonymise personal fields; keep what anonymous statistics need. */
  erase(app: AppContext, residentId: Types.ObjectId): Promise<void>;
  /** The resident changed their name (already stored): a module showing it elsewhere updates what it shows. */
  renamed?(app: AppContext, residentId: Types.ObjectId, name: string): Promise<void>;
}

/**
 * A domain module as one object, the way a Wechaty plugin is one function: its HTTP routes, its scheduled
 * tasks, its share of a resident's data, its start-up work, the notices it sends, its bot commands and its part
 * of the dashboard and the yearly report. `src/modules/index.ts` lists them all; nothing else needs to know it.
 */
export interface AppModule {
  name: string;
  routes(api: Api): void;
  tasks: readonly Task[];
  residentData: readonly ResidentDataSection[];
  /** Start-up work on indexes the model schemas cannot declare; runs after every model's indexes exist. */
  indexes?(app: AppContext): Promise<void>;
  /** Data work done once per database (backfills), after the indexes; each recorded when it succeeded. */
  migrations?: readonly Migration[];
  /** The subscribe-message kinds it sends residents (their titles: `src/notify/notice-kinds.ts`). */
  notices?: readonly NoticeKindDecl[];
  /** What it answers in WeChat: texts in a group, private messages to the bot. */
  botCommands?: BotCommands;
  /** Its part of the dashboard and of the yearly report. */
  figures?: FigureSection;
  /** What `npm run rotate-keys` must know beyond sealed strings, which it finds in every collection by their shape. */
  keys?: ModuleKeys;
}

/** A blind index stored in a module's documents, and the plain value it is computed from. */
export interface BlindIndexField {
  model: (conn: Connection) => Model<any>;
  /** When the index sits in each element of an array of subdocuments: that array's field. */
  array?: string;
  field: string;
  purpose: string;
  /** The plain value of a document (or array element), or null when its personal data is erased. */
  source(pii: PiiCrypto, doc: any): string | null;
}

export interface ModuleKeys {
  /** Photo records `{ fileId, keyId }` whose files are sealed in a GridFS bucket. */
  sealedFiles?: ReadonlyArray<{ model: (conn: Connection) => Model<any>; bucket: string }>;
  blindIndexes?: readonly BlindIndexField[];
  /** Documents keyed by a blind index (unique keys), rebuilt after the fields: new key written before the old is dropped. */
  rebuildIndexKeys?(app: AppContext): Promise<{ updated: number; conflicts: number }>;
}

/** What a module's figures are asked for: the year and areas of `FigureScope`, and the areas behind the codes. */
export interface FigureRequest extends FigureScope {
  /** The areas shown, the root first. */
  shown: ReadonlyArray<{ code: string; name: string; level: string; path: readonly string[] }>;
  /** Villages listed one by one with their town's name (the yearly report; the dashboard lists none). */
  villages: ReadonlyArray<{ code: string; name: string; parentName: string | null }>;
}

/** One area's row of the yearly report: the area, then each section's fields. */
export interface FigureRow {
  code: string;
  name: string;
  level: string;
  [field: string]: any;
}

/** The yearly report as the sections see it: the area, the year, one row per area shown, and report-wide fields. */
export interface FigureReport {
  year: number;
  area: { code: string; name: string; level: string };
  areas: FigureRow[];
  [field: string]: any;
}

/** One table of the report: the XLSX writes it as a sheet, the DOCX as a section; both from here, so they agree. */
export interface FigureSheet {
  key: string;
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Columns holding ratios (0–1), shown as percentages. */
  percent: number[];
  note?: string;
  /** The rows the printed summary shows, when it leaves some out (the workbook keeps every row). */
  printed?: { rows: Cell[][]; note: string };
}

/**
 * A module's part of the dashboard and of the yearly report: its figures per area (counted in the database),
 * its fields of each area's row, of a dashboard row and of the report, its sheets and its clauses of the
 * summary's overview. The reports module puts the sections together by `order`.
 */
export interface FigureSection<F = any> {
  /** Place among the sections: of their fields in a row, of their sheets, of their clauses in the overview. */
  order: number;
  figures(app: AppContext, q: FigureRequest): Promise<F>;
  /** Its fields of one area's row in the yearly report; `row` holds the area and the fields of the sections before. */
  row(figures: F, code: string, row: Readonly<FigureRow>): Record<string, unknown>;
  rowShape: ZodRawShape;
  /** Report-wide fields, placed before the rows of the areas. */
  head?(figures: F, q: FigureRequest): Record<string, unknown>;
  headShape?: ZodRawShape;
  /** Report-wide fields, placed after the rows of the areas. */
  tail?(figures: F, q: FigureRequest): Record<string, unknown>;
  tailShape?: ZodRawShape;
  /** Its fields of a dashboard row, from the area's row of the report. */
  dashboard(row: Readonly<FigureRow>): Record<string, unknown>;
  dashboardShape: ZodRawShape;
  sheets(report: FigureReport): FigureSheet[];
  /** Clauses of the summary's opening paragraph about the root area (`report.areas[0]`). */
  overview?: {
    clauses(area: FigureRow, report: FigureReport): string[];
    /** Its first clause goes on from the previous section's last, after a comma. */
    continues?: boolean;
  };
}

/** A text in a group, the bot's mention taken off. */
export interface RoomText {
  messageId: string;
  text: string;
  wxRoomId: string;
  topic: string;
  talkerId: string;
}

/** What the bot does with a group's text: a reply at once, or an answer queued in the outbox. */
export interface RoomAnswer {
  reply?: string;
  queued?: boolean;
}

/** A group command: `null` when the text is not its own, so the next command is tried. */
export type RoomCommand = (app: AppContext, m: RoomText, bot: { cooldown: { take(key: string, now: number): boolean } }) => Promise<RoomAnswer | null>;

/** A private message's command: `null` when the text is not its own (or, for `anyone`, not for it to answer). */
export interface PrivateCommand {
  /**
   * `anyone`: tried before the sender is known (a code decides); `staff`: only from the WeChat contact linked to
   * a staff member, who is passed in.
   */
  who: 'anyone' | 'staff';
  /** Its lines of the help a staff member gets for a text no command knows. */
  help?: readonly string[];
  run(app: AppContext, m: { contactId: string; text: string; staff?: StaffPrincipal }): Promise<string | null>;
}

export interface BotCommands {
  room?: readonly RoomCommand[];
  private?: readonly PrivateCommand[];
}
