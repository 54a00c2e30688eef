// Monaco, as the editor uses it: the core API, the editor features (find, folding, suggest, hover,
// the diff editor, …), and its web worker, which vite builds into a file of its own.
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/features/register.all';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

export { monaco };
