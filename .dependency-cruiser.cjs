// .dependency-cruiser.cjs
// The import rule of src/: each folder is a layer that may import only the layers listed for it (npm run lint:imports).

/**
 * Each layer of src/ and the layers it may import, bottom first. A folder imports itself freely; anything not
 * listed is refused, and so is every cycle (type-only imports count too: a cycle of types is still a knot).
 */
const LAYERS = {
  core: [],
  ports: ['core'],
  config: ['core'],
  state: ['core', 'ports'],
  observability: ['core', 'ports'],
  engine: ['core', 'ports', 'state'],
  express: ['core', 'ports', 'engine'],
  middleware: ['core', 'ports', 'config', 'engine', 'express', 'state'],
  webhooks: ['core', 'ports', 'state'],
  review: ['core', 'ports', 'state', 'engine', 'express', 'webhooks'],
  service: ['core', 'ports', 'config', 'state', 'observability', 'engine', 'express', 'middleware', 'webhooks', 'review'],
  replay: ['core', 'ports', 'config', 'state', 'engine'],
  cli: ['core', 'ports', 'config', 'state', 'engine', 'service', 'replay'],
  vendure: ['core', 'ports', 'state', 'engine', 'middleware', 'review'],
};

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only ${allowed.length ? allowed.map((name) => `src/${name}/`).join(', ') : 'itself'}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: [`^src/(${[layer, ...allowed].join('|')})/`] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no module may depend on itself through others',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'no-unknown-layer',
      comment: 'every folder of src/ is a layer of .dependency-cruiser.cjs; add a new one there',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: [`^src/(${Object.keys(LAYERS).join('|')})/`] },
      to: {},
    },
    {
      name: 'entries-only-from-outside',
      comment: 'the entry files at the top of src/ are the public surface: no layer imports them',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+\\.m?ts$' },
    },
    {
      name: 'no-dev-tools-in-src',
      comment: 'src/ is shipped: it never imports the development tools, tests or scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/review/assets/' },
  },
};
