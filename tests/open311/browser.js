// What the gateway's browser tests share: headless chromium (Debian's,
// driven by playwright-core) on a phone-sized screen in Chinese, and the
// checks' tally. A page's test calls run(PLAYWRIGHT_CORE_DIR, fn(ctx, check)).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

let failures = 0;
function check(ok, what) {
    console.log((ok ? 'ok   ' : 'FAIL ') + what);
    if (!ok) failures++;
}

async function run(playwrightDir, fn) {
    const { chromium } = require(playwrightDir);
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-chromium-'));
    const ctx = await chromium.launchPersistentContext(userDir, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
        locale: 'zh-CN', timezoneId: 'Asia/Shanghai'
    });
    try {
        await fn(ctx, check);
    } catch (e) {
        check(false, 'the browser run: ' + e);
    } finally {
        await ctx.close();
        fs.rmSync(userDir, { recursive: true, force: true });
    }
    process.exit(failures ? 1 : 0);
}

module.exports = { run };
