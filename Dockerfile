# The orchestrator's image: one build, two roles (API and worker), chosen by the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.production.json ./
COPY src ./src
# Only what the API and worker entries import (tsconfig.production.json): the sandbox platform and the
# all-in-one development start (`npm start`) are development tools, not part of the image.
RUN npx tsc -p tsconfig.production.json && test ! -e dist/sandbox && test ! -e dist/system.js && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The order book's schema: dist/book/database.js applies migrations/*.sql at start (MIGRATIONS_DIR,
# two levels above it: /app/migrations).
COPY migrations ./migrations
COPY package.json ./
USER node
CMD ["node", "dist/api-main.js"]
