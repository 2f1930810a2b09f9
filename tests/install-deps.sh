#!/bin/sh
# Installs the Debian packages the build and the tests need, when missing.
set -e
need=""
for p in gcc make clang clang-format libjemalloc-dev python3-redis python3-pytest redis-server redis-tools; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
    echo "installing:$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
