// Quick fixes (Ctrl+. or the light bulb) for the service's diagnostics that name their own fix:
// "did you mean 'urgency'?" replaces the marked text with that name.
import { monaco } from './monaco';
import { LANGUAGE_ID } from './language';

/** Fixes for the markers whose source is `source` (policy-editor.ts draws them with 'spe'). */
export function registerQuickFixes(source: string): monaco.IDisposable {
  return monaco.languages.registerCodeActionProvider(LANGUAGE_ID, {
    provideCodeActions(model, _range, context) {
      const actions: monaco.languages.CodeAction[] = [];
      for (const marker of context.markers) {
        if (marker.source !== source) continue;
        const suggested = /did you mean '([^']+)'/.exec(marker.message)?.[1];
        if (!suggested) continue;
        const range = new monaco.Range(marker.startLineNumber, marker.startColumn, marker.endLineNumber, marker.endColumn);
        if (model.getValueInRange(range) === suggested) continue;
        actions.push({
          title: `Change to '${suggested}'`,
          kind: 'quickfix',
          diagnostics: [marker],
          isPreferred: true,
          edit: { edits: [{ resource: model.uri, versionId: model.getVersionId(), textEdit: { range, text: suggested } }] },
        });
      }
      return { actions, dispose: () => undefined };
    },
  });
}
