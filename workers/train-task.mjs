// Piscina thread entry: worker threads cannot import .ts files by
// themselves, so register tsx here and re-export the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const task = await import('./train-task.ts');

export default task.default;
