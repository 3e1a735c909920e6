# syntax=docker/dockerfile:1
# The operator image: Node 24, production dependencies only, the compiled dist/,
# a non-root user, and `node` itself as the entrypoint.
# test/integration/packaging/production-install.test.ts runs the same steps without Docker.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Compiles src/ to dist/. No install scripts are needed for that: they would only fetch
# a second Node (the `node` devDependency) and run third-party code in the build.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only: --omit=dev leaves out vitest, typescript, tsx, unleash-server
# and the `node` package; no production dependency has an install script.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="unleash-accounts-operator" \
      org.opencontainers.image.description="Kubernetes operator that manages Unleash service accounts and their tokens declaratively" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# dist/main.js reads its --version from ../package.json.
COPY package.json ./
# Root owns the files and the process cannot change them: fine with readOnlyRootFilesystem,
# since the operator writes nothing but stdout. 65532 is the usual "nonroot" uid.
USER 65532:65532
# node, not npm: npm does not forward SIGTERM, and the operator drains and releases its
# Lease on SIGTERM itself (src/main.ts). As PID 1 that works because it installs the handler.
ENTRYPOINT ["node", "dist/main.js"]
