# One image for every role: coordinator (`sweep run`), `sweep worker` and
# `sweep dashboard`. TypeScript runs through tsx, a runtime dependency; the
# development tools (compilers, linters, the browser driver) stay out.
FROM node:20-bookworm

WORKDIR /app

# sqlite3 compiles its bundled SQLite here instead of fetching a prebuilt
# binary: the image is built from the npm registry alone.
ENV npm_config_build_from_source=true

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY coordinator ./coordinator
COPY workers ./workers
COPY dashboard ./dashboard
COPY migrations ./migrations
COPY sweeps ./sweeps

ENV SWEEP_DB=/data/sweeps.sqlite
VOLUME ["/data"]

ENTRYPOINT ["node", "bin/sweep.mjs"]
CMD ["--help"]
