/*
 * Connects noVNC's RFB client to the server that served this page
 *
 * The RFB stream runs over a WebSocket on the same port as the page. The
 * state is kept in body[data-state] (loading, connecting, credentials,
 * connected, disconnected, failed) for tests to wait on.
 */

const body     = document.body;
const status   = document.getElementById('status');
const screen   = document.getElementById('screen');
const form     = document.getElementById('credentials');
const username = document.getElementById('username');
const password = document.getElementById('password');

const params = new URLSearchParams(location.search);

function show(state, text)
{
	body.dataset.state = state;
	status.textContent = text;
}

/*
 * Imported at run time rather than statically, so that a build without
 * noVNC can still say what is missing instead of failing silently.
 */
let RFB;
try {
	RFB = (await import('/novnc/core/rfb.js')).default;
} catch (e) {
	show('failed', 'noVNC is not part of this build of the vnc component: ' +
	     "run 'npm ci' in the nestbox source tree and rebuild (" + e.message + ')');
	throw e;
}

const scheme = (location.protocol === 'https:') ? 'wss://' : 'ws://';
const url    = scheme + location.host + '/websockify';

show('connecting', 'connecting to ' + location.host);

const rfb = new RFB(screen, url);
rfb.scaleViewport = (params.get('scale') !== '0');
rfb.background    = '#282828';

let reason = '';

rfb.addEventListener('connect', () => {
	form.hidden = true;
	show('connected', 'connected' + (document.title ? ' to ' + document.title : ''));
	rfb.focus();
});

rfb.addEventListener('disconnect', (e) => {
	form.hidden = true;
	/* a refused login ends the connection uncleanly too: its reason says more */
	if (reason)              show('disconnected', 'disconnected: ' + reason);
	else if (e.detail.clean) show('disconnected', 'disconnected');
	else                     show('disconnected', 'disconnected: connection lost');
});

rfb.addEventListener('securityfailure', (e) => {
	reason = e.detail.reason || 'authentication failed (status ' + e.detail.status + ')';
});

rfb.addEventListener('desktopname', (e) => {
	document.title = e.detail.name;
	if (body.dataset.state === 'connected') show('connected', 'connected to ' + e.detail.name);
});

rfb.addEventListener('credentialsrequired', (e) => {
	const types = e.detail.types || ['password'];
	username.parentElement.hidden = !types.includes('username');
	form.hidden = false;
	show('credentials', 'the server asks for a password');
	(types.includes('username') ? username : password).focus();
});

form.addEventListener('submit', (e) => {
	e.preventDefault();
	const credentials = { password: password.value };
	if (!username.parentElement.hidden) credentials.username = username.value;
	password.value = '';
	form.hidden = true;
	show('connecting', 'authenticating');
	rfb.sendCredentials(credentials);
});
