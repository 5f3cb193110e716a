/**
 * Imported first by bench/common.ts: the service runs as deployed, with
 * NODE_ENV=production from before any library loads (graphql-js, for one,
 * picks its production code paths when its modules are first evaluated, so
 * setting it later leaves the development checks on).
 */
process.env.NODE_ENV = 'production';
