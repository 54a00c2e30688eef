// The module each worker thread of the heavy-work pool loads (server/heavy.ts): one task at a time.
import { type HeavyTask, doHeavy } from './heavy.js';

export default (task: HeavyTask) => doHeavy(task);
