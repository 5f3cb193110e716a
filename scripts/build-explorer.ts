/** `npm run build`'s second step: bundles the API explorer (GraphiQL) into dist/explorer, so it is served offline. */
import { join } from 'node:path';
import { writeExplorer } from '../src/server/explorer/bundle';

const root = join(__dirname, '..');
writeExplorer(join(root, 'src', 'server', 'explorer', 'browser.jsx'), join(root, 'dist', 'explorer')).then(
  () => console.log('explorer bundled into dist/explorer'),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
