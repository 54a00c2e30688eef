// Monaco, as the editor uses it: the core API, the editor features (find, folding, suggest, hover,
// the diff editor, …), JSON (the try-it facts, checked against the policy's facts), and their web
// workers, which vite builds into files of their own.
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/features/register.all';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

export { jsonDefaults, monaco };
