/*
 * Shows the vnc component's web page in headless chromium and saves what
 * noVNC draws
 *
 * usage: node tests/vnc/novnc_test.mjs URL SCREENSHOT.png [ACTION...]
 *        [--password=PW] [--timeout=SECONDS] [--after=AFTER.png] [--page=PAGE.png]
 *
 * URL is the server's page, e.g. http://127.0.0.1:5900/ ("?scale=0" is
 * added: the desktop is shown and saved at 1:1). The script waits until the
 * page reports "connected" and the canvas shows something other than black,
 * saves the canvas as SCREENSHOT.png, performs the actions in order and, if
 * there were any, saves the canvas again (AFTER.png, by default
 * SCREENSHOT-after.png) once it changed or a few seconds passed. --page
 * saves the whole browser page as well, at the end (noVNC's status bar and
 * the desktop, as a user sees them).
 *
 * Actions, in desktop coordinates:
 *   click:X,Y     left click at pixel X,Y of the desktop
 *   move:X,Y      move the pointer there
 *   type:TEXT     type TEXT (keyboard events per character)
 *   key:NAME      press a key, Playwright's names: Enter, Escape, Control+a
 *   wait:MS       wait (to let the desktop react before the next action)
 *
 * Exit status 0 on success, 1 with a message otherwise. Needs
 * playwright-core (npm ci) and /usr/bin/chromium (or $CHROMIUM).
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function fail(message)
{
	console.error('novnc_test: ' + message);
	process.exit(1);
}

/* arguments */
const options = { password: null, timeout: 30, after: null, page: null };
const positional = [];
for (const arg of process.argv.slice(2)) {
	const m = arg.match(/^--(password|timeout|after|page)=(.*)$/s);
	if (m) options[m[1]] = m[2];
	else positional.push(arg);
}
if (positional.length < 2)
	fail('usage: novnc_test.mjs URL SCREENSHOT.png [click:X,Y|move:X,Y|type:TEXT|key:NAME|wait:MS ...] ' +
	     '[--password=PW] [--timeout=S] [--after=PATH] [--page=PATH]');

const [url_arg, screenshot, ...action_args] = positional;
const timeout_ms = Number(options.timeout) * 1000;
const after_path = options.after || screenshot.replace(/(\.png)?$/i, '-after.png');

const actions = action_args.map((a) => {
	const m = a.match(/^(click|move|type|key|wait):(.*)$/s);
	if (!m) fail(`unknown action '${a}'`);
	const [, kind, value] = m;
	if (kind === 'click' || kind === 'move') {
		const xy = value.match(/^(\d+),(\d+)$/);
		if (!xy) fail(`'${a}': expected ${kind}:X,Y`);
		return { kind, x: Number(xy[1]), y: Number(xy[2]) };
	}
	if (kind === 'wait' && !/^\d+$/.test(value)) fail(`'${a}': expected wait:MS`);
	return { kind, value };
});

const url = new URL(url_arg);
url.searchParams.set('scale', '0');

/* a fresh profile, so that no cache or state of an earlier run plays in */
const profile = mkdtempSync(join(tmpdir(), 'novnc-test-'));
let context;

async function run()
{
	context = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		chromiumSandbox: false,
		args: [ '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		        '--no-first-run', '--disable-background-networking',
		        '--disable-component-update', '--disable-sync' ],
		viewport: { width: 1280, height: 1024 },
		deviceScaleFactor: 1,
	});
	const page = context.pages()[0] || await context.newPage();

	const log = [];
	page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => log.push(`page error: ${e.message}`));

	const response = await page.goto(url.href, { timeout: timeout_ms });
	if (!response || !response.ok())
		throw new Error(`GET ${url.href}: ${response ? response.status() : 'no response'}`);

	const deadline = Date.now() + timeout_ms;
	const left = () => Math.max(1, deadline - Date.now());

	/* wait for "connected", answering a password prompt on the way */
	for (;;) {
		await page.waitForFunction(
			() => ['connected', 'credentials', 'disconnected', 'failed'].includes(document.body.dataset.state),
			null, { timeout: left() });
		const state  = await page.evaluate(() => document.body.dataset.state);
		const status = await page.textContent('#status');
		if (state === 'connected') break;
		if (state !== 'credentials')
			throw new Error(`page reports '${status}'\n${log.join('\n')}`);
		if (options.password === null)
			throw new Error('the server asks for a password: pass --password=PW');
		await page.fill('#password', options.password);
		await page.click('#credentials button[type=submit]');
		await page.waitForFunction(() => document.body.dataset.state !== 'credentials',
		                           null, { timeout: left() });
	}

	/* the canvas, read back as pixels: the desktop at 1:1, whatever the zoom */
	const canvas = page.locator('#screen canvas');
	const frame_png = () => canvas.evaluate((c) => c.toDataURL('image/png'));
	const not_black = () => canvas.evaluate((c) => {
		if (c.width === 0 || c.height === 0) return false;
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		for (let i = 0; i < d.length; i += 4)
			if (d[i] || d[i + 1] || d[i + 2]) return true;
		return false;
	});
	while (!(await not_black())) {
		if (Date.now() > deadline) throw new Error('the desktop stayed black');
		if (await page.evaluate(() => document.body.dataset.state) !== 'connected')
			throw new Error(`page reports '${await page.textContent('#status')}'`);
		await page.waitForTimeout(100);
	}

	const save = (path, data_url) =>
		writeFileSync(path, Buffer.from(data_url.replace(/^data:image\/png;base64,/, ''), 'base64'));

	const first = await frame_png();
	save(screenshot, first);
	const size = await canvas.evaluate((c) => ({ width: c.width, height: c.height }));
	console.log(`novnc_test: connected, ${size.width}x${size.height} desktop saved to ${screenshot}`);

	const save_page = async () => {
		if (!options.page) return;
		await page.screenshot({ path: options.page });
		console.log(`novnc_test: the page saved to ${options.page}`);
	};

	if (actions.length === 0) { await save_page(); return; }

	/* make the whole desktop reachable for clicks at 1:1 */
	const status_height = await page.evaluate(() => document.getElementById('status').offsetHeight);
	await page.setViewportSize({ width: Math.max(size.width, 320),
	                             height: Math.max(size.height + status_height, 200) });

	/* desktop coordinates to page coordinates, in case the canvas is scaled or offset */
	const to_page = async (x, y) => {
		const r = await canvas.evaluate((c) => {
			const b = c.getBoundingClientRect();
			return { left: b.left, top: b.top, sx: b.width / c.width, sy: b.height / c.height };
		});
		return [ r.left + (x + 0.5) * r.sx, r.top + (y + 0.5) * r.sy ];
	};

	await canvas.evaluate((c) => c.focus());
	for (const a of actions) {
		switch (a.kind) {
		case 'click': { const [px, py] = await to_page(a.x, a.y); await page.mouse.click(px, py); break; }
		case 'move':  { const [px, py] = await to_page(a.x, a.y); await page.mouse.move(px, py); break; }
		case 'type':  await page.keyboard.type(a.value, { delay: 20 }); break;
		case 'key':   await page.keyboard.press(a.value); break;
		case 'wait':  await page.waitForTimeout(Number(a.value)); break;
		}
	}

	/*
	 * The server's answer arrives some time after the input: wait for the
	 * frame to change, then for it to settle, but give up after a while,
	 * since an action need not change anything
	 */
	const changed_by = Date.now() + 5000;
	let now = await frame_png();
	while (now === first && Date.now() < changed_by) {
		await page.waitForTimeout(100);
		now = await frame_png();
	}
	for (let settled = 0; settled < 3 && Date.now() < changed_by + 5000; ) {
		await page.waitForTimeout(100);
		const next = await frame_png();
		settled = (next === now) ? settled + 1 : 0;
		now = next;
	}
	save(after_path, now);
	console.log(`novnc_test: after ${actions.length} action(s) the desktop ` +
	            `${now === first ? 'did not change' : 'changed'}, saved to ${after_path}`);
	await save_page();
}

try {
	await run();
} catch (e) {
	console.error('novnc_test: ' + (e && e.message ? e.message : e));
	process.exitCode = 1;
} finally {
	if (context) await context.close().catch(() => {});
	rmSync(profile, { recursive: true, force: true });
}
