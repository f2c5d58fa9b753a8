// Runs in the test page, after sockjs-client's sockjs.min.js. The Node side
// calls window.sockjsInterop.run(options) through Playwright and checks the
// result it returns. Strings are compared here rather than returned, as the
// trip back to Node cannot carry lone surrogates.

(() => {
  const caseText = (c) => String.fromCharCode(...c.units).repeat(c.repeat || 1);

  const codeUnits = (s) => {
    if (s.length > 40) return s.length + ' code units';
    return Array.from(s, (ch) =>
      Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i).toString(16).padStart(4, '0')),
    )
      .flat()
      .join(' ');
  };

  const deadline = (promise, ms, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(what + ': nothing after ' + ms + ' ms')), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  // A SockJS client whose open, messages and close can be awaited.
  const connect = (url, transport) => {
    // A generous attempt timeout: with one transport forced there is nothing to
    // fall back to when a loaded machine is slow to load an iframe.
    const sock = new SockJS(
      url,
      null,
      transport ? { transports: [transport], timeout: 10000 } : {},
    );
    const received = [];
    let wanted = null;
    const check = () => {
      if (wanted && received.length >= wanted.count) {
        const { count, resolve } = wanted;
        wanted = null;
        resolve(received.splice(0, count));
      }
    };
    const closed = new Promise((resolve) => {
      sock.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
    });
    const opened = new Promise((resolve, reject) => {
      sock.onopen = () => resolve(sock.transport);
      closed.then((e) => reject(new Error('closed before open: ' + e.code + ' ' + e.reason)));
    });
    sock.onmessage = (e) => {
      received.push(e.data);
      check();
    };
    const take = (count, ms) =>
      deadline(
        new Promise((resolve) => {
          wanted = { count, resolve };
          check();
        }),
        ms,
        count + ' messages',
      );
    return { sock, opened, closed, take };
  };

  // One transport, start to end: open, echo the edge cases, echo a burst in
  // order, close; then open on the closing service and get its close frame.
  const run = async ({
    url,
    closeUrl,
    scriptedUrl,
    closeReason,
    transport,
    cases,
    burst,
    stepMs,
  }) => {
    const result = {
      transport: null,
      mismatches: [],
      burstError: null,
      close: null,
      scripted: null,
    };
    const echo = connect(url, transport);
    try {
      result.transport = await deadline(echo.opened, stepMs, 'open');
      const texts = cases.map(caseText);
      for (const t of texts) echo.sock.send(t);
      const echoed = await echo.take(texts.length, stepMs);
      texts.forEach((sent, i) => {
        if (echoed[i] !== sent) {
          result.mismatches.push(
            cases[i].name + ': sent ' + codeUnits(sent) + ', got ' + codeUnits(echoed[i]),
          );
        }
      });
      const sent = Array.from({ length: burst }, (_, i) => 'burst ' + i);
      for (const m of sent) echo.sock.send(m);
      const got = await echo.take(sent.length, stepMs);
      const bad = got.findIndex((m, i) => m !== sent[i]);
      if (bad !== -1) result.burstError = 'message ' + bad + ' was ' + JSON.stringify(got[bad]);
      // Close only once the session has a live receiving request, as in an
      // idle application: a close between two requests (sockjs-client
      // reopens a stream that ended at the response limit, its eventsource
      // receiver after 200 ms) reaches no request, and the server only
      // notices when the disconnect delay runs out. A stream must also have
      // delivered a message, as a close while htmlfile's iframe is still
      // loading makes the server's page call a callback sockjs-client
      // already removed. A poll ends with each message, so for polling the
      // next poll is the live request. The test exposes the server's view:
      // sockjsLiveReceiver() and sockjsReceiverOpen(id).
      const polling = /-polling$/.test(result.transport);
      if (result.transport !== 'websocket') {
        for (let tries = 1; ; tries++) {
          const id = await deadline(
            window.sockjsLiveReceiver(),
            stepMs,
            'a live receiving request',
          );
          if (polling) break;
          echo.sock.send('settle');
          const [settled] = await echo.take(1, stepMs);
          if (settled !== 'settle') throw new Error('echoed ' + JSON.stringify(settled));
          if (await window.sockjsReceiverOpen(id)) break;
          if (tries === 10) throw new Error('no stream stayed open for one message');
        }
      }
    } finally {
      echo.sock.close();
    }
    await deadline(echo.closed, stepMs, 'client close');
    if (closeUrl) {
      const closing = connect(closeUrl, transport);
      result.closeTransport = await deadline(closing.opened, stepMs, 'open on the close service');
      result.close = await deadline(closing.closed, stepMs, 'close from the server');
    }
    if (scriptedUrl) {
      // The server writes on connection, and closes after a write with a
      // reason that has to survive each transport's encoding.
      const scripted = connect(scriptedUrl, transport);
      await deadline(scripted.opened, stepMs, 'open on the scripted service');
      const welcome = await scripted.take(1, stepMs);
      scripted.sock.send('close 4001 ' + closeReason);
      const closing = await scripted.take(1, stepMs);
      const event = await deadline(scripted.closed, stepMs, 'scripted close');
      result.scripted = {
        messages: welcome.concat(closing),
        code: event.code,
        reasonMatches: event.reason === closeReason,
        reason: codeUnits(event.reason),
      };
    }
    return result;
  };

  // Several transports at once on a service with a short heartbeat: counts
  // the heartbeat events each gets while idle, then checks an echo.
  const heartbeats = async ({ url, transports, idleMs, stepMs }) => {
    const one = async (transport) => {
      const c = connect(url, transport);
      let count = 0;
      c.sock.addEventListener('heartbeat', () => {
        count++;
      });
      try {
        const used = await deadline(c.opened, stepMs, transport + ' open');
        await new Promise((resolve) => setTimeout(resolve, idleMs));
        c.sock.send('still here');
        const [echoed] = await c.take(1, stepMs);
        return { transport: used, heartbeats: count, echoed };
      } finally {
        c.sock.close();
      }
    };
    return Promise.all(transports.map(one));
  };

  window.sockjsInterop = { run, heartbeats };
})();
