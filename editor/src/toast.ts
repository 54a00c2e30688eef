// Short messages at the bottom of the page, and how an error is worded in them.
import { ApiError } from './api';
import { byId, debounce } from './dom';

const hide = () => void (byId('toast').className = 'toast');
const hideSoon = debounce(3500, hide);
/** Errors stay longer: they take longer to read. */
const hideLater = debounce(7000, hide);

export function toast(message: string, kind: 'info' | 'ok' | 'error' = 'info'): void {
  const t = byId('toast');
  t.textContent = message;
  t.className = `toast show ${kind}`;
  hideSoon.cancel();
  hideLater.cancel();
  (kind === 'error' ? hideLater : hideSoon)();
}

export function explain(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.status} ${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
