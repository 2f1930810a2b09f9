#!/bin/sh
# Installs the Debian packages the build and the tests need, when missing.
set -e
need=""
for p in gcc make clang clang-format libjemalloc-dev libssl-dev openssl liblua5.1-0-dev lua-cjson-dev lua-bitop-dev python3-redis python3-pytest python3-pytest-xdist python3-xxhash redis-server redis-tools; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
# Node.js and npm for the ioredis suite (tests/clients/ioredis); a node that
# is already there (Debian's or another vendor's, with its own npm) is used.
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
    echo "installing:$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi

# The ioredis suite's packages, exactly as package-lock.json pins them; `npm ci`
# only when the lock file changed since the last install (the copy in
# node_modules records which one was installed).
IOREDIS_DIR=$(cd "$(dirname "$0")" && pwd)/clients/ioredis
if ! cmp -s "$IOREDIS_DIR/package-lock.json" "$IOREDIS_DIR/node_modules/.streamd-installed-lock"; then
    echo "installing the ioredis suite's npm packages (npm ci)"
    (cd "$IOREDIS_DIR" && npm ci --no-audit --no-fund --loglevel=error) || {
        echo "npm ci failed in $IOREDIS_DIR (is the npm registry reachable?)" >&2
        exit 1
    }
    cp "$IOREDIS_DIR/package-lock.json" "$IOREDIS_DIR/node_modules/.streamd-installed-lock"
fi
