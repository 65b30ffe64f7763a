/*
 * noVNC in headless Chromium as an H.264 viewer: counts what its WebCodecs
 * decoder decodes, and saves the canvas whenever told
 *
 * usage: node tests/vnc/h264_novnc.mjs URL CANVAS.png [--timeout=SECONDS]
 *
 * Opens the vnc component's page (URL, "?scale=0" added), whose noVNC
 * lists H.264 when the browser's WebCodecs decode it. VideoDecoder is
 * wrapped before the page runs, so that every frame it outputs and every
 * error is counted. Prints "h264_novnc: decoding" once frames came; then
 * for each line on stdin saves the canvas as CANVAS.png and prints
 * "h264_novnc: saved, N frames decoded, E errors"; ends at EOF.
 *
 * Exit status 0 on success, 1 with a message otherwise (no H.264 frame
 * decoded within the timeout included). Needs playwright-core (npm ci) and
 * /usr/bin/chromium (or $CHROMIUM).
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const timeout = Number((process.argv.find((a) => a.startsWith('--timeout=')) || '--timeout=30').slice(10)) * 1000;
if (args.length !== 2) { console.error('usage: h264_novnc.mjs URL CANVAS.png [--timeout=S]'); process.exit(1); }
const url = new URL(args[0]);
url.searchParams.set('scale', '0');

/* each line on stdin asks for the canvas; EOF ends */
const requests = [];
let wake = null, ended = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { for (const c of d) if (c === '\n') requests.push(1); if (wake) wake(); });
process.stdin.on('end', () => { ended = true; if (wake) wake(); });
const next_request = async () => {
	while (!requests.length && !ended) await new Promise((r) => { wake = r; });
	return requests.length ? requests.shift() : null;
};

const profile = mkdtempSync(join(tmpdir(), 'h264-novnc-'));
let context;
let status = 1;
try {
	context = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true, chromiumSandbox: false,
		args: [ '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
		        '--disable-background-networking', '--disable-component-update', '--disable-sync' ],
		viewport: { width: 1280, height: 1024 }, deviceScaleFactor: 1,
	});
	const page = context.pages()[0] || await context.newPage();
	const log = [];
	page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => log.push(`page error: ${e.message}`));

	await page.addInitScript(() => {
		window.__video = { frames: 0, errors: 0 };
		const Real = window.VideoDecoder;
		if (!Real) return;
		window.VideoDecoder = class extends Real {
			constructor(init) {
				super({
					output: (frame) => { window.__video.frames++; init.output(frame); },
					error:  (e) => { window.__video.errors++; init.error(e); },
				});
			}
		};
	});
	await page.goto(url.href, { timeout });
	await page.waitForFunction(() => window.__video.frames > 0, null, { timeout })
		.catch(() => { throw new Error('no H.264 frame decoded\n' + log.join('\n')); });
	console.log('h264_novnc: decoding');

	const canvas = page.locator('#screen canvas');
	let v = { frames: 0, errors: 0 };
	while (await next_request()) {
		const data = await canvas.evaluate((c) => c.toDataURL('image/png'));
		writeFileSync(args[1], Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64'));
		v = await page.evaluate(() => window.__video);
		console.log(`h264_novnc: saved, ${v.frames} frames decoded, ${v.errors} errors`);
	}
	status = v.errors ? 1 : 0;
} catch (e) {
	console.error('h264_novnc: ' + e.message);
} finally {
	if (context) await context.close();
	rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
