#!/bin/sh
# Installs Debian's Chromium, chromedriver and CJK fonts for the browser tests when they are
# missing and we are root. Never fails the build by itself: tests decide whether a missing
# browser is a skip or (REQUIRE_BROWSER=1) a failure.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_browser: Chromium/chromedriver/fonts missing and cannot install them (not root or no apt-get)" >&2
    exit 0
fi
echo "ensure_browser: installing chromium chromium-driver fonts-noto-cjk from Debian's packages" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null) \
    || echo "ensure_browser: installation failed; browser tests will be skipped unless REQUIRE_BROWSER=1" >&2
exit 0
