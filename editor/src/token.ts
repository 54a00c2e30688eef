// The admin token for writes: asked for once (with the author's name) and kept in the tab's
// session storage by the workspace; `Token` changes or forgets it.
import { type Answer, isRefusedToken, settle } from './api';
import { byId } from './dom';
import { toast } from './toast';
import type { Workspace } from './workspace';

export interface TokenDialog {
  readonly open: boolean;
  /** The token kept, or the one the user gives now. */
  token(): Promise<string | null>;
  /**
   * Sends a write with the admin token, asking for one when none is kept and again while the
   * service refuses it. Its answer, or null when the user gave no token.
   */
  write<T>(send: (token: string) => Promise<T>): Promise<Answer<T> | null>;
}

export function createTokenDialog(ws: Workspace): TokenDialog {
  const dialog = byId<HTMLDialogElement>('token-dialog');
  const input = byId<HTMLInputElement>('token-input');
  const authorInput = byId<HTMLInputElement>('author-input');
  // The answer of the question being asked, if one is.
  const asking: { resolve: ((token: string | null) => void) | null } = { resolve: null };

  /** Asks for the token; null when the user cancels. */
  const ask = (reason?: string): Promise<string | null> => {
    byId('token-reason').textContent =
      reason ?? "Saving needs the service's admin token. It is kept in this browser tab only (session storage).";
    byId('token-reason').className = reason ? 'bad' : 'muted';
    input.value = '';
    authorInput.value = ws.author ?? '';
    dialog.showModal();
    input.focus();
    return new Promise((resolve) => (asking.resolve = resolve));
  };

  const close = (token: string | null) => {
    if (dialog.open) dialog.close();
    const resolve = asking.resolve;
    asking.resolve = null;
    resolve?.(token);
  };

  byId('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    ws.setToken(token, authorInput.value.trim());
    close(token);
  });
  byId('token-cancel').addEventListener('click', () => close(null));
  byId('token-forget').addEventListener('click', () => {
    ws.forgetToken();
    input.value = '';
    toast('The token is forgotten.');
  });
  dialog.addEventListener('close', () => close(null));
  byId('btn-token').addEventListener('click', () => void ask());

  const token = async () => ws.token ?? (await ask());

  const write = async <T>(send: (token: string) => Promise<T>): Promise<Answer<T> | null> => {
    for (let t = await token(); t;) {
      const answer = await settle(send(t));
      if (answer.ok || !isRefusedToken(answer.error)) return answer;
      ws.forgetToken();
      t = await ask(
        answer.error.status === 401 ? 'Saving needs the admin token.' : 'That token was refused: enter the admin token again.',
      );
    }
    return null;
  };

  return {
    get open() {
      return dialog.open;
    },
    token,
    write,
  };
}
