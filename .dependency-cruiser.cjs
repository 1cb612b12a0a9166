/**
 * The layers of RoleAtlas, checked on every `npm test` (`npm run layers`). A violation prints the
 * rule's name and the import that broke it. The README's Layout section lists the rules.
 *
 * Tests and test helpers may reach across layers (a renderer test runs the real session behind
 * window.api, a server test runs the real sync client); the rules hold for the code that ships.
 */
const TESTS = '(\\.test\\.tsx?$|\\.fixture\\.ts$|/testing\\.ts$|/testing/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-zod',
      comment:
        'src-main/core is the domain shared by main, renderer, CLI and server: plain TypeScript that imports only zod, its own modules and the catalog data in resources/catalog (no node, electron, DOM or UI libraries).',
      severity: 'error',
      from: { path: '^src-main/core/', pathNot: TESTS },
      to: { pathNot: ['^src-main/core/', '^resources/.+\\.json$', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'renderer-imports-only-types-from-main',
      comment:
        'The renderer runs in a sandboxed window: it reaches main only through window.api, so from src-main it may take types (import type), never code.',
      severity: 'error',
      from: { path: '^src-renderer/', pathNot: TESTS },
      to: { path: '^src-main/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-sees-only-bridge-and-core',
      comment: 'The types the renderer shares with main are the bridge contract and the domain core, nothing of the session, vault or services.',
      severity: 'error',
      from: { path: '^src-renderer/', pathNot: TESTS },
      to: { path: '^src-main/', pathNot: '^src-main/(bridge|core)/' },
    },
    {
      name: 'renderer-imports-no-node-or-electron',
      comment: 'The window is sandboxed: no Node builtins and no electron; what it needs from the computer comes through window.api.',
      severity: 'error',
      from: { path: '^src-renderer/', pathNot: TESTS },
      to: { pathNot: ['^src-renderer/', '^src-main/', '^resources/', '(^|/)node_modules/(?!electron/)'] },
    },
    {
      name: 'server-imports-only-core',
      comment:
        'The sync server shares the domain core (model, commands, engine, the sync mapping and protocol) with the app and nothing else of it; its tests may drive the real sync client.',
      severity: 'error',
      from: { path: '^server/', pathNot: TESTS },
      to: { path: '^(src-main|src-renderer)/', pathNot: '^src-main/core/' },
    },
    {
      name: 'services-never-import-session-ipc-cli',
      comment:
        'The vault, importers and report writers are services that the session, the IPC handlers and the command line call; they never call back up into them.',
      severity: 'error',
      from: { path: '^src-main/(vault|importers|reports)/', pathNot: TESTS },
      to: { path: '^src-main/(session|ipc|cli)/' },
    },
    {
      name: 'imports-resolve',
      comment: 'An import that leads nowhere (a file moved without its importers) is named here, with the layer it was meant for.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other in a ring cannot be read, tested or moved one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist|node_modules|test-results)/' },
    // Type-only imports must be seen (they are what the renderer may use), and be told apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
