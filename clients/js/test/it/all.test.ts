// The integration and browser tests share one stack (started on first use): one process, one file.
import { after } from 'node:test';

import { stopStack } from './context.js';
import './sdk.it.js';
import './browser.it.js';

after(async () => {
  await stopStack();
});
