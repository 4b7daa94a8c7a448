// The Node peer of `make bench`: a websocket broadcast relay, what a team
// would write in an afternoon with the npm package ws, with no durability
// and no order beyond what one process gives.  A connection to /sub
// receives every text message sent on any connection to /pub; each sender
// is answered "+" once its message has been handed to every subscriber, so
// the load generator can keep a window of messages outstanding as it does
// with the hub's acks.  Listens on 127.0.0.1 at a free port and prints
// "relay listening on 127.0.0.1:PORT".  Test-only: bench/run.sh installs
// ws into a private node_modules and passes it in NODE_PATH.
'use strict';
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({
	host: '127.0.0.1',
	port: Number(process.argv[2] || 0),
	perMessageDeflate: false,
	clientTracking: false,
});
const subs = new Set();

wss.on('connection', (ws, req) => {
	if (req.url === '/sub') {
		subs.add(ws);
		ws.on('close', () => subs.delete(ws));
		ws.on('error', () => subs.delete(ws));
		return;
	}
	ws.on('message', (data, isBinary) => {
		for (const s of subs)
			s.send(data, { binary: isBinary });
		ws.send('+');
	});
	ws.on('error', () => {});
});
wss.on('listening', () => {
	console.log(`relay listening on 127.0.0.1:${wss.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
