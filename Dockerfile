# syntax=docker/dockerfile:1
# Build stage: full toolchain (better-sqlite3 compiles from source), dev dependencies for tsc.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` (scripts/build-once.mjs) skips what is not copied yet; the builds run below.
COPY scripts/build-once.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
# Build steps and the demo seeder's sources; the seeder comes out bundled as dist/demo/seed-demo.js (bench/ is not needed).
COPY scripts ./scripts
COPY schema ./schema
COPY console ./console
RUN npm run build && npm run build:console && npm prune --omit=dev

# Runtime stage: slim image, production dependencies only (with the compiled native addon), non-root.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    DATABASE_URL=sqlite:/data/leads.sqlite
WORKDIR /app
RUN mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app/node_modules ./node_modules
# dist/ holds the service (src/), its migrations, ormconfig.js, the bundled explorer and the demo seeder (demo/):
# tsconfig.build.json compiles no bench/ or scripts/ code.
COPY --from=build --chown=node:node /app/dist ./dist
# The web console, served at / (src/server/console.ts finds it beside dist/).
COPY --from=build --chown=node:node /app/console/dist ./console/dist
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/schema ./schema
USER node
VOLUME ["/data"]
EXPOSE 4000
# Migrations run at start (src/main.ts applies pending ones before listening). By hand, without ts-node:
#   node dist/src/db/migrate-cli.js                                         (apply, printing each)
#   node node_modules/typeorm/cli.js migration:show -d dist/ormconfig.js     (or migration:revert)
#   node dist/demo/seed-demo.js [--contacts 3000 --days 90 --seed 42]       (the demo, on an empty store)
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
