// The citizen's progress page in headless chromium, on a phone-sized
// screen, against the stack open311.sh started (a ticket filed through the
// gateway and answered by a department worker).
//
//   node progress.js EXPECT.json PLAYWRIGHT_CORE_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const browser = require('./browser.js');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function lookup(page, ticket, phone) {
    await page.fill('#ticket', ticket);
    await page.fill('#phone', phone);
    await page.click('#go');
}

async function run(ctx, check) {
    const page = await ctx.newPage();
    await page.goto(cfg.base + '/progress');
    check((await page.title()) === '12345 办理进度查询', 'the page title');
    // A phone's width: nothing wider than the screen.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `fits a 390 px screen (${width})`);

    await lookup(page, cfg.ticket.toLowerCase(), cfg.phone);
    await page.waitForSelector('#result:not([hidden])', { timeout: 10000 });
    const state = await page.textContent('#r-state');
    check(/已答复/.test(state), `the state (${state})`);
    check((await page.textContent('#r-ticket')) === cfg.ticket, 'the ticket number');
    check((await page.textContent('#r-unit')) === cfg.unit, 'the unit');
    check(/^\d{4}年\d+月\d+日 \d\d:\d\d 前$/.test(await page.textContent('#r-promised')),
          'the promised date');
    check((await page.textContent('#r-reply')).length > 0
          && await page.isVisible('#r-reply-box'), 'the reply');
    await page.screenshot({ path: path.join(cfg.screenshots, 'progress-390x844.png'),
                            fullPage: true });

    await lookup(page, cfg.ticket, cfg.wrong_phone);
    await page.waitForFunction(() => document.getElementById('error').textContent !== '');
    check(/工单号或手机号码不正确/.test(await page.textContent('#error')),
          'a wrong number is refused');
    check(await page.isHidden('#result'), 'and shows nothing of the ticket');
}

browser.run(process.argv[3], run);
