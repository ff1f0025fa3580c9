// From the suite's conftest to the FastAPI app: which directories are on sys.path at test time,
// where the imported modules live, which app the suite's client wraps, which functions the app's
// routes depend on and which of them open a database session, and what the suite overrides.
// Shared by SL206 and SL301-SL306. Everything here answers "unknown" rather than guess.
// One idea per file under app/.
export * from './app/helpers.js';
export * from './app/paths.js';
export * from './app/sys-path.js';
export * from './app/resolve.js';
export * from './app/types.js';
export * from './app/model.js';
export * from './app/clients.js';
export * from './app/helper-clients.js';
export * from './app/overrides.js';
export * from './app/override-helpers.js';
export * from './app/find-app.js';
export * from './app/db-dependency.js';
export * from './app/settings.js';
export * from './app/env-sets.js';
