# Dockerfile
# Multi-stage image of checkout-price-guard: tsc in a build stage, then dist/ + production deps only, run as uid 10001.
#
# Build: docker build -t checkout-price-guard .
# Run:   docker run --init -p 3000:3000 checkout-price-guard
# With a config file (JSON or YAML), mounted into the /config volume:
#   docker run --init -p 3000:3000 -v "$PWD/price-guard.yaml:/config/price-guard.yaml:ro" \
#     -e PRICE_GUARD_CONFIG=/config/price-guard.yaml checkout-price-guard
# See docs/docker.md.

# Base image. Upstream builds use the official Node image; CI (scripts/test-docker.sh) cannot pull, so it
# assembles a Debian bookworm + Node 20 image locally and tags it with this same name.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build stage: all deps + tsc
FROM ${NODE_IMAGE} AS build
# npm reads npm_config_registry from the environment; override with --build-arg to use a mirror.
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# Manifests first so the dependency layer is cached until package-lock.json changes.
COPY package.json package-lock.json ./
# package-lock.json records every platform's optional binaries (scripts/complete-lockfile.js), so npm ci
# installs exactly the locked versions from any registry or mirror.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/copy-assets.js ./scripts/copy-assets.js
RUN npm run build

# ---------------------------------------------------------------- runtime stage: production deps + dist/
FROM ${NODE_IMAGE} AS runtime
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
LABEL org.opencontainers.image.title="checkout-price-guard" \
      org.opencontainers.image.description="Holds suspicious checkout orders (pricing glitches, leaked vouchers) for review" \
      org.opencontainers.image.licenses="MIT"
# HOST=0.0.0.0: inside its own network namespace the service must listen on every interface to be reachable
# through -p (outside a container `serve` listens on 127.0.0.1 unless told otherwise).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
# PRICE_GUARD_CONFIG is deliberately unset: the built-in defaults apply. To use a config file, mount it into
# the /config volume and set it at run time, conventionally: -e PRICE_GUARD_CONFIG=/config/price-guard.yaml
# REDIS_URL is unset too: without it the service uses its embedded in-memory store.
WORKDIR /app
COPY package.json package-lock.json ./
# Production deps only, no install scripts.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*
COPY --from=build /app/dist ./dist
# Numeric uid/gid so `USER` is non-root even where /etc/passwd is not consulted (e.g. runAsNonRoot checks).
# The application files stay owned by root: the service can read but not modify its own code.
RUN groupadd --system --gid 10001 guard \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin guard \
 && mkdir -p /config \
 && chown 10001:10001 /config
USER 10001:10001
VOLUME ["/config"]
EXPOSE 3000
# No curl/wget in a slim image: Node itself probes /healthz on the port the service listens on.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const r=require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/healthz',timeout:4000},(s)=>process.exit(s.statusCode===200?0:1));r.on('timeout',()=>r.destroy(new Error('timeout')));r.on('error',()=>process.exit(1));"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
