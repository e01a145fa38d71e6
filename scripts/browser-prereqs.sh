#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (test/e2e/temporal-ui-browser.test.ts, driven by playwright-core),
# idempotently: only when /usr/bin/chromium is missing. Playwright's own browser download is never used.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium
