import type { Ref } from 'vue';
import { ElMessage } from 'element-plus';
import { ApiError, errorText } from '../api/client';

/** Empty a form's field errors before it is checked again. */
export function clearErrors(errors: Record<string, string>): void {
  for (const k of Object.keys(errors)) delete errors[k];
}

/**
 * Send a form: `busy` is on while it runs; a refusal naming fields puts each message beside its field (`errors`),
 * any other failure is shown as a message (the service's own, else `failed`).
 */
export async function sendForm(busy: Ref<boolean>, errors: Record<string, string>, failed: string, send: () => Promise<unknown>): Promise<void> {
  busy.value = true;
  try {
    await send();
  } catch (e) {
    if (e instanceof ApiError && Object.keys(e.fields).length) Object.assign(errors, e.fields);
    else ElMessage.error(errorText(e, failed));
  } finally {
    busy.value = false;
  }
}
