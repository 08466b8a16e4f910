import type { Types } from 'mongoose';
import type { Caller } from '../../access';
import type { AppContext } from '../../context';
import { notFound } from '../../http/errors';
import { shanghaiDay } from '../../lib/shanghai';
import { type ProductDoc, Products } from './insurance.model';
import type { ProductBody } from './insurance.schemas';

/** Products by year, managed by district admins; residents see those whose policy period has not ended. */
const productView = (p: ProductDoc, today: string) => ({
  id: String(p._id),
  year: p.year,
  name: p.name,
  insurer: p.insurer,
  plans: p.plans,
  enrolFrom: p.enrolFrom,
  enrolTo: p.enrolTo,
  policyStart: p.policyStart,
  policyEnd: p.policyEnd,
  eligibility: p.eligibility,
  enrolOpen: p.enrolFrom <= today && today <= p.enrolTo,
});

export async function createProduct(app: AppContext, caller: Caller, body: ProductBody) {
  const now = app.clock.now();
  const doc = await Products(app.db).create({ ...body, createdAt: now, updatedAt: now });
  await caller.audit('insurance.product_create', { type: 'insurance_product', id: String(doc._id) });
  return productView(doc.toObject(), shanghaiDay(now));
}

export async function updateProduct(app: AppContext, caller: Caller, id: Types.ObjectId, body: ProductBody) {
  const doc = await Products(app.db)
    .findByIdAndUpdate(id, { $set: { ...body, updatedAt: app.clock.now() } }, { new: true })
    .lean();
  if (!doc) throw notFound('保险产品');
  await caller.audit('insurance.product_update', { type: 'insurance_product', id: String(id) });
  return productView(doc, shanghaiDay(app.clock.now()));
}

/** Products whose policy period has not ended, newest year first. */
export async function listProducts(app: AppContext) {
  const today = shanghaiDay(app.clock.now());
  const rows = await Products(app.db)
    .find({ policyEnd: { $gte: today } })
    .sort({ year: -1, _id: -1 })
    .limit(20)
    .lean();
  return { items: rows.map((p) => productView(p, today)) };
}

export async function requireProduct(app: AppContext, id: Types.ObjectId): Promise<ProductDoc> {
  const p = await Products(app.db).findById(id).lean();
  if (!p) throw notFound('保险产品');
  return p;
}
