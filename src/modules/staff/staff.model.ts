import { Schema, Types } from 'mongoose';
import { STAFF_ROLES, type StaffRole } from '../../access';
import { defineModel } from '../../db/model';

export interface StaffDoc {
  _id: Types.ObjectId;
  username: string;
  passwordHash: string;
  role: StaffRole;
  areaCode: string;
  /** The scope area's path; a target is in scope when its path contains `areaCode`. */
  areaPath: string[];
  displayName?: string;
  /** Their mobile number, sealed (`app.pii`); lists show it masked, the full number is an audited view. */
  phoneEnc?: string;
  /** The id the bot's puppet reports for this person's WeChat contact (private-chat commands). */
  wechatId?: string;
  /** Their mini-program openid, linked by "bind my WeChat". */
  wechatOpenId?: string;
  disabled: boolean;
  /** Set when someone else chose the password (a new account, a reset): the next sign-in must set a new one. */
  mustChangePassword?: boolean;
  createdAt: Date;
  /** The import that created the account (all of an import's accounts are removed again when it fails half-way). */
  importBatch?: string;
}

const schema = new Schema<StaffDoc>({
  username: { type: String, required: true },
  passwordHash: { type: String, required: true },
  role: { type: String, required: true, enum: STAFF_ROLES },
  areaCode: { type: String, required: true },
  areaPath: { type: [String], required: true },
  displayName: String,
  phoneEnc: String,
  wechatId: String,
  wechatOpenId: String,
  disabled: { type: Boolean, default: false },
  mustChangePassword: Boolean,
  createdAt: { type: Date, required: true },
  importBatch: String,
});
schema.index({ username: 1 }, { unique: true });
schema.index({ wechatId: 1 });
schema.index({ areaPath: 1 });

export const Staff = defineModel<StaffDoc>('Staff', schema);

/** One document per failed login; counted in a window (exact under concurrency, unlike a counter). */
interface LoginFailureDoc {
  username: string;
  ip?: string;
  at: Date;
}
const failures = new Schema<LoginFailureDoc>({ username: { type: String, required: true }, ip: String, at: { type: Date, required: true } });
failures.index({ username: 1, at: -1 });
failures.index({ at: 1 });
export const LoginFailures = defineModel<LoginFailureDoc>('LoginFailure', failures);
