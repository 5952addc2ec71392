// The caller's online 回访 page in headless chromium, on a phone-sized
// screen: a rating by the ticket's one-time link, the same link refused
// once used, a forged link refused.
//
//   node visit.js EXPECT.json PLAYWRIGHT_CORE_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const browser = require('./browser.js');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function rate(page, link, value, comment) {
    await page.goto('about:blank');     // a fresh page: only the fragment differs otherwise
    await page.goto(link);
    await page.click(`label:has(input[value="${value}"])`);
    await page.fill('#comment', comment);
    await page.click('#go');
}

async function errorText(page) {
    await page.waitForFunction(() => document.getElementById('error').textContent !== '');
    return page.textContent('#error');
}

async function run(ctx, check) {
    const page = await ctx.newPage();
    await page.goto(cfg.link);
    check((await page.title()) === '12345 办理结果评价', 'the page title');
    check((await page.textContent('#ticket')) === cfg.ticket, 'the ticket number');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `fits a 390 px screen (${width})`);
    await page.click('#go');
    check(/请选择/.test(await errorText(page)), 'a rating is asked for');

    await rate(page, cfg.link, 'basically_satisfied', cfg.comment);
    await page.waitForSelector('#thanks:not([hidden])', { timeout: 10000 });
    check(/感谢/.test(await page.textContent('#done')), 'thanked');
    await page.screenshot({ path: path.join(cfg.screenshots, 'visit-390x844.png'), fullPage: true });

    await rate(page, cfg.link, 'satisfied', '');
    const used = await errorText(page);
    check(/只能使用一次/.test(used), `the used link is refused (${used})`);
    check(await page.isHidden('#thanks'), 'and nothing is thanked for');

    await rate(page, cfg.forged, 'satisfied', '');
    const forged = await errorText(page);
    check(/链接无效/.test(forged), `a forged link is refused (${forged})`);

    await page.goto('about:blank');
    await page.goto(cfg.link.split('#')[0]);
    check(/不完整/.test(await page.textContent('#error')), 'a link without its token');
}

browser.run(process.argv[3], run);
