/** Health-content shapes the server returns, from the generated `api-types.ts` (backend: src/modules/content/content.schemas.ts). */
import type { components } from './api-types';

type Schemas = components['schemas'];

export type ArticleSummary = Schemas['ContentSummary'];
export type Recommended = Schemas['ContentRecommended'];
export type Article = Schemas['ContentArticle'];
export type ArticleRef = Schemas['ContentArticleRef'];
export type Completed = Schemas['ContentCompleted'];
