// biome-ignore-all format: the code below is sockjs-node's README text, as written there
// biome-ignore-all lint: the code below is sockjs-node's README text, as written there
//
// The echo server from sockjs-node's first README (August 2011), as written
// there. It runs on @sockjs-ts/server unchanged: `new sockjs.Server`, the
// 'open' event, `conn.on('message', (e) => e.data)`, `conn.send` and the
// '[/]echo' prefix are the legacy API (docs/api.md, "Legacy API").
// test/migrate/early-readme.test.ts runs it with require('sockjs') pointed
// at @sockjs-ts/server and port 9999 swapped for a free one.
var http = require('http');
var sockjs = require('sockjs');

var sockjs_opts = {sockjs_url: "http://127.0.0.1:8000/lib/sockjs.js"};

var sjs_echo = new sockjs.Server(sockjs_opts);
sjs_echo.on('open', function(conn) {
    conn.on('message', function(e) {
        conn.send(e.data);
    });
});

var normal_handler = function(req, res) {
        res.writeHead(404);
        res.end("Not found.");
};

var server = http.createServer();
server.addListener('request', normal_handler);
server.addListener('upgrade', normal_handler);

sjs_echo.installHandlers(server, {prefix:'[/]echo'});

server.listen(9999, '0.0.0.0');
