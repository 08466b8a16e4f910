import type { mongo } from 'mongoose';
import type { AppContext } from '../context';
import { afterId } from '../db/id-order';

/** Documents between two saved checkpoints of one step. */
export const CHECKPOINT_EVERY = 500;

/** Where one step of a rotation (one collection's values, one lookup-index field) continues. */
export interface StepCheckpoint {
  /** The documents still to do: all, or those after the last saved `_id`; none when the step was finished. */
  filter: mongo.Filter<mongo.Document> | null;
  save(lastId: unknown): Promise<void>;
  finish(): Promise<void>;
}

interface CheckpointDoc {
  /** The target keys: PII_KEY_ID and a fingerprint of BLIND_INDEX_KEY; a rotation to other keys starts over. */
  _id: string;
  steps: Record<string, { after?: unknown; done?: boolean }>;
}

/**
 * The progress of a rotation, recorded in `keyrotations` as it goes: a run that stopped continues each step
 * after the last document it saved instead of scanning from the start. A run that reaches its end removes the
 * record, so the next run checks everything again (and finds what someone changed meanwhile).
 */
export async function rotationCheckpoints(app: AppContext) {
  const coll = app.db.db!.collection<CheckpointDoc>('keyrotations');
  const target = `${app.pii.keyId}:${app.pii.blindIndex('key-rotation', 'checkpoint').slice(0, 16)}`;
  await coll.deleteMany({ _id: { $ne: target } });
  const steps = (await coll.findOne({ _id: target }))?.steps ?? {};
  const key = (step: string) => step.replace(/\./g, '%2E');
  const field = (step: string) => `steps.${key(step)}`;
  const stateOf = (step: string) => steps[key(step)];
  return {
    async step(step: string, docs: mongo.Collection<any>): Promise<StepCheckpoint> {
      const s = stateOf(step);
      const filter = s?.done ? null : s?.after !== undefined ? ((await afterId(docs, s.after)) ?? {}) : {};
      return {
        filter,
        save: async (lastId) => void (await coll.updateOne({ _id: target }, { $set: { [field(step)]: { after: lastId } } }, { upsert: true })),
        finish: async () => void (await coll.updateOne({ _id: target }, { $set: { [field(step)]: { done: true } } }, { upsert: true })),
      };
    },
    /** The whole rotation ran to its end. */
    async clear(): Promise<void> {
      await coll.deleteOne({ _id: target });
    },
  };
}
